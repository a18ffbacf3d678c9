/*
 * test_gen_conformance.c - the accessors capnpc-c generates for
 * tests/capnp/conformance.capnp (build/gen-test/conformance.capnp.h)
 * against the reference tool, both directions:
 *
 *  - messages the reference encoded (mk/capnp.mk's fixtures: `capnp convert
 *    text:binary`, `capnp eval --binary`, a two-segment message) read with
 *    the generated getters, every value checked;
 *  - the same values built with the generated setters decode in `capnp
 *    convert binary:text` exactly as the reference's own encoding does.
 *
 * Every accessor kind: scalars of each width (signed, unsigned, float bit
 * patterns), bools, enums, XOR defaults, text, data, structs, empty
 * structs, a named union, has_, and typed lists of every element kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conformance.capnp.h"
#include "../gen/gen_test_util.h"

#define SCHEMA "tests/capnp/conformance.capnp"

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

static const uint8_t full_data[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
static const char full_text[] = "text with \"quotes\" and \\ and a\ttab";
static const bool bools[10] = {1, 0, 0, 1, 1, 0, 1, 0, 1, 1};

struct fixture {
	uint8_t *bytes;
	size_t len;
	struct capnpc_msg m;
};

static void load(struct fixture *f, const char *name)
{
	f->bytes = gen_fixture(name, ".bin", &f->len);
}

static void expect_text(enum capnp_err err, const char *s, uint32_t len,
                        const char *want)
{
	assert_int_equal(err, CAPNP_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(s, want, len);
	assert_int_equal(s[len], 0);
}

static void expect_data(enum capnp_err err, const uint8_t *d, uint32_t len,
                        const void *want, uint32_t want_len)
{
	assert_int_equal(err, CAPNP_OK);
	assert_int_equal(len, want_len);
	if (len)
		assert_memory_equal(d, want, len);
}

static void read_full(struct fixture *f, struct conformance_all_types *r)
{
	load(f, "AllTypes-full");
	assert_int_equal(
	    conformance_all_types_decode(f->bytes, f->len, &f->m, r), CAPNP_OK);
}

/* ---- reading the reference's messages ------------------------------ */

static void test_reads_every_scalar_width(void **state)
{
	struct fixture f;
	struct conformance_all_types r;

	(void)state;
	read_full(&f, &r);
	assert_true(conformance_all_types_get_bool_field(&r));
	assert_int_equal(conformance_all_types_get_int8_field(&r), -123);
	assert_int_equal(conformance_all_types_get_int16_field(&r), -12345);
	assert_int_equal(conformance_all_types_get_int32_field(&r),
	                 -1234567890);
	assert_true(conformance_all_types_get_int64_field(&r) ==
	            -1234567890123456789ll);
	assert_int_equal(conformance_all_types_get_uint8_field(&r), 234);
	assert_int_equal(conformance_all_types_get_uint16_field(&r), 45678);
	assert_int_equal(conformance_all_types_get_uint32_field(&r),
	                 3456789012u);
	assert_true(conformance_all_types_get_uint64_field(&r) ==
	            12345678901234567890ull);
	assert_int_equal(conformance_all_types_get_float32_field(&r),
	                 f32(1.25f));
	assert_true(conformance_all_types_get_float64_field(&r) ==
	            f64(-6.5e100));
	assert_int_equal(conformance_all_types_get_enum_field(&r),
	                 CONFORMANCE_COLOR_BLUE);
	free(f.bytes);
}

static void test_reads_text_data_and_structs(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct conformance_inner in;
	struct conformance_empty em;
	const char *s;
	const uint8_t *d;
	uint32_t len;
	enum capnp_err err;

	(void)state;
	read_full(&f, &r);
	err = conformance_all_types_get_text_field(&r, &s, &len);
	expect_text(err, s, len, full_text);
	err = conformance_all_types_get_data_field(&r, &d, &len);
	expect_data(err, d, len, full_data, sizeof(full_data));
	assert_true(conformance_all_types_has_struct_field(&r));
	assert_int_equal(conformance_all_types_get_struct_field(&r, &in),
	                 CAPNP_OK);
	assert_int_equal(conformance_inner_get_id(&in), 77);
	err = conformance_inner_get_name(&in, &s, &len);
	expect_text(err, s, len, "inner struct");
	/* emptyField = (): present but zero-sized. */
	assert_true(conformance_all_types_has_empty_field(&r));
	assert_int_equal(conformance_all_types_get_empty_field(&r, &em),
	                 CAPNP_OK);
	assert_int_equal(em.s.data_bytes + em.s.ptr_count, 0);
	free(f.bytes);
}

