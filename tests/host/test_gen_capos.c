/*
 * test_gen_capos.c - the committed accessors for the capOS schema
 * (gen/capos.capnp.h):
 *
 *  - the boot manifest: system/system.capnp's defaultSystem, encoded by
 *    `capnp eval --binary`, read with the generated getters, every value
 *    compared with what `capnp eval` prints for the same path; and every
 *    manifest (system/ and tests/manifests/) copied with the generated
 *    builders prints in `capnp convert binary:text` as `capnp eval` prints
 *    the original;
 *  - interface ids, method ordinals and constants against `capnp compile`;
 *  - the client stubs (params built from plain arguments or a builder,
 *    results parsed) and the server dispatch: results built, unknown and
 *    unimplemented methods, bad params, small result buffers, a method
 *    answering with a CapException, return codes passed through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capos.capnp.h"
#include "../gen/gen_test_util.h"

#define SCHEMA      "schema/capos.capnp"
#define CAPNP_FLAGS "--no-standard-import -I schema"

/* ---- the manifest through capnp eval -------------------------------- */

static const char *const kernel_sources[] = {
    [CAPOS_KERNEL_SOURCE_CONSOLE] = "console",
    [CAPOS_KERNEL_SOURCE_TIMER] = "timer",
    [CAPOS_KERNEL_SOURCE_FRAME_ALLOCATOR] = "frameAllocator",
    [CAPOS_KERNEL_SOURCE_VIRTUAL_MEMORY] = "virtualMemory",
    [CAPOS_KERNEL_SOURCE_BOOT_PACKAGE] = "bootPackage",
    [CAPOS_KERNEL_SOURCE_PROCESS_SPAWNER] = "processSpawner",
    [CAPOS_KERNEL_SOURCE_THREAD_SPAWNER] = "threadSpawner",
    [CAPOS_KERNEL_SOURCE_THREAD_CONTROL] = "threadControl",
    [CAPOS_KERNEL_SOURCE_ENDPOINT_FACTORY] = "endpointFactory",
    [CAPOS_KERNEL_SOURCE_CAPABILITY_MANAGER] = "capabilityManager",
};
static const char *const restart_modes[] = {
    [CAPOS_RESTART_MODE_NEVER] = "never",
    [CAPOS_RESTART_MODE_ON_FAILURE] = "onFailure",
    [CAPOS_RESTART_MODE_ALWAYS] = "always",
};
static const char *const log_levels[] = {
    [CAPOS_LOG_LEVEL_INFO] = "info",
    [CAPOS_LOG_LEVEL_DEBUG] = "debug",
    [CAPOS_LOG_LEVEL_WARNING] = "warning",
    [CAPOS_LOG_LEVEL_ERROR] = "error",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *manifest_file = "system/system.capnp";

/* `capnp eval` of defaultSystem<path>; returns its exit status. */
static int eval(const char *path, char **out)
{
	char cmd[1024];
	int rc;
	size_t n;

	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && capnp eval " CAPNP_FLAGS " '%s' 'defaultSystem%s'",
	         GEN_ROOT, manifest_file, path);
	rc = gen_run(cmd, NULL, out);
	n = strlen(*out);
	while (n && (*out)[n - 1] == '\n')
		(*out)[--n] = 0;
	return rc;
}

/* The value at path prints as want. */
static void expect_eval(const char *want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_eval(const char *want, const char *fmt, ...)
{
	char path[256], *out;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	assert_int_equal(eval(path, &out), 0);
	if (strcmp(out, want))
		fail_msg("defaultSystem%s: capnp eval says %s, the generated "
		         "getters %s",
		         path, out, want);
	free(out);
}

/* A list at path has exactly len elements: [len] is out of bounds. */
static void expect_len(uint32_t len, const char *path)
{
	char at[256], *out;

	snprintf(at, sizeof(at), "%s[%u]", path, len ? len - 1 : 0);
	if (len)
		assert_int_equal(eval(at, &out), 0);
	else {
		assert_int_equal(eval(path, &out), 0);
		assert_string_equal(out, "[]");
	}
	free(out);
	snprintf(at, sizeof(at), "%s[%u]", path, len);
	assert_int_not_equal(eval(at, &out), 0);
	free(out);
}

static char *quoted(enum capnp_err err, const char *s, uint32_t len)
{
	static char buf[256];

	assert_int_equal(err, CAPNP_OK);
	snprintf(buf, sizeof(buf), "\"%.*s\"", (int)len, s);
	return buf;
}

static char *num(uint64_t v)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return buf;
}

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	assert_true(v < n);
	return names[v];
}

static uint8_t *eval_binary(const char *file, size_t *len)
{
	char tmp[64], cmd[1024], *out;
	uint8_t *bytes;

	gen_temp(tmp);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && capnp eval --binary " CAPNP_FLAGS
	         " '%s' defaultSystem > '%s'",
	         GEN_ROOT, file, tmp);
	assert_int_equal(gen_run(cmd, NULL, &out), 0);
	free(out);
	bytes = gen_read_file(tmp, len);
	unlink(tmp);
	return bytes;
}

static void check_quotas(const struct capos_quotas *q, const char *at)
{
	expect_eval(num(capos_quotas_get_frames(q)), "%s.frames", at);
	expect_eval(num(capos_quotas_get_cap_slots(q)), "%s.capSlots", at);
	expect_eval(num(capos_quotas_get_threads(q)), "%s.threads", at);
	expect_eval(num(capos_quotas_get_endpoint_queue(q)), "%s.endpointQueue",
	            at);
	expect_eval(num(capos_quotas_get_kernel_memory(q)), "%s.kernelMemory",
	            at);
}

