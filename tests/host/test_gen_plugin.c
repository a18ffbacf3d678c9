/*
 * test_gen_plugin.c - the capnpc-c plugin itself, run as a program: every
 * input it refuses gets its own test of its message and exit status.
 *
 *  - schemas it cannot express in C (the schemas in tests/gen/bad/, through
 *    `capnp compile`);
 *  - broken requests fed straight to its stdin: bytes that are no message,
 *    trailing bytes, and requests built with the generated schema.capnp
 *    builders (gen/schema.capnp.h) that are well-formed Cap'n Proto but
 *    inconsistent (missing, duplicate or orphan nodes, unknown kinds);
 *  - its output: deterministic, no flat stub for structured params, and
 *    headers that compile freestanding with the kernel's flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "schema.capnp.h"
#include "../gen/gen_test_util.h"

/* A fresh empty directory for the plugin's output. */
static void temp_dir(char path[64])
{
	strcpy(path, "/tmp/capnpc-c-out-XXXXXX");
	assert_non_null(mkdtemp(path));
}

static void remove_dir(const char *dir)
{
	char cmd[128], *out;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(gen_run(cmd, NULL, &out), 0);
	free(out);
}

/* Runs `capnp compile` of a bad schema; its output must name the error. */
static void expect_schema_refused(const char *schema, const char *message)
{
	char dir[64], cmd[1024], *out;
	int rc;

	temp_dir(dir);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && capnp compile --src-prefix=tests/gen/bad "
	         "-o'%s':'%s' tests/gen/bad/%s",
	         GEN_ROOT, CAPNPC_PLUGIN, dir, schema);
	rc = gen_run(cmd, NULL, &out);
	/* Exit status 1 (not a sanitizer's): a clean refusal. */
	if (rc == 0 || !strstr(out, message) ||
	    !strstr(out, "plugin failed: exit code 1"))
		fail_msg("%s: exit %d, output:\n%s\nwanted: %s", schema, rc,
		         out, message);
	free(out);
	remove_dir(dir);
}

/* Feeds bytes to the plugin; returns its exit status and output. */
static int run_plugin(const void *bytes, size_t len, const char *args,
                      char **out)
{
	char dir[64], in[64], cmd[1024];
	int rc;

	temp_dir(dir);
	gen_temp(in);
	gen_write_file(in, bytes, len);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s", dir, CAPNPC_PLUGIN,
	         args);
	rc = gen_run(cmd, in, out);
	unlink(in);
	remove_dir(dir);
	return rc;
}

static void expect_request_refused(const void *bytes, size_t len,
                                   const char *message)
{
	char *out;
	int rc = run_plugin(bytes, len, "", &out);

	if (rc != 1 || !strstr(out, message))
		fail_msg("exit %d, output:\n%s\nwanted: %s", rc, out, message);
	free(out);
}

/* ---- schemas C cannot express ---------------------------------------------
 */

static void test_refuses_an_interface_that_extends_another(void **state)
{
	(void)state;
	expect_schema_refused("extends.capnp",
	                      "capnpc-c: interface Derived extends another");
}

static void test_refuses_a_generic_struct(void **state)
{
	(void)state;
	expect_schema_refused("generic.capnp", "capnpc-c: Box is generic");
}

static void test_refuses_a_generic_method(void **state)
{
	(void)state;
	expect_schema_refused("generic_method.capnp",
	                      "capnpc-c: method Store.put is generic");
}

static void test_refuses_a_struct_field_default(void **state)
{
	(void)state;
	expect_schema_refused("struct_default.capnp",
	                      "capnpc-c: Shape.at has a default value");
}

static void test_refuses_a_list_field_default(void **state)
{
	(void)state;
	expect_schema_refused("list_default.capnp",
	                      "capnpc-c: Bytes.items has a default value");
}

static void test_refuses_an_empty_enum(void **state)
{
	(void)state;
	expect_schema_refused("empty_enum.capnp",
	                      "capnpc-c: enum Nothing has no enumerants");
}