static void test_reads_scalar_lists(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct capnpc_list_of_void lv;
	struct capnpc_list_of_bool lb;
	struct capnpc_list_of_i8 l8;
	struct capnpc_list_of_i16 l16;
	struct capnpc_list_of_i32 l32;
	struct capnpc_list_of_i64 l64;
	struct capnpc_list_of_u8 u8;
	struct capnpc_list_of_u16 u16;
	struct capnpc_list_of_u32 u32;
	struct capnpc_list_of_u64 u64;
	struct capnpc_list_of_f32 lf;
	struct capnpc_list_of_f64 ld;

	(void)state;
	read_full(&f, &r);
	assert_int_equal(conformance_all_types_get_void_list(&r, &lv), 0);
	assert_int_equal(capnpc_list_of_void_len(&lv), 3);
	assert_int_equal(conformance_all_types_get_bool_list(&r, &lb), 0);
	assert_int_equal(capnpc_list_of_bool_len(&lb), 10);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(capnpc_list_of_bool_get(&lb, i), bools[i]);
	assert_int_equal(conformance_all_types_get_int8_list(&r, &l8), 0);
	assert_int_equal(capnpc_list_of_i8_get(&l8, 0), -128);
	assert_int_equal(capnpc_list_of_i8_get(&l8, 2), 127);
	assert_int_equal(conformance_all_types_get_int16_list(&r, &l16), 0);
	assert_int_equal(capnpc_list_of_i16_get(&l16, 0), -32768);
	assert_int_equal(conformance_all_types_get_int32_list(&r, &l32), 0);
	assert_int_equal(capnpc_list_of_i32_get(&l32, 0), INT32_MIN);
	assert_int_equal(capnpc_list_of_i32_get(&l32, 2), INT32_MAX);
	assert_int_equal(conformance_all_types_get_int64_list(&r, &l64), 0);
	assert_true(capnpc_list_of_i64_get(&l64, 0) == INT64_MIN);
	assert_true(capnpc_list_of_i64_get(&l64, 2) == INT64_MAX);
	assert_int_equal(conformance_all_types_get_uint8_list(&r, &u8), 0);
	assert_int_equal(capnpc_list_of_u8_get(&u8, 2), 255);
	assert_int_equal(conformance_all_types_get_uint16_list(&r, &u16), 0);
	assert_int_equal(capnpc_list_of_u16_get(&u16, 2), 65535);
	assert_int_equal(conformance_all_types_get_uint32_list(&r, &u32), 0);
	assert_int_equal(capnpc_list_of_u32_get(&u32, 1), 2147483648u);
	assert_int_equal(conformance_all_types_get_uint64_list(&r, &u64), 0);
	assert_true(capnpc_list_of_u64_get(&u64, 2) == UINT64_MAX);
	assert_int_equal(conformance_all_types_get_float32_list(&r, &lf), 0);
	assert_int_equal(capnpc_list_of_f32_get(&lf, 1), f32(-1.5f));
	assert_int_equal(conformance_all_types_get_float64_list(&r, &ld), 0);
	assert_true(capnpc_list_of_f64_get(&ld, 1) == f64(1e-300));
	free(f.bytes);
}

static void test_reads_pointer_lists(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct capnpc_list_of_text lt;
	struct capnpc_list_of_data ldata;
	struct conformance_list_of_inner li;
	struct conformance_list_of_color lc;
	struct conformance_list_of_empty le;
	struct conformance_inner in;
	const char *s;
	const uint8_t *d;
	uint32_t len;
	enum capnp_err err;

	(void)state;
	read_full(&f, &r);
	assert_int_equal(conformance_all_types_get_text_list(&r, &lt), 0);
	assert_int_equal(capnpc_list_of_text_len(&lt), 3);
	err = capnpc_list_of_text_get(&lt, 0, &s, &len);
	expect_text(err, s, len, "alpha");
	err = capnpc_list_of_text_get(&lt, 2, &s, &len);
	expect_text(err, s, len, "gamma");
	assert_int_equal(conformance_all_types_get_data_list(&r, &ldata), 0);
	err = capnpc_list_of_data_get(&ldata, 2, &d, &len);
	expect_data(err, d, len, "\xbe\xef\x00", 3);
	assert_int_equal(conformance_all_types_get_struct_list(&r, &li), 0);
	assert_int_equal(conformance_list_of_inner_len(&li), 3);
	assert_int_equal(conformance_list_of_inner_get(&li, 1, &in), 0);
	assert_int_equal(conformance_inner_get_id(&in), 2);
	assert_false(conformance_inner_has_name(&in));
	assert_int_equal(conformance_list_of_inner_get(&li, 2, &in), 0);
	err = conformance_inner_get_name(&in, &s, &len);
	expect_text(err, s, len, "three");
	assert_int_equal(conformance_all_types_get_enum_list(&r, &lc), 0);
	assert_int_equal(conformance_list_of_color_len(&lc), 4);
	assert_int_equal(conformance_list_of_color_get(&lc, 1),
	                 CONFORMANCE_COLOR_BLUE);
	assert_int_equal(conformance_list_of_color_get(&lc, 2),
	                 CONFORMANCE_COLOR_GREEN);
	assert_int_equal(conformance_all_types_get_empty_list(&r, &le), 0);
	assert_int_equal(conformance_list_of_empty_len(&le), 4);
	free(f.bytes);
}