static void check_cap_grant(const struct capos_cap_grant *g, const char *at)
{
	struct capos_cap_grant_source src = capos_cap_grant_get_source(g);
	struct capos_service_ref ref;
	const char *s;
	uint32_t len;
	enum capnp_err err;

	err = capos_cap_grant_get_name(g, &s, &len);
	expect_eval(quoted(err, s, len), "%s.name", at);
	switch (capos_cap_grant_source_which(&src)) {
	case CAPOS_CAP_GRANT_SOURCE_KERNEL:
		expect_eval(name_of(kernel_sources, N(kernel_sources),
		                    capos_cap_grant_source_get_kernel(&src)),
		            "%s.source.kernel", at);
		break;
	case CAPOS_CAP_GRANT_SOURCE_SERVICE:
		assert_int_equal(capos_cap_grant_source_get_service(&src, &ref),
		                 0);
		err = capos_service_ref_get_service(&ref, &s, &len);
		expect_eval(quoted(err, s, len), "%s.source.service.service",
		            at);
		err = capos_service_ref_get_export(&ref, &s, &len);
		expect_eval(quoted(err, s, len), "%s.source.service.export",
		            at);
		break;
	default:
		fail_msg("%s: unknown source", at);
	}
}

static void check_service(const struct capos_service_decl *d, const char *at)
{
	struct capos_list_of_cap_grant caps;
	struct capos_list_of_export_decl exports;
	struct capos_quotas q;
	struct capos_restart_policy rp;
	char sub[256];
	const char *s;
	uint32_t len;
	enum capnp_err err;

	err = capos_service_decl_get_name(d, &s, &len);
	expect_eval(quoted(err, s, len), "%s.name", at);
	err = capos_service_decl_get_binary(d, &s, &len);
	expect_eval(quoted(err, s, len), "%s.binary", at);
	assert_int_equal(capos_service_decl_get_caps(d, &caps), 0);
	snprintf(sub, sizeof(sub), "%s.caps", at);
	expect_len(capos_list_of_cap_grant_len(&caps), sub);
	for (uint32_t i = 0; i < capos_list_of_cap_grant_len(&caps); i++) {
		struct capos_cap_grant g;

		assert_int_equal(capos_list_of_cap_grant_get(&caps, i, &g), 0);
		snprintf(sub, sizeof(sub), "%s.caps[%u]", at, i);
		check_cap_grant(&g, sub);
	}
	assert_int_equal(capos_service_decl_get_exports(d, &exports), 0);
	snprintf(sub, sizeof(sub), "%s.exports", at);
	expect_len(capos_list_of_export_decl_len(&exports), sub);
	for (uint32_t i = 0; i < capos_list_of_export_decl_len(&exports); i++) {
		struct capos_export_decl x;

		assert_int_equal(capos_list_of_export_decl_get(&exports, i, &x),
		                 0);
		err = capos_export_decl_get_name(&x, &s, &len);
		expect_eval(quoted(err, s, len), "%s.exports[%u].name", at, i);
		expect_eval(num(capos_export_decl_get_interface_id(&x)),
		            "%s.exports[%u].interfaceId", at, i);
	}
	assert_int_equal(capos_service_decl_get_quotas(d, &q), 0);
	snprintf(sub, sizeof(sub), "%s.quotas", at);
	check_quotas(&q, sub);
	assert_int_equal(capos_service_decl_get_restart(d, &rp), 0);
	expect_eval(name_of(restart_modes, N(restart_modes),
	                    capos_restart_policy_get_mode(&rp)),
	            "%s.restart.mode", at);
	expect_eval(num(capos_restart_policy_get_max_restarts(&rp)),
	            "%s.restart.maxRestarts", at);
	expect_eval(num(capos_restart_policy_get_window_ms(&rp)),
	            "%s.restart.windowMs", at);
}

static void test_manifest_values_match_capnp_eval(void **state)
{
	struct capnpc_msg m;
	struct capos_system_manifest man;
	struct capnpc_list_of_text bins;
	struct capos_init_config init;
	struct capos_list_of_kernel_grant caps;
	struct capos_list_of_service_decl svcs;
	struct capos_kernel_params kp;
	char at[64];
	const char *s;
	uint32_t len;
	size_t n;
	enum capnp_err err;
	uint8_t *bytes = eval_binary(manifest_file, &n);

	(void)state;
	assert_int_equal(capos_system_manifest_decode(bytes, n, &m, &man), 0);
	assert_int_equal(capos_system_manifest_get_schema_version(&man),
	                 CAPOS_MANIFEST_SCHEMA_VERSION);
	expect_eval(num(capos_system_manifest_get_schema_version(&man)),
	            ".schemaVersion");
	assert_int_equal(capos_system_manifest_get_binaries(&man, &bins), 0);
	assert_true(capnpc_list_of_text_len(&bins) > 0);
	expect_len(capnpc_list_of_text_len(&bins), ".binaries");
	for (uint32_t i = 0; i < capnpc_list_of_text_len(&bins); i++) {
		err = capnpc_list_of_text_get(&bins, i, &s, &len);
		expect_eval(quoted(err, s, len), ".binaries[%u]", i);
	}
	assert_int_equal(capos_system_manifest_get_init(&man, &init), 0);
	err = capos_init_config_get_binary(&init, &s, &len);
	expect_eval(quoted(err, s, len), ".init.binary");
	assert_int_equal(capos_init_config_get_caps(&init, &caps), 0);
	expect_len(capos_list_of_kernel_grant_len(&caps), ".init.caps");
	for (uint32_t i = 0; i < capos_list_of_kernel_grant_len(&caps); i++) {
		struct capos_kernel_grant g;

		assert_int_equal(capos_list_of_kernel_grant_get(&caps, i, &g),
		                 0);
		err = capos_kernel_grant_get_name(&g, &s, &len);
		expect_eval(quoted(err, s, len), ".init.caps[%u].name", i);
		expect_eval(name_of(kernel_sources, N(kernel_sources),
		                    capos_kernel_grant_get_source(&g)),
		            ".init.caps[%u].source", i);
	}
	assert_int_equal(capos_system_manifest_get_services(&man, &svcs), 0);
	expect_len(capos_list_of_service_decl_len(&svcs), ".services");
	for (uint32_t i = 0; i < capos_list_of_service_decl_len(&svcs); i++) {
		struct capos_service_decl d;

		assert_int_equal(capos_list_of_service_decl_get(&svcs, i, &d),
		                 0);
		snprintf(at, sizeof(at), ".services[%u]", i);
		check_service(&d, at);
	}
	assert_int_equal(capos_system_manifest_get_kernel_params(&man, &kp), 0);
	expect_eval(name_of(log_levels, N(log_levels),
	                    capos_kernel_params_get_log_level(&kp)),
	            ".kernelParams.logLevel");
	expect_eval(num(capos_kernel_params_get_time_slice_us(&kp)),
	            ".kernelParams.timeSliceUs");
	free(bytes);
}