static void test_refuses_colliding_c_names(void **state)
{
	(void)state;
	expect_schema_refused("collision.capnp",
	                      "capnpc-c: generated name collision_foo_bar of "
	                      "Foo.Bar collides with the one of FooBar");
}

static void test_refuses_an_interface_id_constant_that_differs(void **state)
{
	(void)state;
	expect_schema_refused(
	    "wrong_id.capnp",
	    "capnpc-c: const echoInterfaceId is not interface "
	    "Echo's id");
}

/* ---- bytes that are no request ---------------------------------------------
 */

static void test_refuses_bytes_that_are_no_message(void **state)
{
	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4};

	(void)state;
	expect_request_refused(junk, sizeof(junk),
	                       "capnpc-c: the request is not a Cap'n Proto "
	                       "message: ");
}

static void test_refuses_an_empty_input(void **state)
{
	(void)state;
	expect_request_refused("", 0,
	                       "capnpc-c: the request is not a Cap'n Proto "
	                       "message: ");
}

static void test_refuses_bytes_after_the_request(void **state)
{
	/* One segment of one word (a null root), then 8 stray bytes. */
	static const uint8_t msg[24] = {0, 0, 0, 0, 1, 0, 0, 0};

	(void)state;
	expect_request_refused(msg, sizeof(msg),
	                       "capnpc-c: 8 bytes after the request");
}

static void test_refuses_a_root_that_is_not_a_struct(void **state)
{
	/* The root pointer is a list of 0 bytes. */
	static const uint8_t msg[16] = {0, 0, 0, 0, 1, 0, 0, 0,
	                                1, 0, 0, 0, 2, 0, 0, 0};

	(void)state;
	expect_request_refused(msg, sizeof(msg),
	                       "capnpc-c: the request is malformed: "
	                       "CodeGeneratorRequest: ");
}

static void test_rejects_arguments_with_its_usage(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(run_plugin("", 0, "--help", &out), 2);
	assert_non_null(strstr(out, "usage: capnp compile -o capnpc-c:"));
	free(out);
}

static void test_reports_an_output_it_cannot_create(void **state)
{
	char dir[64], cmd[1024], *out, path[128];
	int rc;

	(void)state;
	temp_dir(dir);
	/* A directory where the support header would go. */
	snprintf(path, sizeof(path), "%s/capnpc_c.h", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && capnp compile --src-prefix=tests/gen "
	         "-o'%s':'%s' tests/gen/gentest.capnp",
	         GEN_ROOT, CAPNPC_PLUGIN, dir);
	rc = gen_run(cmd, NULL, &out);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "capnpc-c: cannot create capnpc_c.h: "));
	free(out);
	remove_dir(dir);
}

/* ---- inconsistent requests, built with the generated builders ---------- */

#define FILE_ID   0x8000000000000001ull
#define STRUCT_ID 0x8000000000000002ull
#define ENUM_ID   0x8000000000000003ull

struct request {
	uint8_t arena[4096];
	struct capnp_builder b;
	struct schema_code_generator_request_builder req;
	struct schema_list_of_node_builder nodes;
	const uint8_t *msg;
	size_t len;
};

static void request_start(struct request *r, uint32_t nodes, uint64_t requested)
{
	struct schema_list_of_code_generator_request_requested_file_builder fl;
	struct schema_code_generator_request_requested_file_builder f;

	capnp_builder_init(&r->b, r->arena, sizeof(r->arena));
	schema_code_generator_request_init_root(&r->b, &r->req);
	schema_code_generator_request_init_nodes(&r->req, nodes, &r->nodes);
	schema_code_generator_request_init_requested_files(&r->req, 1, &fl);
	schema_list_of_code_generator_request_requested_file_builder_get(&fl, 0,
	                                                                 &f);
	schema_code_generator_request_requested_file_set_id(&f, requested);
	schema_code_generator_request_requested_file_set_filename(&f, "t.capnp",
	                                                          7);
}

static void request_finish(struct request *r)
{
	assert_int_equal(capnp_builder_finish(&r->b, &r->msg, &r->len), 0);
}

