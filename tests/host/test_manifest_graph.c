/*
 * test_manifest_graph.c - unit tests for lib/manifest/manifest_graph.c:
 * every error class with the field its message names, the spawn order
 * (dependencies first, ties in manifest order, long chains), cycle members,
 * and message truncation.
 *
 * Each test starts from one valid system (reset()) and breaks one thing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "manifest/manifest_graph.h"

#define N       MANIFEST_NAME
#define ECHO_ID 0x892179ca0968c1e2ull

/* The valid system: echo serves "echo"; hello imports it; ticker is
 * independent. Services are listed so that hello comes before echo. */
static struct manifest_name binaries[MANIFEST_MAX_BINARIES + 1];
static struct manifest_name modules[4];
static struct manifest_kernel_grant init_caps[MANIFEST_MAX_GRANTS + 1];
static struct manifest_grant caps[MANIFEST_MAX_SERVICES + 1]
                                 [MANIFEST_MAX_GRANTS + 1];
static struct manifest_export exports[MANIFEST_MAX_SERVICES + 1]
                                     [MANIFEST_MAX_EXPORTS + 1];
static struct manifest_service services[MANIFEST_MAX_SERVICES + 1];
static struct manifest_graph graph;
static struct manifest_plan plan;
static char msg[MANIFEST_MSG_SIZE];

enum { HELLO, ECHO, TICKER };

static struct manifest_grant kernel_cap(struct manifest_name name,
                                        uint16_t source)
{
	return (struct manifest_grant){
	    .name = name, .kind = MANIFEST_GRANT_KERNEL, .kernel = source};
}

static struct manifest_grant import_cap(struct manifest_name name,
                                        struct manifest_name service,
                                        struct manifest_name export)
{
	return (struct manifest_grant){.name = name,
	                               .kind = MANIFEST_GRANT_SERVICE,
	                               .service = service,
	                               .export = export};
}

static void set_service(size_t s, struct manifest_name name,
                        struct manifest_name binary, size_t ncaps,
                        size_t nexports)
{
	services[s] = (struct manifest_service){
	    .name = name,
	    .binary = binary,
	    .caps = caps[s],
	    .ncaps = ncaps,
	    .exports = exports[s],
	    .nexports = nexports,
	    .quotas = {.cap_slots = 16},
	    .restart = {MANIFEST_RESTART_NEVER, 3, 10000},
	};
}

static void reset(void)
{
	memset(caps, 0, sizeof(caps));
	memset(exports, 0, sizeof(exports));
	memset(msg, 'x', sizeof(msg));
	binaries[0] = N("init");
	binaries[1] = N("hello");
	binaries[2] = N("echo");
	binaries[3] = N("ticker");
	memcpy(modules, binaries, sizeof(modules));
	init_caps[0] =
	    (struct manifest_kernel_grant){N("console"), MANIFEST_KSRC_CONSOLE};
	init_caps[1] =
	    (struct manifest_kernel_grant){N("timer"), MANIFEST_KSRC_TIMER};
	init_caps[2] = (struct manifest_kernel_grant){
	    N("spawner"), MANIFEST_KSRC_PROCESS_SPAWNER};

	caps[HELLO][0] = kernel_cap(N("console"), MANIFEST_KSRC_CONSOLE);
	caps[HELLO][1] = import_cap(N("echo"), N("echo"), N("echo"));
	set_service(HELLO, N("hello"), N("hello"), 2, 0);
	caps[ECHO][0] = kernel_cap(N("console"), MANIFEST_KSRC_CONSOLE);
	exports[ECHO][0] = (struct manifest_export){N("echo"), ECHO_ID};
	set_service(ECHO, N("echo"), N("echo"), 1, 1);
	caps[TICKER][0] = kernel_cap(N("console"), MANIFEST_KSRC_CONSOLE);
	caps[TICKER][1] = kernel_cap(N("timer"), MANIFEST_KSRC_TIMER);
	set_service(TICKER, N("ticker"), N("ticker"), 2, 0);

	graph = (struct manifest_graph){
	    .schema_version = MANIFEST_SCHEMA_VERSION,
	    .binaries = binaries,
	    .nbinaries = 4,
	    .init_binary = N("init"),
	    .init_caps = init_caps,
	    .ninit_caps = 3,
	    .services = services,
	    .nservices = 3,
	};
}

