/*
 * test_capnp_conformance.c - lib/capnp/ against the reference Cap'n Proto
 * implementation (the `capnp` tool, Debian capnproto), both directions:
 *
 *  (b) messages the reference encoded at build time (mk/capnp.mk: `capnp
 *      convert text:binary` from tests/capnp/<Type>-<variant>.txt, and
 *      `capnp eval --binary` of tests/capnp/samples.capnp) are read with our
 *      reader and every value is checked, including a two-segment message
 *      the tool split with a far pointer, and a double-far version of it
 *      hand-assembled from the reference's own segments;
 *  (a) the same messages built with our builder are decoded by `capnp
 *      convert binary:text` (run here through popen) and must print exactly
 *      what the reference prints for its own encoding.
 *
 * Field offsets are those `capnp compile -ocapnp conformance.capnp` reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capnp/capnp.h"
#include "../capnp/capnp_walk.h"
#include "../capnp/capnp_words.h"

#ifndef CAPNP_FIXTURES
#error "CAPNP_FIXTURES (the build/capnp directory) comes from mk/capnp.mk"
#endif

/* AllTypes: 7 data words, 24 pointers. */
enum {
	AT_DW = 7,
	AT_PW = 24,
	AT_BOOL = 0, /* bit */
	AT_INT8 = 1,
	AT_INT16 = 2,
	AT_INT32 = 4,
	AT_INT64 = 8,
	AT_UINT8 = 16,
	AT_UINT16 = 18,
	AT_UINT32 = 20,
	AT_UINT64 = 24,
	AT_FLOAT32 = 32,
	AT_ENUM = 36,
	AT_WHICH = 38,
	AT_FLOAT64 = 40,
	AT_NUMBER = 48,
	AT_TEXT = 0,
	AT_DATA,
	AT_STRUCT,
	AT_EMPTY,
	AT_VOID_L,
	AT_BOOL_L,
	AT_INT8_L,
	AT_INT16_L,
	AT_INT32_L,
	AT_INT64_L,
	AT_UINT8_L,
	AT_UINT16_L,
	AT_UINT32_L,
	AT_UINT64_L,
	AT_FLOAT32_L,
	AT_FLOAT64_L,
	AT_TEXT_L,
	AT_DATA_L,
	AT_STRUCT_L,
	AT_ENUM_L,
	AT_EMPTY_L,
	AT_LIST_L,
	AT_TEXT_LL,
	AT_UNION_PTR,
};
enum { CHOICE_NONE, CHOICE_NUMBER, CHOICE_WORD, CHOICE_INNER };
enum { COLOR_RED, COLOR_GREEN, COLOR_BLUE };
/* Inner: 1 data word, 1 pointer. */
enum { IN_DW = 1, IN_PW = 1, IN_ID = 0, IN_NAME = 0 };
/* Defaults: 6 data words; defaults as in the schema. */
enum {
	DF_DW = 6,
	DF_BOOL = 0,
	DF_INT8 = 1,
	DF_INT16 = 2,
	DF_INT32 = 4,
	DF_INT64 = 8,
	DF_UINT8 = 16,
	DF_UINT16 = 18,
	DF_UINT32 = 20,
	DF_UINT64 = 24,
	DF_FLOAT32 = 32,
	DF_ENUM = 36,
	DF_FLOAT64 = 40,
};
#define DEF_INT8    ((uint8_t)-5)
#define DEF_INT16   ((uint16_t)-1234)
#define DEF_INT32   ((uint32_t)-123456)
#define DEF_INT64   ((uint64_t)-1234567890123ll)
#define DEF_UINT8   200
#define DEF_UINT16  60000
#define DEF_UINT32  4000000000u
#define DEF_UINT64  0xfedcba9876543210ull
#define DEF_FLOAT32 0x3fc00000u           /* 1.5 */
#define DEF_FLOAT64 0xc002000000000000ull /* -2.25 */
#define DEF_ENUM    COLOR_BLUE
/* CallParams: 2 data words, 2 pointers. */
enum { CP_DW = 2, CP_PW = 2, CP_HANDLE = 0, CP_FLAGS = 8 };
/* Big: 1 data word, 3 pointers. */
enum { BIG_DW = 1, BIG_PW = 3, BIG_WORDS = 2000, BIG_ITEMS = 50 };

static uint32_t f32(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static uint64_t f64(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	return u;
}

static uint64_t big_word(uint32_t i)
{
	return (uint64_t)i * 4294967311ull + 5;
}

/* ---- files and the reference tool ------------------------------- */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run make capnp-fixtures)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint8_t *fixture(const char *name, const char *ext, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s%s", CAPNP_FIXTURES, name, ext);
	return read_file(path, len);
}

/* What `capnp convert binary:text` prints for bytes as the given type. */
static char *reference_decode(const uint8_t *bytes, size_t len,
                              const char *type)
{
	char tmp[] = "/tmp/capnp-conformance-XXXXXX", cmd[1024];
	char *out = malloc(1 << 20);
	size_t n = 0, r;
	FILE *p;
	int fd = mkstemp(tmp);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd),
	         "capnp convert binary:text '%s' %s < '%s' 2>&1", CAPNP_SCHEMA,
	         type, tmp);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((r = fread(out + n, 1, (1 << 20) - 1 - n, p)) > 0)
		n += r;
	out[n] = 0;
	assert_int_equal(pclose(p), 0);
	unlink(tmp);
	return out;
}

/* ---- field checks ------------------------------------------------ */