static void node_file(struct request *r, uint32_t i, uint64_t id,
                      const char *name)
{
	struct schema_node_builder n;

	schema_list_of_node_builder_get(&r->nodes, i, &n);
	schema_node_set_id(&n, id);
	schema_node_set_display_name(&n, name, strlen(name));
	schema_node_set_file(&n);
}

/* A struct node of one data word with nfields fields, in *fields. */
static void node_struct(struct request *r, uint32_t i, uint64_t id,
                        const char *display, uint32_t nfields,
                        struct schema_list_of_field_builder *fields)
{
	struct schema_node_builder n;
	struct schema_node_struct_builder st;

	schema_list_of_node_builder_get(&r->nodes, i, &n);
	schema_node_set_id(&n, id);
	schema_node_set_display_name(&n, display, strlen(display));
	schema_node_set_scope_id(&n, FILE_ID);
	st = schema_node_init_struct(&n);
	schema_node_struct_set_data_word_count(&st, 1);
	schema_node_struct_init_fields(&st, nfields, fields);
}

/* Field i: a slot at offset 0; its type is left to the caller. */
static struct schema_type_builder
field_slot(struct schema_list_of_field_builder *fields, uint32_t i,
           const char *name, struct schema_field_builder *f)
{
	struct schema_field_slot_builder slot;
	struct schema_type_builder t;

	schema_list_of_field_builder_get(fields, i, f);
	schema_field_set_name(f, name, strlen(name));
	schema_field_set_code_order(f, (uint16_t)i);
	slot = schema_field_init_slot(f);
	schema_field_slot_init_type(&slot, &t);
	return t;
}

static void test_refuses_a_requested_file_missing_from_the_nodes(void **state)
{
	static struct request r;

	(void)state;
	request_start(&r, 1, 0x8000000000000099ull);
	node_file(&r, 0, FILE_ID, "t.capnp");
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: the request has no node "
	                       "@0x8000000000000099");
}

static void test_refuses_a_requested_file_that_is_no_file(void **state)
{
	static struct request r;
	struct schema_list_of_field_builder fields;

	(void)state;
	request_start(&r, 2, STRUCT_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	node_struct(&r, 1, STRUCT_ID, "t.capnp:S", 0, &fields);
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: requested file t.capnp is not a file "
	                       "node");
}

static void test_refuses_a_node_given_twice(void **state)
{
	static struct request r;

	(void)state;
	request_start(&r, 2, FILE_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	node_file(&r, 1, FILE_ID, "t.capnp");
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: the request has node "
	                       "@0x8000000000000001 twice");
}

static void test_refuses_a_node_of_no_file(void **state)
{
	static struct request r;
	struct schema_list_of_field_builder fields;

	(void)state;
	request_start(&r, 2, FILE_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	node_struct(&r, 1, STRUCT_ID, "other.capnp:S", 0, &fields);
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: node other.capnp:S belongs to no "
	                       "file");
}

static void add_nested(struct request *r, uint64_t id)
{
	struct schema_node_builder n;
	struct schema_list_of_node_nested_node_builder nl;
	struct schema_node_nested_node_builder nn;

	schema_list_of_node_builder_get(&r->nodes, 0, &n);
	schema_node_init_nested_nodes(&n, 1, &nl);
	schema_list_of_node_nested_node_builder_get(&nl, 0, &nn);
	schema_node_nested_node_set_name(&nn, "S", 1);
	schema_node_nested_node_set_id(&nn, id);
}