static enum manifest_error check(void)
{
	return manifest_graph_check(&graph, modules, 4, &plan, msg,
	                            sizeof(msg));
}

/* Asserts that check() fails with err and a message equal to want. */
static void expect(enum manifest_error err, const char *want)
{
	enum manifest_error got = check();

	assert_string_equal(manifest_error_name(got), manifest_error_name(err));
	assert_string_equal(msg, want);
}

/* --- valid manifests and the spawn order --------------------------------- */

static void test_valid_manifest_passes_with_empty_message(void **state)
{
	(void)state;
	reset();
	assert_int_equal(check(), MANIFEST_OK);
	assert_string_equal(msg, "");
}

static void test_exporter_starts_before_importer(void **state)
{
	(void)state;
	reset();
	assert_int_equal(check(), MANIFEST_OK);
	assert_int_equal(plan.count, 3);
	assert_int_equal(plan.order[0], ECHO);
	assert_int_equal(plan.order[1], HELLO);
	assert_int_equal(plan.order[2], TICKER);
}

static void test_import_is_resolved_in_plan(void **state)
{
	(void)state;
	reset();
	exports[ECHO][0].name = N("log");
	exports[ECHO][1] = (struct manifest_export){N("echo"), ECHO_ID};
	services[ECHO].nexports = 2;
	assert_int_equal(check(), MANIFEST_OK);
	assert_int_equal(plan.provider[HELLO][1], ECHO);
	assert_int_equal(plan.export_index[HELLO][1], 1);
}

static void test_independent_services_keep_manifest_order(void **state)
{
	(void)state;
	reset();
	caps[HELLO][1] = kernel_cap(N("timer"), MANIFEST_KSRC_TIMER);
	assert_int_equal(check(), MANIFEST_OK);
	assert_int_equal(plan.order[0], HELLO);
	assert_int_equal(plan.order[1], ECHO);
	assert_int_equal(plan.order[2], TICKER);
}

/* log(2) <- db(1) <- client(0), and standalone(3): at each step the first
 * ready service in manifest order starts. */
static void test_order_takes_first_ready_in_manifest_order(void **state)
{
	(void)state;
	reset();
	caps[0][0] = import_cap(N("db"), N("db"), N("db"));
	caps[0][1] = import_cap(N("log"), N("log"), N("log"));
	set_service(0, N("client"), N("hello"), 2, 0);
	caps[1][0] = import_cap(N("log"), N("log"), N("log"));
	exports[1][0] = (struct manifest_export){N("db"), ECHO_ID};
	set_service(1, N("db"), N("hello"), 1, 1);
	exports[2][0] = (struct manifest_export){N("log"), ECHO_ID};
	set_service(2, N("log"), N("hello"), 0, 1);
	set_service(3, N("standalone"), N("hello"), 0, 0);
	graph.nservices = 4;
	assert_int_equal(check(), MANIFEST_OK);
	assert_int_equal(plan.count, 4);
	assert_int_equal(plan.order[0], 2);
	assert_int_equal(plan.order[1], 1);
	assert_int_equal(plan.order[2], 0);
	assert_int_equal(plan.order[3], 3);
}

/* A name for service i: "s00" .. "s63". */
static struct manifest_name svc_name(size_t i)
{
	static char names[MANIFEST_MAX_SERVICES][4];

	names[i][0] = 's';
	names[i][1] = (char)('0' + i / 10);
	names[i][2] = (char)('0' + i % 10);
	return (struct manifest_name){names[i], 3};
}

/* The longest chain allowed, listed backwards: each service imports from
 * the next one, so the spawn order is the reverse of the manifest. */
