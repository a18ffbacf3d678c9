/*
 * test_manifest_decode.c - decoding encoded manifests into the graph the
 * checker validates: the default system (encoded by the reference capnp
 * at test time), every broken test manifest, and damaged bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <manifest/manifest_decode.h>

static struct manifest_storage st;
static struct manifest_graph g;
static struct manifest_plan plan;
static char msg[256];

/* Encodes a manifest file with the reference tool; returns malloc'd bytes. */
static uint8_t *encode(const char *path, size_t *len)
{
	char cmd[512];
	FILE *f;
	uint8_t *buf = malloc(1 << 16);

	snprintf(cmd, sizeof(cmd),
	         "capnp eval --binary --no-standard-import -I schema %s "
	         "defaultSystem",
	         path);
	f = popen(cmd, "r");
	assert_non_null(f);
	*len = fread(buf, 1, 1 << 16, f);
	assert_int_equal(pclose(f), 0);
	return buf;
}

static bool name_is(struct manifest_name n, const char *s)
{
	return n.len == strlen(s) && !memcmp(n.str, s, n.len);
}

static void test_default_system(void **state)
{
	size_t len;
	uint8_t *b = encode("system/system.capnp", &len);

	(void)state;
	assert_int_equal(manifest_decode(b, len, &st, &g, msg, sizeof(msg)),
	                 MANIFEST_DECODE_OK);
	assert_int_equal(g.schema_version, 1);
	assert_true(g.nbinaries >= 2);
	assert_true(name_is(g.init_binary, "init"));
	assert_true(g.ninit_caps >= 5);
	assert_true(name_is(g.init_caps[0].name, "console"));
	assert_int_equal(g.init_caps[0].source, MANIFEST_KSRC_CONSOLE);
	assert_true(g.nservices >= 2);
	assert_true(name_is(g.services[0].name, "hello"));
	assert_true(name_is(g.services[0].caps[0].name, "console"));
	assert_int_equal(g.services[0].caps[0].kind, MANIFEST_GRANT_KERNEL);
	assert_int_equal(g.services[0].cap_slots, 16);
	assert_int_equal(
	    manifest_graph_check(&g, NULL, 0, &plan, msg, sizeof(msg)),
	    MANIFEST_OK);
	free(b);
}

/* Each broken manifest decodes, and the checker names its defect. */
static void check_broken(const char *file, enum manifest_error want)
{
	size_t len;
	uint8_t *b = encode(file, &len);
	assert_int_equal(manifest_decode(b, len, &st, &g, msg, sizeof(msg)),
	                 MANIFEST_DECODE_OK);
	/* No module list: the boot-module check is the kernel's. */
	assert_int_equal(
	    manifest_graph_check(&g, NULL, 0, &plan, msg, sizeof(msg)), want);
	assert_true(strlen(msg) > 10);
	free(b);
}

static void test_wrong_version(void **state)
{
	(void)state;
	check_broken("tests/manifests/wrong_version.capnp",
	             MANIFEST_ERR_VERSION);
}

static void test_duplicate_service(void **state)
{
	(void)state;
	check_broken("tests/manifests/duplicate_service.capnp",
	             MANIFEST_ERR_DUPLICATE_SERVICE);
}

static void test_cycle(void **state)
{
	(void)state;
	check_broken("tests/manifests/cycle.capnp", MANIFEST_ERR_CYCLE);
}

static void test_dangling_export(void **state)
{
	(void)state;
	check_broken("tests/manifests/dangling_export.capnp",
	             MANIFEST_ERR_UNKNOWN_EXPORT);
}

static void test_truncated_every_length(void **state)
{
	size_t len;
	uint8_t *b = encode("system/system.capnp", &len);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b, n);
		/* Any outcome but a bad read (ASan) is acceptable; short
		 * prefixes must fail. */
		enum manifest_decode_error r =
		    manifest_decode(copy, n, &st, &g, msg, sizeof(msg));
		if (n < 16)
			assert_int_equal(r, MANIFEST_DECODE_FRAMING);
		free(copy);
	}
	free(b);
}

static void test_random_bytes(void **state)
{
	uint8_t buf[512];

	(void)state;
	srand(11);
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rand();
		manifest_decode(buf, sizeof(buf), &st, &g, msg, sizeof(msg));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_system),
	    cmocka_unit_test(test_wrong_version),
	    cmocka_unit_test(test_duplicate_service),
	    cmocka_unit_test(test_cycle),
	    cmocka_unit_test(test_dangling_export),
	    cmocka_unit_test(test_truncated_every_length),
	    cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