static void test_refuses_an_unknown_type_kind(void **state)
{
	static struct request r;
	struct schema_list_of_field_builder fields;
	struct schema_field_builder f;
	struct schema_type_builder t;

	(void)state;
	request_start(&r, 2, FILE_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	add_nested(&r, STRUCT_ID);
	node_struct(&r, 1, STRUCT_ID, "t.capnp:S", 1, &fields);
	t = field_slot(&fields, 0, "odd", &f);
	capnp_bstruct_set_which(&t.s, 0, 99);
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: S.odd: unknown type kind 99");
}

static void test_refuses_an_unknown_field_kind(void **state)
{
	static struct request r;
	struct schema_list_of_field_builder fields;
	struct schema_field_builder f;

	(void)state;
	request_start(&r, 2, FILE_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	add_nested(&r, STRUCT_ID);
	node_struct(&r, 1, STRUCT_ID, "t.capnp:S", 1, &fields);
	field_slot(&fields, 0, "odd", &f);
	capnp_bstruct_set_which(&f.s, 8, 7);
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: S.odd: unknown field kind");
}

static void test_refuses_a_struct_type_naming_an_enum(void **state)
{
	static struct request r;
	struct schema_list_of_field_builder fields;
	struct schema_field_builder f;
	struct schema_type_builder t;
	struct schema_type_struct_builder ts;
	struct schema_node_builder en;

	(void)state;
	request_start(&r, 3, FILE_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	add_nested(&r, STRUCT_ID);
	node_struct(&r, 1, STRUCT_ID, "t.capnp:S", 1, &fields);
	t = field_slot(&fields, 0, "inner", &f);
	ts = schema_type_init_struct(&t);
	schema_type_struct_set_type_id(&ts, ENUM_ID);
	schema_list_of_node_builder_get(&r.nodes, 2, &en);
	schema_node_set_id(&en, ENUM_ID);
	schema_node_set_display_name(&en, "t.capnp:E", 9);
	schema_node_init_enum(&en);
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: S.inner: type @0x8000000000000003 is "
	                       "not a struct");
}

static void test_refuses_a_default_of_another_type(void **state)
{
	static struct request r;
	struct schema_list_of_field_builder fields;
	struct schema_field_builder f;
	struct schema_field_slot_builder slot;
	struct schema_type_builder t;
	struct schema_value_builder v;

	(void)state;
	request_start(&r, 2, FILE_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	add_nested(&r, STRUCT_ID);
	node_struct(&r, 1, STRUCT_ID, "t.capnp:S", 1, &fields);
	t = field_slot(&fields, 0, "n", &f);
	schema_type_set_uint32(&t);
	slot = schema_field_init_slot(&f);
	schema_field_slot_init_default_value(&slot, &v);
	schema_value_set_text(&v, "seven", 5);
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: a value of u32 does not match its "
	                       "type");
}

static void test_refuses_a_union_with_missing_members(void **state)
{
	static struct request r;
	struct schema_list_of_field_builder fields;
	struct schema_field_builder f;
	struct schema_type_builder t;
	struct schema_node_builder n;
	struct schema_node_struct_builder st;

	(void)state;
	request_start(&r, 2, FILE_ID);
	node_file(&r, 0, FILE_ID, "t.capnp");
	add_nested(&r, STRUCT_ID);
	node_struct(&r, 1, STRUCT_ID, "t.capnp:S", 1, &fields);
	schema_list_of_node_builder_get(&r.nodes, 1, &n);
	st = schema_node_init_struct(&n);
	schema_node_struct_set_discriminant_count(&st, 2);
	t = field_slot(&fields, 0, "only", &f);
	schema_type_set_void(&t);
	schema_field_set_discriminant_value(&f, 0);
	request_finish(&r);
	expect_request_refused(r.msg, r.len,
	                       "capnpc-c: S: the union has 1 members, not 2");
}

/* ---- what it writes ------------------------------------------------------ */

static char *generate(const char *schema, const char *prefix,
                      const char *header)
{
	char dir[64], cmd[1024], path[128], *out;
	size_t len;
	uint8_t *text;

	temp_dir(dir);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && capnp compile --src-prefix=%s -o'%s':'%s' %s",
	         GEN_ROOT, prefix, CAPNPC_PLUGIN, dir, schema);
	assert_int_equal(gen_run(cmd, NULL, &out), 0);
	free(out);
	snprintf(path, sizeof(path), "%s/%s", dir, header);
	text = gen_read_file(path, &len);
	remove_dir(dir);
	return (char *)text;
}

static void test_output_is_the_same_every_time(void **state)
{
	char *a =
	    generate("tests/gen/gentest.capnp", "tests/gen", "gentest.capnp.h");
	char *b =
	    generate("tests/gen/gentest.capnp", "tests/gen", "gentest.capnp.h");

	(void)state;
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_only_simple_params_get_a_flat_stub(void **state)
{
	char *h =
	    generate("tests/gen/gentest.capnp", "tests/gen", "gentest.capnp.h");

	(void)state;
	assert_non_null(strstr(h, " gentest_calculator_add_encode_params("));
	assert_non_null(strstr(h, " gentest_calculator_reset_encode_params("));
	/* sum takes a List: only the builder form. */
	assert_null(strstr(h, "gentest_calculator_sum_encode_params"));
	assert_non_null(strstr(h, " gentest_calculator_sum_build_params("));
	free(h);
}

static void test_headers_compile_freestanding_for_the_kernel(void **state)
{
	char src[64], cmd[2048], *out;
	static const char code[] = "#include \"capos.capnp.h\"\n"
	                           "#include \"schema.capnp.h\"\n";
	int rc;

	(void)state;
	gen_temp(src);
	strcat(src, ".c");
	gen_write_file(src, code, strlen(code));
	/* -fkeep-inline-functions: compile every accessor, used or not. */
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && gcc -std=gnu11 -Wall -Wextra -Werror -O2 "
	         "-ffreestanding -fno-builtin -nostdinc -isystem "
	         "\"$(gcc -print-file-name=include)\" -fno-pic -mno-red-zone "
	         "-mcmodel=kernel -mgeneral-regs-only -fkeep-inline-functions "
	         "-Iinclude -Ilib -Igen -c '%s' -o /dev/null",
	         GEN_ROOT, src);
	rc = gen_run(cmd, NULL, &out);
	if (rc != 0)
		fail_msg("%s", out);
	free(out);
	unlink(src);
	src[strlen(src) - 2] = 0;
	unlink(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refuses_an_interface_that_extends_another),
	    cmocka_unit_test(test_refuses_a_generic_struct),
	    cmocka_unit_test(test_refuses_a_generic_method),
	    cmocka_unit_test(test_refuses_a_struct_field_default),
	    cmocka_unit_test(test_refuses_a_list_field_default),
	    cmocka_unit_test(test_refuses_an_empty_enum),
	    cmocka_unit_test(test_refuses_colliding_c_names),
	    cmocka_unit_test(
	        test_refuses_an_interface_id_constant_that_differs),
	    cmocka_unit_test(test_refuses_bytes_that_are_no_message),
	    cmocka_unit_test(test_refuses_an_empty_input),
	    cmocka_unit_test(test_refuses_bytes_after_the_request),
	    cmocka_unit_test(test_refuses_a_root_that_is_not_a_struct),
	    cmocka_unit_test(test_rejects_arguments_with_its_usage),
	    cmocka_unit_test(test_reports_an_output_it_cannot_create),
	    cmocka_unit_test(
	        test_refuses_a_requested_file_missing_from_the_nodes),
	    cmocka_unit_test(test_refuses_a_requested_file_that_is_no_file),
	    cmocka_unit_test(test_refuses_a_node_given_twice),
	    cmocka_unit_test(test_refuses_a_node_of_no_file),
	    cmocka_unit_test(test_refuses_an_unknown_type_kind),
	    cmocka_unit_test(test_refuses_an_unknown_field_kind),
	    cmocka_unit_test(test_refuses_a_struct_type_naming_an_enum),
	    cmocka_unit_test(test_refuses_a_default_of_another_type),
	    cmocka_unit_test(test_refuses_a_union_with_missing_members),
	    cmocka_unit_test(test_output_is_the_same_every_time),
	    cmocka_unit_test(test_only_simple_params_get_a_flat_stub),
	    cmocka_unit_test(test_headers_compile_freestanding_for_the_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