static void test_longest_chain_orders_in_reverse(void **state)
{
	(void)state;
	reset();
	for (size_t i = 0; i < MANIFEST_MAX_SERVICES; i++) {
		size_t ncaps = 0;

		if (i + 1 < MANIFEST_MAX_SERVICES)
			caps[i][ncaps++] =
			    import_cap(N("next"), svc_name(i + 1), N("x"));
		exports[i][0] = (struct manifest_export){N("x"), ECHO_ID};
		set_service(i, svc_name(i), N("hello"), ncaps, 1);
	}
	graph.nservices = MANIFEST_MAX_SERVICES;
	assert_int_equal(check(), MANIFEST_OK);
	assert_int_equal(plan.count, MANIFEST_MAX_SERVICES);
	for (size_t n = 0; n < MANIFEST_MAX_SERVICES; n++)
		assert_int_equal(plan.order[n], MANIFEST_MAX_SERVICES - 1 - n);
}

static void test_no_services_is_valid(void **state)
{
	(void)state;
	reset();
	graph.nservices = 0;
	assert_int_equal(check(), MANIFEST_OK);
	assert_int_equal(plan.count, 0);
}

static void test_null_modules_skips_module_check(void **state)
{
	(void)state;
	reset();
	binaries[3] = N("ghost");
	services[TICKER].binary = N("ghost");
	assert_int_equal(
	    manifest_graph_check(&graph, NULL, 0, &plan, msg, sizeof(msg)),
	    MANIFEST_OK);
}

/* --- one test per error ----------------------------------------------------
 */

static void test_wrong_version(void **state)
{
	(void)state;
	reset();
	graph.schema_version = 2;
	expect(MANIFEST_ERR_VERSION,
	       "schemaVersion is 2; this system supports 1");
}

static void test_version_zero_is_wrong(void **state)
{
	(void)state;
	reset();
	graph.schema_version = 0;
	expect(MANIFEST_ERR_VERSION,
	       "schemaVersion is 0; this system supports 1");
}

static void test_too_many_services(void **state)
{
	(void)state;
	reset();
	graph.nservices = MANIFEST_MAX_SERVICES + 1;
	expect(MANIFEST_ERR_TOO_MANY,
	       "services has 65 entries; at most 64 are allowed");
}

static void test_too_many_binaries(void **state)
{
	(void)state;
	reset();
	graph.nbinaries = MANIFEST_MAX_BINARIES + 1;
	expect(MANIFEST_ERR_TOO_MANY,
	       "binaries has 65 entries; at most 64 are allowed");
}

static void test_too_many_init_caps(void **state)
{
	(void)state;
	reset();
	graph.ninit_caps = MANIFEST_MAX_GRANTS + 1;
	expect(MANIFEST_ERR_TOO_MANY,
	       "init.caps has 33 entries; at most 32 are allowed");
}

static void test_too_many_caps_in_service(void **state)
{
	(void)state;
	reset();
	services[TICKER].ncaps = MANIFEST_MAX_GRANTS + 1;
	expect(MANIFEST_ERR_TOO_MANY,
	       "services[2].caps has 33 entries; at most 32 are allowed");
}

static void test_too_many_exports_in_service(void **state)
{
	(void)state;
	reset();
	services[ECHO].nexports = MANIFEST_MAX_EXPORTS + 1;
	expect(MANIFEST_ERR_TOO_MANY,
	       "services[1].exports has 17 entries; at most 16 are allowed");
}

static void test_empty_name(void **state)
{
	(void)state;
	reset();
	services[TICKER].name = N("");
	expect(MANIFEST_ERR_BAD_NAME, "services[2].name is empty");
}

static void test_name_too_long(void **state)
{
	(void)state;
	reset();
	caps[ECHO][0].name = N("a_capability_name_of_32_bytes_xx");
	expect(MANIFEST_ERR_BAD_NAME,
	       "services[1] \"echo\": caps[0].name is 32 bytes long; at most "
	       "31 are allowed");
}