static void expect_text(const struct capnp_struct *st, uint32_t idx,
                        const char *want)
{
	const char *s;
	uint32_t len;

	assert_int_equal(capnp_struct_get_text(st, idx, &s, &len), CAPNP_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(s, want, len);
	assert_int_equal(s[len], 0);
}

static void expect_list_text(const struct capnp_list *l, uint32_t i,
                             const char *want)
{
	const char *s;
	uint32_t len;

	assert_int_equal(capnp_list_get_text(l, i, &s, &len), CAPNP_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(s, want, len);
}

static void expect_data(const uint8_t *d, uint32_t len, const void *want,
                        uint32_t want_len)
{
	assert_int_equal(len, want_len);
	if (len)
		assert_memory_equal(d, want, len);
}

static struct capnp_list get_list(const struct capnp_struct *st, uint32_t idx,
                                  enum capnp_elem_size size, uint32_t count)
{
	struct capnp_list l;

	assert_int_equal(capnp_struct_get_list(st, idx, size, &l), CAPNP_OK);
	assert_int_equal(capnp_list_len(&l), count);
	return l;
}

static void check_inner(const struct capnp_struct *in, uint32_t id,
                        const char *name)
{
	struct capnp_ptr p = capnp_struct_ptr(in, IN_NAME);

	if (name)
		expect_text(in, IN_NAME, name);
	else
		assert_true(capnp_ptr_is_null(&p));
	assert_int_equal(capnp_struct_get_u32(in, IN_ID, 0), id);
}

static const uint8_t full_data[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
static const char full_text[] = "text with \"quotes\" and \\ and a\ttab";
static const int bools[10] = {1, 0, 0, 1, 1, 0, 1, 0, 1, 1};

static void check_alltypes_full(const struct capnp_struct *r)
{
	struct capnp_struct st;
	struct capnp_list l, m;
	const uint8_t *d;
	uint32_t len;

	assert_int_equal(r->data_bytes, AT_DW * 8);
	assert_int_equal(r->ptr_count, AT_PW);
	assert_true(capnp_struct_get_bool(r, AT_BOOL, false));
	assert_int_equal((int8_t)capnp_struct_get_u8(r, AT_INT8, 0), -123);
	assert_int_equal((int16_t)capnp_struct_get_u16(r, AT_INT16, 0), -12345);
	assert_int_equal((int32_t)capnp_struct_get_u32(r, AT_INT32, 0),
	                 -1234567890);
	assert_int_equal((int64_t)capnp_struct_get_u64(r, AT_INT64, 0),
	                 -1234567890123456789ll);
	assert_int_equal(capnp_struct_get_u8(r, AT_UINT8, 0), 234);
	assert_int_equal(capnp_struct_get_u16(r, AT_UINT16, 0), 45678);
	assert_int_equal(capnp_struct_get_u32(r, AT_UINT32, 0), 3456789012u);
	assert_int_equal(capnp_struct_get_u64(r, AT_UINT64, 0),
	                 12345678901234567890ull);
	assert_int_equal(capnp_struct_get_u32(r, AT_FLOAT32, 0), f32(1.25f));
	assert_int_equal(capnp_struct_get_u64(r, AT_FLOAT64, 0), f64(-6.5e100));
	expect_text(r, AT_TEXT, full_text);
	assert_int_equal(capnp_struct_get_data(r, AT_DATA, &d, &len), CAPNP_OK);
	expect_data(d, len, full_data, sizeof(full_data));
	assert_int_equal(capnp_struct_get_struct(r, AT_STRUCT, &st), CAPNP_OK);
	check_inner(&st, 77, "inner struct");
	assert_int_equal(capnp_struct_get_u16(r, AT_ENUM, 0), COLOR_BLUE);
	/* emptyField = (): set, zero-sized. */
	{
		struct capnp_ptr p = capnp_struct_ptr(r, AT_EMPTY);

		assert_false(capnp_ptr_is_null(&p));
		assert_int_equal(capnp_ptr_get_struct(&p, &st), CAPNP_OK);
		assert_int_equal(st.data_bytes + st.ptr_count, 0);
	}
	get_list(r, AT_VOID_L, CAPNP_ELEM_VOID, 3);
	l = get_list(r, AT_BOOL_L, CAPNP_ELEM_BIT, 10);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(capnp_list_get_bool(&l, i), bools[i]);
	l = get_list(r, AT_INT8_L, CAPNP_ELEM_BYTE, 3);
	assert_int_equal((int8_t)capnp_list_get_u8(&l, 0), -128);
	assert_int_equal((int8_t)capnp_list_get_u8(&l, 2), 127);
	l = get_list(r, AT_INT16_L, CAPNP_ELEM_2BYTES, 3);
	assert_int_equal((int16_t)capnp_list_get_u16(&l, 0), -32768);
	assert_int_equal((int16_t)capnp_list_get_u16(&l, 1), 1);
	l = get_list(r, AT_INT32_L, CAPNP_ELEM_4BYTES, 3);
	assert_int_equal((int32_t)capnp_list_get_u32(&l, 0), INT32_MIN);
	assert_int_equal((int32_t)capnp_list_get_u32(&l, 2), INT32_MAX);
	l = get_list(r, AT_INT64_L, CAPNP_ELEM_8BYTES, 3);
	assert_int_equal((int64_t)capnp_list_get_u64(&l, 0), INT64_MIN);
	assert_int_equal((int64_t)capnp_list_get_u64(&l, 1), 3);
	assert_int_equal((int64_t)capnp_list_get_u64(&l, 2), INT64_MAX);
	l = get_list(r, AT_UINT8_L, CAPNP_ELEM_BYTE, 3);
	assert_int_equal(capnp_list_get_u8(&l, 1), 128);
	assert_int_equal(capnp_list_get_u8(&l, 2), 255);
	l = get_list(r, AT_UINT16_L, CAPNP_ELEM_2BYTES, 3);
	assert_int_equal(capnp_list_get_u16(&l, 2), 65535);
	l = get_list(r, AT_UINT32_L, CAPNP_ELEM_4BYTES, 3);
	assert_int_equal(capnp_list_get_u32(&l, 1), 2147483648u);
	assert_int_equal(capnp_list_get_u32(&l, 2), UINT32_MAX);
	l = get_list(r, AT_UINT64_L, CAPNP_ELEM_8BYTES, 3);
	assert_int_equal(capnp_list_get_u64(&l, 1), 1ull << 63);
	assert_int_equal(capnp_list_get_u64(&l, 2), UINT64_MAX);
	l = get_list(r, AT_FLOAT32_L, CAPNP_ELEM_4BYTES, 3);
	assert_int_equal(capnp_list_get_u32(&l, 0), 0);
	assert_int_equal(capnp_list_get_u32(&l, 1), f32(-1.5f));
	assert_int_equal(capnp_list_get_u32(&l, 2), f32(3.25f));
	l = get_list(r, AT_FLOAT64_L, CAPNP_ELEM_8BYTES, 3);
	assert_int_equal(capnp_list_get_u64(&l, 1), f64(1e-300));
	assert_int_equal(capnp_list_get_u64(&l, 2), f64(-2.5));
	l = get_list(r, AT_TEXT_L, CAPNP_ELEM_POINTER, 3);
	expect_list_text(&l, 0, "alpha");
	expect_list_text(&l, 1, "");
	expect_list_text(&l, 2, "gamma");
	l = get_list(r, AT_DATA_L, CAPNP_ELEM_POINTER, 3);
	assert_int_equal(capnp_list_get_data(&l, 0, &d, &len), CAPNP_OK);
	expect_data(d, len, "\xde\xad", 2);
	assert_int_equal(capnp_list_get_data(&l, 1, &d, &len), CAPNP_OK);
	expect_data(d, len, "", 0);
	assert_int_equal(capnp_list_get_data(&l, 2, &d, &len), CAPNP_OK);
	expect_data(d, len, "\xbe\xef\x00", 3);
	l = get_list(r, AT_STRUCT_L, CAPNP_ELEM_COMPOSITE, 3);
	assert_int_equal(capnp_list_get_struct(&l, 0, &st), CAPNP_OK);
	check_inner(&st, 1, "one");
	assert_int_equal(capnp_list_get_struct(&l, 1, &st), CAPNP_OK);
	check_inner(&st, 2, NULL);
	assert_int_equal(capnp_list_get_struct(&l, 2, &st), CAPNP_OK);
	check_inner(&st, 0, "three");
	l = get_list(r, AT_ENUM_L, CAPNP_ELEM_2BYTES, 4);
	assert_int_equal(capnp_list_get_u16(&l, 0), COLOR_RED);
	assert_int_equal(capnp_list_get_u16(&l, 1), COLOR_BLUE);
	assert_int_equal(capnp_list_get_u16(&l, 2), COLOR_GREEN);
	l = get_list(r, AT_EMPTY_L, CAPNP_ELEM_COMPOSITE, 4);
	assert_int_equal(capnp_list_get_struct(&l, 3, &st), CAPNP_OK);
	assert_int_equal(st.data_bytes + st.ptr_count, 0);
	l = get_list(r, AT_LIST_L, CAPNP_ELEM_POINTER, 3);
	assert_int_equal(capnp_list_get_list(&l, 0, CAPNP_ELEM_4BYTES, &m),
	                 CAPNP_OK);
	assert_int_equal(m.count, 3);
	assert_int_equal(capnp_list_get_u32(&m, 2), 3);
	assert_int_equal(capnp_list_get_list(&l, 1, CAPNP_ELEM_4BYTES, &m),
	                 CAPNP_OK);
	assert_int_equal(m.count, 0);
	assert_int_equal(capnp_list_get_list(&l, 2, CAPNP_ELEM_4BYTES, &m),
	                 CAPNP_OK);
	assert_int_equal((int32_t)capnp_list_get_u32(&m, 0), -4);
	l = get_list(r, AT_TEXT_LL, CAPNP_ELEM_POINTER, 3);
	assert_int_equal(capnp_list_get_list(&l, 0, CAPNP_ELEM_POINTER, &m),
	                 CAPNP_OK);
	expect_list_text(&m, 1, "bb");
	assert_int_equal(capnp_list_get_list(&l, 2, CAPNP_ELEM_POINTER, &m),
	                 CAPNP_OK);
	expect_list_text(&m, 0, "ccc");
	assert_int_equal(capnp_struct_which(r, AT_WHICH), CHOICE_INNER);
	assert_int_equal(capnp_struct_get_struct(r, AT_UNION_PTR, &st),
	                 CAPNP_OK);
	check_inner(&st, 9, "chosen");
}

/* Fills a list of `count` scalars of `size` from v[]. */
static void fill(struct capnp_bstruct *st, uint32_t idx,
                 enum capnp_elem_size size, uint32_t count, const uint64_t *v)
{
	struct capnp_blist l;

	assert_int_equal(capnp_bstruct_init_list(st, idx, size, count, &l),
	                 CAPNP_OK);
	for (uint32_t i = 0; i < count; i++) {
		switch (size) {
		case CAPNP_ELEM_BIT:
			capnp_blist_set_bool(&l, i, v[i]);
			break;
		case CAPNP_ELEM_BYTE:
			capnp_blist_set_u8(&l, i, (uint8_t)v[i]);
			break;
		case CAPNP_ELEM_2BYTES:
			capnp_blist_set_u16(&l, i, (uint16_t)v[i]);
			break;
		case CAPNP_ELEM_4BYTES:
			capnp_blist_set_u32(&l, i, (uint32_t)v[i]);
			break;
		default:
			capnp_blist_set_u64(&l, i, v[i]);
		}
	}
}

static void set_inner(struct capnp_bstruct *in, uint32_t id, const char *name)
{
	capnp_bstruct_set_u32(in, IN_ID, id, 0);
	if (name)
		capnp_bstruct_set_text(in, IN_NAME, name, strlen(name));
}

static void build_alltypes_full(struct capnp_builder *b)
{
	struct capnp_bstruct r, st;
	struct capnp_blist l, m;
	uint64_t v[10];

	capnp_builder_root(b, AT_DW, AT_PW, &r);
	capnp_bstruct_set_bool(&r, AT_BOOL, true, false);
	capnp_bstruct_set_u8(&r, AT_INT8, (uint8_t)-123, 0);
	capnp_bstruct_set_u16(&r, AT_INT16, (uint16_t)-12345, 0);
	capnp_bstruct_set_u32(&r, AT_INT32, (uint32_t)-1234567890, 0);
	capnp_bstruct_set_u64(&r, AT_INT64, (uint64_t)-1234567890123456789ll,
	                      0);
	capnp_bstruct_set_u8(&r, AT_UINT8, 234, 0);
	capnp_bstruct_set_u16(&r, AT_UINT16, 45678, 0);
	capnp_bstruct_set_u32(&r, AT_UINT32, 3456789012u, 0);
	capnp_bstruct_set_u64(&r, AT_UINT64, 12345678901234567890ull, 0);
	capnp_bstruct_set_u32(&r, AT_FLOAT32, f32(1.25f), 0);
	capnp_bstruct_set_u64(&r, AT_FLOAT64, f64(-6.5e100), 0);
	capnp_bstruct_set_text(&r, AT_TEXT, full_text, strlen(full_text));
	capnp_bstruct_set_data(&r, AT_DATA, full_data, sizeof(full_data));
	capnp_bstruct_init_struct(&r, AT_STRUCT, IN_DW, IN_PW, &st);
	set_inner(&st, 77, "inner struct");
	capnp_bstruct_set_u16(&r, AT_ENUM, COLOR_BLUE, 0);
	capnp_bstruct_init_struct(&r, AT_EMPTY, 0, 0, &st);
	capnp_bstruct_init_list(&r, AT_VOID_L, CAPNP_ELEM_VOID, 3, &l);
	for (int i = 0; i < 10; i++)
		v[i] = (uint64_t)bools[i];
	fill(&r, AT_BOOL_L, CAPNP_ELEM_BIT, 10, v);
	fill(&r, AT_INT8_L, CAPNP_ELEM_BYTE, 3,
	     (uint64_t[]){(uint64_t)-128, 0, 127});
	fill(&r, AT_INT16_L, CAPNP_ELEM_2BYTES, 3,
	     (uint64_t[]){(uint64_t)-32768, 1, 32767});
	fill(&r, AT_INT32_L, CAPNP_ELEM_4BYTES, 3,
	     (uint64_t[]){(uint64_t)INT32_MIN, 2, INT32_MAX});
	fill(&r, AT_INT64_L, CAPNP_ELEM_8BYTES, 3,
	     (uint64_t[]){(uint64_t)INT64_MIN, 3, INT64_MAX});
	fill(&r, AT_UINT8_L, CAPNP_ELEM_BYTE, 3, (uint64_t[]){0, 128, 255});
	fill(&r, AT_UINT16_L, CAPNP_ELEM_2BYTES, 3,
	     (uint64_t[]){0, 32768, 65535});
	fill(&r, AT_UINT32_L, CAPNP_ELEM_4BYTES, 3,
	     (uint64_t[]){0, 2147483648u, UINT32_MAX});
	fill(&r, AT_UINT64_L, CAPNP_ELEM_8BYTES, 3,
	     (uint64_t[]){0, 1ull << 63, UINT64_MAX});
	fill(&r, AT_FLOAT32_L, CAPNP_ELEM_4BYTES, 3,
	     (uint64_t[]){0, f32(-1.5f), f32(3.25f)});
	fill(&r, AT_FLOAT64_L, CAPNP_ELEM_8BYTES, 3,
	     (uint64_t[]){0, f64(1e-300), f64(-2.5)});
	capnp_bstruct_init_list(&r, AT_TEXT_L, CAPNP_ELEM_POINTER, 3, &l);
	capnp_bptr_set_text(capnp_blist_ptr(&l, 0), "alpha", 5);
	capnp_bptr_set_text(capnp_blist_ptr(&l, 1), "", 0);
	capnp_bptr_set_text(capnp_blist_ptr(&l, 2), "gamma", 5);
	capnp_bstruct_init_list(&r, AT_DATA_L, CAPNP_ELEM_POINTER, 3, &l);
	capnp_bptr_set_data(capnp_blist_ptr(&l, 0), "\xde\xad", 2);
	capnp_bptr_set_data(capnp_blist_ptr(&l, 1), "", 0);
	capnp_bptr_set_data(capnp_blist_ptr(&l, 2), "\xbe\xef\x00", 3);
	capnp_bstruct_init_struct_list(&r, AT_STRUCT_L, 3, IN_DW, IN_PW, &l);
	capnp_blist_get_struct(&l, 0, &st);
	set_inner(&st, 1, "one");
	capnp_blist_get_struct(&l, 1, &st);
	set_inner(&st, 2, NULL);
	capnp_blist_get_struct(&l, 2, &st);
	set_inner(&st, 0, "three");
	fill(&r, AT_ENUM_L, CAPNP_ELEM_2BYTES, 4,
	     (uint64_t[]){COLOR_RED, COLOR_BLUE, COLOR_GREEN, COLOR_RED});
	capnp_bstruct_init_struct_list(&r, AT_EMPTY_L, 4, 0, 0, &l);
	capnp_bstruct_init_list(&r, AT_LIST_L, CAPNP_ELEM_POINTER, 3, &l);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 0), CAPNP_ELEM_4BYTES, 3, &m);
	for (uint32_t i = 0; i < 3; i++)
		capnp_blist_set_u32(&m, i, i + 1);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 1), CAPNP_ELEM_4BYTES, 0, &m);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 2), CAPNP_ELEM_4BYTES, 1, &m);
	capnp_blist_set_u32(&m, 0, (uint32_t)-4);
	capnp_bstruct_init_list(&r, AT_TEXT_LL, CAPNP_ELEM_POINTER, 3, &l);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 0), CAPNP_ELEM_POINTER, 2, &m);
	capnp_bptr_set_text(capnp_blist_ptr(&m, 0), "a", 1);
	capnp_bptr_set_text(capnp_blist_ptr(&m, 1), "bb", 2);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 1), CAPNP_ELEM_POINTER, 0, &m);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 2), CAPNP_ELEM_POINTER, 1, &m);
	capnp_bptr_set_text(capnp_blist_ptr(&m, 0), "ccc", 3);
	capnp_bstruct_set_which(&r, AT_WHICH, CHOICE_INNER);
	capnp_bstruct_init_struct(&r, AT_UNION_PTR, IN_DW, IN_PW, &st);
	set_inner(&st, 9, "chosen");
}