/* ---- the manifest copied with the builders -------------------------- */

static void copy_text(enum capnp_err err, const char *s, uint32_t len,
                      enum capnp_err (*set)(void *, const char *, uint32_t),
                      void *b)
{
	assert_int_equal(err, CAPNP_OK);
	assert_int_equal(set(b, s, len), CAPNP_OK);
}

#define COPY_TEXT(get, set, from, to)                                       \
	do {                                                                \
		const char *s_;                                             \
		uint32_t l_;                                                \
		enum capnp_err e_ = get(from, &s_, &l_);                    \
		copy_text(                                                  \
		    e_, s_, l_,                                             \
		    (enum capnp_err(*)(void *, const char *, uint32_t))set, \
		    to);                                                    \
	} while (0)

static void copy_quotas(const struct capos_quotas *q,
                        struct capos_quotas_builder *w)
{
	capos_quotas_set_frames(w, capos_quotas_get_frames(q));
	capos_quotas_set_cap_slots(w, capos_quotas_get_cap_slots(q));
	capos_quotas_set_threads(w, capos_quotas_get_threads(q));
	capos_quotas_set_endpoint_queue(w, capos_quotas_get_endpoint_queue(q));
	capos_quotas_set_kernel_memory(w, capos_quotas_get_kernel_memory(q));
}

static void copy_cap_grant(const struct capos_cap_grant *g,
                           struct capos_cap_grant_builder *w)
{
	struct capos_cap_grant_source src = capos_cap_grant_get_source(g);
	struct capos_cap_grant_source_builder ws =
	    capos_cap_grant_init_source(w);
	struct capos_service_ref ref;
	struct capos_service_ref_builder wref;

	COPY_TEXT(capos_cap_grant_get_name, capos_cap_grant_set_name, g, w);
	if (capos_cap_grant_source_which(&src) ==
	    CAPOS_CAP_GRANT_SOURCE_KERNEL) {
		capos_cap_grant_source_set_kernel(
		    &ws, capos_cap_grant_source_get_kernel(&src));
		return;
	}
	assert_int_equal(capos_cap_grant_source_get_service(&src, &ref), 0);
	assert_int_equal(capos_cap_grant_source_init_service(&ws, &wref), 0);
	COPY_TEXT(capos_service_ref_get_service, capos_service_ref_set_service,
	          &ref, &wref);
	COPY_TEXT(capos_service_ref_get_export, capos_service_ref_set_export,
	          &ref, &wref);
}

static void copy_service(const struct capos_service_decl *d,
                         struct capos_service_decl_builder *w)
{
	struct capos_list_of_cap_grant caps;
	struct capos_list_of_cap_grant_builder wcaps;
	struct capos_list_of_export_decl ex;
	struct capos_list_of_export_decl_builder wex;
	struct capos_quotas q;
	struct capos_quotas_builder wq;
	struct capos_restart_policy rp;
	struct capos_restart_policy_builder wrp;
	uint32_t n;

	COPY_TEXT(capos_service_decl_get_name, capos_service_decl_set_name, d,
	          w);
	COPY_TEXT(capos_service_decl_get_binary, capos_service_decl_set_binary,
	          d, w);
	if (capos_service_decl_has_caps(d)) {
		assert_int_equal(capos_service_decl_get_caps(d, &caps), 0);
		n = capos_list_of_cap_grant_len(&caps);
		assert_int_equal(capos_service_decl_init_caps(w, n, &wcaps), 0);
		for (uint32_t i = 0; i < n; i++) {
			struct capos_cap_grant g;
			struct capos_cap_grant_builder wg;

			capos_list_of_cap_grant_get(&caps, i, &g);
			capos_list_of_cap_grant_builder_get(&wcaps, i, &wg);
			copy_cap_grant(&g, &wg);
		}
	}
	if (capos_service_decl_has_exports(d)) {
		assert_int_equal(capos_service_decl_get_exports(d, &ex), 0);
		n = capos_list_of_export_decl_len(&ex);
		assert_int_equal(capos_service_decl_init_exports(w, n, &wex),
		                 0);
		for (uint32_t i = 0; i < n; i++) {
			struct capos_export_decl x;
			struct capos_export_decl_builder wx;

			capos_list_of_export_decl_get(&ex, i, &x);
			capos_list_of_export_decl_builder_get(&wex, i, &wx);
			COPY_TEXT(capos_export_decl_get_name,
			          capos_export_decl_set_name, &x, &wx);
			capos_export_decl_set_interface_id(
			    &wx, capos_export_decl_get_interface_id(&x));
		}
	}
	if (capos_service_decl_has_quotas(d)) {
		capos_service_decl_get_quotas(d, &q);
		capos_service_decl_init_quotas(w, &wq);
		copy_quotas(&q, &wq);
	}
	if (capos_service_decl_has_restart(d)) {
		capos_service_decl_get_restart(d, &rp);
		capos_service_decl_init_restart(w, &wrp);
		capos_restart_policy_set_mode(
		    &wrp, capos_restart_policy_get_mode(&rp));
		capos_restart_policy_set_max_restarts(
		    &wrp, capos_restart_policy_get_max_restarts(&rp));
		capos_restart_policy_set_window_ms(
		    &wrp, capos_restart_policy_get_window_ms(&rp));
	}
}

static void copy_init(const struct capos_init_config *in,
                      struct capos_init_config_builder *w)
{
	struct capos_list_of_kernel_grant caps;
	struct capos_list_of_kernel_grant_builder wcaps;
	uint32_t n;

