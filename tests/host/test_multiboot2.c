/*
 * test_multiboot2.c - parsing the Multiboot2 boot information, including
 * damaged structures, which must give an error and never a read past the
 * stated size (ASan watches every byte).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <multiboot2.h>

/* A builder for boot information blobs. */
struct blob {
	uint8_t b[4096];
	uint32_t len;
};

static void put32(struct blob *bl, uint32_t off, uint32_t v)
{
	memcpy(bl->b + off, &v, 4);
}

static void put64(struct blob *bl, uint32_t off, uint64_t v)
{
	memcpy(bl->b + off, &v, 8);
}

static uint32_t add_tag(struct blob *bl, uint32_t type, const void *payload,
                        uint32_t plen)
{
	uint32_t off = bl->len;

	put32(bl, off, type);
	put32(bl, off + 4, 8 + plen);
	if (payload)
		memcpy(bl->b + off + 8, payload, plen);
	bl->len = (off + 8 + plen + 7) & ~7u;
	return off;
}

static void add_mmap(struct blob *bl, int n)
{
	uint32_t off = add_tag(bl, 6, NULL, 8 + 24 * n);

	put32(bl, off + 8, 24);
	put32(bl, off + 12, 0);
	for (int i = 0; i < n; i++) {
		put64(bl, off + 16 + 24 * i, 0x100000ull * (i + 1));
		put64(bl, off + 24 + 24 * i, 0x1000);
		put32(bl, off + 32 + 24 * i, i == 0 ? 1 : 2);
		put32(bl, off + 36 + 24 * i, 0);
	}
}

static void finish(struct blob *bl)
{
	add_tag(bl, 0, NULL, 0);
	put32(bl, 0, bl->len);
	put32(bl, 4, 0);
}

static void start(struct blob *bl)
{
	memset(bl, 0, sizeof(*bl));
	bl->len = 8;
}

static void test_full(void **state)
{
	static struct boot_info bi;
	struct blob bl;
	uint8_t mod[8 + 12];
	uint32_t s = 0x400000, e = 0x401234;

	(void)state;
	start(&bl);
	add_tag(&bl, 1, "test=all", 9);
	memcpy(mod, &s, 4);
	memcpy(mod + 4, &e, 4);
	memcpy(mod + 8, "kernel.sym", 11);
	add_tag(&bl, 3, mod, 19);
	add_mmap(&bl, 3);
	add_tag(&bl, 15, "RSD PTR xxxxxxxxxxxx", 20);
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_string_equal(bi.cmdline, "test=all");
	assert_int_equal(bi.nmodules, 1);
	assert_int_equal(bi.modules[0].start, 0x400000);
	assert_int_equal(bi.modules[0].end, 0x401234);
	assert_string_equal(bi.modules[0].name, "kernel.sym");
	assert_int_equal(bi.nregions, 3);
	assert_int_equal(bi.regions[0].type, MB2_MEM_AVAILABLE);
	assert_int_equal(bi.regions[2].base, 0x300000);
	assert_int_equal(bi.rsdp_len, 20);
	assert_memory_equal(bl.b + bi.rsdp_offset, "RSD PTR ", 8);
	assert_memory_equal(bi.rsdp, "RSD PTR xxxxxxxxxxxx", 20);
}

static void test_no_rsdp_tag(void **state)
{
	static struct boot_info bi;
	struct blob bl;

	(void)state;
	start(&bl);
	add_mmap(&bl, 1);
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(bi.rsdp_len, 0);
}

/* Tag 15 (ACPI 2.0+ RSDP) wins over tag 14 whichever comes first. */
static void test_rsdp_v2_preferred(void **state)
{
	static struct boot_info bi;
	struct blob bl;
	char v1[20], v2[36];

	(void)state;
	memset(v1, '1', sizeof(v1));
	memset(v2, '2', sizeof(v2));
	start(&bl);
	add_mmap(&bl, 1);
	add_tag(&bl, 15, v2, sizeof(v2));
	add_tag(&bl, 14, v1, sizeof(v1));
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, v2, 36);

	start(&bl);
	add_mmap(&bl, 1);
	add_tag(&bl, 14, v1, sizeof(v1));
	add_tag(&bl, 15, v2, sizeof(v2));
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, v2, 36);
}

/* Only a v1 RSDP (tag 14): its 20 bytes are kept, the rest zero. */
static void test_rsdp_v1_only(void **state)
{
	static struct boot_info bi;
	struct blob bl;
	char v1[20];

	(void)state;
	memset(v1, '1', sizeof(v1));
	start(&bl);
	add_mmap(&bl, 1);
	add_tag(&bl, 14, v1, sizeof(v1));
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(bi.rsdp_len, 20);
	assert_memory_equal(bi.rsdp, v1, 20);
	assert_int_equal(bi.rsdp[20], 0);
}