static void check_alltypes_empty(const struct capnp_struct *r)
{
	for (uint32_t off = 0; off < AT_DW * 8; off++)
		assert_int_equal(capnp_struct_get_u8(r, off, 0), 0);
	for (uint32_t i = 0; i < AT_PW; i++) {
		struct capnp_ptr p = capnp_struct_ptr(r, i);

		assert_true(capnp_ptr_is_null(&p));
	}
	expect_text(r, AT_TEXT, "");
	get_list(r, AT_STRUCT_L, CAPNP_ELEM_COMPOSITE, 0);
	assert_int_equal(capnp_struct_which(r, AT_WHICH), CHOICE_NONE);
}

static void build_alltypes_empty(struct capnp_builder *b)
{
	struct capnp_bstruct r;

	capnp_builder_root(b, AT_DW, AT_PW, &r);
}

static void check_alltypes_number(const struct capnp_struct *r)
{
	assert_int_equal(capnp_struct_get_u32(r, AT_INT32, 0), 42);
	expect_text(r, AT_TEXT, "just this");
	assert_int_equal(capnp_struct_which(r, AT_WHICH), CHOICE_NUMBER);
	assert_int_equal(capnp_struct_get_u32(r, AT_NUMBER, 0), 4000000000u);
}

static void build_alltypes_number(struct capnp_builder *b)
{
	struct capnp_bstruct r;

	capnp_builder_root(b, AT_DW, AT_PW, &r);
	capnp_bstruct_set_u32(&r, AT_INT32, 42, 0);
	capnp_bstruct_set_text(&r, AT_TEXT, "just this", 9);
	capnp_bstruct_set_which(&r, AT_WHICH, CHOICE_NUMBER);
	capnp_bstruct_set_u32(&r, AT_NUMBER, 4000000000u, 0);
}

