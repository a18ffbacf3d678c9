/*
 * test_acpi.c - finding processors in hand-built ACPI tables: good v1 and
 * v2 RSDPs, the BIOS-area scan, and every kind of damage, which must give
 * its own error and never a read past the bytes the map function gave
 * (ASan watches the fake physical memory's edges).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <acpi.h>

/* Fake physical memory: the first MiB, plus a little for tables. */
#define MEM_SIZE  0x110000
#define RSDT_AT   0x10000
#define XSDT_AT   0x11000
#define MADT_AT   0x12000
#define FACP_AT   0x13000
#define RSDP_SCAN 0xF0010

static uint8_t *mem;

static const void *map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys > MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	return mem + phys;
}

static void put32(uint64_t at, uint32_t v)
{
	memcpy(mem + at, &v, 4);
}

static void put64(uint64_t at, uint64_t v)
{
	memcpy(mem + at, &v, 8);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* Sets a table's checksum byte so the table sums to zero. */
static void fix_table(uint64_t at)
{
	uint32_t len;

	memcpy(&len, mem + at + 4, 4);
	mem[at + 9] = 0;
	mem[at + 9] = (uint8_t)-sum(mem + at, len);
}

static void header(uint64_t at, const char *sig, uint32_t len)
{
	memset(mem + at, 0, ACPI_HEADER_LEN);
	memcpy(mem + at, sig, 4);
	put32(at + 4, len);
	mem[at + 8] = 1;
	memcpy(mem + at + 10, "CAPOS ", 6);
}

/* An RSDP at `at`: revision 0 (20 bytes) or 2 (36 bytes). */
static void make_rsdp(uint8_t *p, int revision)
{
	memset(p, 0, ACPI_RSDP_V2_LEN);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "CAPOS ", 6);
	p[15] = (uint8_t)revision;
	memcpy(p + 16, &(uint32_t){RSDT_AT}, 4);
	p[8] = (uint8_t)-sum(p, ACPI_RSDP_V1_LEN);
	if (revision >= 2) {
		memcpy(p + 20, &(uint32_t){ACPI_RSDP_V2_LEN}, 4);
		memcpy(p + 24, &(uint64_t){XSDT_AT}, 8);
		p[32] = (uint8_t)-sum(p, ACPI_RSDP_V2_LEN);
	}
}

/* MADT builder: entries are appended, then the length and sum fixed. */
static uint32_t madt_len;

static void madt_start(void)
{
	header(MADT_AT, "APIC", 0);
	put32(MADT_AT + 36, 0xFEE00000);
	put32(MADT_AT + 40, 1);
	madt_len = 44;
}

static void madt_lapic(uint8_t uid, uint8_t apic, uint32_t flags)
{
	uint64_t e = MADT_AT + madt_len;

	mem[e] = 0;
	mem[e + 1] = 8;
	mem[e + 2] = uid;
	mem[e + 3] = apic;
	put32(e + 4, flags);
	madt_len += 8;
}

static void madt_x2apic(uint32_t apic, uint32_t flags, uint32_t uid)
{
	uint64_t e = MADT_AT + madt_len;

	mem[e] = 9;
	mem[e + 1] = 16;
	put32(e + 2, 0);
	put32(e + 4, apic);
	put32(e + 8, flags);
	put32(e + 12, uid);
	madt_len += 16;
}

/* An I/O APIC entry (type 1), which the CPU list must step over. */
static void madt_ioapic(void)
{
	uint64_t e = MADT_AT + madt_len;

	memset(mem + e, 0, 12);
	mem[e] = 1;
	mem[e + 1] = 12;
	madt_len += 12;
}

static void madt_finish(void)
{
	put32(MADT_AT + 4, madt_len);
	fix_table(MADT_AT);
}

/* RSDT and XSDT, each listing a FACP (not wanted) and the MADT. */
static void make_roots(void)
{
	header(FACP_AT, "FACP", ACPI_HEADER_LEN);
	fix_table(FACP_AT);
	header(RSDT_AT, "RSDT", ACPI_HEADER_LEN + 8);
	put32(RSDT_AT + 36, FACP_AT);
	put32(RSDT_AT + 40, MADT_AT);
	fix_table(RSDT_AT);
	header(XSDT_AT, "XSDT", ACPI_HEADER_LEN + 16);
	put64(XSDT_AT + 36, FACP_AT);
	put64(XSDT_AT + 44, MADT_AT);
	fix_table(XSDT_AT);
}

/* Four CPUs with APIC ids 0..3 and an I/O APIC between them. */
static void make_machine(void)
{
	memset(mem, 0, MEM_SIZE);
	make_roots();
	madt_start();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	madt_ioapic();
	madt_lapic(2, 2, 1);
	madt_lapic(3, 3, 1);
	madt_finish();
}

