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
#include <unistd.h>
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

/* Encodes manifest text (a defaultSystem constant, no file id line). */
static uint8_t *encode_text(const char *text, size_t *len)
{
	char path[] = "/tmp/capos-manifest-XXXXXX.capnp";
	int fd = mkstemps(path, 6);
	FILE *f;
	uint8_t *b;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f,
	        "@0xd5f3e2a1b4c69788;\n"
	        "using import \"/capos.capnp\".SystemManifest;\n"
	        "const defaultSystem :SystemManifest = %s;\n",
	        text);
	fclose(f);
	b = encode(path, len);
	unlink(path);
	return b;
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
	assert_int_equal(g.services[0].quotas.cap_slots, 16);
	assert_int_equal(
	    manifest_graph_check(&g, NULL, 0, &plan, msg, sizeof(msg)),
	    MANIFEST_OK);
	free(b);
}

/* The default system's quotas and restart policies, omitted fields at
 * their schema defaults. */
static void test_default_system_quotas_and_restart(void **state)
{
	size_t len;
	uint8_t *b = encode("system/system.capnp", &len);
	const struct manifest_service *hello, *ticker;

	(void)state;
	assert_int_equal(manifest_decode(b, len, &st, &g, msg, sizeof(msg)),
	                 MANIFEST_DECODE_OK);
	hello = &g.services[0];
	ticker = &g.services[1];
	assert_true(name_is(ticker->name, "ticker"));
	assert_int_equal(hello->quotas.frames, 256);
	assert_int_equal(hello->quotas.threads, 1);
	assert_int_equal(hello->quotas.endpoint_queue, 128);
	assert_int_equal(hello->quotas.kernel_memory, 262144);
	assert_int_equal(hello->restart.mode, MANIFEST_RESTART_NEVER);
	assert_int_equal(hello->restart.max_restarts, 3);
	assert_int_equal(hello->restart.window_ms, 10000);
	assert_int_equal(ticker->restart.mode, MANIFEST_RESTART_ON_FAILURE);
	free(b);
}

static const char one_service[] =
    "(schemaVersion = 1, binaries = [\"init\", \"hello\"],"
    " init = (binary = \"init\", caps = [(name = \"console\","
    " source = console)]),"
    " services = [(name = \"hello\", binary = \"hello\"%s)])";

/* The bytes g points into, kept until the next decode_service. */
static uint8_t *service_bytes;

/* Decodes one_service with extra ServiceDecl fields; returns the service. */
static const struct manifest_service *decode_service(const char *fields)
{
	char text[1024];
	size_t len;

	snprintf(text, sizeof(text), one_service, fields);
	free(service_bytes);
	service_bytes = encode_text(text, &len);
	assert_int_equal(
	    manifest_decode(service_bytes, len, &st, &g, msg, sizeof(msg)),
	    MANIFEST_DECODE_OK);
	assert_int_equal(g.nservices, 1);
	return &g.services[0];
}

static void test_absent_quotas_take_schema_defaults(void **state)
{
	const struct manifest_service *s = decode_service("");

	(void)state;
	assert_int_equal(s->quotas.frames, 4096);
	assert_int_equal(s->quotas.cap_slots, 256);
	assert_int_equal(s->quotas.threads, 64);
	assert_int_equal(s->quotas.endpoint_queue, 128);
	assert_int_equal(s->quotas.kernel_memory, 262144);
}

static void test_absent_restart_takes_schema_defaults(void **state)
{
	const struct manifest_service *s = decode_service("");

	(void)state;
	assert_int_equal(s->restart.mode, MANIFEST_RESTART_NEVER);
	assert_int_equal(s->restart.max_restarts, 3);
	assert_int_equal(s->restart.window_ms, 10000);
}