/* Reads every Defaults field through its default; compares with want[]. */
static void check_defaults(const struct capnp_struct *r, const uint64_t *want)
{
	assert_int_equal(capnp_struct_get_bool(r, DF_BOOL, true), want[0]);
	assert_int_equal(capnp_struct_get_u8(r, DF_INT8, DEF_INT8),
	                 (uint8_t)want[1]);
	assert_int_equal(capnp_struct_get_u16(r, DF_INT16, DEF_INT16),
	                 (uint16_t)want[2]);
	assert_int_equal(capnp_struct_get_u32(r, DF_INT32, DEF_INT32),
	                 (uint32_t)want[3]);
	assert_int_equal(capnp_struct_get_u64(r, DF_INT64, DEF_INT64), want[4]);
	assert_int_equal(capnp_struct_get_u8(r, DF_UINT8, DEF_UINT8), want[5]);
	assert_int_equal(capnp_struct_get_u16(r, DF_UINT16, DEF_UINT16),
	                 want[6]);
	assert_int_equal(capnp_struct_get_u32(r, DF_UINT32, DEF_UINT32),
	                 want[7]);
	assert_int_equal(capnp_struct_get_u64(r, DF_UINT64, DEF_UINT64),
	                 want[8]);
	assert_int_equal(capnp_struct_get_u32(r, DF_FLOAT32, DEF_FLOAT32),
	                 want[9]);
	assert_int_equal(capnp_struct_get_u64(r, DF_FLOAT64, DEF_FLOAT64),
	                 want[10]);
	assert_int_equal(capnp_struct_get_u16(r, DF_ENUM, DEF_ENUM), want[11]);
}