static void test_name_of_max_length_is_valid(void **state)
{
	(void)state;
	reset();
	caps[ECHO][0].name = N("a_capability_name_of_31_bytes_x");
	assert_int_equal(check(), MANIFEST_OK);
}

static void test_name_with_control_byte(void **state)
{
	(void)state;
	reset();
	binaries[2] = N("ec\033ho");
	expect(MANIFEST_ERR_BAD_NAME,
	       "binaries[2] has byte 0x1b at offset 2; names use only A-Z "
	       "a-z 0-9 _ . -");
}

static void test_name_with_embedded_nul(void **state)
{
	(void)state;
	reset();
	caps[TICKER][1].name = (struct manifest_name){"ti\0mer", 6};
	expect(MANIFEST_ERR_BAD_NAME,
	       "services[2] \"ticker\": caps[1].name has byte 0x00 at offset "
	       "2; names use only A-Z a-z 0-9 _ . -");
}

static void test_bad_export_name(void **state)
{
	(void)state;
	reset();
	exports[ECHO][0].name = N("ec/ho");
	caps[HELLO][1] = kernel_cap(N("timer"), MANIFEST_KSRC_TIMER);
	expect(MANIFEST_ERR_BAD_NAME,
	       "services[1] \"echo\": exports[0].name has byte 0x2f at offset "
	       "2; names use only A-Z a-z 0-9 _ . -");
}

static void test_bad_name_in_init_binary(void **state)
{
	(void)state;
	reset();
	graph.init_binary = N("");
	expect(MANIFEST_ERR_BAD_NAME, "init.binary is empty");
}

static void test_bad_name_in_import_reference(void **state)
{
	(void)state;
	reset();
	caps[HELLO][1].export = N("e cho");
	expect(MANIFEST_ERR_BAD_NAME,
	       "services[0] \"hello\": caps[1].source.service.export has byte "
	       "0x20 at offset 1; names use only A-Z a-z 0-9 _ . -");
}

static void test_duplicate_binary(void **state)
{
	(void)state;
	reset();
	binaries[3] = N("hello");
	expect(MANIFEST_ERR_DUPLICATE_BINARY,
	       "binaries[3] \"hello\" repeats binaries[1]");
}

static void test_binary_without_module(void **state)
{
	(void)state;
	reset();
	modules[3] = N("tickr");
	expect(MANIFEST_ERR_MISSING_MODULE,
	       "binaries[3] \"ticker\" is not a boot module");
}

static void test_service_binary_not_in_binaries(void **state)
{
	(void)state;
	reset();
	services[TICKER].binary = N("tickr");
	expect(MANIFEST_ERR_UNDECLARED_BINARY,
	       "services[2] \"ticker\": binary \"tickr\" is not listed in "
	       "binaries");
}

static void test_init_binary_not_in_binaries(void **state)
{
	(void)state;
	reset();
	graph.init_binary = N("init2");
	expect(MANIFEST_ERR_UNDECLARED_BINARY,
	       "init.binary \"init2\" is not listed in binaries");
}

static void test_duplicate_service(void **state)
{
	(void)state;
	reset();
	services[TICKER].name = N("hello");
	expect(MANIFEST_ERR_DUPLICATE_SERVICE,
	       "services[2].name \"hello\" repeats services[0]");
}

static void test_duplicate_cap_name_in_service(void **state)
{
	(void)state;
	reset();
	caps[TICKER][1].name = N("console");
	expect(MANIFEST_ERR_DUPLICATE_CAP,
	       "services[2] \"ticker\": caps[1].name \"console\" repeats "
	       "caps[0]");
}

static void test_duplicate_cap_name_in_init(void **state)
{
	(void)state;
	reset();
	init_caps[2].name = N("console");
	expect(MANIFEST_ERR_DUPLICATE_CAP,
	       "init.caps[2].name \"console\" repeats init.caps[0]");
}

static void test_duplicate_export(void **state)
{
	(void)state;
	reset();
	exports[ECHO][1] = exports[ECHO][0];
	services[ECHO].nexports = 2;
	expect(MANIFEST_ERR_DUPLICATE_EXPORT,
	       "services[1] \"echo\": exports[1].name \"echo\" repeats "
	       "exports[0]");
}

