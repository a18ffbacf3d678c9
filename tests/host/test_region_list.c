/*
 * test_region_list.c - unit tests for lib/region_list.c: range checks
 * refuse every malformed range, lookups find only a region that holds
 * the whole range, and cuts leave exactly the pages outside the cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "region_list.h"

#define PG    REGION_PAGE_SIZE
#define LO    0x300000ull
#define HI    0x7FFFFFEEF000ull
#define BASEA 0x10000000000ull

static void valid_range_is_accepted(void **state)
{
	(void)state;
	assert_true(region_range_valid(LO, PG, LO, HI));
	assert_true(region_range_valid(HI - PG, PG, LO, HI));
	assert_true(region_range_valid(LO, HI - LO, LO, HI));
}

static void zero_length_is_refused(void **state)
{
	(void)state;
	assert_false(region_range_valid(BASEA, 0, LO, HI));
}

static void unaligned_address_or_length_is_refused(void **state)
{
	(void)state;
	assert_false(region_range_valid(BASEA + 8, PG, LO, HI));
	assert_false(region_range_valid(BASEA, PG + 1, LO, HI));
	assert_false(region_range_valid(BASEA, 100, LO, HI));
}

static void range_outside_bounds_is_refused(void **state)
{
	(void)state;
	assert_false(region_range_valid(LO - PG, PG, LO, HI));
	assert_false(region_range_valid(HI, PG, LO, HI));
	assert_false(region_range_valid(HI - PG, 2 * PG, LO, HI));
	assert_false(region_range_valid(0, PG, LO, HI));
}

static void wrapping_range_is_refused(void **state)
{
	(void)state;
	assert_false(region_range_valid(HI - PG, UINT64_MAX - PG + 1, LO, HI));
	assert_false(
	    region_range_valid(0xFFFFFFFFFFFFF000ull, 2 * PG, 0, UINT64_MAX));
}

static void overlap_is_found_at_every_edge(void **state)
{
	struct vm_region r = {BASEA, 4, NULL};

	(void)state;
	assert_true(region_overlaps(&r, BASEA, PG));
	assert_true(region_overlaps(&r, BASEA + 3 * PG, PG));
	assert_true(region_overlaps(&r, BASEA - PG, 2 * PG));
	assert_true(region_overlaps(&r, BASEA + 3 * PG, 8 * PG));
	assert_true(region_overlaps(&r, BASEA - PG, 6 * PG));
}

static void adjacent_ranges_do_not_overlap(void **state)
{
	struct vm_region r = {BASEA, 4, NULL};

	(void)state;
	assert_false(region_overlaps(&r, BASEA - PG, PG));
	assert_false(region_overlaps(&r, BASEA + 4 * PG, PG));
	assert_false(region_overlaps(NULL, BASEA, PG));
	assert_false(region_overlaps(&r, BASEA, 0));
}

static void wrapping_range_counts_as_overlapping(void **state)
{
	struct vm_region r = {BASEA, 4, NULL};

	(void)state;
	assert_true(region_overlaps(&r, 0xFFFFFFFFFFFFF000ull, 2 * PG));
}

static void overlap_is_checked_against_every_region(void **state)
{
	struct vm_region b = {BASEA + 100 * PG, 1, NULL};
	struct vm_region a = {BASEA, 1, &b};

	(void)state;
	assert_true(region_overlaps(&a, BASEA + 100 * PG, PG));
	assert_false(region_overlaps(&a, BASEA + 50 * PG, PG));
}

static void containing_region_is_found(void **state)
{
	struct vm_region b = {BASEA + 100 * PG, 8, NULL};
	struct vm_region a = {BASEA, 4, &b};

	(void)state;
	assert_ptr_equal(region_containing(&a, BASEA, 4 * PG), &a);
	assert_ptr_equal(region_containing(&a, BASEA + PG, PG), &a);
	assert_ptr_equal(region_containing(&a, BASEA + 107 * PG, PG), &b);
}

static void range_not_wholly_inside_one_region_is_not_found(void **state)
{
	struct vm_region b = {BASEA + 4 * PG, 4, NULL};
	struct vm_region a = {BASEA, 4, &b};

	(void)state;
	/* Spans two adjacent regions: neither holds it. */
	assert_null(region_containing(&a, BASEA + 3 * PG, 2 * PG));
	assert_null(region_containing(&a, BASEA - PG, 2 * PG));
	assert_null(region_containing(&a, BASEA + 8 * PG, PG));
	assert_null(region_containing(&a, BASEA, 9 * PG));
	assert_null(region_containing(&a, BASEA, 0));
}

