/*
 * test_gen_gentest.c - the accessors capnpc-c generates for the test
 * schemas tests/gen/gentest.capnp and gentest_import.capnp (into
 * build/gen-test/): what conformance.capnp lacks. Groups, the unnamed
 * union, a named union, a union inside a group, Text and Data defaults,
 * constants of every kind, C keywords as schema names, capability and
 * AnyPointer fields, lists of lists of floats, types from another file,
 * and interfaces with named param structs, flat params of every kind and
 * no methods at all. Checked against the reference tool both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gentest.capnp.h"
#include "gentest_import.capnp.h"
#include "../gen/gen_test_util.h"

#define SCHEMA        "tests/gen/gentest.capnp"
#define IMPORT_SCHEMA "tests/gen/gentest_import.capnp"

/* A Shapes value using every group and union, in the reference's text. */
static const char shapes_text[] =
    "( name = \"shapes\", origin = (x = 5, y = -6),"
    "  square = (side = 3, filled = false),"
    "  style = (shape = square),"
    "  meta = (tags = [\"a\", \"b\"], kind = (label = \"lbl\")),"
    "  shapes = [triangle, circle], flags = [true, false, true],"
    "  nested = (level = low, default = 7, struct = \"kw\"),"
    "  matrix = [[1.5], [], [-2, 0.25]], empty = (),"
    "  blobs = [0x\"01 02\", \"\"] )";

static uint64_t f64(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	return u;
}