static int setup(void **state)
{
	(void)state;
	mem = malloc(MEM_SIZE); /* exact size: ASan sees overreads */
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static void test_v1_rsdp_finds_cpus_through_rsdt(void **state)
{
	static struct acpi_cpus cpus;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_machine();
	make_rsdp(rsdp, 0);
	put32(XSDT_AT, 0); /* an XSDT must not be used with revision 0 */
	assert_int_equal(
	    acpi_find_cpus(rsdp, ACPI_RSDP_V1_LEN, map, NULL, &cpus), ACPI_OK);
	assert_int_equal(cpus.count, 4);
	assert_int_equal(cpus.lapic_phys, 0xFEE00000);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(cpus.cpu[i].apic_id, i);
		assert_int_equal(cpus.cpu[i].uid, i);
		assert_false(cpus.cpu[i].x2apic);
		assert_false(cpus.cpu[i].online_capable);
	}
}

static void test_v2_rsdp_uses_xsdt(void **state)
{
	static struct acpi_cpus cpus;
	struct acpi_rsdp r;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_machine();
	make_rsdp(rsdp, 2);
	put32(RSDT_AT, 0); /* a v2 RSDP with an XSDT must not need the RSDT */
	assert_int_equal(acpi_rsdp_parse(rsdp, sizeof(rsdp), &r), ACPI_OK);
	assert_int_equal(r.revision, 2);
	assert_int_equal(r.xsdt, XSDT_AT);
	assert_int_equal(acpi_find_cpus(rsdp, sizeof(rsdp), map, NULL, &cpus),
	                 ACPI_OK);
	assert_int_equal(cpus.count, 4);
}

static void test_rsdp_bad_signature(void **state)
{
	struct acpi_rsdp r;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_rsdp(rsdp, 0);
	rsdp[0] = 'X';
	assert_int_equal(acpi_rsdp_parse(rsdp, ACPI_RSDP_V1_LEN, &r),
	                 ACPI_ERR_RSDP_SIGNATURE);
}

static void test_rsdp_bad_checksum(void **state)
{
	struct acpi_rsdp r;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_rsdp(rsdp, 0);
	rsdp[16] ^= 0x10; /* RSDT address changed, sum not fixed */
	assert_int_equal(acpi_rsdp_parse(rsdp, ACPI_RSDP_V1_LEN, &r),
	                 ACPI_ERR_RSDP_CHECKSUM);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct acpi_rsdp r;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_rsdp(rsdp, 2);
	rsdp[24] ^= 0x10; /* XSDT address: outside the v1 checksum */
	assert_int_equal(acpi_rsdp_parse(rsdp, sizeof(rsdp), &r),
	                 ACPI_ERR_RSDP_XCHECKSUM);
}

static void test_rsdp_truncated(void **state)
{
	struct acpi_rsdp r;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_rsdp(rsdp, 2);
	assert_int_equal(acpi_rsdp_parse(rsdp, 19, &r), ACPI_ERR_TRUNCATED);
	/* v2 copy cut to the v1 length */
	assert_int_equal(acpi_rsdp_parse(rsdp, ACPI_RSDP_V1_LEN, &r),
	                 ACPI_ERR_TRUNCATED);
	/* v2 length field larger than the bytes given */
	memcpy(rsdp + 20, &(uint32_t){64}, 4);
	assert_int_equal(acpi_rsdp_parse(rsdp, sizeof(rsdp), &r),
	                 ACPI_ERR_TRUNCATED);
	assert_int_equal(acpi_rsdp_parse(NULL, 0, &r), ACPI_ERR_TRUNCATED);
}

static void test_scan_finds_rsdp_in_bios_area(void **state)
{
	uint64_t phys = 0;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	/* a decoy with a bad checksum first: the scan must pass it by */
	make_rsdp(mem + RSDP_SCAN - 16, 0);
	mem[RSDP_SCAN - 16 + 8]++;
	make_rsdp(mem + RSDP_SCAN, 2);
	assert_int_equal(acpi_rsdp_scan(map, NULL, &phys), ACPI_OK);
	assert_int_equal(phys, RSDP_SCAN);
}

static void test_scan_finds_rsdp_in_ebda(void **state)
{
	uint64_t phys = 0;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	mem[0x40E] = 0x00; /* EBDA segment 0x9F00 -> 0x9F000 */
	mem[0x40F] = 0x9F;
	make_rsdp(mem + 0x9F040, 0);
	make_rsdp(mem + RSDP_SCAN, 0); /* the EBDA comes first */
	assert_int_equal(acpi_rsdp_scan(map, NULL, &phys), ACPI_OK);
	assert_int_equal(phys, 0x9F040);
}

static void test_scan_without_rsdp(void **state)
{
	uint64_t phys = 0;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	assert_int_equal(acpi_rsdp_scan(map, NULL, &phys), ACPI_ERR_NOT_FOUND);
}

