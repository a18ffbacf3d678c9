/*
 * test_va_spans.c - unit tests for lib/va_spans.c: the set covers every
 * range ever added, stays sorted, disjoint and within VA_SPANS_MAX, joins
 * near ranges into one span and, when full, joins the nearest neighbours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "va_spans.h"

#define PG   4096ull
#define JOIN VA_SPANS_JOIN

static void assert_shape(const struct va_spans *set)
{
	assert_true(set->n <= VA_SPANS_MAX);
	for (uint32_t i = 0; i < set->n; i++) {
		assert_true(set->s[i].lo < set->s[i].hi);
		if (i > 0)
			assert_true(set->s[i].lo - set->s[i - 1].hi > JOIN);
	}
}

static void empty_set_covers_nothing(void **state)
{
	struct va_spans set = {0};

	(void)state;
	assert_false(va_spans_covers(&set, 0, PG));
}

static void far_ranges_get_their_own_spans(void **state)
{
	struct va_spans set = {0};

	(void)state;
	va_spans_add(&set, 0x400000, 0x401000);
	va_spans_add(&set, 0x100000, 0x101000);
	va_spans_add(&set, 0x7FFFFFEF0000, 0x7FFFFFF00000);
	va_spans_add(&set, 0x200000, 0x201000);
	assert_int_equal(set.n, 4);
	assert_true(set.s[0].lo == 0x100000 && set.s[0].hi == 0x101000);
	assert_true(set.s[1].lo == 0x200000 && set.s[1].hi == 0x201000);
	assert_true(set.s[2].lo == 0x400000 && set.s[2].hi == 0x401000);
	assert_true(set.s[3].lo == 0x7FFFFFEF0000);
	assert_false(va_spans_covers(&set, 0x101000, 0x102000));
	assert_false(va_spans_covers(&set, 0x100000, 0x201000));
	assert_shape(&set);
}

static void near_and_overlapping_ranges_share_a_span(void **state)
{
	struct va_spans set = {0};

	(void)state;
	va_spans_add(&set, 0x400000, 0x401000);
	va_spans_add(&set, 0x401000, 0x402000);               /* adjacent */
	va_spans_add(&set, 0x402000 + JOIN, 0x403000 + JOIN); /* a JOIN gap */
	assert_int_equal(set.n, 1);
	assert_true(set.s[0].lo == 0x400000 && set.s[0].hi == 0x403000 + JOIN);
	/* One page more than JOIN away is a new span. */
	va_spans_add(&set, 0x403000 + 2 * JOIN + PG, 0x404000 + 2 * JOIN + PG);
	assert_int_equal(set.n, 2);
	/* A range bridging both joins them. */
	va_spans_add(&set, 0x3FF000, 0x404000 + 2 * JOIN + PG);
	assert_int_equal(set.n, 1);
	assert_true(set.s[0].lo == 0x3FF000);
	assert_shape(&set);
}

static void full_set_joins_the_nearest_neighbours(void **state)
{
	struct va_spans set = {0};
	uint64_t step = 1ull << 30;

	(void)state;
	for (uint64_t i = 0; i < VA_SPANS_MAX; i++)
		va_spans_add(&set, i * step, i * step + PG);
	assert_int_equal(set.n, VA_SPANS_MAX);
	/* Closest to span 3: it and the new range become one. */
	va_spans_add(&set, 3 * step + 1000 * PG, 3 * step + 1001 * PG);
	assert_int_equal(set.n, VA_SPANS_MAX);
	assert_true(set.s[3].lo == 3 * step &&
	            set.s[3].hi == 3 * step + 1001 * PG);
	for (uint64_t i = 0; i < VA_SPANS_MAX; i++)
		assert_true(va_spans_covers(&set, i * step, i * step + PG));
	assert_shape(&set);
}

/* Whatever the order, every range added stays covered. */
static void every_added_range_stays_covered(void **state)
{
	struct va_spans set = {0};
	uint64_t lo[500], hi[500], x = 12345;

	(void)state;
	for (int i = 0; i < 500; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		lo[i] = ((x >> 20) % (1ull << 35)) * PG;
		hi[i] = lo[i] + (1 + (x >> 58)) * PG;
		va_spans_add(&set, lo[i], hi[i]);
		assert_shape(&set);
		for (int k = 0; k <= i; k++)
			assert_true(va_spans_covers(&set, lo[k], hi[k]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_set_covers_nothing),
	    cmocka_unit_test(far_ranges_get_their_own_spans),
	    cmocka_unit_test(near_and_overlapping_ranges_share_a_span),
	    cmocka_unit_test(full_set_joins_the_nearest_neighbours),
	    cmocka_unit_test(every_added_range_stays_covered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
