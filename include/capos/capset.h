/*
 * capset.h - the read-only CapSet page a process starts with (ABI).
 *
 * One entry per initial capability, in manifest order: its name, CapId and
 * Cap'n Proto interface id. The runtime hands out a typed client only when
 * the interface id matches the one the program asks for.
 */
#ifndef CAPOS_CAPSET_H
#define CAPOS_CAPSET_H

#include <stdint.h>
#include <capos/capid.h>

#define CAPOS_CAPSET_MAGIC    0x54455350u /* "PSET" little endian */
#define CAPOS_CAPSET_VERSION  1
#define CAPOS_CAPSET_NAME_MAX 32 /* including the NUL */

struct capos_capset_entry {
	char name[CAPOS_CAPSET_NAME_MAX]; /* NUL-terminated */
	capos_cap_t cap;
	uint32_t reserved;
	uint64_t interface_id;
};

struct capos_capset_header {
	uint32_t magic;
	uint16_t version;
	uint16_t count;
	uint64_t reserved;
};

#define CAPOS_CAPSET_MAX_ENTRIES                       \
	((4096 - sizeof(struct capos_capset_header)) / \
	 sizeof(struct capos_capset_entry))

_Static_assert(sizeof(struct capos_capset_entry) == 48, "CapSet entry");
_Static_assert(sizeof(struct capos_capset_header) == 16, "CapSet header");
_Static_assert(__builtin_offsetof(struct capos_capset_entry, cap) == 32, "");
_Static_assert(__builtin_offsetof(struct capos_capset_entry, interface_id) ==
                   40,
               "");

#endif