static void test_madt_bad_checksum(void **state)
{
	static struct acpi_cpus cpus;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_machine();
	make_rsdp(rsdp, 2);
	mem[MADT_AT + 44 + 3] = 9; /* an APIC id changed, sum not fixed */
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_ERR_TABLE_CHECKSUM);
	/* through the roots the damaged MADT is skipped: none is found */
	assert_int_equal(acpi_find_cpus(rsdp, sizeof(rsdp), map, NULL, &cpus),
	                 ACPI_ERR_NOT_FOUND);
}

static void test_madt_bad_signature(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	make_machine();
	memcpy(mem + MADT_AT, "APIX", 4);
	fix_table(MADT_AT);
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_ERR_SIGNATURE);
}

static void test_madt_truncated(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	make_machine();
	/* fewer bytes than the header's length */
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len - 1, &cpus),
	                 ACPI_ERR_TRUNCATED);
	/* shorter than the fixed part */
	put32(MADT_AT + 4, 40);
	fix_table(MADT_AT);
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, 40, &cpus),
	                 ACPI_ERR_TRUNCATED);
}

static void test_madt_entry_length_zero(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	make_machine();
	mem[MADT_AT + 44 + 8 + 1] = 0; /* second entry: length 0 */
	fix_table(MADT_AT);
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_ERR_ENTRY_LENGTH);
}

static void test_madt_entry_past_end(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	make_machine();
	/* the last entry claims more bytes than the table has left */
	mem[MADT_AT + madt_len - 8 + 1] = 40;
	fix_table(MADT_AT);
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_ERR_ENTRY_LENGTH);
	/* a lone byte after the last entry: no room for a header */
	make_machine();
	madt_len++;
	madt_finish();
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_ERR_ENTRY_LENGTH);
}

static void test_madt_entry_too_short_for_type(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	make_machine();
	mem[MADT_AT + 44 + 1] = 4; /* a local APIC entry needs 8 */
	madt_len = 44 + 4;
	madt_finish();
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_ERR_ENTRY_LENGTH);
}

static void test_too_many_cpus(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	madt_start();
	for (uint32_t i = 0; i <= ACPI_MAX_CPUS; i++)
		madt_lapic((uint8_t)i, (uint8_t)i, 1);
	madt_finish();
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_ERR_TOO_MANY_CPUS);
}

static void test_exactly_max_cpus(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	madt_start();
	for (uint32_t i = 0; i < ACPI_MAX_CPUS; i++)
		madt_lapic((uint8_t)i, (uint8_t)i, 1);
	madt_lapic(200, 200, 0); /* disabled ones do not count */
	madt_finish();
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_OK);
	assert_int_equal(cpus.count, ACPI_MAX_CPUS);
	assert_int_equal(cpus.disabled, 1);
}

static void test_duplicate_apic_ids_listed_once(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	madt_start();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 5, 1);
	madt_lapic(2, 5, 1);
	madt_x2apic(5, 1, 7); /* the same CPU again, as x2APIC */
	madt_finish();
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_OK);
	assert_int_equal(cpus.count, 2);
	assert_int_equal(cpus.duplicates, 2);
	assert_int_equal(cpus.cpu[1].apic_id, 5);
	assert_int_equal(cpus.cpu[1].uid, 1);
}

static void test_disabled_cpus_skipped(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	madt_start();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 0); /* neither enabled nor online capable */
	madt_lapic(2, 2, 2); /* online capable */
	madt_finish();
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_OK);
	assert_int_equal(cpus.count, 2);
	assert_int_equal(cpus.disabled, 1);
	assert_int_equal(cpus.cpu[1].apic_id, 2);
	assert_true(cpus.cpu[1].online_capable);
}

static void test_x2apic_entries(void **state)
{
	static struct acpi_cpus cpus;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	madt_start();
	madt_lapic(0, 0, 1);
	madt_x2apic(300, 1, 1000);
	madt_x2apic(301, 0, 1001);
	madt_finish();
	assert_int_equal(acpi_madt_cpus(mem + MADT_AT, madt_len, &cpus),
	                 ACPI_OK);
	assert_int_equal(cpus.count, 2);
	assert_int_equal(cpus.cpu[1].apic_id, 300);
	assert_int_equal(cpus.cpu[1].uid, 1000);
	assert_true(cpus.cpu[1].x2apic);
	assert_int_equal(cpus.disabled, 1);
}

static void test_table_length_out_of_range(void **state)
{
	const uint8_t *t;
	uint32_t len;

	(void)state;
	make_machine();
	put32(MADT_AT + 4, 20); /* below the header */
	assert_int_equal(acpi_table_map(map, NULL, MADT_AT, "APIC", &t, &len),
	                 ACPI_ERR_TABLE_LENGTH);
	put32(MADT_AT + 4, ACPI_MAX_TABLE_LEN + 1);
	assert_int_equal(acpi_table_map(map, NULL, MADT_AT, "APIC", &t, &len),
	                 ACPI_ERR_TABLE_LENGTH);
}