static void test_export_named_like_a_cap(void **state)
{
	(void)state;
	reset();
	exports[ECHO][0].name = N("console");
	caps[HELLO][1].export = N("console");
	expect(MANIFEST_ERR_DUPLICATE_EXPORT,
	       "services[1] \"echo\": exports[0].name \"console\" repeats "
	       "caps[0] (one CapSet holds both)");
}

static void test_unknown_source_kind(void **state)
{
	(void)state;
	reset();
	caps[TICKER][1].kind = MANIFEST_GRANT_KIND_COUNT;
	expect(MANIFEST_ERR_BAD_SOURCE,
	       "services[2] \"ticker\": caps[1].source has unknown kind 2");
}

static void test_unknown_kernel_source(void **state)
{
	(void)state;
	reset();
	caps[TICKER][1].kernel = MANIFEST_KSRC_COUNT;
	expect(MANIFEST_ERR_BAD_SOURCE,
	       "services[2] \"ticker\": caps[1].source.kernel is 10, which "
	       "is no kernel source");
}

static void test_unknown_kernel_source_in_init(void **state)
{
	(void)state;
	reset();
	init_caps[1].source = 0xffff;
	expect(MANIFEST_ERR_BAD_SOURCE,
	       "init.caps[1].source is 65535, which is no kernel source");
}

static void test_kernel_source_init_does_not_hold(void **state)
{
	(void)state;
	reset();
	caps[TICKER][1] =
	    kernel_cap(N("frames"), MANIFEST_KSRC_FRAME_ALLOCATOR);
	expect(MANIFEST_ERR_SOURCE_NOT_HELD,
	       "services[2] \"ticker\": caps[1] \"frames\" is kernel source "
	       "frameAllocator, which init.caps does not hold");
}

static void test_import_from_unknown_service(void **state)
{
	(void)state;
	reset();
	caps[HELLO][1].service = N("logger");
	expect(MANIFEST_ERR_UNKNOWN_SERVICE,
	       "services[0] \"hello\": caps[1] \"echo\" imports from service "
	       "\"logger\", which is not in services");
}

static void test_import_of_unknown_export(void **state)
{
	(void)state;
	reset();
	caps[HELLO][1].export = N("log");
	expect(MANIFEST_ERR_UNKNOWN_EXPORT,
	       "services[0] \"hello\": caps[1] \"echo\" imports export \"log\" "
	       "of service \"echo\", which has no such export");
}

static void test_import_from_service_without_exports(void **state)
{
	(void)state;
	reset();
	caps[HELLO][1].service = N("ticker");
	expect(
	    MANIFEST_ERR_UNKNOWN_EXPORT,
	    "services[0] \"hello\": caps[1] \"echo\" imports export \"echo\" "
	    "of service \"ticker\", which has no such export");
}

static void test_export_without_interface_id(void **state)
{
	(void)state;
	reset();
	exports[ECHO][0].interface_id = 0;
	expect(MANIFEST_ERR_BAD_INTERFACE,
	       "services[1] \"echo\": exports[0] \"echo\" has interfaceId 0");
}

static void test_cap_slots_below_capset(void **state)
{
	(void)state;
	reset();
	services[ECHO].quotas.cap_slots = 1;
	expect(MANIFEST_ERR_QUOTA,
	       "services[1] \"echo\": quotas.capSlots is 1 but its CapSet "
	       "needs 2 (1 caps, 1 exports)");
}

static void test_cap_slots_exactly_capset_is_valid(void **state)
{
	(void)state;
	reset();
	services[ECHO].quotas.cap_slots = 2;
	assert_int_equal(check(), MANIFEST_OK);
}

static void test_restart_mode_out_of_range(void **state)
{
	(void)state;
	reset();
	services[TICKER].restart.mode = MANIFEST_RESTART_MODE_COUNT;
	expect(MANIFEST_ERR_RESTART,
	       "services[2] \"ticker\": restart.mode is 3, which is no "
	       "RestartMode");
}