static void wrapping_range_is_not_contained(void **state)
{
	struct vm_region a = {BASEA, 4, NULL};

	(void)state;
	assert_null(region_containing(&a, BASEA + PG, UINT64_MAX - PG + 1));
	assert_null(region_containing(&a, BASEA + PG, UINT64_MAX));
}

static void cut_kinds(void **state)
{
	struct vm_region r = {BASEA, 4, NULL};

	(void)state;
	assert_int_equal(region_cut_kind(&r, BASEA, 4 * PG), REGION_CUT_WHOLE);
	assert_int_equal(region_cut_kind(&r, BASEA, PG), REGION_CUT_EDGE);
	assert_int_equal(region_cut_kind(&r, BASEA + 3 * PG, PG),
	                 REGION_CUT_EDGE);
	assert_int_equal(region_cut_kind(&r, BASEA + PG, 2 * PG),
	                 REGION_CUT_MIDDLE);
}

static void cut_whole_unlinks_it(void **state)
{
	struct vm_region c = {BASEA + 200 * PG, 1, NULL};
	struct vm_region b = {BASEA + 100 * PG, 2, &c};
	struct vm_region a = {BASEA, 4, &b};
	struct vm_region *list = &a, spare = {0};

	(void)state;
	assert_ptr_equal(region_cut(&list, &b, b.va, 2 * PG, &spare), &b);
	assert_ptr_equal(list, &a);
	assert_ptr_equal(a.next, &c);
	assert_int_equal(spare.va, 0);
	assert_ptr_equal(region_cut(&list, &a, a.va, 4 * PG, NULL), &a);
	assert_ptr_equal(list, &c);
}

static void cut_front_and_back_shrink_it(void **state)
{
	struct vm_region a = {BASEA, 8, NULL};
	struct vm_region *list = &a;

	(void)state;
	assert_null(region_cut(&list, &a, BASEA, 2 * PG, NULL));
	assert_int_equal(a.va, BASEA + 2 * PG);
	assert_int_equal(a.pages, 6);
	assert_null(region_cut(&list, &a, BASEA + 5 * PG, 3 * PG, NULL));
	assert_int_equal(a.va, BASEA + 2 * PG);
	assert_int_equal(a.pages, 3);
	assert_ptr_equal(list, &a);
}

static void cut_middle_splits_into_spare(void **state)
{
	struct vm_region z = {BASEA + 100 * PG, 1, NULL};
	struct vm_region a = {BASEA, 8, &z};
	struct vm_region *list = &a, spare;

	(void)state;
	memset(&spare, 0xA5, sizeof(spare));
	assert_null(region_cut(&list, &a, BASEA + 2 * PG, 3 * PG, &spare));
	assert_int_equal(a.va, BASEA);
	assert_int_equal(a.pages, 2);
	assert_ptr_equal(a.next, &spare);
	assert_int_equal(spare.va, BASEA + 5 * PG);
	assert_int_equal(spare.pages, 3);
	assert_ptr_equal(spare.next, &z);
	/* The pages cut out belong to neither part. */
	assert_false(region_overlaps(list, BASEA + 2 * PG, 3 * PG));
	assert_true(region_overlaps(list, BASEA + PG, PG));
	assert_true(region_overlaps(list, BASEA + 5 * PG, PG));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_range_is_accepted),
	    cmocka_unit_test(zero_length_is_refused),
	    cmocka_unit_test(unaligned_address_or_length_is_refused),
	    cmocka_unit_test(range_outside_bounds_is_refused),
	    cmocka_unit_test(wrapping_range_is_refused),
	    cmocka_unit_test(overlap_is_found_at_every_edge),
	    cmocka_unit_test(adjacent_ranges_do_not_overlap),
	    cmocka_unit_test(wrapping_range_counts_as_overlapping),
	    cmocka_unit_test(overlap_is_checked_against_every_region),
	    cmocka_unit_test(containing_region_is_found),
	    cmocka_unit_test(range_not_wholly_inside_one_region_is_not_found),
	    cmocka_unit_test(wrapping_range_is_not_contained),
	    cmocka_unit_test(cut_kinds),
	    cmocka_unit_test(cut_whole_unlinks_it),
	    cmocka_unit_test(cut_front_and_back_shrink_it),
	    cmocka_unit_test(cut_middle_splits_into_spare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