static void test_reads_lists_of_lists(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct capnpc_list_of_list ll;
	struct capnpc_list_of_i32 in;
	struct capnpc_list_of_text tl;
	const char *s;
	uint32_t len;
	enum capnp_err err;

	(void)state;
	read_full(&f, &r);
	assert_int_equal(conformance_all_types_get_list_list(&r, &ll), 0);
	assert_int_equal(capnpc_list_of_list_len(&ll), 3);
	assert_int_equal(
	    capnpc_list_of_list_get(&ll, 0, CAPNP_ELEM_4BYTES, &in.l), 0);
	assert_int_equal(capnpc_list_of_i32_len(&in), 3);
	assert_int_equal(capnpc_list_of_i32_get(&in, 2), 3);
	assert_int_equal(
	    capnpc_list_of_list_get(&ll, 2, CAPNP_ELEM_4BYTES, &in.l), 0);
	assert_int_equal(capnpc_list_of_i32_get(&in, 0), -4);
	assert_int_equal(conformance_all_types_get_text_list_list(&r, &ll), 0);
	assert_int_equal(
	    capnpc_list_of_list_get(&ll, 0, CAPNP_ELEM_POINTER, &tl.l), 0);
	err = capnpc_list_of_text_get(&tl, 1, &s, &len);
	expect_text(err, s, len, "bb");
	free(f.bytes);
}

static void test_reads_union_struct_member(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct conformance_all_types_choice ch;
	struct conformance_inner in;
	const char *s;
	uint32_t len;
	enum capnp_err err;

	(void)state;
	read_full(&f, &r);
	ch = conformance_all_types_get_choice(&r);
	assert_int_equal(conformance_all_types_choice_which(&ch),
	                 CONFORMANCE_ALL_TYPES_CHOICE_INNER);
	assert_int_equal(conformance_all_types_choice_get_inner(&ch, &in), 0);
	assert_int_equal(conformance_inner_get_id(&in), 9);
	err = conformance_inner_get_name(&in, &s, &len);
	expect_text(err, s, len, "chosen");
	free(f.bytes);
}

static void test_reads_union_scalar_member(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct conformance_all_types_choice ch;
	const char *s;
	uint32_t len;
	enum capnp_err err;

	(void)state;
	load(&f, "AllTypes-number");
	assert_int_equal(conformance_all_types_decode(f.bytes, f.len, &f.m, &r),
	                 0);
	ch = conformance_all_types_get_choice(&r);
	assert_int_equal(conformance_all_types_choice_which(&ch),
	                 CONFORMANCE_ALL_TYPES_CHOICE_NUMBER);
	assert_int_equal(conformance_all_types_choice_get_number(&ch),
	                 4000000000u);
	assert_int_equal(conformance_all_types_get_int32_field(&r), 42);
	err = conformance_all_types_get_text_field(&r, &s, &len);
	expect_text(err, s, len, "just this");
	free(f.bytes);
}

static void test_reads_empty_message_as_zero_and_null(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct conformance_all_types_choice ch;
	struct capnpc_list_of_u64 l;
	const char *s;
	uint32_t len;

	(void)state;
	load(&f, "AllTypes-empty");
	assert_int_equal(conformance_all_types_decode(f.bytes, f.len, &f.m, &r),
	                 0);
	assert_false(conformance_all_types_get_bool_field(&r));
	assert_int_equal(conformance_all_types_get_int64_field(&r), 0);
	assert_int_equal(conformance_all_types_get_enum_field(&r),
	                 CONFORMANCE_COLOR_RED);
	assert_false(conformance_all_types_has_text_field(&r));
	assert_int_equal(conformance_all_types_get_text_field(&r, &s, &len), 0);
	assert_int_equal(len, 0);
	assert_false(conformance_all_types_has_uint64_list(&r));
	assert_int_equal(conformance_all_types_get_uint64_list(&r, &l), 0);
	assert_int_equal(capnpc_list_of_u64_len(&l), 0);
	ch = conformance_all_types_get_choice(&r);
	assert_int_equal(conformance_all_types_choice_which(&ch),
	                 CONFORMANCE_ALL_TYPES_CHOICE_NONE);
	free(f.bytes);
}