static void test_max_restarts_over_bound(void **state)
{
	(void)state;
	reset();
	services[TICKER].restart.max_restarts = MANIFEST_MAX_RESTARTS + 1;
	expect(MANIFEST_ERR_RESTART,
	       "services[2] \"ticker\": restart.maxRestarts is 33; at most "
	       "32 are allowed");
}

static void test_max_restarts_at_bound_is_valid(void **state)
{
	(void)state;
	reset();
	services[TICKER].restart.mode = MANIFEST_RESTART_ALWAYS;
	services[TICKER].restart.max_restarts = MANIFEST_MAX_RESTARTS;
	assert_int_equal(check(), MANIFEST_OK);
}

/* The restart policy is checked last within its service. */
static void test_quota_is_reported_before_restart(void **state)
{
	(void)state;
	reset();
	services[ECHO].quotas.cap_slots = 1;
	services[ECHO].restart.mode = 9;
	assert_int_equal(check(), MANIFEST_ERR_QUOTA);
}

static void test_two_service_cycle(void **state)
{
	(void)state;
	reset();
	exports[HELLO][0] = (struct manifest_export){N("hi"), ECHO_ID};
	services[HELLO].nexports = 1;
	caps[ECHO][1] = import_cap(N("hi"), N("hello"), N("hi"));
	services[ECHO].ncaps = 2;
	expect(MANIFEST_ERR_CYCLE,
	       "dependency cycle: \"hello\" -> \"echo\" -> \"hello\" (each "
	       "imports an export of the next)");
	assert_int_equal(plan.cycle_len, 2);
	assert_int_equal(plan.cycle[0], HELLO);
	assert_int_equal(plan.cycle[1], ECHO);
}

static void test_service_importing_itself_is_a_cycle(void **state)
{
	(void)state;
	reset();
	caps[ECHO][1] = import_cap(N("self"), N("echo"), N("echo"));
	services[ECHO].ncaps = 2;
	expect(MANIFEST_ERR_CYCLE, "dependency cycle: \"echo\" -> \"echo\" "
	                           "(each imports an export of the next)");
	assert_int_equal(plan.cycle_len, 1);
	assert_int_equal(plan.cycle[0], ECHO);
}

/* hello waits for echo, which is in a cycle with ticker: hello is not a
 * member of the reported cycle. */
static void test_cycle_report_leaves_out_services_waiting_on_it(void **state)
{
	(void)state;
	reset();
	caps[ECHO][1] = import_cap(N("tick"), N("ticker"), N("tick"));
	services[ECHO].ncaps = 2;
	exports[TICKER][0] = (struct manifest_export){N("tick"), ECHO_ID};
	services[TICKER].nexports = 1;
	caps[TICKER][2] = import_cap(N("echo"), N("echo"), N("echo"));
	services[TICKER].ncaps = 3;
	expect(MANIFEST_ERR_CYCLE,
	       "dependency cycle: \"echo\" -> \"ticker\" -> \"echo\" (each "
	       "imports an export of the next)");
	assert_int_equal(plan.cycle_len, 2);
	assert_int_equal(plan.cycle[0], ECHO);
	assert_int_equal(plan.cycle[1], TICKER);
}

/* --- messages --------------------------------------------------------------
 */

static void test_message_is_truncated_and_terminated(void **state)
{
	char small[8];

	(void)state;
	reset();
	graph.schema_version = 7;
	memset(small, 'x', sizeof(small));
	assert_int_equal(manifest_graph_check(&graph, modules, 4, &plan, small,
	                                      sizeof(small)),
	                 MANIFEST_ERR_VERSION);
	assert_string_equal(small, "schemaV");
}

static void test_no_message_buffer(void **state)
{
	(void)state;
	reset();
	graph.schema_version = 7;
	assert_int_equal(
	    manifest_graph_check(&graph, modules, 4, &plan, NULL, 0),
	    MANIFEST_ERR_VERSION);
}

