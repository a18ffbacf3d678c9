/*
 * acpi.c - see acpi.h. Layout facts from the ACPI specification: the
 * RSDP (20 bytes in revision 0, 36 from revision 2), the 36-byte system
 * description header every table starts with, and the MADT's entries
 * {type u8, length u8, ...} after its 44-byte fixed part.
 */
#include "acpi.h"

#include <string.h>

#define RSDP_SIGNATURE "RSD PTR "
#define MADT_FIXED_LEN 44
#define MADT_LAPIC     0
#define MADT_X2APIC    9
#define MADT_LAPIC_LEN 8
#define MADT_X2_LEN    16
#define CPU_ENABLED    (1u << 0)
#define CPU_ONLINE_CAP (1u << 1)
#define EBDA_PTR       0x40E
#define EBDA_SCAN_LEN  1024
#define BIOS_AREA      0xE0000
#define BIOS_AREA_LEN  0x20000

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

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

int acpi_rsdp_parse(const void *rsdp, size_t len, struct acpi_rsdp *out)
{
	const uint8_t *p = rsdp;
	uint32_t xlen;

	memset(out, 0, sizeof(*out));
	if (!p || len < ACPI_RSDP_V1_LEN)
		return ACPI_ERR_TRUNCATED;
	if (memcmp(p, RSDP_SIGNATURE, 8))
		return ACPI_ERR_RSDP_SIGNATURE;
	if (sum(p, ACPI_RSDP_V1_LEN))
		return ACPI_ERR_RSDP_CHECKSUM;
	out->revision = p[15];
	out->rsdt = load32(p + 16);
	if (out->revision < 2)
		return ACPI_OK;
	if (len < ACPI_RSDP_V2_LEN)
		return ACPI_ERR_TRUNCATED;
	xlen = load32(p + 20);
	if (xlen < ACPI_RSDP_V2_LEN || xlen > len)
		return ACPI_ERR_TRUNCATED;
	if (sum(p, xlen))
		return ACPI_ERR_RSDP_XCHECKSUM;
	out->xsdt = load64(p + 24);
	return ACPI_OK;
}

/* Returns ACPI_OK if an RSDP sits on a 16-byte boundary of [base,+len). */
static int scan_area(acpi_map_fn map, void *ctx, uint64_t base, size_t len,
                     uint64_t *phys)
{
	const uint8_t *area = map(ctx, base, len);
	struct acpi_rsdp r;

	if (!area)
		return ACPI_ERR_UNMAPPED;
	for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16) {
		size_t avail = len - off;

		if (acpi_rsdp_parse(area + off, avail, &r) == ACPI_OK) {
			*phys = base + off;
			return ACPI_OK;
		}
	}
	return ACPI_ERR_NOT_FOUND;
}

int acpi_rsdp_scan(acpi_map_fn map, void *ctx, uint64_t *phys)
{
	const uint8_t *ptr = map(ctx, EBDA_PTR, 2);
	uint64_t ebda = ptr ? (uint64_t)(ptr[0] | ptr[1] << 8) << 4 : 0;

	if (ebda && ebda < BIOS_AREA &&
	    scan_area(map, ctx, ebda, EBDA_SCAN_LEN, phys) == ACPI_OK)
		return ACPI_OK;
	if (scan_area(map, ctx, BIOS_AREA, BIOS_AREA_LEN, phys) == ACPI_OK)
		return ACPI_OK;
	return ACPI_ERR_NOT_FOUND;
}

int acpi_table_map(acpi_map_fn map, void *ctx, uint64_t phys, const char *sig,
                   const uint8_t **table, uint32_t *len)
{
	const uint8_t *h = map(ctx, phys, ACPI_HEADER_LEN);
	uint32_t n;

	if (!h)
		return ACPI_ERR_UNMAPPED;
	if (sig && memcmp(h, sig, 4))
		return ACPI_ERR_SIGNATURE;
	n = load32(h + 4);
	if (n < ACPI_HEADER_LEN || n > ACPI_MAX_TABLE_LEN)
		return ACPI_ERR_TABLE_LENGTH;
	h = map(ctx, phys, n);
	if (!h)
		return ACPI_ERR_UNMAPPED;
	if (sum(h, n))
		return ACPI_ERR_TABLE_CHECKSUM;
	*table = h;
	*len = n;
	return ACPI_OK;
}