static uint32_t f32(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static void expect_bytes(enum capnp_err err, const void *got, uint32_t len,
                         const void *want, uint32_t want_len)
{
	assert_int_equal(err, CAPNP_OK);
	assert_int_equal(len, want_len);
	if (len)
		assert_memory_equal(got, want, len);
}

/* ---- constants ------------------------------------------------------- */

static void test_constants_have_their_schema_values(void **state)
{
	static const char text[] = GENTEST_TEXT_CONST;
	static const uint8_t data[] = GENTEST_DATA_CONST;

	(void)state;
	assert_true(GENTEST_BOOL_CONST);
	assert_int_equal(GENTEST_INT8_CONST, -128);
	assert_int_equal(GENTEST_INT16_CONST, -1234);
	assert_int_equal(GENTEST_INT32_CONST, INT32_MIN);
	assert_true(GENTEST_INT64_CONST == INT64_MIN);
	assert_int_equal(GENTEST_UINT8_CONST, 255);
	assert_int_equal(GENTEST_UINT16_CONST, 65535);
	assert_int_equal(GENTEST_UINT32_CONST, 4000000000u);
	assert_true(GENTEST_UINT64_CONST == 0xfedcba9876543210ull);
	assert_int_equal(GENTEST_FLOAT32_CONST, f32(1.5f));
	assert_true(GENTEST_FLOAT64_CONST == f64(-2.25));
	assert_string_equal(text, "a \"quote\", a \\ and a\ttab?\?=");
	assert_int_equal(sizeof(data), 4 + 1);
	assert_memory_equal(data, "\x00\x01\xfe\xff", 4);
	assert_int_equal(GENTEST_ENUM_CONST, GENTEST_SHAPE_TRIANGLE);
	/* calculatorInterfaceId is the interface's own id macro. */
	assert_true(GENTEST_CALCULATOR_INTERFACE_ID == 0x8d6682599d1d8dcdull);
#if defined(GENTEST_STRUCT_CONST) || defined(GENTEST_LIST_CONST)
	fail_msg("struct and list constants must not become macros");
#endif
}

static void test_interface_without_methods_has_its_id_only(void **state)
{
	char *out, want[64];

	(void)state;
	assert_int_equal(GENTEST_SILENT_METHOD_COUNT, 0);
	assert_int_equal(gen_run("cd '" GEN_ROOT
	                         "' && capnp compile -ocapnp " SCHEMA,
	                         NULL, &out),
	                 0);
	snprintf(want, sizeof(want), "interface Silent @0x%016llx ",
	         (unsigned long long)GENTEST_SILENT_INTERFACE_ID);
	assert_non_null(strstr(out, want));
	free(out);
}

/* ---- groups, unions, defaults ----------------------------------------- */

static void check_shapes(const struct gentest_shapes *r)
{
	struct gentest_shapes_origin org = gentest_shapes_get_origin(r);
	struct gentest_shapes_square sq = gentest_shapes_get_square(r);
	struct gentest_shapes_style st = gentest_shapes_get_style(r);
	struct gentest_shapes_meta meta = gentest_shapes_get_meta(r);
	struct gentest_shapes_meta_kind kind =
	    gentest_shapes_meta_get_kind(&meta);
	struct capnpc_list_of_text tags;
	struct gentest_list_of_shape shapes;
	struct capnpc_list_of_bool flags;
	struct gentest_shapes_nested_inner in;
	struct capnpc_list_of_list matrix;
	struct capnpc_list_of_f64 row;
	struct capnpc_list_of_data blobs;
	const char *s;
	const uint8_t *d;
	uint32_t len;
	enum capnp_err err;

	err = gentest_shapes_get_name(r, &s, &len);
	expect_bytes(err, s, len, "shapes", 6);
	assert_int_equal(gentest_shapes_origin_get_x(&org), 5);
	assert_int_equal(gentest_shapes_origin_get_y(&org), -6);
	assert_int_equal(gentest_shapes_which(r), GENTEST_SHAPES_SQUARE);
	assert_int_equal(gentest_shapes_square_get_side(&sq), 3);
	assert_false(gentest_shapes_square_get_filled(&sq));
	assert_int_equal(gentest_shapes_style_which(&st),
	                 GENTEST_SHAPES_STYLE_SHAPE);
	assert_int_equal(gentest_shapes_style_get_shape(&st),
	                 GENTEST_SHAPE_SQUARE);
	assert_int_equal(gentest_shapes_meta_get_tags(&meta, &tags), 0);
	err = capnpc_list_of_text_get(&tags, 1, &s, &len);
	expect_bytes(err, s, len, "b", 1);
	assert_int_equal(gentest_shapes_meta_kind_which(&kind),
	                 GENTEST_SHAPES_META_KIND_LABEL);
	err = gentest_shapes_meta_kind_get_label(&kind, &s, &len);
	expect_bytes(err, s, len, "lbl", 3);
	assert_int_equal(gentest_shapes_get_shapes(r, &shapes), 0);
	assert_int_equal(gentest_list_of_shape_len(&shapes), 2);
	assert_int_equal(gentest_list_of_shape_get(&shapes, 0),
	                 GENTEST_SHAPE_TRIANGLE);
	assert_int_equal(gentest_shapes_get_flags(r, &flags), 0);
	assert_int_equal(capnpc_list_of_bool_len(&flags), 3);
	assert_false(capnpc_list_of_bool_get(&flags, 1));
	assert_true(capnpc_list_of_bool_get(&flags, 2));
	assert_int_equal(gentest_shapes_get_nested(r, &in), 0);
	assert_int_equal(gentest_shapes_nested_inner_get_level(&in),
	                 GENTEST_SHAPES_NESTED_LEVEL_LOW);
	assert_int_equal(gentest_shapes_nested_inner_get_default(&in), 7);
	err = gentest_shapes_nested_inner_get_struct(&in, &s, &len);
	expect_bytes(err, s, len, "kw", 2);
	assert_int_equal(gentest_shapes_get_matrix(r, &matrix), 0);
	assert_int_equal(capnpc_list_of_list_len(&matrix), 3);
	assert_int_equal(
	    capnpc_list_of_list_get(&matrix, 2, CAPNP_ELEM_8BYTES, &row.l), 0);
	assert_true(capnpc_list_of_f64_get(&row, 0) == f64(-2));
	assert_true(capnpc_list_of_f64_get(&row, 1) == f64(0.25));
	assert_true(gentest_shapes_has_empty(r));
	assert_int_equal(gentest_shapes_get_blobs(r, &blobs), 0);
	err = capnpc_list_of_data_get(&blobs, 0, &d, &len);
	expect_bytes(err, d, len, "\x01\x02", 2);
	assert_false(gentest_shapes_has_service(r));
}

static void test_reads_groups_and_unions_the_reference_wrote(void **state)
{
	size_t len;
	uint8_t *bin =
	    gen_reference_binary(shapes_text, SCHEMA, "Shapes", "", &len);
	struct capnpc_msg m;
	struct gentest_shapes r;

	(void)state;
	assert_int_equal(gentest_shapes_decode(bin, len, &m, &r), 0);
	check_shapes(&r);
	free(bin);
}

static void build_shapes(struct capnp_builder *b)
{
	struct gentest_shapes_builder w;
	struct gentest_shapes_origin_builder org;
	struct gentest_shapes_square_builder sq;
	struct gentest_shapes_style_builder st;
	struct gentest_shapes_meta_builder meta;
	struct gentest_shapes_meta_kind_builder kind;
	struct capnpc_list_of_text_builder tags;
	struct gentest_list_of_shape_builder shapes;
	struct capnpc_list_of_bool_builder flags;
	struct gentest_shapes_nested_inner_builder in;
	struct capnpc_list_of_list_builder matrix;
	struct capnpc_list_of_f64_builder row;
	struct gentest_nothing_builder empty;
	struct capnpc_list_of_data_builder blobs;

	assert_int_equal(gentest_shapes_init_root(b, &w), 0);
	gentest_shapes_set_name(&w, "shapes", 6);
	org = gentest_shapes_init_origin(&w);
	gentest_shapes_origin_set_x(&org, 5);
	gentest_shapes_origin_set_y(&org, -6);
	sq = gentest_shapes_init_square(&w);
	gentest_shapes_square_set_side(&sq, 3);
	gentest_shapes_square_set_filled(&sq, false);
	st = gentest_shapes_init_style(&w);
	gentest_shapes_style_set_shape(&st, GENTEST_SHAPE_SQUARE);
	meta = gentest_shapes_init_meta(&w);
	gentest_shapes_meta_init_tags(&meta, 2, &tags);
	capnpc_list_of_text_builder_set(&tags, 0, "a", 1);
	capnpc_list_of_text_builder_set(&tags, 1, "b", 1);
	kind = gentest_shapes_meta_init_kind(&meta);
	gentest_shapes_meta_kind_set_label(&kind, "lbl", 3);
	gentest_shapes_init_shapes(&w, 2, &shapes);
	gentest_list_of_shape_builder_set(&shapes, 0, GENTEST_SHAPE_TRIANGLE);
	gentest_list_of_shape_builder_set(&shapes, 1, GENTEST_SHAPE_CIRCLE);
	gentest_shapes_init_flags(&w, 3, &flags);
	capnpc_list_of_bool_builder_set(&flags, 0, true);
	capnpc_list_of_bool_builder_set(&flags, 2, true);
	gentest_shapes_init_nested(&w, &in);
	gentest_shapes_nested_inner_set_level(&in,
	                                      GENTEST_SHAPES_NESTED_LEVEL_LOW);
	gentest_shapes_nested_inner_set_default(&in, 7);
	gentest_shapes_nested_inner_set_struct(&in, "kw", 2);
	gentest_shapes_init_matrix(&w, 3, &matrix);
	capnpc_list_of_list_builder_init(&matrix, 0, CAPNP_ELEM_8BYTES, 1,
	                                 &row.l);
	capnpc_list_of_f64_builder_set(&row, 0, f64(1.5));
	capnpc_list_of_list_builder_init(&matrix, 1, CAPNP_ELEM_8BYTES, 0,
	                                 &row.l);
	capnpc_list_of_list_builder_init(&matrix, 2, CAPNP_ELEM_8BYTES, 2,
	                                 &row.l);
	capnpc_list_of_f64_builder_set(&row, 0, f64(-2));
	capnpc_list_of_f64_builder_set(&row, 1, f64(0.25));
	gentest_shapes_init_empty(&w, &empty);
	gentest_shapes_init_blobs(&w, 2, &blobs);
	capnpc_list_of_data_builder_set(&blobs, 0, "\x01\x02", 2);
	capnpc_list_of_data_builder_set(&blobs, 1, "", 0);
}

static char *canonical(const char *text, const char *schema, const char *type)
{
	size_t len;
	uint8_t *bin = gen_reference_binary(text, schema, type, "", &len);
	char *out = gen_reference_text(bin, len, schema, type, "");

	free(bin);
	return out;
}

static void test_builds_groups_and_unions_as_the_reference(void **state)
{
	static uint8_t arena[2048];
	struct capnp_builder b;
	const uint8_t *msg;
	size_t len;
	char *want = canonical(shapes_text, SCHEMA, "Shapes");
	struct capnpc_msg m;
	struct gentest_shapes r;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	build_shapes(&b);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	gen_expect_reference(msg, len, SCHEMA, "Shapes", "", want);
	assert_int_equal(gentest_shapes_decode(msg, len, &m, &r), 0);
	check_shapes(&r);
	free(want);
}

static void test_absent_fields_read_as_their_defaults(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct gentest_shapes_builder w;
	struct capnpc_msg m;
	struct gentest_shapes r;
	struct gentest_shapes_origin org;
	struct gentest_shapes_circle c;
	struct gentest_shapes_square sq;
	struct gentest_shapes_style st;
	struct gentest_shapes_nested_inner in;
	const uint8_t *msg, *d;
	const char *s;
	size_t len;
	uint32_t n;
	enum capnp_err err;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	gentest_shapes_init_root(&b, &w);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(gentest_shapes_decode(msg, len, &m, &r), 0);
	assert_false(gentest_shapes_has_name(&r));
	err = gentest_shapes_get_name(&r, &s, &n);
	expect_bytes(err, s, n, "unnamed", 7);
	assert_int_equal(s[n], 0);
	err = gentest_shapes_get_blob(&r, &d, &n);
	expect_bytes(err, d, n, "\xca\xfe", 2);
	org = gentest_shapes_get_origin(&r);
	assert_int_equal(gentest_shapes_origin_get_x(&org), -1);
	assert_int_equal(gentest_shapes_origin_get_y(&org), 1);
	assert_int_equal(gentest_shapes_which(&r), GENTEST_SHAPES_CIRCLE);
	c = gentest_shapes_get_circle(&r);
	assert_int_equal(gentest_shapes_circle_get_radius(&c), 10);
	sq = gentest_shapes_get_square(&r);
	assert_true(gentest_shapes_square_get_filled(&sq));
	st = gentest_shapes_get_style(&r);
	assert_int_equal(gentest_shapes_style_which(&st),
	                 GENTEST_SHAPES_STYLE_PLAIN);
	assert_int_equal(gentest_shapes_style_get_shape(&st),
	                 GENTEST_SHAPE_SQUARE);
	/* An absent struct reads as all defaults. */
	assert_false(gentest_shapes_has_nested(&r));
	assert_int_equal(gentest_shapes_get_nested(&r, &in), 0);
	assert_int_equal(gentest_shapes_nested_inner_get_level(&in),
	                 GENTEST_SHAPES_NESTED_LEVEL_HIGH);
	/* The reference agrees, and prints no absent pointer. */
	gen_expect_reference(msg, len, SCHEMA, "Shapes", "",
	                     "( origin = (x = -1, y = 1),\n"
	                     "  circle = (radius = 10),\n"
	                     "  style = (plain = void),\n"
	                     "  meta = (kind = (none = void)) )\n");
}

static void test_set_empty_text_overrides_its_default(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct gentest_shapes_builder w;
	struct capnpc_msg m;
	struct gentest_shapes r;
	const uint8_t *msg;
	const char *s;
	size_t len;
	uint32_t n;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	gentest_shapes_init_root(&b, &w);
	gentest_shapes_set_name(&w, "", 0);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(gentest_shapes_decode(msg, len, &m, &r), 0);
	assert_true(gentest_shapes_has_name(&r));
	assert_int_equal(gentest_shapes_get_name(&r, &s, &n), 0);
	assert_int_equal(n, 0);
}

static void test_union_setters_switch_the_member(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct gentest_shapes_builder w;
	struct gentest_shapes_style_builder st;
	struct gentest_list_of_point_builder pts;
	struct gentest_point_builder p;
	struct capnpc_msg m;
	struct gentest_shapes r;
	struct gentest_shapes_style sr;
	const uint8_t *msg;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	gentest_shapes_init_root(&b, &w);
	st = gentest_shapes_init_style(&w);
	gentest_shapes_style_set_pattern(&st, "dots", 4);
	gentest_shapes_style_set_color(&st, 0xff00ff);
	gentest_shapes_init_points(&w, 1, &pts);
	gentest_list_of_point_builder_get(&pts, 0, &p);
	gentest_point_set_x(&p, 9);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(gentest_shapes_decode(msg, len, &m, &r), 0);
	assert_int_equal(gentest_shapes_which(&r), GENTEST_SHAPES_POINTS);
	sr = gentest_shapes_get_style(&r);
	assert_int_equal(gentest_shapes_style_which(&sr),
	                 GENTEST_SHAPES_STYLE_COLOR);
	assert_int_equal(gentest_shapes_style_get_color(&sr), 0xff00ff);
	gen_expect_reference(msg, len, SCHEMA, "Shapes", "",
	                     "( origin = (x = -1, y = 1),\n"
	                     "  points = [(x = 9, y = 0)],\n"
	                     "  style = (color = 16711935),\n"
	                     "  meta = (kind = (none = void)) )\n");
}

/* ---- capabilities and AnyPointer --------------------------------------- */

static void test_capability_fields_hold_cap_table_indexes(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct gentest_shapes_builder w;
	struct capnpc_list_of_ptr_builder svcs;
	struct capnpc_list_of_ptr sl;
	struct capnpc_msg m;
	struct gentest_shapes r;
	struct capnp_ptr p;
	const uint8_t *msg;
	size_t len;
	uint32_t cap = 0;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	gentest_shapes_init_root(&b, &w);
	assert_int_equal(gentest_shapes_set_service(&w, 3), 0);
	gentest_shapes_init_services(&w, 2, &svcs);
	capnp_bptr_set_cap(capnpc_list_of_ptr_builder_get(&svcs, 1), 7);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(gentest_shapes_decode(msg, len, &m, &r), 0);
	assert_true(gentest_shapes_has_service(&r));
	assert_int_equal(gentest_shapes_get_service(&r, &cap), 0);
	assert_int_equal(cap, 3);
	assert_int_equal(gentest_shapes_get_services(&r, &sl), 0);
	assert_int_equal(capnpc_list_of_ptr_len(&sl), 2);
	p = capnpc_list_of_ptr_get(&sl, 0);
	assert_int_equal(capnp_ptr_get_cap(&p, &cap), 0);
	assert_int_equal(cap, CAPNP_CAP_NULL);
	p = capnpc_list_of_ptr_get(&sl, 1);
	assert_int_equal(capnp_ptr_get_cap(&p, &cap), 0);
	assert_int_equal(cap, 7);
}

static void test_any_pointer_field_is_a_raw_slot(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct gentest_shapes_builder w;
	struct gentest_point_builder pw;
	struct capnpc_msg m;
	struct gentest_shapes r;
	struct gentest_point pr;
	struct capnp_ptr slot;
	const uint8_t *msg;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	gentest_shapes_init_root(&b, &w);
	assert_int_equal(
	    capnp_bptr_init_struct(gentest_shapes_init_anything(&w),
	                           GENTEST_POINT_DATA_WORDS,
	                           GENTEST_POINT_PTR_WORDS, &pw.s),
	    0);
	gentest_point_set_y(&pw, -42);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(gentest_shapes_decode(msg, len, &m, &r), 0);
	assert_true(gentest_shapes_has_anything(&r));
	slot = gentest_shapes_get_anything(&r);
	assert_int_equal(capnp_ptr_get_struct(&slot, &pr.s), 0);
	assert_int_equal(gentest_point_get_y(&pr), -42);
}

/* ---- interfaces ------------------------------------------------------------
 */

struct calc {
	int64_t last;
	uint8_t seen[4];
	char len_text[16];
};

static int calc_add(void *ctx, const struct gentest_add_params *p,
                    struct gentest_add_results_builder *r)
{
	(void)ctx;
	return gentest_add_results_set_sum(r, gentest_add_params_get_a(p) +
	                                          gentest_add_params_get_b(p));
}

static int calc_default(void *ctx,
                        const struct gentest_calculator_default_params *p,
                        struct gentest_calculator_default_results_builder *r)
{
	struct calc *c = ctx;
	const char *s;
	uint32_t n;

	(void)r;
	c->seen[0] = gentest_calculator_default_params_get_arena(p);
	c->seen[1] = gentest_calculator_default_params_get_b(p);
	c->seen[2] = gentest_calculator_default_params_get_p(p);
	gentest_calculator_default_params_get_len(p, &s, &n);
	snprintf(c->len_text, sizeof(c->len_text), "%.*s", (int)n, s);
	return 0;
}

static int calc_sum(void *ctx, const struct gentest_calculator_sum_params *p,
                    struct gentest_calculator_sum_results_builder *r)
{
	struct capnpc_list_of_i64 v;
	int64_t total = 0;

	(void)ctx;
	if (gentest_calculator_sum_params_get_values(p, &v))
		return -50;
	for (uint32_t i = 0; i < capnpc_list_of_i64_len(&v); i++)
		total += capnpc_list_of_i64_get(&v, i);
	gentest_calculator_sum_results_set_total(r, total);
	gentest_calculator_sum_results_set_count(r, capnpc_list_of_i64_len(&v));
	return 0;
}

static const struct gentest_calculator_server_ops calc_ops = {
    .add = calc_add, .sum = calc_sum, .default_ = calc_default};

static void test_named_param_structs_work_with_the_reference(void **state)
{
	uint8_t arena[64], result[64];
	const uint8_t *msg;
	size_t len, rlen;
	struct capnpc_msg m;
	struct gentest_add_results r;

	(void)state;
	assert_int_equal(gentest_calculator_add_encode_params(
	                     arena, sizeof(arena), 2, 40, &msg, &len),
	                 0);
	gen_expect_reference(msg, len, SCHEMA, "AddParams", "",
	                     "(a = 2, b = 40)\n");
	assert_int_equal(gentest_calculator_dispatch(
	                     &calc_ops, NULL, GENTEST_CALCULATOR_METHOD_ADD,
	                     msg, len, result, sizeof(result), &rlen),
	                 0);
	gen_expect_reference(result, rlen, SCHEMA, "AddResults", "",
	                     "(sum = 42)\n");
	assert_int_equal(
	    gentest_calculator_add_decode_results(result, rlen, &m, &r), 0);
	assert_true(gentest_add_results_get_sum(&r) == 42);
}

static void test_flat_stub_takes_every_simple_kind(void **state)
{
	uint8_t arena[128];
	const uint8_t *msg, *d;
	const char *s;
	size_t len;
	uint32_t n, cap;
	struct capnpc_msg m;
	struct gentest_calculator_describe_params p;

	(void)state;
	assert_int_equal(gentest_calculator_describe_encode_params(
	                     arena, sizeof(arena), GENTEST_SHAPE_TRIANGLE,
	                     "tri", 3, "\x01\x02\x03", 3, true, 5, f32(0.5f),
	                     &msg, &len),
	                 0);
	assert_int_equal(
	    gentest_calculator_describe_params_decode(msg, len, &m, &p), 0);
	assert_int_equal(gentest_calculator_describe_params_get_shape(&p),
	                 GENTEST_SHAPE_TRIANGLE);
	assert_int_equal(
	    gentest_calculator_describe_params_get_name(&p, &s, &n), 0);
	assert_memory_equal(s, "tri", n);
	assert_int_equal(
	    gentest_calculator_describe_params_get_blob(&p, &d, &n), 0);
	assert_memory_equal(d, "\x01\x02\x03", n);
	assert_true(gentest_calculator_describe_params_get_exact(&p));
	assert_int_equal(gentest_calculator_describe_params_get_peer(&p, &cap),
	                 0);
	assert_int_equal(cap, 5);
	assert_int_equal(gentest_calculator_describe_params_get_scale(&p),
	                 f32(0.5f));
}

static void test_keyword_and_clashing_names_are_renamed(void **state)
{
	uint8_t arena[128], result[64];
	const uint8_t *msg;
	size_t len, rlen;
	struct calc c = {0};

	(void)state;
	/* Params arena, b, p, len: arena_, b_, p_, len and len_len. */
	assert_int_equal(
	    gentest_calculator_default_encode_params(arena, sizeof(arena), 1, 2,
	                                             3, "four", 4, &msg, &len),
	    0);
	assert_int_equal(gentest_calculator_dispatch(
	                     &calc_ops, &c, GENTEST_CALCULATOR_METHOD_DEFAULT,
	                     msg, len, result, sizeof(result), &rlen),
	                 0);
	assert_memory_equal(c.seen, "\x01\x02\x03", 3);
	assert_string_equal(c.len_text, "four");
}

static void test_structured_params_are_built_in_place(void **state)
{
	uint8_t arena[128], result[64];
	struct capnp_builder b;
	struct gentest_calculator_sum_params_builder p;
	struct capnpc_list_of_i64_builder v;
	struct capnpc_msg m;
	struct gentest_calculator_sum_results r;
	const uint8_t *msg;
	size_t len, rlen;

	(void)state;
	gentest_calculator_sum_build_params(&b, arena, sizeof(arena), &p);
	gentest_calculator_sum_params_init_values(&p, 3, &v);
	capnpc_list_of_i64_builder_set(&v, 0, INT64_MAX);
	capnpc_list_of_i64_builder_set(&v, 1, INT64_MIN);
	capnpc_list_of_i64_builder_set(&v, 2, 5);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(gentest_calculator_dispatch(
	                     &calc_ops, NULL, GENTEST_CALCULATOR_METHOD_SUM,
	                     msg, len, result, sizeof(result), &rlen),
	                 0);
	assert_int_equal(
	    gentest_calculator_sum_decode_results(result, rlen, &m, &r), 0);
	assert_int_equal(gentest_calculator_sum_results_get_total(&r), 4);
	assert_int_equal(gentest_calculator_sum_results_get_count(&r), 3);
}

/* ---- another file's types ------------------------------------------------ */

static int canvas_draw(void *ctx,
                       const struct gentest_import_canvas_draw_params *p,
                       struct gentest_import_canvas_draw_results_builder *r)
{
	struct gentest_point pt;

	(void)ctx;
	gentest_import_canvas_draw_params_get_around(p, &pt);
	return gentest_import_canvas_draw_results_set_area(
	    r, (uint64_t)gentest_point_get_x(&pt) *
	           (uint64_t)gentest_point_get_y(&pt));
}

static void test_imported_types_keep_their_own_names(void **state)
{
	static const struct gentest_import_canvas_server_ops ops = {
	    .draw = canvas_draw};
	uint8_t arena[512], result[64];
	struct capnp_builder b;
	struct gentest_import_canvas_draw_params_builder p;
	struct gentest_import_drawing_builder d;
	struct gentest_list_of_shapes_builder shapes;
	struct gentest_shapes_builder s0;
	struct gentest_point_builder pt;
	struct gentest_list_of_shape_builder kinds;
	struct capnpc_msg m;
	struct gentest_import_canvas_draw_results r;
	const uint8_t *msg;
	size_t len, rlen;

	(void)state;
	assert_int_equal(GENTEST_IMPORT_DEFAULT_SHAPE, GENTEST_SHAPE_SQUARE);
	gentest_import_canvas_draw_build_params(&b, arena, sizeof(arena), &p);
	gentest_import_canvas_draw_params_init_drawing(&p, &d);
	gentest_import_drawing_init_shapes(&d, 1, &shapes);
	gentest_list_of_shapes_builder_get(&shapes, 0, &s0);
	gentest_shapes_set_name(&s0, "one", 3);
	gentest_import_drawing_set_kind(&d, GENTEST_SHAPE_TRIANGLE);
	gentest_import_drawing_init_kinds(&d, 1, &kinds);
	gentest_list_of_shape_builder_set(&kinds, 0, GENTEST_SHAPE_SQUARE);
	gentest_import_canvas_draw_params_init_around(&p, &pt);
	gentest_point_set_x(&pt, 6);
	gentest_point_set_y(&pt, 7);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	assert_int_equal(gentest_import_canvas_dispatch(
	                     &ops, NULL, GENTEST_IMPORT_CANVAS_METHOD_DRAW, msg,
	                     len, result, sizeof(result), &rlen),
	                 0);
	assert_int_equal(
	    gentest_import_canvas_draw_decode_results(result, rlen, &m, &r), 0);
	assert_int_equal(gentest_import_canvas_draw_results_get_area(&r), 42);
}

static void test_imported_struct_builds_as_the_reference(void **state)
{
	uint8_t arena[512];
	struct capnp_builder b;
	struct gentest_import_drawing_builder d;
	struct gentest_point_builder pt;
	const uint8_t *msg;
	size_t len;
	char *want = canonical("(main = (x = 1, y = 2), kinds = [triangle])",
	                       IMPORT_SCHEMA, "Drawing");
	struct capnpc_msg m;
	struct gentest_import_drawing r;
	struct gentest_list_of_shape_builder kinds;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	gentest_import_drawing_init_root(&b, &d);
	gentest_import_drawing_init_main(&d, &pt);
	gentest_point_set_x(&pt, 1);
	gentest_point_set_y(&pt, 2);
	gentest_import_drawing_init_kinds(&d, 1, &kinds);
	gentest_list_of_shape_builder_set(&kinds, 0, GENTEST_SHAPE_TRIANGLE);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	gen_expect_reference(msg, len, IMPORT_SCHEMA, "Drawing", "", want);
	assert_int_equal(gentest_import_drawing_decode(msg, len, &m, &r), 0);
	/* kind is absent: its default, an enumerant of the other file. */
	assert_int_equal(gentest_import_drawing_get_kind(&r),
	                 GENTEST_SHAPE_CIRCLE);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constants_have_their_schema_values),
	    cmocka_unit_test(test_interface_without_methods_has_its_id_only),
	    cmocka_unit_test(test_reads_groups_and_unions_the_reference_wrote),
	    cmocka_unit_test(test_builds_groups_and_unions_as_the_reference),
	    cmocka_unit_test(test_absent_fields_read_as_their_defaults),
	    cmocka_unit_test(test_set_empty_text_overrides_its_default),
	    cmocka_unit_test(test_union_setters_switch_the_member),
	    cmocka_unit_test(test_capability_fields_hold_cap_table_indexes),
	    cmocka_unit_test(test_any_pointer_field_is_a_raw_slot),
	    cmocka_unit_test(test_named_param_structs_work_with_the_reference),
	    cmocka_unit_test(test_flat_stub_takes_every_simple_kind),
	    cmocka_unit_test(test_keyword_and_clashing_names_are_renamed),
	    cmocka_unit_test(test_structured_params_are_built_in_place),
	    cmocka_unit_test(test_imported_types_keep_their_own_names),
	    cmocka_unit_test(test_imported_struct_builds_as_the_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