static void build_defaults(struct capnp_builder *b, const uint64_t *v)
{
	struct capnp_bstruct r;

	capnp_builder_root(b, DF_DW, 0, &r);
	capnp_bstruct_set_bool(&r, DF_BOOL, v[0], true);
	capnp_bstruct_set_u8(&r, DF_INT8, (uint8_t)v[1], DEF_INT8);
	capnp_bstruct_set_u16(&r, DF_INT16, (uint16_t)v[2], DEF_INT16);
	capnp_bstruct_set_u32(&r, DF_INT32, (uint32_t)v[3], DEF_INT32);
	capnp_bstruct_set_u64(&r, DF_INT64, v[4], DEF_INT64);
	capnp_bstruct_set_u8(&r, DF_UINT8, (uint8_t)v[5], DEF_UINT8);
	capnp_bstruct_set_u16(&r, DF_UINT16, (uint16_t)v[6], DEF_UINT16);
	capnp_bstruct_set_u32(&r, DF_UINT32, (uint32_t)v[7], DEF_UINT32);
	capnp_bstruct_set_u64(&r, DF_UINT64, v[8], DEF_UINT64);
	capnp_bstruct_set_u32(&r, DF_FLOAT32, (uint32_t)v[9], DEF_FLOAT32);
	capnp_bstruct_set_u64(&r, DF_FLOAT64, v[10], DEF_FLOAT64);
	capnp_bstruct_set_u16(&r, DF_ENUM, (uint16_t)v[11], DEF_ENUM);
}

static const uint64_t defaults_default[12] = {
    1,          DEF_INT8,   DEF_INT16,  DEF_INT32,   DEF_INT64,   DEF_UINT8,
    DEF_UINT16, DEF_UINT32, DEF_UINT64, DEF_FLOAT32, DEF_FLOAT64, DEF_ENUM};
