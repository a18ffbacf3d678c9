/*
 * multiboot2.c - see multiboot2.h. Layout facts from the Multiboot2
 * specification: an 8-byte header (total_size, reserved), then tags
 * {type u32, size u32, payload} each starting 8-byte aligned.
 */
#include "multiboot2.h"

#include <string.h>

#define TAG_END     0
#define TAG_CMDLINE 1
#define TAG_MODULE  3
#define TAG_MMAP    6
#define TAG_RSDP_V1 14
#define TAG_RSDP_V2 15

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Copies a string field of at most `len` bytes, always NUL-terminating. */
static void copy_string(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	size_t n = 0;

	while (n < len && n + 1 < cap && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void parse_mmap(const uint8_t *tag, uint32_t size, struct boot_info *out)
{
	uint32_t entry_size;

	if (size < 16)
		return;
	entry_size = load32(tag + 8);
	if (entry_size < 24)
		return;
	for (uint64_t off = 16; off + entry_size <= size; off += entry_size) {
		struct boot_region *r;

		if (out->nregions == BOOT_MAX_REGIONS) {
			out->dropped++;
			continue;
		}
		r = &out->regions[out->nregions++];
		r->base = load64(tag + off);
		r->len = load64(tag + off + 8);
		r->type = load32(tag + off + 16);
	}
}

static void parse_module(const uint8_t *tag, uint32_t size,
                         struct boot_info *out)
{
	struct boot_module *m;

	if (size < 16)
		return;
	if (out->nmodules == BOOT_MAX_MODULES) {
		out->dropped++;
		return;
	}
	m = &out->modules[out->nmodules++];
	m->start = load32(tag + 8);
	m->end = load32(tag + 12);
	if (m->end < m->start)
		m->end = m->start;
	copy_string(m->name, sizeof(m->name), tag + 16, size - 16);
}

/* Keeps the RSDP bytes themselves: the information need not outlive
 * mb2_parse, and ACPI code reads them long after. */
static void copy_rsdp(const uint8_t *tag, uint32_t size, uint32_t off,
                      struct boot_info *out)
{
	uint32_t n = size - 8;

	if (n > BOOT_RSDP_MAX)
		n = BOOT_RSDP_MAX;
	out->rsdp_offset = off + 8;
	out->rsdp_len = n;
	memset(out->rsdp, 0, sizeof(out->rsdp));
	memcpy(out->rsdp, tag + 8, n);
}

int mb2_parse(uint32_t magic, const void *mbi, size_t avail,
              struct boot_info *out)
{
	const uint8_t *base = mbi;
	uint32_t size;
	uint64_t total, off;

	memset(out, 0, sizeof(*out));
	if (magic != MB2_BOOTLOADER_MAGIC)
		return MB2_ERR_MAGIC;
	if (!base || avail < 8)
		return MB2_ERR_TRUNCATED;
	total = load32(base);
	if (total < 16 || total > avail)
		return MB2_ERR_TRUNCATED;
	out->total_size = (uint32_t)total;

	for (off = 8; off + 8 <= total; off = (off + size + 7) & ~7ull) {
		const uint8_t *tag = base + off;
		uint32_t type = load32(tag);

		size = load32(tag + 4);

		if (size < 8 || size > total - off)
			return MB2_ERR_TAG_SIZE;
		switch (type) {
		case TAG_END:
			return out->nregions ? MB2_OK : MB2_ERR_NO_MMAP;
		case TAG_CMDLINE:
			copy_string(out->cmdline, sizeof(out->cmdline), tag + 8,
			            size - 8);
			break;
		case TAG_MODULE:
			parse_module(tag, size, out);
			break;
		case TAG_MMAP:
			parse_mmap(tag, size, out);
			break;
		case TAG_RSDP_V1:
		case TAG_RSDP_V2:
			if (!out->rsdp_len || type == TAG_RSDP_V2)
				copy_rsdp(tag, size, (uint32_t)off, out);
			break;
		default:
			break;
		}
	}
	return MB2_ERR_NO_END_TAG;
}

const char *mb2_strerror(int err)
{
	switch (err) {
	case MB2_OK:
		return "ok";
	case MB2_ERR_MAGIC:
		return "not started by a Multiboot2 loader";
	case MB2_ERR_TRUNCATED:
		return "boot information truncated";
	case MB2_ERR_TAG_SIZE:
		return "boot information tag has a bad size";
	case MB2_ERR_NO_END_TAG:
		return "boot information has no end tag";
	case MB2_ERR_NO_MMAP:
		return "boot information has no memory map";
	}
	return "unknown error";
}