int acpi_find_table(const struct acpi_rsdp *rsdp, acpi_map_fn map, void *ctx,
                    const char *sig, uint64_t *phys)
{
	bool x = rsdp->revision >= 2 && rsdp->xsdt;
	uint64_t root = x ? rsdp->xsdt : rsdp->rsdt;
	size_t esize = x ? 8 : 4;
	const uint8_t *t, *sub;
	uint32_t len, sublen;
	int rc;

	if (!root)
		return ACPI_ERR_NOT_FOUND;
	rc = acpi_table_map(map, ctx, root, x ? "XSDT" : "RSDT", &t, &len);
	if (rc != ACPI_OK)
		return rc;
	for (size_t off = ACPI_HEADER_LEN; off + esize <= len; off += esize) {
		uint64_t e = x ? load64(t + off) : load32(t + off);

		if (e && acpi_table_map(map, ctx, e, sig, &sub, &sublen) ==
		             ACPI_OK) {
			*phys = e;
			return ACPI_OK;
		}
	}
	return ACPI_ERR_NOT_FOUND;
}

/* Adds a processor unless its APIC id is already listed. */
static int add_cpu(struct acpi_cpus *out, uint32_t apic_id, uint32_t uid,
                   uint32_t flags, bool x2apic)
{
	struct acpi_cpu *c;

	if (!(flags & (CPU_ENABLED | CPU_ONLINE_CAP))) {
		out->disabled++;
		return ACPI_OK;
	}
	for (uint32_t i = 0; i < out->count; i++) {
		if (out->cpu[i].apic_id == apic_id) {
			out->duplicates++;
			return ACPI_OK;
		}
	}
	if (out->count == ACPI_MAX_CPUS)
		return ACPI_ERR_TOO_MANY_CPUS;
	c = &out->cpu[out->count++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->x2apic = x2apic;
	c->online_capable = !(flags & CPU_ENABLED);
	return ACPI_OK;
}

int acpi_madt_cpus(const uint8_t *madt, uint32_t len, struct acpi_cpus *out)
{
	uint32_t off;
	int rc = ACPI_OK;

	memset(out, 0, sizeof(*out));
	if (!madt || len < MADT_FIXED_LEN || load32(madt + 4) != len)
		return ACPI_ERR_TRUNCATED;
	if (memcmp(madt, "APIC", 4))
		return ACPI_ERR_SIGNATURE;
	if (sum(madt, len))
		return ACPI_ERR_TABLE_CHECKSUM;
	out->lapic_phys = load32(madt + 36);
	for (off = MADT_FIXED_LEN; off < len && rc == ACPI_OK;) {
		const uint8_t *e = madt + off;
		uint32_t elen;

		if (len - off < 2)
			return ACPI_ERR_ENTRY_LENGTH;
		elen = e[1];
		if (elen < 2 || elen > len - off)
			return ACPI_ERR_ENTRY_LENGTH;
		if (e[0] == MADT_LAPIC) {
			if (elen < MADT_LAPIC_LEN)
				return ACPI_ERR_ENTRY_LENGTH;
			rc = add_cpu(out, e[3], e[2], load32(e + 4), false);
		} else if (e[0] == MADT_X2APIC) {
			if (elen < MADT_X2_LEN)
				return ACPI_ERR_ENTRY_LENGTH;
			rc = add_cpu(out, load32(e + 4), load32(e + 12),
			             load32(e + 8), true);
		}
		off += elen;
	}
	return rc;
}

int acpi_find_cpus(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
                   void *ctx, struct acpi_cpus *out)
{
	struct acpi_rsdp r;
	const uint8_t *madt;
	uint64_t phys;
	uint32_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = acpi_rsdp_parse(rsdp, rsdp_len, &r);
	if (rc == ACPI_OK)
		rc = acpi_find_table(&r, map, ctx, "APIC", &phys);
	if (rc == ACPI_OK)
		rc = acpi_table_map(map, ctx, phys, "APIC", &madt, &len);
	if (rc == ACPI_OK)
		rc = acpi_madt_cpus(madt, len, out);
	return rc;
}

const char *acpi_strerror(int err)
{
	switch (err) {
	case ACPI_OK:
		return "ok";
	case ACPI_ERR_RSDP_SIGNATURE:
		return "RSDP signature missing";
	case ACPI_ERR_RSDP_CHECKSUM:
		return "RSDP checksum wrong";
	case ACPI_ERR_RSDP_XCHECKSUM:
		return "RSDP extended checksum wrong";
	case ACPI_ERR_TRUNCATED:
		return "ACPI structure truncated";
	case ACPI_ERR_UNMAPPED:
		return "ACPI table not readable";
	case ACPI_ERR_SIGNATURE:
		return "ACPI table signature wrong";
	case ACPI_ERR_TABLE_LENGTH:
		return "ACPI table length out of range";
	case ACPI_ERR_TABLE_CHECKSUM:
		return "ACPI table checksum wrong";
	case ACPI_ERR_NOT_FOUND:
		return "ACPI table not found";
	case ACPI_ERR_ENTRY_LENGTH:
		return "MADT entry length wrong";
	case ACPI_ERR_TOO_MANY_CPUS:
		return "more CPUs than supported";
	}
	return "unknown error";
}