static void test_error_and_source_names(void **state)
{
	(void)state;
	assert_string_equal(manifest_error_name(MANIFEST_ERR_CYCLE), "CYCLE");
	assert_string_equal(manifest_error_name(MANIFEST_ERR_RESTART),
	                    "RESTART");
	assert_string_equal(manifest_error_name(MANIFEST_ERR_COUNT), "UNKNOWN");
	assert_string_equal(
	    manifest_kernel_source_name(MANIFEST_KSRC_CAPABILITY_MANAGER),
	    "capabilityManager");
	assert_null(manifest_kernel_source_name(MANIFEST_KSRC_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_manifest_passes_with_empty_message),
	    cmocka_unit_test(test_exporter_starts_before_importer),
	    cmocka_unit_test(test_import_is_resolved_in_plan),
	    cmocka_unit_test(test_independent_services_keep_manifest_order),
	    cmocka_unit_test(test_order_takes_first_ready_in_manifest_order),
	    cmocka_unit_test(test_longest_chain_orders_in_reverse),
	    cmocka_unit_test(test_no_services_is_valid),
	    cmocka_unit_test(test_null_modules_skips_module_check),
	    cmocka_unit_test(test_wrong_version),
	    cmocka_unit_test(test_version_zero_is_wrong),
	    cmocka_unit_test(test_too_many_services),
	    cmocka_unit_test(test_too_many_binaries),
	    cmocka_unit_test(test_too_many_init_caps),
	    cmocka_unit_test(test_too_many_caps_in_service),
	    cmocka_unit_test(test_too_many_exports_in_service),
	    cmocka_unit_test(test_empty_name),
	    cmocka_unit_test(test_name_too_long),
	    cmocka_unit_test(test_name_of_max_length_is_valid),
	    cmocka_unit_test(test_name_with_control_byte),
	    cmocka_unit_test(test_name_with_embedded_nul),
	    cmocka_unit_test(test_bad_export_name),
	    cmocka_unit_test(test_bad_name_in_init_binary),
	    cmocka_unit_test(test_bad_name_in_import_reference),
	    cmocka_unit_test(test_duplicate_binary),
	    cmocka_unit_test(test_binary_without_module),
	    cmocka_unit_test(test_service_binary_not_in_binaries),
	    cmocka_unit_test(test_init_binary_not_in_binaries),
	    cmocka_unit_test(test_duplicate_service),
	    cmocka_unit_test(test_duplicate_cap_name_in_service),
	    cmocka_unit_test(test_duplicate_cap_name_in_init),
	    cmocka_unit_test(test_duplicate_export),
	    cmocka_unit_test(test_export_named_like_a_cap),
	    cmocka_unit_test(test_unknown_source_kind),
	    cmocka_unit_test(test_unknown_kernel_source),
	    cmocka_unit_test(test_unknown_kernel_source_in_init),
	    cmocka_unit_test(test_kernel_source_init_does_not_hold),
	    cmocka_unit_test(test_import_from_unknown_service),
	    cmocka_unit_test(test_import_of_unknown_export),
	    cmocka_unit_test(test_import_from_service_without_exports),
	    cmocka_unit_test(test_export_without_interface_id),
	    cmocka_unit_test(test_cap_slots_below_capset),
	    cmocka_unit_test(test_cap_slots_exactly_capset_is_valid),
	    cmocka_unit_test(test_restart_mode_out_of_range),
	    cmocka_unit_test(test_max_restarts_over_bound),
	    cmocka_unit_test(test_max_restarts_at_bound_is_valid),
	    cmocka_unit_test(test_quota_is_reported_before_restart),
	    cmocka_unit_test(test_two_service_cycle),
	    cmocka_unit_test(test_service_importing_itself_is_a_cycle),
	    cmocka_unit_test(
	        test_cycle_report_leaves_out_services_waiting_on_it),
	    cmocka_unit_test(test_message_is_truncated_and_terminated),
	    cmocka_unit_test(test_no_message_buffer),
	    cmocka_unit_test(test_error_and_source_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