static const uint64_t defaults_zero[12] = {0};
static uint64_t defaults_other[12];

static void init_defaults_other(void)
{
	const uint64_t v[12] = {
	    0, 7, 1234, 123456,     1234567890123ull, 1,
	    2, 3, 4,    f32(-0.5f), f64(1024),        COLOR_GREEN};

	memcpy(defaults_other, v, sizeof(v));
}

static void check_defaults_empty(const struct capnp_struct *r)
{
	check_defaults(r, defaults_default);
	/* Nothing is stored: the reference encodes an all-zero section. */
	for (uint32_t off = 0; off < r->data_bytes; off++)
		assert_int_equal(capnp_struct_get_u8(r, off, 0), 0);
}

static void build_defaults_empty(struct capnp_builder *b)
{
	build_defaults(b, defaults_default);
}

static void check_defaults_zero(const struct capnp_struct *r)
{
	check_defaults(r, defaults_zero);
	/* Zero is stored as the default's bits. */
	assert_int_equal(capnp_struct_get_u64(r, DF_UINT64, 0), DEF_UINT64);
}

static void build_defaults_zero(struct capnp_builder *b)
{
	build_defaults(b, defaults_zero);
}

static void check_defaults_other(const struct capnp_struct *r)
{
	check_defaults(r, defaults_other);
}

static void build_defaults_other(struct capnp_builder *b)
{
	build_defaults(b, defaults_other);
}

static const char call_name[] = "console.writeLine/0123456789abcd";

static void check_call_params(const struct capnp_struct *r)
{
	uint8_t payload[64];
	const uint8_t *d;
	uint32_t len;

	for (int i = 0; i < 64; i++)
		payload[i] = (uint8_t)i;
	assert_int_equal(capnp_struct_get_u64(r, CP_HANDLE, 0),
	                 0x0123456789abcdefull);
	assert_int_equal(capnp_struct_get_u32(r, CP_FLAGS, 0), 3);
	expect_text(r, 0, call_name);
	assert_int_equal(capnp_struct_get_data(r, 1, &d, &len), CAPNP_OK);
	expect_data(d, len, payload, 64);
}

static void build_call_params(struct capnp_builder *b)
{
	struct capnp_bstruct r;
	uint8_t *d;

	capnp_builder_root(b, CP_DW, CP_PW, &r);
	capnp_bstruct_set_u64(&r, CP_HANDLE, 0x0123456789abcdefull, 0);
	capnp_bstruct_set_u32(&r, CP_FLAGS, 3, 0);
	capnp_bstruct_set_text(&r, 0, call_name, 32);
	capnp_bptr_init_data(capnp_bstruct_ptr(&r, 1), 64, &d);
	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)i;
}

static void check_eval(const struct capnp_struct *r)
{
	struct capnp_struct st;
	struct capnp_list l, m;

	assert_int_equal((int16_t)capnp_struct_get_u16(r, AT_INT16, 0), -2);
	assert_int_equal(capnp_struct_get_u64(r, AT_UINT64, 0),
	                 0x8000000000000001ull);
	expect_text(r, AT_TEXT, "from capnp eval");
	l = get_list(r, AT_STRUCT_L, CAPNP_ELEM_COMPOSITE, 2);
	assert_int_equal(capnp_list_get_struct(&l, 0, &st), CAPNP_OK);
	check_inner(&st, 10, "ten");
	assert_int_equal(capnp_list_get_struct(&l, 1, &st), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u32(&st, IN_ID, 0), 11);
	l = get_list(r, AT_LIST_L, CAPNP_ELEM_POINTER, 2);
	assert_int_equal(capnp_list_get_list(&l, 1, CAPNP_ELEM_4BYTES, &m),
	                 CAPNP_OK);
	assert_int_equal(m.count, 2);
	assert_int_equal(capnp_list_get_u32(&m, 1), 9);
	l = get_list(r, AT_BOOL_L, CAPNP_ELEM_BIT, 2);
	assert_false(capnp_list_get_bool(&l, 0));
	assert_true(capnp_list_get_bool(&l, 1));
	assert_int_equal(capnp_struct_which(r, AT_WHICH), CHOICE_WORD);
	expect_text(r, AT_UNION_PTR, "eval union");
}

static void build_eval(struct capnp_builder *b)
{
	struct capnp_bstruct r, st;
	struct capnp_blist l, m;

	capnp_builder_root(b, AT_DW, AT_PW, &r);
	capnp_bstruct_set_u16(&r, AT_INT16, (uint16_t)-2, 0);
	capnp_bstruct_set_u64(&r, AT_UINT64, 0x8000000000000001ull, 0);
	capnp_bstruct_set_text(&r, AT_TEXT, "from capnp eval", 15);
	capnp_bstruct_init_struct_list(&r, AT_STRUCT_L, 2, IN_DW, IN_PW, &l);
	capnp_blist_get_struct(&l, 0, &st);
	set_inner(&st, 10, "ten");
	capnp_blist_get_struct(&l, 1, &st);
	set_inner(&st, 11, NULL);
	capnp_bstruct_init_list(&r, AT_LIST_L, CAPNP_ELEM_POINTER, 2, &l);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 0), CAPNP_ELEM_4BYTES, 1, &m);
	capnp_blist_set_u32(&m, 0, 7);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 1), CAPNP_ELEM_4BYTES, 2, &m);
	capnp_blist_set_u32(&m, 0, 8);
	capnp_blist_set_u32(&m, 1, 9);
	fill(&r, AT_BOOL_L, CAPNP_ELEM_BIT, 2, (uint64_t[]){0, 1});
	capnp_bstruct_set_which(&r, AT_WHICH, CHOICE_WORD);
	capnp_bstruct_set_text(&r, AT_UNION_PTR, "eval union", 10);
}