/* A payload longer than any RSDP is cut to BOOT_RSDP_MAX bytes. */
static void test_rsdp_oversized_tag_cut(void **state)
{
	static struct boot_info bi;
	struct blob bl;
	char big[100];

	(void)state;
	memset(big, 'r', sizeof(big));
	start(&bl);
	add_mmap(&bl, 1);
	add_tag(&bl, 15, big, sizeof(big));
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(bi.rsdp_len, BOOT_RSDP_MAX);
	assert_memory_equal(bi.rsdp, big, BOOT_RSDP_MAX);
}

static void test_bad_magic(void **state)
{
	static struct boot_info bi;
	struct blob bl;

	(void)state;
	start(&bl);
	add_mmap(&bl, 1);
	finish(&bl);
	assert_int_equal(mb2_parse(0x2BADB002, bl.b, bl.len, &bi),
	                 MB2_ERR_MAGIC);
}

static void test_total_size_past_avail(void **state)
{
	static struct boot_info bi;
	struct blob bl;

	(void)state;
	start(&bl);
	add_mmap(&bl, 1);
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len - 8, &bi),
	                 MB2_ERR_TRUNCATED);
	put32(&bl, 0, 4);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_ERR_TRUNCATED);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, NULL, 0, &bi),
	                 MB2_ERR_TRUNCATED);
}

static void test_tag_runs_past_end(void **state)
{
	static struct boot_info bi;
	struct blob bl;
	uint32_t off;

	(void)state;
	start(&bl);
	add_mmap(&bl, 1);
	off = add_tag(&bl, 1, "abc", 4);
	finish(&bl);
	put32(&bl, off + 4, 0xFFFFFFF0); /* huge size */
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_ERR_TAG_SIZE);
	put32(&bl, off + 4, 4); /* smaller than a tag header */
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_ERR_TAG_SIZE);
}

static void test_no_end_tag(void **state)
{
	static struct boot_info bi;
	struct blob bl;

	(void)state;
	start(&bl);
	add_mmap(&bl, 1);
	put32(&bl, 0, bl.len);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_ERR_NO_END_TAG);
}

static void test_no_mmap(void **state)
{
	static struct boot_info bi;
	struct blob bl;

	(void)state;
	start(&bl);
	add_tag(&bl, 1, "x", 2);
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_ERR_NO_MMAP);
}

static void test_mmap_entry_size_overflow(void **state)
{
	static struct boot_info bi;
	struct blob bl;
	uint32_t off;

	(void)state;
	start(&bl);
	add_mmap(&bl, 1);
	off = add_tag(&bl, 6, NULL, 8 + 24);
	put32(&bl, off + 8, 0xFFFFFFF0); /* entry size that wraps 32 bits */
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(bi.nregions, 1);
}

static void test_unterminated_strings(void **state)
{
	static struct boot_info bi;
	struct blob bl;
	char longname[300];

	(void)state;
	memset(longname, 'a', sizeof(longname));
	start(&bl);
	add_mmap(&bl, 1);
	add_tag(&bl, 1, longname, sizeof(longname)); /* no NUL */
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

static void test_too_many_modules(void **state)
{
	static struct boot_info bi;
	static struct blob bl;
	uint8_t mod[16] = {0};

	(void)state;
	start(&bl);
	add_mmap(&bl, 1);
	for (int i = 0; i < BOOT_MAX_MODULES + 3; i++)
		add_tag(&bl, 3, mod, sizeof(mod));
	finish(&bl);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, bl.b, bl.len, &bi),
	                 MB2_OK);
	assert_int_equal(bi.nmodules, BOOT_MAX_MODULES);
	assert_int_equal(bi.dropped, 3);
}

/* Random damage to a valid blob never reads out of bounds (ASan). */
static void test_random_damage(void **state)
{
	static struct boot_info bi;
	struct blob good, bl;

	(void)state;
	start(&good);
	add_tag(&good, 1, "cmd", 4);
	add_mmap(&good, 4);
	finish(&good);
	srand(7);
	for (int i = 0; i < 20000; i++) {
		uint8_t *copy;

		bl = good;
		for (int k = 0; k < 1 + rand() % 4; k++)
			bl.b[rand() % good.len] = (uint8_t)rand();
		copy = malloc(good.len); /* exact size: ASan sees overreads */
		memcpy(copy, bl.b, good.len);
		mb2_parse(MB2_BOOTLOADER_MAGIC, copy, good.len, &bi);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_no_rsdp_tag),
	    cmocka_unit_test(test_rsdp_v2_preferred),
	    cmocka_unit_test(test_rsdp_v1_only),
	    cmocka_unit_test(test_rsdp_oversized_tag_cut),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_total_size_past_avail),
	    cmocka_unit_test(test_tag_runs_past_end),
	    cmocka_unit_test(test_no_end_tag),
	    cmocka_unit_test(test_no_mmap),
	    cmocka_unit_test(test_mmap_entry_size_overflow),
	    cmocka_unit_test(test_unterminated_strings),
	    cmocka_unit_test(test_too_many_modules),
	    cmocka_unit_test(test_random_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
