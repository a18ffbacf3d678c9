/*
 * test_ledger.c - unit tests for lib/ledger.c: charges fit whole or not
 * at all, refunds never go below zero, carving a child's quotas out of a
 * parent is all-or-nothing, and returning them restores the parent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ledger.h"

static const uint64_t big[LEDGER_COUNT] = {4096, 256, 64, 128, 262144};

static void charge_within_limit_succeeds(void **state)
{
	struct ledger l;

	(void)state;
	ledger_init(&l, big);
	assert_int_equal(ledger_charge(&l, LEDGER_FRAMES, 4000), 0);
	assert_int_equal(ledger_charge(&l, LEDGER_FRAMES, 96), 0);
	assert_int_equal(l.r[LEDGER_FRAMES].used, 4096);
}

static void charge_over_limit_changes_nothing(void **state)
{
	struct ledger l;

	(void)state;
	ledger_init(&l, big);
	assert_int_equal(ledger_charge(&l, LEDGER_THREADS, 60), 0);
	assert_int_equal(ledger_charge(&l, LEDGER_THREADS, 5), -1);
	assert_int_equal(l.r[LEDGER_THREADS].used, 60);
	assert_int_equal(ledger_charge(&l, LEDGER_THREADS, UINT64_MAX), -1);
	assert_int_equal(l.r[LEDGER_THREADS].used, 60);
}

static void zero_limit_allows_nothing(void **state)
{
	uint64_t zero[LEDGER_COUNT] = {0};
	struct ledger l;

	(void)state;
	ledger_init(&l, zero);
	assert_int_equal(ledger_charge(&l, LEDGER_FRAMES, 1), -1);
	assert_int_equal(ledger_charge(&l, LEDGER_FRAMES, 0), 0);
	assert_true(ledger_empty(&l));
}

static void refund_more_than_used_is_refused(void **state)
{
	struct ledger l;

	(void)state;
	ledger_init(&l, big);
	assert_int_equal(ledger_charge(&l, LEDGER_KERNEL_MEMORY, 100), 0);
	assert_int_equal(ledger_refund(&l, LEDGER_KERNEL_MEMORY, 101), -1);
	assert_int_equal(l.r[LEDGER_KERNEL_MEMORY].used, 100);
	assert_int_equal(ledger_refund(&l, LEDGER_KERNEL_MEMORY, 100), 0);
	assert_true(ledger_empty(&l));
}

static void carve_takes_every_limit_from_parent(void **state)
{
	const uint64_t want[LEDGER_COUNT] = {64, 16, 1, 0, 8192};
	struct ledger parent, child;

	(void)state;
	ledger_init(&parent, big);
	assert_int_equal(ledger_carve(&parent, &child, want), 0);
	for (int i = 0; i < LEDGER_COUNT; i++) {
		assert_int_equal(parent.r[i].used, want[i]);
		assert_int_equal(child.r[i].limit, want[i]);
		assert_int_equal(child.r[i].used, 0);
	}
	assert_int_equal(ledger_return(&parent, &child), 0);
	assert_true(ledger_empty(&parent));
}

static void carve_that_does_not_fit_changes_nothing(void **state)
{
	uint64_t want[LEDGER_COUNT] = {64, 16, 1, 0, 8192};
	struct ledger parent, child, saved_parent;

	(void)state;
	ledger_init(&parent, big);
	assert_int_equal(ledger_charge(&parent, LEDGER_CAP_SLOTS, 250), 0);
	saved_parent = parent;
	memset(&child, 0xAB, sizeof(child));
	/* Frames fit, cap slots (16 > 6 left) do not: all or nothing. */
	assert_int_equal(ledger_carve(&parent, &child, want), -1);
	assert_memory_equal(&parent, &saved_parent, sizeof(parent));
	for (size_t i = 0; i < sizeof(child); i++)
		assert_int_equal(((uint8_t *)&child)[i], 0xAB);
	want[LEDGER_CAP_SLOTS] = 6;
	assert_int_equal(ledger_carve(&parent, &child, want), 0);
	assert_int_equal(parent.r[LEDGER_CAP_SLOTS].used, 256);
}

static void nested_carves_bound_the_subtree(void **state)
{
	const uint64_t mid[LEDGER_COUNT] = {100, 10, 2, 0, 1000};
	const uint64_t leaf[LEDGER_COUNT] = {60, 5, 1, 0, 500};
	struct ledger root, a, b, c;

	(void)state;
	ledger_init(&root, big);
	assert_int_equal(ledger_carve(&root, &a, mid), 0);
	assert_int_equal(ledger_carve(&a, &b, leaf), 0);
	/* a has 40 frames left: a second leaf of 60 does not fit. */
	assert_int_equal(ledger_carve(&a, &c, leaf), -1);
	assert_int_equal(ledger_return(&a, &b), 0);
	assert_true(ledger_empty(&a));
	assert_int_equal(ledger_return(&root, &a), 0);
	assert_true(ledger_empty(&root));
}

static void return_more_than_carved_is_refused(void **state)
{
	struct ledger parent, child;

	(void)state;
	ledger_init(&parent, big);
	ledger_init(&child, big); /* never carved from parent */
	assert_int_equal(ledger_return(&parent, &child), -1);
	assert_true(ledger_empty(&parent));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(charge_within_limit_succeeds),
	    cmocka_unit_test(charge_over_limit_changes_nothing),
	    cmocka_unit_test(zero_limit_allows_nothing),
	    cmocka_unit_test(refund_more_than_used_is_refused),
	    cmocka_unit_test(carve_takes_every_limit_from_parent),
	    cmocka_unit_test(carve_that_does_not_fit_changes_nothing),
	    cmocka_unit_test(nested_carves_bound_the_subtree),
	    cmocka_unit_test(return_more_than_carved_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