static void test_reads_absent_fields_as_schema_defaults(void **state)
{
	struct fixture f;
	struct conformance_defaults r;

	(void)state;
	load(&f, "Defaults-empty");
	assert_int_equal(conformance_defaults_decode(f.bytes, f.len, &f.m, &r),
	                 0);
	assert_true(conformance_defaults_get_bool_field(&r));
	assert_int_equal(conformance_defaults_get_int8_field(&r), -5);
	assert_int_equal(conformance_defaults_get_int16_field(&r), -1234);
	assert_int_equal(conformance_defaults_get_int32_field(&r), -123456);
	assert_true(conformance_defaults_get_int64_field(&r) ==
	            -1234567890123ll);
	assert_int_equal(conformance_defaults_get_uint8_field(&r), 200);
	assert_int_equal(conformance_defaults_get_uint16_field(&r), 60000);
	assert_int_equal(conformance_defaults_get_uint32_field(&r),
	                 4000000000u);
	assert_true(conformance_defaults_get_uint64_field(&r) ==
	            0xfedcba9876543210ull);
	assert_int_equal(conformance_defaults_get_float32_field(&r), f32(1.5f));
	assert_true(conformance_defaults_get_float64_field(&r) == f64(-2.25));
	assert_int_equal(conformance_defaults_get_enum_field(&r),
	                 CONFORMANCE_COLOR_BLUE);
	free(f.bytes);
}

static void test_reads_explicit_zeros_over_defaults(void **state)
{
	struct fixture f;
	struct conformance_defaults r;

	(void)state;
	load(&f, "Defaults-zero");
	assert_int_equal(conformance_defaults_decode(f.bytes, f.len, &f.m, &r),
	                 0);
	assert_false(conformance_defaults_get_bool_field(&r));
	assert_int_equal(conformance_defaults_get_int8_field(&r), 0);
	assert_int_equal(conformance_defaults_get_int64_field(&r), 0);
	assert_int_equal(conformance_defaults_get_uint32_field(&r), 0);
	assert_int_equal(conformance_defaults_get_uint64_field(&r), 0);
	assert_int_equal(conformance_defaults_get_float32_field(&r), 0);
	assert_int_equal(conformance_defaults_get_float64_field(&r), 0);
	assert_int_equal(conformance_defaults_get_enum_field(&r),
	                 CONFORMANCE_COLOR_RED);
	free(f.bytes);
}

static void test_reads_capnp_eval_output(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct conformance_all_types_choice ch;
	struct conformance_list_of_inner li;
	struct conformance_inner in;
	const char *s;
	uint32_t len;
	enum capnp_err err;

	(void)state;
	load(&f, "AllTypes-eval");
	assert_int_equal(conformance_all_types_decode(f.bytes, f.len, &f.m, &r),
	                 0);
	assert_int_equal(conformance_all_types_get_int16_field(&r), -2);
	assert_true(conformance_all_types_get_uint64_field(&r) ==
	            0x8000000000000001ull);
	assert_int_equal(conformance_all_types_get_struct_list(&r, &li), 0);
	assert_int_equal(conformance_list_of_inner_get(&li, 1, &in), 0);
	assert_int_equal(conformance_inner_get_id(&in), 11);
	ch = conformance_all_types_get_choice(&r);
	assert_int_equal(conformance_all_types_choice_which(&ch),
	                 CONFORMANCE_ALL_TYPES_CHOICE_WORD);
	err = conformance_all_types_choice_get_word(&ch, &s, &len);
	expect_text(err, s, len, "eval union");
	free(f.bytes);
}

static void test_reads_two_segment_message(void **state)
{
	struct fixture f;
	struct conformance_big r;
	struct capnpc_list_of_u64 w;
	struct conformance_list_of_inner items;
	struct conformance_inner in;
	const char *s;
	uint32_t len;
	enum capnp_err err;

	(void)state;
	load(&f, "Big-multi");
	assert_int_equal(conformance_big_decode(f.bytes, f.len, &f.m, &r), 0);
	assert_true(f.m.msg.nsegs >= 2);
	assert_int_equal(conformance_big_get_tag(&r), 77);
	assert_int_equal(conformance_big_get_words(&r, &w), 0);
	assert_int_equal(capnpc_list_of_u64_len(&w), 2000);
	for (uint32_t i = 0; i < 2000; i++)
		assert_true(capnpc_list_of_u64_get(&w, i) ==
		            (uint64_t)i * 4294967311ull + 5);
	assert_int_equal(conformance_big_get_items(&r, &items), 0);
	assert_int_equal(conformance_list_of_inner_get(&items, 49, &in), 0);
	err = conformance_inner_get_name(&in, &s, &len);
	expect_text(err, s, len, "item 49");
	err = conformance_big_get_label(&r, &s, &len);
	expect_text(err, s, len, "big message");
	free(f.bytes);
}