static void test_table_past_mapped_memory(void **state)
{
	const uint8_t *t;
	uint32_t len;

	(void)state;
	make_machine();
	put32(MADT_AT + 4, MEM_SIZE - MADT_AT + 1); /* one past "RAM" */
	assert_int_equal(acpi_table_map(map, NULL, MADT_AT, "APIC", &t, &len),
	                 ACPI_ERR_UNMAPPED);
	assert_int_equal(
	    acpi_table_map(map, NULL, MEM_SIZE - 8, NULL, &t, &len),
	    ACPI_ERR_UNMAPPED);
}

static void test_root_table_bad_checksum(void **state)
{
	static struct acpi_cpus cpus;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_machine();
	make_rsdp(rsdp, 0);
	mem[RSDT_AT + 20]++;
	assert_int_equal(
	    acpi_find_cpus(rsdp, ACPI_RSDP_V1_LEN, map, NULL, &cpus),
	    ACPI_ERR_TABLE_CHECKSUM);
}

static void test_root_points_at_wrong_table(void **state)
{
	static struct acpi_cpus cpus;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_machine();
	make_rsdp(rsdp, 0);
	memcpy(mem + RSDT_AT, "XSDT", 4);
	fix_table(RSDT_AT);
	assert_int_equal(
	    acpi_find_cpus(rsdp, ACPI_RSDP_V1_LEN, map, NULL, &cpus),
	    ACPI_ERR_SIGNATURE);
}

static void test_no_madt(void **state)
{
	static struct acpi_cpus cpus;
	uint8_t rsdp[ACPI_RSDP_V2_LEN];

	(void)state;
	make_machine();
	make_rsdp(rsdp, 2);
	put64(XSDT_AT + 44, 0x200000); /* MADT entry now points off "RAM" */
	fix_table(XSDT_AT);
	assert_int_equal(acpi_find_cpus(rsdp, sizeof(rsdp), map, NULL, &cpus),
	                 ACPI_ERR_NOT_FOUND);
}

/* Random damage to a good MADT never reads out of bounds (ASan). */
static void test_random_madt_damage(void **state)
{
	static struct acpi_cpus cpus;
	uint8_t good[128];
	uint32_t len;

	(void)state;
	make_machine();
	len = madt_len;
	assert_true(len <= sizeof(good));
	memcpy(good, mem + MADT_AT, len);
	srand(11);
	for (int i = 0; i < 20000; i++) {
		uint8_t *copy = malloc(len);

		memcpy(copy, good, len);
		for (int k = 0; k < 1 + rand() % 4; k++)
			copy[rand() % len] = (uint8_t)rand();
		copy[9] = 0;
		copy[9] = (uint8_t)-sum(copy, len); /* get past the checksum */
		acpi_madt_cpus(copy, len, &cpus);
		assert_true(cpus.count <= ACPI_MAX_CPUS);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_rsdp_finds_cpus_through_rsdt),
	    cmocka_unit_test(test_v2_rsdp_uses_xsdt),
	    cmocka_unit_test(test_rsdp_bad_signature),
	    cmocka_unit_test(test_rsdp_bad_checksum),
	    cmocka_unit_test(test_rsdp_bad_extended_checksum),
	    cmocka_unit_test(test_rsdp_truncated),
	    cmocka_unit_test(test_scan_finds_rsdp_in_bios_area),
	    cmocka_unit_test(test_scan_finds_rsdp_in_ebda),
	    cmocka_unit_test(test_scan_without_rsdp),
	    cmocka_unit_test(test_madt_bad_checksum),
	    cmocka_unit_test(test_madt_bad_signature),
	    cmocka_unit_test(test_madt_truncated),
	    cmocka_unit_test(test_madt_entry_length_zero),
	    cmocka_unit_test(test_madt_entry_past_end),
	    cmocka_unit_test(test_madt_entry_too_short_for_type),
	    cmocka_unit_test(test_too_many_cpus),
	    cmocka_unit_test(test_exactly_max_cpus),
	    cmocka_unit_test(test_duplicate_apic_ids_listed_once),
	    cmocka_unit_test(test_disabled_cpus_skipped),
	    cmocka_unit_test(test_x2apic_entries),
	    cmocka_unit_test(test_table_length_out_of_range),
	    cmocka_unit_test(test_table_past_mapped_memory),
	    cmocka_unit_test(test_root_table_bad_checksum),
	    cmocka_unit_test(test_root_points_at_wrong_table),
	    cmocka_unit_test(test_no_madt),
	    cmocka_unit_test(test_random_madt_damage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