	COPY_TEXT(capos_init_config_get_binary, capos_init_config_set_binary,
	          in, w);
	if (!capos_init_config_has_caps(in))
		return;
	assert_int_equal(capos_init_config_get_caps(in, &caps), 0);
	n = capos_list_of_kernel_grant_len(&caps);
	assert_int_equal(capos_init_config_init_caps(w, n, &wcaps), 0);
	for (uint32_t i = 0; i < n; i++) {
		struct capos_kernel_grant g;
		struct capos_kernel_grant_builder wg;

		capos_list_of_kernel_grant_get(&caps, i, &g);
		capos_list_of_kernel_grant_builder_get(&wcaps, i, &wg);
		COPY_TEXT(capos_kernel_grant_get_name,
		          capos_kernel_grant_set_name, &g, &wg);
		capos_kernel_grant_set_source(
		    &wg, capos_kernel_grant_get_source(&g));
	}
}

static void copy_manifest(const struct capos_system_manifest *man,
                          struct capos_system_manifest_builder *w)
{
	struct capnpc_list_of_text bins;
	struct capnpc_list_of_text_builder wbins;
	struct capos_init_config in;
	struct capos_init_config_builder win;
	struct capos_list_of_service_decl svcs;
	struct capos_list_of_service_decl_builder wsvcs;
	struct capos_kernel_params kp;
	struct capos_kernel_params_builder wkp;
	const char *s;
	uint32_t len, n;

	capos_system_manifest_set_schema_version(
	    w, capos_system_manifest_get_schema_version(man));
	if (capos_system_manifest_has_binaries(man)) {
		capos_system_manifest_get_binaries(man, &bins);
		n = capnpc_list_of_text_len(&bins);
		capos_system_manifest_init_binaries(w, n, &wbins);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(
			    capnpc_list_of_text_get(&bins, i, &s, &len), 0);
			capnpc_list_of_text_builder_set(&wbins, i, s, len);
		}
	}
	if (capos_system_manifest_has_init(man)) {
		capos_system_manifest_get_init(man, &in);
		capos_system_manifest_init_init(w, &win);
		copy_init(&in, &win);
	}
	if (capos_system_manifest_has_services(man)) {
		capos_system_manifest_get_services(man, &svcs);
		n = capos_list_of_service_decl_len(&svcs);
		capos_system_manifest_init_services(w, n, &wsvcs);
		for (uint32_t i = 0; i < n; i++) {
			struct capos_service_decl d;
			struct capos_service_decl_builder wd;

			capos_list_of_service_decl_get(&svcs, i, &d);
			capos_list_of_service_decl_builder_get(&wsvcs, i, &wd);
			copy_service(&d, &wd);
		}
	}
	if (capos_system_manifest_has_kernel_params(man)) {
		capos_system_manifest_get_kernel_params(man, &kp);
		capos_system_manifest_init_kernel_params(w, &wkp);
		capos_kernel_params_set_log_level(
		    &wkp, capos_kernel_params_get_log_level(&kp));
		capos_kernel_params_set_time_slice_us(
		    &wkp, capos_kernel_params_get_time_slice_us(&kp));
	}
}

static void copy_and_compare(const char *file)
{
	static uint8_t arena[1 << 16];
	struct capnpc_msg m;
	struct capos_system_manifest man;
	struct capnp_builder b;
	struct capos_system_manifest_builder w;
	const uint8_t *msg;
	size_t n, len;
	char *want;
	uint8_t *bytes = eval_binary(file, &n);

	manifest_file = file;
	assert_int_equal(eval("", &want), 0);
	strcat(want, "\n");
	assert_int_equal(capos_system_manifest_decode(bytes, n, &m, &man), 0);
	capnp_builder_init(&b, arena, sizeof(arena));
	assert_int_equal(capos_system_manifest_init_root(&b, &w), 0);
	copy_manifest(&man, &w);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);
	gen_expect_reference(msg, len, SCHEMA, "SystemManifest", CAPNP_FLAGS,
	                     want);
	free(want);
	free(bytes);
	manifest_file = "system/system.capnp";
}

static void test_system_manifest_copied_by_builders_prints_as_eval(void **state)
{
	(void)state;
	copy_and_compare("system/system.capnp");
}

static void
test_every_test_manifest_copied_by_builders_prints_as_eval(void **state)
{
	static const char *const files[] = {
	    "tests/manifests/cycle.capnp",
	    "tests/manifests/dangling_export.capnp",
	    "tests/manifests/dangling_service.capnp",
	    "tests/manifests/duplicate_service.capnp",
	    "tests/manifests/missing_binary.capnp",
	    "tests/manifests/undeclared_binary.capnp",
	    "tests/manifests/wrong_version.capnp",
	};

	(void)state;
	for (size_t i = 0; i < N(files); i++)
		copy_and_compare(files[i]);
}

/* ---- ids and constants ------------------------------------------------ */