/* ---- bad input through the generated getters ----------------------- */

static void
test_decode_of_truncated_bytes_fails_and_reads_defaults(void **state)
{
	struct fixture f;
	struct conformance_defaults r;

	(void)state;
	load(&f, "Defaults-other");
	assert_int_equal(conformance_defaults_decode(f.bytes, 12, &f.m, &r),
	                 CAPNP_ERR_TRUNCATED);
	/* The empty struct: every getter gives the schema default. */
	assert_int_equal(conformance_defaults_get_uint8_field(&r), 200);
	assert_true(conformance_defaults_get_bool_field(&r));
	free(f.bytes);
}

static void test_list_getter_rejects_a_struct_pointer(void **state)
{
	uint8_t arena[1024];
	struct capnp_builder b;
	struct conformance_all_types_builder w;
	struct conformance_inner_builder wrong;
	struct conformance_all_types r;
	struct conformance_list_of_inner li;
	struct capnpc_msg m;
	const uint8_t *msg;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	conformance_all_types_init_root(&b, &w);
	/* A struct where structList (pointer 18) belongs. */
	capnp_bstruct_init_struct(&w.s, 18, 1, 1, &wrong.s);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(conformance_all_types_decode(msg, len, &m, &r), 0);
	assert_int_equal(conformance_all_types_get_struct_list(&r, &li),
	                 CAPNP_ERR_WRONG_KIND);
	assert_int_equal(conformance_list_of_inner_len(&li), 0);
}

static void test_struct_list_index_out_of_range_is_an_error(void **state)
{
	struct fixture f;
	struct conformance_all_types r;
	struct conformance_list_of_inner li;
	struct capnpc_list_of_u8 l8;
	struct conformance_inner in;

	(void)state;
	read_full(&f, &r);
	assert_int_equal(conformance_all_types_get_struct_list(&r, &li), 0);
	assert_int_equal(conformance_list_of_inner_get(&li, 3, &in),
	                 CAPNP_ERR_INDEX);
	assert_int_equal(conformance_inner_get_id(&in), 0);
	assert_int_equal(conformance_all_types_get_uint8_list(&r, &l8), 0);
	assert_int_equal(capnpc_list_of_u8_get(&l8, 3), 0);
	free(f.bytes);
}

/* ---- building what the reference reads ------------------------------ */

static void build_full(struct capnp_builder *b,
                       struct conformance_all_types_builder *w)
{
	struct conformance_inner_builder in;
	struct conformance_empty_builder em;
	struct capnpc_list_of_void_builder lv;
	struct capnpc_list_of_bool_builder lb;
	struct capnpc_list_of_i8_builder l8;
	struct capnpc_list_of_i16_builder l16;
	struct capnpc_list_of_i32_builder l32;
	struct capnpc_list_of_i64_builder l64;
	struct capnpc_list_of_u8_builder u8;
	struct capnpc_list_of_u16_builder u16;
	struct capnpc_list_of_u32_builder u32;
	struct capnpc_list_of_u64_builder u64;
	struct capnpc_list_of_f32_builder lf;
	struct capnpc_list_of_f64_builder ld;
	struct capnpc_list_of_text_builder lt;
	struct capnpc_list_of_data_builder ldata;
	struct conformance_list_of_inner_builder li;
	struct conformance_list_of_color_builder lc;
	struct conformance_list_of_empty_builder le;
	struct capnpc_list_of_list_builder ll;
	struct capnpc_list_of_i32_builder inner32;
	struct capnpc_list_of_text_builder innert;
	struct conformance_all_types_choice_builder ch;
	static const char *const texts[] = {"alpha", "", "gamma"};
	static const enum conformance_color colors[] = {
	    CONFORMANCE_COLOR_RED, CONFORMANCE_COLOR_BLUE,
	    CONFORMANCE_COLOR_GREEN, CONFORMANCE_COLOR_RED};