static void test_every_quota_field_is_read(void **state)
{
	const struct manifest_service *s =
	    decode_service(", quotas = (frames = 5, capSlots = 6, threads = 7,"
	                   " endpointQueue = 8, kernelMemory = 0x100000000)");

	(void)state;
	assert_int_equal(s->quotas.frames, 5);
	assert_int_equal(s->quotas.cap_slots, 6);
	assert_int_equal(s->quotas.threads, 7);
	assert_int_equal(s->quotas.endpoint_queue, 8);
	assert_int_equal(s->quotas.kernel_memory, 0x100000000ull);
}

/* An explicit 0 is "none of it", not the default. */
static void test_explicit_zero_quota_is_kept(void **state)
{
	const struct manifest_service *s =
	    decode_service(", quotas = (frames = 0, threads = 2)");

	(void)state;
	assert_int_equal(s->quotas.frames, 0);
	assert_int_equal(s->quotas.threads, 2);
	assert_int_equal(s->quotas.cap_slots, 256);
}

static void test_every_restart_field_is_read(void **state)
{
	const struct manifest_service *s = decode_service(
	    ", restart = (mode = always, maxRestarts = 0, windowMs = 250)");

	(void)state;
	assert_int_equal(s->restart.mode, MANIFEST_RESTART_ALWAYS);
	assert_int_equal(s->restart.max_restarts, 0);
	assert_int_equal(s->restart.window_ms, 250);
}

/* Decodes and checks a valid manifest file; returns its bytes (free). */
static uint8_t *decode_valid(const char *file)
{
	size_t len;
	uint8_t *b = encode(file, &len);

	assert_int_equal(manifest_decode(b, len, &st, &g, msg, sizeof(msg)),
	                 MANIFEST_DECODE_OK);
	assert_int_equal(
	    manifest_graph_check(&g, NULL, 0, &plan, msg, sizeof(msg)),
	    MANIFEST_OK);
	return b;
}

/* init's boot-test manifests are valid and say what their tests need. */
static void test_restart_manifest(void **state)
{
	uint8_t *b = decode_valid("tests/manifests/restart.capnp");

	(void)state;
	assert_true(name_is(g.services[0].name, "faulter"));
	assert_int_equal(g.services[0].restart.mode,
	                 MANIFEST_RESTART_ON_FAILURE);
	assert_int_equal(g.services[0].restart.max_restarts, 2);
	assert_int_equal(g.services[0].restart.window_ms, 60000);
	free(b);
}

static void test_quota_manifest(void **state)
{
	uint8_t *b = decode_valid("tests/manifests/quota.capnp");

	(void)state;
	assert_true(name_is(g.services[0].binary, "quotahog"));
	assert_int_equal(g.services[0].quotas.frames, 128);
	free(b);
}

static void test_start_failure_manifest(void **state)
{
	uint8_t *b = decode_valid("tests/manifests/start_failure.capnp");

	(void)state;
	assert_true(name_is(g.services[0].name, "tiny"));
	assert_int_equal(g.services[0].quotas.frames, 2);
	assert_int_equal(g.services[1].quotas.frames, 4000000000u);
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
	    cmocka_unit_test(test_default_system_quotas_and_restart),
	    cmocka_unit_test(test_absent_quotas_take_schema_defaults),
	    cmocka_unit_test(test_absent_restart_takes_schema_defaults),
	    cmocka_unit_test(test_every_quota_field_is_read),
	    cmocka_unit_test(test_explicit_zero_quota_is_kept),
	    cmocka_unit_test(test_every_restart_field_is_read),
	    cmocka_unit_test(test_restart_manifest),
	    cmocka_unit_test(test_quota_manifest),
	    cmocka_unit_test(test_start_failure_manifest),
	    cmocka_unit_test(test_wrong_version),
	    cmocka_unit_test(test_duplicate_service),
	    cmocka_unit_test(test_cycle),
	    cmocka_unit_test(test_dangling_export),
	    cmocka_unit_test(test_truncated_every_length),
	    cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