static void check_big(const struct capnp_struct *r)
{
	struct capnp_struct st;
	struct capnp_list l;
	char name[32];

	assert_int_equal(capnp_struct_get_u32(r, 0, 0), 77);
	l = get_list(r, 0, CAPNP_ELEM_8BYTES, BIG_WORDS);
	for (uint32_t i = 0; i < BIG_WORDS; i++)
		assert_int_equal(capnp_list_get_u64(&l, i), big_word(i));
	expect_text(r, 1, "big message");
	l = get_list(r, 2, CAPNP_ELEM_COMPOSITE, BIG_ITEMS);
	for (uint32_t i = 0; i < BIG_ITEMS; i++) {
		assert_int_equal(capnp_list_get_struct(&l, i, &st), CAPNP_OK);
		snprintf(name, sizeof(name), "item %u", i);
		check_inner(&st, i, name);
	}
}

static void build_big(struct capnp_builder *b)
{
	struct capnp_bstruct r, st;
	struct capnp_blist l;
	char name[32];

	capnp_builder_root(b, BIG_DW, BIG_PW, &r);
	capnp_bstruct_set_u32(&r, 0, 77, 0);
	capnp_bstruct_init_list(&r, 0, CAPNP_ELEM_8BYTES, BIG_WORDS, &l);
	for (uint32_t i = 0; i < BIG_WORDS; i++)
		capnp_blist_set_u64(&l, i, big_word(i));
	capnp_bstruct_set_text(&r, 1, "big message", 11);
	capnp_bstruct_init_struct_list(&r, 2, BIG_ITEMS, IN_DW, IN_PW, &l);
	for (uint32_t i = 0; i < BIG_ITEMS; i++) {
		capnp_blist_get_struct(&l, i, &st);
		snprintf(name, sizeof(name), "item %u", i);
		set_inner(&st, i, name);
	}
}

/* ---- (b): the reference's bytes through our reader ---------------- */

#define MAXSEG 16

struct opened {
	uint8_t *bytes;
	size_t len;
	struct capnp_segment segs[MAXSEG];
	struct capnp_msg msg;
	struct capnp_struct root;
};

static void open_fixture(const char *name, struct opened *o)
{
	o->bytes = fixture(name, ".bin", &o->len);
	assert_int_equal(
	    capnp_msg_init_stream(&o->msg, o->bytes, o->len, o->segs, MAXSEG),
	    CAPNP_OK);
	assert_int_equal(o->msg.stream_bytes, o->len);
	assert_int_equal(capnp_root(&o->msg, &o->root), CAPNP_OK);
}

static void reads_reference(const char *name,
                            void (*check)(const struct capnp_struct *))
{
	struct opened o;

	open_fixture(name, &o);
	check(&o.root);
	free(o.bytes);
}

static void test_reads_reference_alltypes_full(void **state)
{
	(void)state;
	reads_reference("AllTypes-full", check_alltypes_full);
}

static void test_reads_reference_alltypes_empty(void **state)
{
	(void)state;
	reads_reference("AllTypes-empty", check_alltypes_empty);
}

static void test_reads_reference_alltypes_union_number(void **state)
{
	(void)state;
	reads_reference("AllTypes-number", check_alltypes_number);
}

static void test_reads_reference_defaults_unset(void **state)
{
	(void)state;
	reads_reference("Defaults-empty", check_defaults_empty);
}

static void test_reads_reference_defaults_set_to_zero(void **state)
{
	(void)state;
	reads_reference("Defaults-zero", check_defaults_zero);
}

static void test_reads_reference_defaults_set_to_other(void **state)
{
	(void)state;
	reads_reference("Defaults-other", check_defaults_other);
}

static void test_reads_reference_call_params(void **state)
{
	(void)state;
	reads_reference("CallParams-typical", check_call_params);
}

static void test_reads_reference_eval_binary(void **state)
{
	(void)state;
	reads_reference("AllTypes-eval", check_eval);
}

/* Big-multi: the reference tool's own two-segment output. */
static void test_reads_reference_multi_segment(void **state)
{
	struct opened o;
	struct capnp_ptr p;
	uint64_t w;

	(void)state;
	open_fixture("Big-multi", &o);
	assert_true(o.msg.nsegs >= 2);
	/* The words list lives in another segment, behind a far pointer. */
	p = capnp_struct_ptr(&o.root, 0);
	memcpy(&w, p.loc, 8);
	assert_int_equal(w & 3, 2);
	check_big(&o.root);
	free(o.bytes);
}

/*
 * Hand-assembled double far: the reference tool never writes one for
 * messages this size, so this takes its two segments, moves the landing pad
 * of the root's far pointer into a third segment as a double-far pad (a far
 * pointer to the object plus its tag) and points the root's pointer at it.
 * The bytes are the reference's except those three words. Returns the
 * message as a stream in *out.
 */
static size_t make_double_far(const struct opened *o, uint8_t **out)
{
	uint32_t w0 = o->segs[0].words, w1 = o->segs[1].words;
	uint32_t sizes[3] = {w0, w1, 2};
	uint64_t *words = calloc(w0 + w1 + 2, 8), *seg0 = words;
	uint64_t *seg1 = words + w0, *seg2 = words + w0 + w1;
	uint64_t far, pad;
	size_t slot, padpos, len;
	int64_t off;

	assert_int_equal(o->msg.nsegs, 2);
	memcpy(seg0, o->segs[0].start, (size_t)w0 * 8);
	memcpy(seg1, o->segs[1].start, (size_t)w1 * 8);
	slot = (size_t)(o->root.ptrs - o->segs[0].start) / 8;
	far = seg0[slot];
	assert_int_equal(far & 7, 2); /* single far */
	assert_int_equal(far >> 32, 1);
	padpos = (uint32_t)far >> 3;
	pad = seg1[padpos];
	off = (int32_t)(uint32_t)pad >> 2;
	seg2[0] = W_FAR(false, (uint32_t)(padpos + 1 + off), 1);
	seg2[1] = pad & ~(uint64_t)0xfffffffc; /* the tag: offset zeroed */
	seg0[slot] = W_FAR(true, 0, 2);
	*out = malloc(16 + (size_t)(w0 + w1 + 2) * 8);
	len = W_STREAM(*out, sizes, 3, words);
	free(words);
	return len;
}