	conformance_all_types_init_root(b, w);
	conformance_all_types_set_bool_field(w, true);
	conformance_all_types_set_int8_field(w, -123);
	conformance_all_types_set_int16_field(w, -12345);
	conformance_all_types_set_int32_field(w, -1234567890);
	conformance_all_types_set_int64_field(w, -1234567890123456789ll);
	conformance_all_types_set_uint8_field(w, 234);
	conformance_all_types_set_uint16_field(w, 45678);
	conformance_all_types_set_uint32_field(w, 3456789012u);
	conformance_all_types_set_uint64_field(w, 12345678901234567890ull);
	conformance_all_types_set_float32_field(w, f32(1.25f));
	conformance_all_types_set_float64_field(w, f64(-6.5e100));
	conformance_all_types_set_text_field(w, full_text, strlen(full_text));
	conformance_all_types_set_data_field(w, full_data, sizeof(full_data));
	conformance_all_types_init_struct_field(w, &in);
	conformance_inner_set_id(&in, 77);
	conformance_inner_set_name(&in, "inner struct", 12);
	conformance_all_types_set_enum_field(w, CONFORMANCE_COLOR_BLUE);
	conformance_all_types_init_empty_field(w, &em);

	conformance_all_types_init_void_list(w, 3, &lv);
	conformance_all_types_init_bool_list(w, 10, &lb);
	for (uint32_t i = 0; i < 10; i++)
		capnpc_list_of_bool_builder_set(&lb, i, bools[i]);
	conformance_all_types_init_int8_list(w, 3, &l8);
	capnpc_list_of_i8_builder_set(&l8, 0, -128);
	capnpc_list_of_i8_builder_set(&l8, 2, 127);
	conformance_all_types_init_int16_list(w, 3, &l16);
	capnpc_list_of_i16_builder_set(&l16, 0, -32768);
	capnpc_list_of_i16_builder_set(&l16, 1, 1);
	capnpc_list_of_i16_builder_set(&l16, 2, 32767);
	conformance_all_types_init_int32_list(w, 3, &l32);
	capnpc_list_of_i32_builder_set(&l32, 0, INT32_MIN);
	capnpc_list_of_i32_builder_set(&l32, 1, 2);
	capnpc_list_of_i32_builder_set(&l32, 2, INT32_MAX);
	conformance_all_types_init_int64_list(w, 3, &l64);
	capnpc_list_of_i64_builder_set(&l64, 0, INT64_MIN);
	capnpc_list_of_i64_builder_set(&l64, 1, 3);
	capnpc_list_of_i64_builder_set(&l64, 2, INT64_MAX);
	conformance_all_types_init_uint8_list(w, 3, &u8);
	capnpc_list_of_u8_builder_set(&u8, 1, 128);
	capnpc_list_of_u8_builder_set(&u8, 2, 255);
	conformance_all_types_init_uint16_list(w, 3, &u16);
	capnpc_list_of_u16_builder_set(&u16, 1, 32768);
	capnpc_list_of_u16_builder_set(&u16, 2, 65535);
	conformance_all_types_init_uint32_list(w, 3, &u32);
	capnpc_list_of_u32_builder_set(&u32, 1, 2147483648u);
	capnpc_list_of_u32_builder_set(&u32, 2, UINT32_MAX);
	conformance_all_types_init_uint64_list(w, 3, &u64);
	capnpc_list_of_u64_builder_set(&u64, 1, 1ull << 63);
	capnpc_list_of_u64_builder_set(&u64, 2, UINT64_MAX);
	conformance_all_types_init_float32_list(w, 3, &lf);
	capnpc_list_of_f32_builder_set(&lf, 1, f32(-1.5f));
	capnpc_list_of_f32_builder_set(&lf, 2, f32(3.25f));
	conformance_all_types_init_float64_list(w, 3, &ld);
	capnpc_list_of_f64_builder_set(&ld, 1, f64(1e-300));
	capnpc_list_of_f64_builder_set(&ld, 2, f64(-2.5));
	conformance_all_types_init_text_list(w, 3, &lt);
	for (uint32_t i = 0; i < 3; i++)
		capnpc_list_of_text_builder_set(&lt, i, texts[i],
		                                strlen(texts[i]));
	conformance_all_types_init_data_list(w, 3, &ldata);
	capnpc_list_of_data_builder_set(&ldata, 0, "\xde\xad", 2);
	capnpc_list_of_data_builder_set(&ldata, 1, "", 0);
	capnpc_list_of_data_builder_set(&ldata, 2, "\xbe\xef\x00", 3);
	conformance_all_types_init_struct_list(w, 3, &li);
	conformance_list_of_inner_builder_get(&li, 0, &in);
	conformance_inner_set_id(&in, 1);
	conformance_inner_set_name(&in, "one", 3);
	conformance_list_of_inner_builder_get(&li, 1, &in);
	conformance_inner_set_id(&in, 2);
	conformance_list_of_inner_builder_get(&li, 2, &in);
	conformance_inner_set_name(&in, "three", 5);
	conformance_all_types_init_enum_list(w, 4, &lc);
	for (uint32_t i = 0; i < 4; i++)
		conformance_list_of_color_builder_set(&lc, i, colors[i]);
	conformance_all_types_init_empty_list(w, 4, &le);
	conformance_all_types_init_list_list(w, 3, &ll);
	capnpc_list_of_list_builder_init(&ll, 0, CAPNP_ELEM_4BYTES, 3,
	                                 &inner32.l);
	for (int32_t i = 0; i < 3; i++)
		capnpc_list_of_i32_builder_set(&inner32, (uint32_t)i, i + 1);
	capnpc_list_of_list_builder_init(&ll, 1, CAPNP_ELEM_4BYTES, 0,
	                                 &inner32.l);
	capnpc_list_of_list_builder_init(&ll, 2, CAPNP_ELEM_4BYTES, 1,
	                                 &inner32.l);
	capnpc_list_of_i32_builder_set(&inner32, 0, -4);
	conformance_all_types_init_text_list_list(w, 3, &ll);
	capnpc_list_of_list_builder_init(&ll, 0, CAPNP_ELEM_POINTER, 2,
	                                 &innert.l);
	capnpc_list_of_text_builder_set(&innert, 0, "a", 1);
	capnpc_list_of_text_builder_set(&innert, 1, "bb", 2);
	capnpc_list_of_list_builder_init(&ll, 1, CAPNP_ELEM_POINTER, 0,
	                                 &innert.l);
	capnpc_list_of_list_builder_init(&ll, 2, CAPNP_ELEM_POINTER, 1,
	                                 &innert.l);
	capnpc_list_of_text_builder_set(&innert, 0, "ccc", 3);
	ch = conformance_all_types_init_choice(w);
	conformance_all_types_choice_init_inner(&ch, &in);
	conformance_inner_set_id(&in, 9);
	conformance_inner_set_name(&in, "chosen", 6);
}

