/*
 * acpi.h - finds the processors the firmware describes in its ACPI
 * tables: the RSDP, the RSDT or XSDT it points to, and the MADT's local
 * APIC and x2APIC entries.
 *
 * Pure logic: every byte at a physical address is read through a
 * caller-supplied map function (the kernel's direct map; a buffer in the
 * host tests), and every length, checksum and entry is checked before it
 * is used, so a damaged table gives a typed error, never a read past it.
 */
#ifndef CAPOS_LIB_ACPI_H
#define CAPOS_LIB_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS      64
#define ACPI_RSDP_V1_LEN   20
#define ACPI_RSDP_V2_LEN   36
#define ACPI_HEADER_LEN    36
#define ACPI_MAX_TABLE_LEN (1u << 20) /* sanity bound on a table's length */

enum acpi_error {
	ACPI_OK = 0,
	ACPI_ERR_RSDP_SIGNATURE = -1, /* no "RSD PTR " */
	ACPI_ERR_RSDP_CHECKSUM = -2,  /* the first 20 bytes do not sum to 0 */
	ACPI_ERR_RSDP_XCHECKSUM = -3, /* v2: the whole RSDP does not */
	ACPI_ERR_TRUNCATED = -4,      /* shorter than its header says */
	ACPI_ERR_UNMAPPED = -5,       /* the map function refused */
	ACPI_ERR_SIGNATURE = -6,      /* a table has the wrong signature */
	ACPI_ERR_TABLE_LENGTH = -7,   /* a table's length is out of range */
	ACPI_ERR_TABLE_CHECKSUM = -8, /* a table does not sum to 0 */
	ACPI_ERR_NOT_FOUND = -9,      /* no table of that signature */
	ACPI_ERR_ENTRY_LENGTH = -10,  /* a MADT entry of length 0 or past
	                                 the end, or too short for its type */
	ACPI_ERR_TOO_MANY_CPUS = -11, /* more usable CPUs than ACPI_MAX_CPUS */
};

/*
 * Returns a pointer to `len` readable bytes at physical address `phys`, or
 * NULL if they cannot be read.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

struct acpi_rsdp {
	uint8_t revision;
	uint32_t rsdt; /* physical address, 0 if none */
	uint64_t xsdt; /* physical address, 0 if none (revision < 2) */
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;        /* ACPI processor UID */
	bool x2apic;         /* from a type 9 entry */
	bool online_capable; /* not enabled now, but may be brought up */
};

struct acpi_cpus {
	uint32_t lapic_phys; /* the MADT's local APIC address */
	uint32_t count;
	struct acpi_cpu cpu[ACPI_MAX_CPUS];
	uint32_t disabled;   /* entries neither enabled nor online capable */
	uint32_t duplicates; /* entries repeating an APIC id already listed */
};

/*
 * Validates the RSDP in rsdp[0..len): signature, the v1 checksum, and for
 * revision >= 2 the length and extended checksum. Returns ACPI_OK and
 * fills `out`, or a negative acpi_error.
 */
int acpi_rsdp_parse(const void *rsdp, size_t len, struct acpi_rsdp *out);

/*
 * Scans the BIOS areas for an RSDP: the first KiB of the EBDA (its segment
 * is the 16-bit word at physical 0x40E) and 0xE0000-0xFFFFF, on 16-byte
 * boundaries. Returns ACPI_OK with its physical address in *phys (the
 * first one that validates), or ACPI_ERR_NOT_FOUND.
 */
int acpi_rsdp_scan(acpi_map_fn map, void *ctx, uint64_t *phys);

/*
 * Maps and validates the table at `phys` (length bounds, checksum, and
 * the signature `sig` unless NULL). Returns ACPI_OK with the table in
 * *table and its length in *len, or a negative acpi_error.
 */
int acpi_table_map(acpi_map_fn map, void *ctx, uint64_t phys, const char *sig,
                   const uint8_t **table, uint32_t *len);

/*
 * Finds the table with signature `sig` through the XSDT (revision >= 2
 * with one) or the RSDT. Entries that cannot be mapped or do not validate
 * are skipped. Returns ACPI_OK with its physical address, or an error.
 */
int acpi_find_table(const struct acpi_rsdp *rsdp, acpi_map_fn map, void *ctx,
                    const char *sig, uint64_t *phys);

/*
 * Lists the usable processors of a validated MADT (madt[0..len)): type 0
 * and type 9 entries that are enabled or online capable, each APIC id
 * once. Returns ACPI_OK or a negative acpi_error; `out` is zeroed first.
 */
int acpi_madt_cpus(const uint8_t *madt, uint32_t len, struct acpi_cpus *out);

/*
 * The whole walk: RSDP bytes -> RSDT/XSDT -> MADT -> processors.
 */
int acpi_find_cpus(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
                   void *ctx, struct acpi_cpus *out);

const char *acpi_strerror(int err);

#endif