static void test_interface_ids_match_capnp_compile(void **state)
{
	static const struct {
		const char *name;
		uint64_t id;
		uint32_t methods;
	} ifaces[] = {
	    {"Console", CAPOS_CONSOLE_INTERFACE_ID, CAPOS_CONSOLE_METHOD_COUNT},
	    {"Timer", CAPOS_TIMER_INTERFACE_ID, CAPOS_TIMER_METHOD_COUNT},
	    {"FrameAllocator", CAPOS_FRAME_ALLOCATOR_INTERFACE_ID,
	     CAPOS_FRAME_ALLOCATOR_METHOD_COUNT},
	    {"MemoryObject", CAPOS_MEMORY_OBJECT_INTERFACE_ID,
	     CAPOS_MEMORY_OBJECT_METHOD_COUNT},
	    {"VirtualMemory", CAPOS_VIRTUAL_MEMORY_INTERFACE_ID,
	     CAPOS_VIRTUAL_MEMORY_METHOD_COUNT},
	    {"BootPackage", CAPOS_BOOT_PACKAGE_INTERFACE_ID,
	     CAPOS_BOOT_PACKAGE_METHOD_COUNT},
	    {"ProcessSpawner", CAPOS_PROCESS_SPAWNER_INTERFACE_ID,
	     CAPOS_PROCESS_SPAWNER_METHOD_COUNT},
	    {"ProcessHandle", CAPOS_PROCESS_HANDLE_INTERFACE_ID,
	     CAPOS_PROCESS_HANDLE_METHOD_COUNT},
	    {"ThreadSpawner", CAPOS_THREAD_SPAWNER_INTERFACE_ID,
	     CAPOS_THREAD_SPAWNER_METHOD_COUNT},
	    {"ThreadHandle", CAPOS_THREAD_HANDLE_INTERFACE_ID,
	     CAPOS_THREAD_HANDLE_METHOD_COUNT},
	    {"ThreadControl", CAPOS_THREAD_CONTROL_INTERFACE_ID,
	     CAPOS_THREAD_CONTROL_METHOD_COUNT},
	    {"Endpoint", CAPOS_ENDPOINT_INTERFACE_ID,
	     CAPOS_ENDPOINT_METHOD_COUNT},
	    {"ClientEndpoint", CAPOS_CLIENT_ENDPOINT_INTERFACE_ID,
	     CAPOS_CLIENT_ENDPOINT_METHOD_COUNT},
	    {"EndpointFactory", CAPOS_ENDPOINT_FACTORY_INTERFACE_ID,
	     CAPOS_ENDPOINT_FACTORY_METHOD_COUNT},
	    {"CapabilityManager", CAPOS_CAPABILITY_MANAGER_INTERFACE_ID,
	     CAPOS_CAPABILITY_MANAGER_METHOD_COUNT},
	    {"DeviceMmio", CAPOS_DEVICE_MMIO_INTERFACE_ID,
	     CAPOS_DEVICE_MMIO_METHOD_COUNT},
	    {"Interrupt", CAPOS_INTERRUPT_INTERFACE_ID,
	     CAPOS_INTERRUPT_METHOD_COUNT},
	    {"DmaPool", CAPOS_DMA_POOL_INTERFACE_ID,
	     CAPOS_DMA_POOL_METHOD_COUNT},
	    {"Echo", CAPOS_ECHO_INTERFACE_ID, CAPOS_ECHO_METHOD_COUNT},
	};
	char *out, want[128], *p;
	uint32_t seen = 0;

	(void)state;
	assert_int_equal(gen_run("cd '" GEN_ROOT
	                         "' && capnp compile -ocapnp " CAPNP_FLAGS
	                         " " SCHEMA,
	                         NULL, &out),
	                 0);
	for (size_t i = 0; i < N(ifaces); i++) {
		uint32_t methods = 0;
		char *end;

		snprintf(want, sizeof(want), "\ninterface %s @0x%016llx {",
		         ifaces[i].name, (unsigned long long)ifaces[i].id);
		p = strstr(out, want);
		if (!p) {
			fail_msg("capnp compile has no %s", want + 1);
			break;
		}
		end = strstr(p, "\n}");
		assert_non_null(end);
		/* Methods are the lines "  name @N (...) -> (...);". */
		for (char *q = p; (q = strstr(q, " -> ")) && q < end; q++)
			methods++;
		assert_int_equal(methods, ifaces[i].methods);
		seen++;
	}
	/* ...and no interface is missing from the table. */
	for (p = out; (p = strstr(p, "\ninterface ")); p++)
		seen--;
	assert_int_equal(seen, 0);
	free(out);
}

static void test_constants_match_capnp_eval(void **state)
{
	static const struct {
		const char *name;
		uint64_t value;
	} consts[] = {
	    {"minResultBuffer", CAPOS_MIN_RESULT_BUFFER},
	    {"maxCapNameLength", CAPOS_MAX_CAP_NAME_LENGTH},
	    {"manifestSchemaVersion", CAPOS_MANIFEST_SCHEMA_VERSION},
	    {"echoInterfaceId", CAPOS_ECHO_INTERFACE_ID},
	};
	char cmd[512], *out;

	(void)state;
	for (size_t i = 0; i < N(consts); i++) {
		snprintf(cmd, sizeof(cmd),
		         "cd '%s' && capnp eval " CAPNP_FLAGS " %s %s",
		         GEN_ROOT, SCHEMA, consts[i].name);
		assert_int_equal(gen_run(cmd, NULL, &out), 0);
		assert_int_equal(strtoull(out, NULL, 10), consts[i].value);
		assert_string_equal(strchr(out, '\n'), "\n");
		free(out);
	}
}

static void test_method_ordinals_follow_the_schema(void **state)
{
	(void)state;
	assert_int_equal(CAPOS_CONSOLE_METHOD_WRITE, 0);
	assert_int_equal(CAPOS_CONSOLE_METHOD_WRITE_LINE, 1);
	assert_int_equal(CAPOS_CONSOLE_METHOD_READ, 2);
	assert_int_equal(CAPOS_VIRTUAL_MEMORY_METHOD_PROTECT, 5);
	assert_int_equal(CAPOS_THREAD_CONTROL_METHOD_SET_TLS_BASE, 1);
	assert_int_equal(CAPOS_CAPABILITY_MANAGER_METHOD_REVOKE, 1);
	assert_int_equal(CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT, 4);
	assert_int_equal(CAPOS_PROTECTION_READ_EXECUTE, 3);
}

/* ---- client stubs -------------------------------------------------------- */

static void test_flat_stub_encodes_scalars_and_enums(void **state)
{
	uint8_t arena[128];
	const uint8_t *msg;
	size_t len;
	struct capnpc_msg m;
	struct capos_memory_object_map_params p;

	(void)state;
	assert_int_equal(capos_memory_object_map_encode_params(
	                     arena, sizeof(arena), 0x400000, 0x1000, 0x3000,
	                     CAPOS_PROTECTION_READ_WRITE, &msg, &len),
	                 CAPNP_OK);
	assert_ptr_equal(msg, arena);
	assert_int_equal(len,
	                 16 + 8 * CAPOS_MEMORY_OBJECT_MAP_PARAMS_DATA_WORDS);
	assert_int_equal(
	    capos_memory_object_map_params_decode(msg, len, &m, &p), 0);
	assert_int_equal(capos_memory_object_map_params_get_hint(&p), 0x400000);
	assert_int_equal(capos_memory_object_map_params_get_offset(&p), 0x1000);
	assert_int_equal(capos_memory_object_map_params_get_length(&p), 0x3000);
	assert_int_equal(capos_memory_object_map_params_get_prot(&p),
	                 CAPOS_PROTECTION_READ_WRITE);
}