static void expect_canon(const uint8_t *msg, size_t len, const char *type,
                         const char *fixture_name)
{
	size_t n;
	char *want = (char *)gen_fixture(fixture_name, ".canon.txt", &n);

	gen_expect_reference(msg, len, SCHEMA, type, "", want);
	free(want);
}

static void test_builds_every_type_as_the_reference(void **state)
{
	static uint8_t arena[4096];
	struct capnp_builder b;
	struct conformance_all_types_builder w;
	const uint8_t *msg;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	build_full(&b, &w);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), CAPNP_OK);
	expect_canon(msg, len, "AllTypes", "AllTypes-full");
}

static void test_builds_union_scalar_member_as_the_reference(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct conformance_all_types_builder w;
	struct conformance_all_types_choice_builder ch;
	const uint8_t *msg;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	conformance_all_types_init_root(&b, &w);
	conformance_all_types_set_int32_field(&w, 42);
	conformance_all_types_set_text_field(&w, "just this", 9);
	ch = conformance_all_types_init_choice(&w);
	assert_int_equal(
	    conformance_all_types_choice_set_number(&ch, 4000000000u),
	    CAPNP_OK);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), CAPNP_OK);
	expect_canon(msg, len, "AllTypes", "AllTypes-number");
}

static void test_builds_defaults_by_xor_as_the_reference(void **state)
{
	uint8_t arena[128];
	struct capnp_builder b;
	struct conformance_defaults_builder w;
	const uint8_t *msg;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	conformance_defaults_init_root(&b, &w);
	conformance_defaults_set_bool_field(&w, false);
	conformance_defaults_set_int8_field(&w, 7);
	conformance_defaults_set_int16_field(&w, 1234);
	conformance_defaults_set_int32_field(&w, 123456);
	conformance_defaults_set_int64_field(&w, 1234567890123ll);
	conformance_defaults_set_uint8_field(&w, 1);
	conformance_defaults_set_uint16_field(&w, 2);
	conformance_defaults_set_uint32_field(&w, 3);
	conformance_defaults_set_uint64_field(&w, 4);
	conformance_defaults_set_float32_field(&w, f32(-0.5f));
	conformance_defaults_set_float64_field(&w, f64(1024));
	conformance_defaults_set_enum_field(&w, CONFORMANCE_COLOR_GREEN);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), CAPNP_OK);
	expect_canon(msg, len, "Defaults", "Defaults-other");
}