static void test_reads_double_far_from_reference_segments(void **state)
{
	struct opened o, d;

	(void)state;
	open_fixture("Big-multi", &o);
	d.len = make_double_far(&o, &d.bytes);
	assert_int_equal(
	    capnp_msg_init_stream(&d.msg, d.bytes, d.len, d.segs, MAXSEG),
	    CAPNP_OK);
	assert_int_equal(d.msg.nsegs, 3);
	assert_int_equal(capnp_root(&d.msg, &d.root), CAPNP_OK);
	check_big(&d.root);
	free(o.bytes);
	free(d.bytes);
}

static void test_reference_messages_walk_without_error(void **state)
{
	static const char *const names[] = {
	    "AllTypes-full",      "AllTypes-empty", "AllTypes-number",
	    "Defaults-empty",     "Defaults-zero",  "Defaults-other",
	    "CallParams-typical", "AllTypes-eval",  "Big-multi"};
	struct walk_stats ws;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct opened o;

		open_fixture(names[i], &o);
		assert_int_equal(walk_message(&o.msg, &ws), CAPNP_OK);
		assert_false(ws.overrun);
		assert_true(ws.structs >= 1);
		free(o.bytes);
	}
}

/* ---- (a): our builder's bytes through the reference --------------- */

static uint8_t arena[1 << 16];

static void
builder_matches_reference(const char *name, const char *type,
                          void (*build)(struct capnp_builder *),
                          void (*check)(const struct capnp_struct *))
{
	struct capnp_builder b;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct root;
	const uint8_t *bytes;
	size_t len, canon_len;
	char *got, *want;

	assert_int_equal(capnp_builder_init(&b, arena, sizeof(arena)),
	                 CAPNP_OK);
	build(&b);
	assert_int_equal(capnp_builder_finish(&b, &bytes, &len), CAPNP_OK);
	/* Our own reader agrees... */
	assert_int_equal(capnp_msg_init_stream(&msg, bytes, len, &seg, 1),
	                 CAPNP_OK);
	assert_int_equal(capnp_root(&msg, &root), CAPNP_OK);
	check(&root);
	/* ...and so does the reference, to the character. */
	got = reference_decode(bytes, len, type);
	want = (char *)fixture(name, ".canon.txt", &canon_len);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_builder_alltypes_full_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("AllTypes-full", "AllTypes",
	                          build_alltypes_full, check_alltypes_full);
}

static void test_builder_alltypes_empty_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("AllTypes-empty", "AllTypes",
	                          build_alltypes_empty, check_alltypes_empty);
}

static void test_builder_union_number_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("AllTypes-number", "AllTypes",
	                          build_alltypes_number, check_alltypes_number);
}

static void test_builder_defaults_unset_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("Defaults-empty", "Defaults",
	                          build_defaults_empty, check_defaults_empty);
}

static void test_builder_defaults_zero_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("Defaults-zero", "Defaults",
	                          build_defaults_zero, check_defaults_zero);
}

static void test_builder_defaults_other_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("Defaults-other", "Defaults",
	                          build_defaults_other, check_defaults_other);
}

static void test_builder_call_params_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("CallParams-typical", "CallParams",
	                          build_call_params, check_call_params);
}

static void test_builder_eval_sample_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("AllTypes-eval", "AllTypes", build_eval,
	                          check_eval);
}

static void test_builder_big_message_decodes_in_reference(void **state)
{
	(void)state;
	builder_matches_reference("Big-multi", "Big", build_big, check_big);
}

/* The reference accepts our hand-made double far, so it is well formed. */
static void test_double_far_message_decodes_in_reference(void **state)
{
	struct opened o;
	uint8_t *bytes;
	size_t len, canon_len;
	char *got, *want;

	(void)state;
	open_fixture("Big-multi", &o);
	len = make_double_far(&o, &bytes);
	got = reference_decode(bytes, len, "Big");
	want = (char *)fixture("Big-multi", ".canon.txt", &canon_len);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(bytes);
	free(o.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads_reference_alltypes_full),
	    cmocka_unit_test(test_reads_reference_alltypes_empty),
	    cmocka_unit_test(test_reads_reference_alltypes_union_number),
	    cmocka_unit_test(test_reads_reference_defaults_unset),
	    cmocka_unit_test(test_reads_reference_defaults_set_to_zero),
	    cmocka_unit_test(test_reads_reference_defaults_set_to_other),
	    cmocka_unit_test(test_reads_reference_call_params),
	    cmocka_unit_test(test_reads_reference_eval_binary),
	    cmocka_unit_test(test_reads_reference_multi_segment),
	    cmocka_unit_test(test_reads_double_far_from_reference_segments),
	    cmocka_unit_test(test_reference_messages_walk_without_error),
	    cmocka_unit_test(test_builder_alltypes_full_decodes_in_reference),
	    cmocka_unit_test(test_builder_alltypes_empty_decodes_in_reference),
	    cmocka_unit_test(test_builder_union_number_decodes_in_reference),
	    cmocka_unit_test(test_builder_defaults_unset_decodes_in_reference),
	    cmocka_unit_test(test_builder_defaults_zero_decodes_in_reference),
	    cmocka_unit_test(test_builder_defaults_other_decodes_in_reference),
	    cmocka_unit_test(test_builder_call_params_decodes_in_reference),
	    cmocka_unit_test(test_builder_eval_sample_decodes_in_reference),
	    cmocka_unit_test(test_builder_big_message_decodes_in_reference),
	    cmocka_unit_test(test_double_far_message_decodes_in_reference),
	};

	init_defaults_other();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