static void test_flat_stub_encodes_text(void **state)
{
	uint8_t arena[64];
	const uint8_t *msg;
	size_t len;
	struct capnpc_msg m;
	struct capos_console_write_line_params p;
	const char *s;
	uint32_t n;

	(void)state;
	assert_int_equal(capos_console_write_line_encode_params(
	                     arena, sizeof(arena), "hello", 5, &msg, &len),
	                 CAPNP_OK);
	assert_int_equal(
	    capos_console_write_line_params_decode(msg, len, &m, &p), 0);
	assert_int_equal(capos_console_write_line_params_get_text(&p, &s, &n),
	                 0);
	assert_int_equal(n, 5);
	assert_memory_equal(s, "hello", 6);
}

static void test_flat_stub_reports_a_small_arena(void **state)
{
	uint8_t arena[24];
	const uint8_t *msg = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(
	    capos_console_write_line_encode_params(
	        arena, sizeof(arena), "too long for it", 15, &msg, &len),
	    CAPNP_ERR_ARENA_FULL);
	assert_null(msg);
	assert_int_equal(
	    capos_timer_sleep_encode_params(arena, 8, 1, &msg, &len),
	    CAPNP_ERR_ARENA_FULL);
}

static void test_build_stub_fills_structured_params(void **state)
{
	static uint8_t arena[1024];
	struct capnp_builder b;
	struct capos_process_spawner_spawn_params_builder w;
	struct capos_list_of_spawn_grant_builder gl;
	struct capos_spawn_grant_builder g;
	struct capos_quotas_builder q;
	struct capos_process_spawner_spawn_params p;
	struct capos_list_of_spawn_grant grants;
	struct capos_spawn_grant g0;
	struct capos_quotas qr;
	struct capnpc_msg m;
	const uint8_t *msg;
	size_t len;
	const char *s;
	uint32_t n;

	(void)state;
	assert_int_equal(capos_process_spawner_spawn_build_params(
	                     &b, arena, sizeof(arena), &w),
	                 0);
	capos_process_spawner_spawn_params_set_name(&w, "child", 5);
	capos_process_spawner_spawn_params_set_binary(&w, "hello", 5);
	capos_process_spawner_spawn_params_init_grants(&w, 2, &gl);
	capos_list_of_spawn_grant_builder_get(&gl, 1, &g);
	capos_spawn_grant_set_name(&g, "timer", 5);
	capos_spawn_grant_set_cap(&g, 1);
	capos_process_spawner_spawn_params_init_quotas(&w, &q);
	capos_quotas_set_frames(&q, 64);
	assert_int_equal(capnp_builder_finish(&b, &msg, &len), 0);

	assert_int_equal(
	    capos_process_spawner_spawn_params_decode(msg, len, &m, &p), 0);
	assert_int_equal(
	    capos_process_spawner_spawn_params_get_binary(&p, &s, &n), 0);
	assert_memory_equal(s, "hello", n);
	assert_int_equal(
	    capos_process_spawner_spawn_params_get_grants(&p, &grants), 0);
	assert_int_equal(capos_list_of_spawn_grant_len(&grants), 2);
	assert_int_equal(capos_list_of_spawn_grant_get(&grants, 1, &g0), 0);
	assert_int_equal(capos_spawn_grant_get_cap(&g0), 1);
	assert_false(capos_process_spawner_spawn_params_has_exports(&p));
	assert_int_equal(capos_process_spawner_spawn_params_get_quotas(&p, &qr),
	                 0);
	assert_int_equal(capos_quotas_get_frames(&qr), 64);
	/* Not set: the schema default. */
	assert_int_equal(capos_quotas_get_cap_slots(&qr), 256);
}

static void test_decode_results_stub_rejects_garbage(void **state)
{
	static const uint8_t junk[16] = {0xff, 0xff, 0xff, 0xff};
	struct capnpc_msg m;
	struct capos_timer_now_results r;

	(void)state;
	assert_int_not_equal(
	    capos_timer_now_decode_results(junk, sizeof(junk), &m, &r),
	    CAPNP_OK);
	assert_int_equal(capos_timer_now_results_get_ns(&r), 0);
}

/* ---- server dispatch ------------------------------------------------------
 */

struct server {
	int calls;
	int rc;         /* what the method returns */
	bool raise;     /* answer with a CapException */
	bool overflow;  /* misuse the results builder */
	bool exception; /* set when it did */
};

static int echo(void *ctx, const struct capos_echo_echo_params *params,
                struct capos_echo_echo_results_builder *results)
{
	struct server *sv = ctx;
	const uint8_t *d;
	uint32_t n;

