/*
 * test_cmdline.c - kernel command line parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <cmdline.h>

static void test_value_and_flag(void **state)
{
	char v[32];

	(void)state;
	assert_true(
	    cmdline_get("a=1 test=frames,heap quiet", "test", v, sizeof(v)));
	assert_string_equal(v, "frames,heap");
	assert_true(
	    cmdline_get("a=1 test=frames quiet", "quiet", v, sizeof(v)));
	assert_string_equal(v, "");
}

static void test_missing_and_prefix(void **state)
{
	char v[32] = "junk";

	(void)state;
	assert_false(cmdline_get("testing=1 tes=2", "test", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_false(cmdline_get("", "test", v, sizeof(v)));
}

static void test_last_wins(void **state)
{
	char v[32];

	(void)state;
	assert_true(cmdline_get("test=a  test=b", "test", v, sizeof(v)));
	assert_string_equal(v, "b");
}

static void test_truncation(void **state)
{
	char v[4];

	(void)state;
	assert_true(cmdline_get("k=abcdefgh", "k", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_true(cmdline_get("k=abcdefgh", "k", v, 0));
}

static void test_list(void **state)
{
	(void)state;
	assert_true(cmdline_list_has("frames,heap", "heap"));
	assert_true(cmdline_list_has("frames,heap", "frames"));
	assert_false(cmdline_list_has("frames,heap", "hea"));
	assert_false(cmdline_list_has("frames,heapx", "heap"));
	assert_true(cmdline_list_has("all", "anything"));
	assert_false(cmdline_list_has("", "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_value_and_flag),
	    cmocka_unit_test(test_missing_and_prefix),
	    cmocka_unit_test(test_last_wins),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
