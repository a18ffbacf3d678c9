/*
 * test_symtab.c - symbol lookup over kernel.sym text, including damaged
 * module contents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <symtab.h>

static const char table[] = "ffffffff80200000 boot_entry\n"
                            "ffffffff80201000 kmain\n"
                            "ffffffff80201800 panic\n";

static void assert_hit(const char *text, size_t len, uint64_t pc,
                       const char *name, uint64_t addr)
{
	struct symtab_hit hit;

	assert_true(symtab_lookup(text, len, pc, &hit));
	assert_int_equal(hit.name_len, strlen(name));
	assert_memory_equal(hit.name, name, hit.name_len);
	assert_int_equal(hit.addr, addr);
}

static void test_exact_and_inside(void **state)
{
	(void)state;
	assert_hit(table, strlen(table), 0xffffffff80201000, "kmain",
	           0xffffffff80201000);
	assert_hit(table, strlen(table), 0xffffffff802017ff, "kmain",
	           0xffffffff80201000);
	assert_hit(table, strlen(table), 0xffffffff80209999, "panic",
	           0xffffffff80201800);
}

static void test_below_first_symbol(void **state)
{
	struct symtab_hit hit;

	(void)state;
	assert_false(symtab_lookup(table, strlen(table), 0x1000, &hit));
}

static void test_empty_and_null(void **state)
{
	struct symtab_hit hit;

	(void)state;
	assert_false(symtab_lookup("", 0, 0xffffffff80201000, &hit));
	assert_false(symtab_lookup(NULL, 10, 0xffffffff80201000, &hit));
}

static void test_garbage_lines_skipped(void **state)
{
	static const char text[] =
	    "zzzz\n"
	    "ffffffff80201000\n"
	    "12345678901234567890 toolong\n"
	    " nameonly\n"
	    "ffffffff80201000 kmain\n"
	    "ffffffff80202000 "; /* name missing at EOF */
	(void)state;
	assert_hit(text, strlen(text), 0xffffffff80203000, "kmain",
	           0xffffffff80201000);
}

static void test_truncated_last_line(void **state)
{
	static const char text[] =
	    "ffffffff80201000 kmain\nffffffff80202000 ab";

	(void)state;
	/* The module length cuts the last name short: it still parses. */
	assert_hit(text, strlen(text), 0xffffffff80202004, "ab",
	           0xffffffff80202000);
	assert_hit(text, strlen(text) - 3, 0xffffffff80202004, "kmain",
	           0xffffffff80201000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_and_inside),
	    cmocka_unit_test(test_below_first_symbol),
	    cmocka_unit_test(test_empty_and_null),
	    cmocka_unit_test(test_garbage_lines_skipped),
	    cmocka_unit_test(test_truncated_last_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