	sv->calls++;
	if (sv->raise) {
		struct capos_cap_exception_builder ex;
		const char *why = "echo refuses";

		assert_int_equal(capnpc_results_restart(
		                     &results->s,
		                     CAPOS_CAP_EXCEPTION_DATA_WORDS,
		                     CAPOS_CAP_EXCEPTION_PTR_WORDS, &ex.s),
		                 0);
		capos_cap_exception_set_type(
		    &ex, CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
		capos_cap_exception_set_reason(&ex, why, strlen(why));
		sv->exception = true;
		return 0;
	}
	if (sv->overflow)
		/* Longer than any list may be: latched, nothing read. */
		return capos_echo_echo_results_set_data(
		           results, "", 1u << 29) == CAPNP_ERR_TOO_LARGE
		           ? 0
		           : -99;
	if (sv->rc)
		return sv->rc;
	if (capos_echo_echo_params_get_data(params, &d, &n))
		return -98;
	/* An error is latched in the builder; dispatch reports it. */
	capos_echo_echo_results_set_data(results, d, n);
	return 0;
}

static const struct capos_echo_server_ops echo_ops = {.echo = echo};
static const struct capos_echo_server_ops no_ops = {.echo = NULL};

/* Calls Echo.echo("ping") through the stub and dispatch. */
static int echo_call(const struct capos_echo_server_ops *ops, struct server *sv,
                     uint16_t method, uint8_t *result, size_t result_size,
                     size_t *result_len)
{
	uint8_t arena[64];
	const uint8_t *msg;
	size_t len;

	assert_int_equal(capos_echo_echo_encode_params(arena, sizeof(arena),
	                                               "ping", 4, &msg, &len),
	                 0);
	return capos_echo_dispatch(ops, sv, method, msg, len, result,
	                           result_size, result_len);
}

static void test_dispatch_builds_the_results(void **state)
{
	uint8_t result[128];
	size_t rlen = 0;
	struct server sv = {0};
	struct capnpc_msg m;
	struct capos_echo_echo_results r;
	const uint8_t *d;
	uint32_t n;

	(void)state;
	assert_int_equal(echo_call(&echo_ops, &sv, CAPOS_ECHO_METHOD_ECHO,
	                           result, sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_OK);
	assert_int_equal(sv.calls, 1);
	assert_int_equal(rlen, 24 + 8); /* the schema's "24 + len(data)" */
	assert_int_equal(capos_echo_echo_decode_results(result, rlen, &m, &r),
	                 0);
	assert_int_equal(capos_echo_echo_results_get_data(&r, &d, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(d, "ping", 4);
}

static void test_dispatch_refuses_an_unknown_method(void **state)
{
	uint8_t result[128];
	size_t rlen = 12345;
	struct server sv = {0};

	(void)state;
	assert_int_equal(echo_call(&echo_ops, &sv, CAPOS_ECHO_METHOD_COUNT,
	                           result, sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_UNKNOWN_METHOD);
	assert_int_equal(
	    echo_call(&echo_ops, &sv, 0xffff, result, sizeof(result), &rlen),
	    CAPNPC_DISPATCH_UNKNOWN_METHOD);
	assert_int_equal(sv.calls, 0);
	assert_int_equal(rlen, 12345);
}

static void test_dispatch_reports_a_method_without_an_entry(void **state)
{
	uint8_t result[128];
	size_t rlen = 0;
	struct server sv = {0};

	(void)state;
	assert_int_equal(echo_call(&no_ops, &sv, CAPOS_ECHO_METHOD_ECHO, result,
	                           sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_UNIMPLEMENTED);
}

static void test_dispatch_refuses_bad_params(void **state)
{
	static const uint8_t junk[] = {5, 0, 0, 0, 1, 0, 0, 0};
	uint8_t result[128];
	size_t rlen = 0;
	struct server sv = {0};

	(void)state;
	assert_int_equal(
	    capos_echo_dispatch(&echo_ops, &sv, CAPOS_ECHO_METHOD_ECHO, junk,
	                        sizeof(junk), result, sizeof(result), &rlen),
	    CAPNPC_DISPATCH_BAD_PARAMS);
	assert_int_equal(sv.calls, 0);
}

static void test_dispatch_refuses_a_list_as_params_root(void **state)
{
	/* Root pointer: a list of 0 bytes, not a struct. */
	static const uint8_t list_root[] = {0, 0, 0, 0, 1, 0, 0, 0,
	                                    1, 0, 0, 0, 2, 0, 0, 0};
	uint8_t result[128];
	size_t rlen = 0;
	struct server sv = {0};

	(void)state;
	assert_int_equal(capos_echo_dispatch(
	                     &echo_ops, &sv, CAPOS_ECHO_METHOD_ECHO, list_root,
	                     sizeof(list_root), result, sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_BAD_PARAMS);
	assert_int_equal(sv.calls, 0);
}

static void test_dispatch_checks_the_result_buffer_before_calling(void **state)
{
	uint8_t result[8];
	size_t rlen = 0;
	struct server sv = {0};

	(void)state;
	assert_int_equal(echo_call(&echo_ops, &sv, CAPOS_ECHO_METHOD_ECHO,
	                           result, sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_RESULTS_TOO_SMALL);
	assert_int_equal(sv.calls, 0);
}

static void test_dispatch_reports_results_that_do_not_fit(void **state)
{
	uint8_t result[24]; /* the root fits, the data does not */
	size_t rlen = 0;
	struct server sv = {0};

	(void)state;
	assert_int_equal(echo_call(&echo_ops, &sv, CAPOS_ECHO_METHOD_ECHO,
	                           result, sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_RESULTS_TOO_SMALL);
	assert_int_equal(sv.calls, 1);
	assert_int_equal(rlen, 0);
}

static void test_dispatch_reports_a_misused_results_builder(void **state)
{
	uint8_t result[128];
	size_t rlen = 0;
	struct server sv = {.overflow = true};

	(void)state;
	assert_int_equal(echo_call(&echo_ops, &sv, CAPOS_ECHO_METHOD_ECHO,
	                           result, sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_RESULTS_INVALID);
}

static void test_dispatch_carries_a_cap_exception(void **state)
{
	uint8_t result[128];
	size_t rlen = 0;
	struct server sv = {.raise = true};
	struct capnpc_msg m;
	struct capos_cap_exception ex;
	const char *s;
	uint32_t n;
	char *text;

	(void)state;
	assert_int_equal(echo_call(&echo_ops, &sv, CAPOS_ECHO_METHOD_ECHO,
	                           result, sizeof(result), &rlen),
	                 CAPNPC_DISPATCH_OK);
	assert_true(sv.exception);
	assert_int_equal(capos_cap_exception_decode(result, rlen, &m, &ex), 0);
	assert_int_equal(capos_cap_exception_get_type(&ex),
	                 CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
	assert_int_equal(capos_cap_exception_get_reason(&ex, &s, &n), 0);
	assert_memory_equal(s, "echo refuses", n);
	/* 32 bytes plus the reason with its NUL rounded up (schema.md). */
	assert_int_equal(rlen, 32 + 16);
	text = gen_reference_text(result, rlen, SCHEMA, "CapException",
	                          CAPNP_FLAGS);
	assert_string_equal(text, "(type = invalidArgument, reason = \"echo "
	                          "refuses\")\n");
	free(text);
}

static void test_dispatch_passes_method_codes_through(void **state)
{
	uint8_t result[128];
	size_t rlen = 777;
	struct server pending = {.rc = 1}, quota = {.rc = -7};

	(void)state;
	assert_int_equal(echo_call(&echo_ops, &pending, CAPOS_ECHO_METHOD_ECHO,
	                           result, sizeof(result), &rlen),
	                 1);
	assert_int_equal(echo_call(&echo_ops, &quota, CAPOS_ECHO_METHOD_ECHO,
	                           result, sizeof(result), &rlen),
	                 -7);
	assert_int_equal(rlen, 777);
}

/* Console: the ordinal picks the method, each gets its own params type. */
struct console_log {
	char last[64];
	int which;
};

static int con_write(void *ctx, const struct capos_console_write_params *p,
                     struct capos_console_write_results_builder *r)
{
	struct console_log *log = ctx;
	const uint8_t *d;
	uint32_t n;

	(void)r;
	capos_console_write_params_get_data(p, &d, &n);
	snprintf(log->last, sizeof(log->last), "%.*s", (int)n, d);
	log->which = CAPOS_CONSOLE_METHOD_WRITE;
	return 0;
}

static int con_write_line(void *ctx,
                          const struct capos_console_write_line_params *p,
                          struct capos_console_write_line_results_builder *r)
{
	struct console_log *log = ctx;
	const char *s;
	uint32_t n;

	(void)r;
	capos_console_write_line_params_get_text(p, &s, &n);
	snprintf(log->last, sizeof(log->last), "%.*s", (int)n, s);
	log->which = CAPOS_CONSOLE_METHOD_WRITE_LINE;
	return 0;
}

static void test_dispatch_routes_each_ordinal_to_its_method(void **state)
{
	static const struct capos_console_server_ops ops = {
	    .write = con_write, .write_line = con_write_line, .read = NULL};
	uint8_t arena[64], result[64];
	const uint8_t *msg;
	size_t len, rlen;
	struct console_log log = {{0}, -1};

	(void)state;
	capos_console_write_line_encode_params(arena, sizeof(arena), "line", 4,
	                                       &msg, &len);
	assert_int_equal(
	    capos_console_dispatch(&ops, &log, CAPOS_CONSOLE_METHOD_WRITE_LINE,
	                           msg, len, result, sizeof(result), &rlen),
	    0);
	assert_int_equal(log.which, CAPOS_CONSOLE_METHOD_WRITE_LINE);
	assert_string_equal(log.last, "line");
	assert_int_equal(rlen, 16); /* empty results */
	capos_console_write_encode_params(arena, sizeof(arena), "raw", 3, &msg,
	                                  &len);
	assert_int_equal(
	    capos_console_dispatch(&ops, &log, CAPOS_CONSOLE_METHOD_WRITE, msg,
	                           len, result, sizeof(result), &rlen),
	    0);
	assert_int_equal(log.which, CAPOS_CONSOLE_METHOD_WRITE);
	assert_string_equal(log.last, "raw");
	assert_int_equal(
	    capos_console_dispatch(&ops, &log, CAPOS_CONSOLE_METHOD_READ, msg,
	                           len, result, sizeof(result), &rlen),
	    CAPNPC_DISPATCH_UNIMPLEMENTED);
}

static int timer_now(void *ctx, const struct capos_timer_now_params *p,
                     struct capos_timer_now_results_builder *r)
{
	(void)ctx;
	(void)p;
	return capos_timer_now_results_set_ns(r, 123456789012ull);
}

static void test_stub_and_dispatch_round_trip_timer_now(void **state)
{
	static const struct capos_timer_server_ops ops = {.now = timer_now};
	uint8_t arena[32], result[64];
	const uint8_t *msg;
	size_t len, rlen;
	struct capnpc_msg m;
	struct capos_timer_now_results r;

	(void)state;
	assert_int_equal(
	    capos_timer_now_encode_params(arena, sizeof(arena), &msg, &len), 0);
	assert_int_equal(len, 16);
	assert_int_equal(capos_timer_dispatch(&ops, NULL,
	                                      CAPOS_TIMER_METHOD_NOW, msg, len,
	                                      result, sizeof(result), &rlen),
	                 0);
	assert_int_equal(rlen, 24); /* the schema's size for Timer.now */
	assert_int_equal(capos_timer_now_decode_results(result, rlen, &m, &r),
	                 0);
	assert_true(capos_timer_now_results_get_ns(&r) == 123456789012ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest_values_match_capnp_eval),
	    cmocka_unit_test(
	        test_system_manifest_copied_by_builders_prints_as_eval),
	    cmocka_unit_test(
	        test_every_test_manifest_copied_by_builders_prints_as_eval),
	    cmocka_unit_test(test_interface_ids_match_capnp_compile),
	    cmocka_unit_test(test_constants_match_capnp_eval),
	    cmocka_unit_test(test_method_ordinals_follow_the_schema),
	    cmocka_unit_test(test_flat_stub_encodes_scalars_and_enums),
	    cmocka_unit_test(test_flat_stub_encodes_text),
	    cmocka_unit_test(test_flat_stub_reports_a_small_arena),
	    cmocka_unit_test(test_build_stub_fills_structured_params),
	    cmocka_unit_test(test_decode_results_stub_rejects_garbage),
	    cmocka_unit_test(test_dispatch_builds_the_results),
	    cmocka_unit_test(test_dispatch_refuses_an_unknown_method),
	    cmocka_unit_test(test_dispatch_reports_a_method_without_an_entry),
	    cmocka_unit_test(test_dispatch_refuses_bad_params),
	    cmocka_unit_test(test_dispatch_refuses_a_list_as_params_root),
	    cmocka_unit_test(
	        test_dispatch_checks_the_result_buffer_before_calling),
	    cmocka_unit_test(test_dispatch_reports_results_that_do_not_fit),
	    cmocka_unit_test(test_dispatch_reports_a_misused_results_builder),
	    cmocka_unit_test(test_dispatch_carries_a_cap_exception),
	    cmocka_unit_test(test_dispatch_passes_method_codes_through),
	    cmocka_unit_test(test_dispatch_routes_each_ordinal_to_its_method),
	    cmocka_unit_test(test_stub_and_dispatch_round_trip_timer_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
