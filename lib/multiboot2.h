/*
 * multiboot2.h - reads the Multiboot2 boot information GRUB hands over.
 *
 * Pure parsing into a fixed-size struct: every tag is bounds-checked
 * against the total size, so a damaged structure gives an error, never a
 * read past it. Only the tags the kernel uses are kept.
 */
#ifndef CAPOS_LIB_MULTIBOOT2_H
#define CAPOS_LIB_MULTIBOOT2_H

#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36D76289

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 64
#define BOOT_CMDLINE_MAX 256
#define BOOT_MODNAME_MAX 64
#define BOOT_RSDP_MAX    36 /* an ACPI 2.0+ RSDP; a 1.0 one is 20 */

/* Memory map entry types (Multiboot2 spec). */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED  2
#define MB2_MEM_ACPI      3
#define MB2_MEM_NVS       4
#define MB2_MEM_BAD       5

struct boot_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	uint64_t start; /* physical, inclusive */
	uint64_t end;   /* physical, exclusive */
	char name[BOOT_MODNAME_MAX];
};

struct boot_info {
	uint32_t total_size;
	char cmdline[BOOT_CMDLINE_MAX];
	uint32_t nregions;
	struct boot_region regions[BOOT_MAX_REGIONS];
	uint32_t nmodules;
	struct boot_module modules[BOOT_MAX_MODULES];
	uint32_t dropped; /* regions or modules that did not fit */
	/* ACPI RSDP copy inside the information (offset from its start),
	 * and a copy of its first rsdp_len bytes in rsdp (tag 15, the ACPI
	 * 2.0+ one, wins over tag 14); rsdp_len 0: no tag. */
	uint32_t rsdp_offset, rsdp_len;
	uint8_t rsdp[BOOT_RSDP_MAX];
};

enum mb2_error {
	MB2_OK = 0,
	MB2_ERR_MAGIC = -1,     /* the boot loader is not Multiboot2 */
	MB2_ERR_TRUNCATED = -2, /* total size below the header or above avail */
	MB2_ERR_TAG_SIZE = -3,  /* a tag runs past the end or is too small */
	MB2_ERR_NO_END_TAG = -4, /* tags end without the end tag */
	MB2_ERR_NO_MMAP = -5,    /* no memory map: nothing to allocate from */
};

/*
 * Parses the information at `mbi`, of which at most `avail` bytes may be
 * read. Returns MB2_OK or a negative mb2_error; `out` is fully written
 * either way (zeroed first).
 */
int mb2_parse(uint32_t magic, const void *mbi, size_t avail,
              struct boot_info *out);

const char *mb2_strerror(int err);

#endif