static void test_builds_explicit_zeros_as_the_reference(void **state)
{
	uint8_t arena[128];
	struct capnp_builder b;
	struct conformance_defaults_builder w;
	const uint8_t *msg;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	conformance_defaults_init_root(&b, &w);
	conformance_defaults_set_bool_field(&w, false);
	conformance_defaults_set_int8_field(&w, 0);
	conformance_defaults_set_int16_field(&w, 0);
	conformance_defaults_set_int32_field(&w, 0);
	conformance_defaults_set_int64_field(&w, 0);
	conformance_defaults_set_uint8_field(&w, 0);
	conformance_defaults_set_uint16_field(&w, 0);
	conformance_defaults_set_uint32_field(&w, 0);
	conformance_defaults_set_uint64_field(&w, 0);
	conformance_defaults_set_float32_field(&w, 0);
	conformance_defaults_set_float64_field(&w, 0);
	conformance_defaults_set_enum_field(&w, CONFORMANCE_COLOR_RED);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), CAPNP_OK);
	expect_canon(msg, len, "Defaults", "Defaults-zero");
}

static void test_builds_call_params_as_the_reference(void **state)
{
	uint8_t arena[256], payload[64];
	struct capnp_builder b;
	struct conformance_call_params_builder w;
	const uint8_t *msg;
	size_t len;
	const char *name = "console.writeLine/0123456789abcd";

	(void)state;
	for (uint32_t i = 0; i < 64; i++)
		payload[i] = (uint8_t)i;
	capnp_builder_init(&b, arena, sizeof(arena));
	conformance_call_params_init_root(&b, &w);
	conformance_call_params_set_handle(&w, 81985529216486895ull);
	conformance_call_params_set_flags(&w, 3);
	conformance_call_params_set_name(&w, name, strlen(name));
	conformance_call_params_set_payload(&w, payload, sizeof(payload));
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), CAPNP_OK);
	expect_canon(msg, len, "CallParams", "CallParams-typical");
}

static void test_builder_reports_a_full_arena(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct conformance_all_types_builder w;
	const uint8_t *msg = NULL;
	size_t len = 0;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	build_full(&b, &w);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len),
	                 CAPNP_ERR_ARENA_FULL);
	assert_null(msg);
}

static void test_list_setter_out_of_range_is_an_error(void **state)
{
	uint8_t arena[1024];
	struct capnp_builder b;
	struct conformance_all_types_builder w;
	struct capnpc_list_of_text_builder lt;
	struct conformance_list_of_color_builder lc;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	conformance_all_types_init_root(&b, &w);
	conformance_all_types_init_text_list(&w, 1, &lt);
	assert_int_equal(capnpc_list_of_text_builder_set(&lt, 1, "x", 1),
	                 CAPNP_ERR_INDEX);
	conformance_all_types_init_enum_list(&w, 1, &lc);
	assert_int_equal(conformance_list_of_color_builder_set(
	                     &lc, 1, CONFORMANCE_COLOR_RED),
	                 CAPNP_ERR_INDEX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads_every_scalar_width),
	    cmocka_unit_test(test_reads_text_data_and_structs),
	    cmocka_unit_test(test_reads_scalar_lists),
	    cmocka_unit_test(test_reads_pointer_lists),
	    cmocka_unit_test(test_reads_lists_of_lists),
	    cmocka_unit_test(test_reads_union_struct_member),
	    cmocka_unit_test(test_reads_union_scalar_member),
	    cmocka_unit_test(test_reads_empty_message_as_zero_and_null),
	    cmocka_unit_test(test_reads_absent_fields_as_schema_defaults),
	    cmocka_unit_test(test_reads_explicit_zeros_over_defaults),
	    cmocka_unit_test(test_reads_capnp_eval_output),
	    cmocka_unit_test(test_reads_two_segment_message),
	    cmocka_unit_test(
	        test_decode_of_truncated_bytes_fails_and_reads_defaults),
	    cmocka_unit_test(test_list_getter_rejects_a_struct_pointer),
	    cmocka_unit_test(test_struct_list_index_out_of_range_is_an_error),
	    cmocka_unit_test(test_builds_every_type_as_the_reference),
	    cmocka_unit_test(test_builds_union_scalar_member_as_the_reference),
	    cmocka_unit_test(test_builds_defaults_by_xor_as_the_reference),
	    cmocka_unit_test(test_builds_explicit_zeros_as_the_reference),
	    cmocka_unit_test(test_builds_call_params_as_the_reference),
	    cmocka_unit_test(test_builder_reports_a_full_arena),
	    cmocka_unit_test(test_list_setter_out_of_range_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
