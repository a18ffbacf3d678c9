/*
 * test_frame_bitmap.c - unit tests for lib/frame_bitmap.c: single and run
 * allocation, every rejected free, range release/reserve at odd boundaries,
 * bitmaps whose size is not a multiple of 64, and a long randomized run
 * against a bool-array reference model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "frame_bitmap.h"

#define MAX_FRAMES 1024

static uint64_t storage[FRAME_BITMAP_WORDS(MAX_FRAMES)];

/* A bitmap of n frames, all free. */
static struct frame_bitmap make_free(uint64_t n)
{
	struct frame_bitmap fb;

	frame_bitmap_init(&fb, storage, n);
	frame_bitmap_release_range(&fb, 0, n);
	return fb;
}

/* Asserts that nothing changed compared to a saved copy. */
static void assert_same(const struct frame_bitmap *fb,
                        const struct frame_bitmap *saved,
                        const uint64_t *saved_words)
{
	assert_int_equal(fb->free_count, saved->free_count);
	assert_memory_equal(fb->words, saved_words,
	                    FRAME_BITMAP_WORDS(fb->nframes) * sizeof(uint64_t));
	assert_true(frame_bitmap_check(fb));
}

static void test_init_marks_everything_used(void **state)
{
	(void)state;
	struct frame_bitmap fb;

	memset(storage, 0, sizeof(storage));
	frame_bitmap_init(&fb, storage, 200);
	assert_int_equal(fb.free_count, 0);
	assert_int_equal(frame_bitmap_alloc(&fb), FRAME_BITMAP_NONE);
	for (uint64_t f = 0; f < 200; f++)
		assert_false(frame_bitmap_is_free(&fb, f));
	assert_true(frame_bitmap_check(&fb));
}

static void test_alloc_returns_lowest_free_and_marks_used(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(128);

	assert_int_equal(frame_bitmap_alloc(&fb), 0);
	assert_int_equal(frame_bitmap_alloc(&fb), 1);
	assert_false(frame_bitmap_is_free(&fb, 0));
	assert_false(frame_bitmap_is_free(&fb, 1));
	assert_true(frame_bitmap_is_free(&fb, 2));
	assert_int_equal(fb.free_count, 126);
	assert_true(frame_bitmap_check(&fb));
}

static void test_free_makes_frame_available_again(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(128);

	for (int i = 0; i < 70; i++)
		frame_bitmap_alloc(&fb);
	assert_int_equal(frame_bitmap_free(&fb, 3), 0);
	assert_true(frame_bitmap_is_free(&fb, 3));
	assert_int_equal(fb.free_count, 128 - 69);
	assert_int_equal(frame_bitmap_alloc(&fb), 3);
	assert_int_equal(frame_bitmap_alloc(&fb), 70);
	assert_true(frame_bitmap_check(&fb));
}

static void test_double_free_fails_and_changes_nothing(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(128);
	uint64_t f = frame_bitmap_alloc(&fb);
	uint64_t saved_words[FRAME_BITMAP_WORDS(128)];

	assert_int_equal(frame_bitmap_free(&fb, f), 0);
	struct frame_bitmap saved = fb;

	memcpy(saved_words, storage, sizeof(saved_words));
	assert_int_equal(frame_bitmap_free(&fb, f), -1);
	assert_same(&fb, &saved, saved_words);
}

static void test_free_out_of_range_fails_and_changes_nothing(void **state)
{
	(void)state;
	struct frame_bitmap fb;
	uint64_t saved_words[FRAME_BITMAP_WORDS(100)];

	/* All used, so a free of an in-range frame would succeed. */
	frame_bitmap_init(&fb, storage, 100);
	struct frame_bitmap saved = fb;

	memcpy(saved_words, storage, sizeof(saved_words));
	assert_int_equal(frame_bitmap_free(&fb, 100), -1);
	assert_int_equal(frame_bitmap_free(&fb, 127), -1);
	assert_int_equal(frame_bitmap_free(&fb, FRAME_BITMAP_NONE), -1);
	assert_same(&fb, &saved, saved_words);
	assert_false(frame_bitmap_is_free(&fb, 100));
	assert_false(frame_bitmap_is_free(&fb, FRAME_BITMAP_NONE));
}

static void test_exhaustion_then_free_one_gets_it_back(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(300);
	uint64_t n = 0;

	while (frame_bitmap_alloc(&fb) != FRAME_BITMAP_NONE)
		n++;
	assert_int_equal(n, 300);
	assert_int_equal(fb.free_count, 0);
	assert_int_equal(frame_bitmap_alloc(&fb), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_free(&fb, 77), 0);
	assert_int_equal(frame_bitmap_alloc(&fb), 77);
	assert_int_equal(frame_bitmap_alloc(&fb), FRAME_BITMAP_NONE);
	assert_true(frame_bitmap_check(&fb));
}

static void test_alloc_run_respects_alignment(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(256);

	assert_int_equal(frame_bitmap_alloc(&fb), 0);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 3, 16), 16);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 1, 1), 1);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 20, 32), 32);
	for (uint64_t f = 16; f < 19; f++)
		assert_false(frame_bitmap_is_free(&fb, f));
	assert_true(frame_bitmap_is_free(&fb, 19));
	assert_int_equal(fb.free_count, 256 - 1 - 3 - 1 - 20);
	assert_true(frame_bitmap_check(&fb));
}

static void test_alloc_run_skips_runs_that_are_too_short(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(256);

	frame_bitmap_reserve_range(&fb, 5, 1);
	frame_bitmap_reserve_range(&fb, 12, 1);
	/* Holes [0,5) and [6,12) are too short; [13, ...) fits. */
	assert_int_equal(frame_bitmap_alloc_run(&fb, 7, 1), 13);
	assert_true(frame_bitmap_check(&fb));
}

static void test_alloc_run_spans_word_boundaries(void **state)
{
	(void)state;
	struct frame_bitmap fb;

	frame_bitmap_init(&fb, storage, 512);
	frame_bitmap_release_range(&fb, 60, 200);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 150, 1), 60);
	for (uint64_t f = 60; f < 210; f++)
		assert_false(frame_bitmap_is_free(&fb, f));
	assert_true(frame_bitmap_is_free(&fb, 210));
	assert_int_equal(fb.free_count, 50);
	assert_true(frame_bitmap_check(&fb));
}

static void test_alloc_run_that_does_not_fit_changes_nothing(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(256);
	uint64_t saved_words[FRAME_BITMAP_WORDS(256)];

	frame_bitmap_reserve_range(&fb, 0, 1);
	frame_bitmap_reserve_range(&fb, 100, 1);
	struct frame_bitmap saved = fb;

	memcpy(saved_words, storage, sizeof(saved_words));
	assert_int_equal(frame_bitmap_alloc_run(&fb, 156, 1),
	                 FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 257, 1),
	                 FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 2, 512),
	                 FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 129, 128),
	                 FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, UINT64_MAX, 1),
	                 FRAME_BITMAP_NONE);
	assert_same(&fb, &saved, saved_words);
	/* The biggest run that exists still fits. */
	assert_int_equal(frame_bitmap_alloc_run(&fb, 155, 1), 101);
}

static void test_alloc_run_rejects_bad_count_and_alignment(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(256);
	uint64_t saved_words[FRAME_BITMAP_WORDS(256)];
	struct frame_bitmap saved = fb;

	memcpy(saved_words, storage, sizeof(saved_words));
	assert_int_equal(frame_bitmap_alloc_run(&fb, 0, 1), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 1, 0), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 1, 3), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 1, 1ull << 63), 0);
	assert_int_equal(frame_bitmap_free(&fb, 0), 0);
	assert_same(&fb, &saved, saved_words);
}

static void test_alloc_run_with_huge_alignment_near_end(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(256);

	frame_bitmap_reserve_range(&fb, 0, 1);
	/* Only candidate would be 2^63: must not overflow into a match. */
	assert_int_equal(frame_bitmap_alloc_run(&fb, 1, 1ull << 63),
	                 FRAME_BITMAP_NONE);
	assert_true(frame_bitmap_check(&fb));
}

static void test_free_run_releases_whole_run(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(256);
	uint64_t s = frame_bitmap_alloc_run(&fb, 100, 1);

	assert_int_equal(frame_bitmap_free_run(&fb, s, 100), 0);
	assert_int_equal(fb.free_count, 256);
	assert_true(frame_bitmap_check(&fb));
}

static void test_free_run_partially_free_fails_and_changes_nothing(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(256);
	uint64_t saved_words[FRAME_BITMAP_WORDS(256)];

	assert_int_equal(frame_bitmap_alloc_run(&fb, 100, 1), 0);
	assert_int_equal(frame_bitmap_free(&fb, 70), 0);
	struct frame_bitmap saved = fb;

	memcpy(saved_words, storage, sizeof(saved_words));
	assert_int_equal(frame_bitmap_free_run(&fb, 0, 100), -1);
	assert_int_equal(frame_bitmap_free_run(&fb, 50, 60), -1);
	assert_same(&fb, &saved, saved_words);
}

static void test_free_run_out_of_range_fails_and_changes_nothing(void **state)
{
	(void)state;
	struct frame_bitmap fb;
	uint64_t saved_words[FRAME_BITMAP_WORDS(200)];

	frame_bitmap_init(&fb, storage, 200);
	struct frame_bitmap saved = fb;

	memcpy(saved_words, storage, sizeof(saved_words));
	assert_int_equal(frame_bitmap_free_run(&fb, 190, 11), -1);
	assert_int_equal(frame_bitmap_free_run(&fb, 200, 1), -1);
	assert_int_equal(frame_bitmap_free_run(&fb, 1, UINT64_MAX), -1);
	assert_int_equal(frame_bitmap_free_run(&fb, UINT64_MAX, 2), -1);
	assert_same(&fb, &saved, saved_words);
}

static void test_release_and_reserve_at_odd_boundaries(void **state)
{
	(void)state;
	struct frame_bitmap fb;

	frame_bitmap_init(&fb, storage, 700);
	frame_bitmap_release_range(&fb, 3, 190);   /* [3, 193) */
	frame_bitmap_release_range(&fb, 100, 200); /* overlaps: [100, 300) */
	assert_int_equal(fb.free_count, 297);
	frame_bitmap_reserve_range(&fb, 63, 66); /* [63, 129) */
	frame_bitmap_reserve_range(&fb, 63, 2);  /* already used: no change */
	assert_int_equal(fb.free_count, 231);
	for (uint64_t f = 0; f < 700; f++) {
		bool want = f >= 3 && f < 300 && !(f >= 63 && f < 129);

		assert_int_equal(frame_bitmap_is_free(&fb, f), want);
	}
	assert_true(frame_bitmap_check(&fb));
}

static void test_ranges_past_nframes_are_clamped(void **state)
{
	(void)state;
	struct frame_bitmap fb;

	frame_bitmap_init(&fb, storage, 100);
	frame_bitmap_release_range(&fb, 90, UINT64_MAX);
	assert_int_equal(fb.free_count, 10);
	frame_bitmap_release_range(&fb, 100, 50);
	frame_bitmap_release_range(&fb, UINT64_MAX, 2);
	assert_int_equal(fb.free_count, 10);
	frame_bitmap_reserve_range(&fb, 95, UINT64_MAX);
	assert_int_equal(fb.free_count, 5);
	frame_bitmap_reserve_range(&fb, 500, 5);
	assert_int_equal(fb.free_count, 5);
	assert_true(frame_bitmap_check(&fb));
}

static void test_bits_past_nframes_never_handed_out(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(70);
	uint64_t n = 0;
	uint64_t f;

	while ((f = frame_bitmap_alloc(&fb)) != FRAME_BITMAP_NONE) {
		assert_true(f < 70);
		n++;
	}
	assert_int_equal(n, 70);
	frame_bitmap_release_range(&fb, 0, 70);
	frame_bitmap_reserve_range(&fb, 0, 64);
	/* Only frames 64..69 exist in the last word. */
	assert_int_equal(frame_bitmap_alloc_run(&fb, 7, 64), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 7, 1), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 6, 64), 64);
	assert_true(frame_bitmap_check(&fb));
}

static void test_empty_bitmap_has_nothing(void **state)
{
	(void)state;
	struct frame_bitmap fb;

	frame_bitmap_init(&fb, NULL, 0);
	frame_bitmap_release_range(&fb, 0, 10);
	assert_int_equal(fb.free_count, 0);
	assert_int_equal(frame_bitmap_alloc(&fb), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_alloc_run(&fb, 1, 1), FRAME_BITMAP_NONE);
	assert_int_equal(frame_bitmap_free(&fb, 0), -1);
	assert_true(frame_bitmap_check(&fb));
}

static void test_check_detects_corruption(void **state)
{
	(void)state;
	struct frame_bitmap fb = make_free(100);

	assert_true(frame_bitmap_check(&fb));
	fb.free_count--;
	assert_false(frame_bitmap_check(&fb));
	fb.free_count++;
	storage[1] &= ~(1ull << 50); /* frame 114: past nframes */
	assert_false(frame_bitmap_check(&fb));
	storage[1] |= 1ull << 50;
	storage[0] = ~0ull;
	fb.free_count -= 64;
	fb.hint = 1;
	assert_true(frame_bitmap_check(&fb));
	storage[0] &= ~1ull; /* free frame below the hint */
	fb.free_count++;
	assert_false(frame_bitmap_check(&fb));
}

/* Deterministic xorshift so the random test is repeatable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Reference: lowest aligned run of count free frames, or NONE. */
static uint64_t model_find_run(const bool *used, uint64_t n, uint64_t count,
                               uint64_t align)
{
	for (uint64_t s = 0; s + count <= n; s += align) {
		uint64_t i = 0;

		while (i < count && !used[s + i])
			i++;
		if (i == count)
			return s;
	}
	return FRAME_BITMAP_NONE;
}

static void model_op(struct frame_bitmap *fb, bool *used, uint64_t n)
{
	uint64_t f = rng() % (n + 8); /* some out-of-range frames too */
	uint64_t c = 1 + rng() % 80;
	uint64_t want;

	switch (rng() % 6) {
	case 0:
		want = model_find_run(used, n, 1, 1);
		assert_int_equal(frame_bitmap_alloc(fb), want);
		if (want != FRAME_BITMAP_NONE)
			used[want] = true;
		break;
	case 1: {
		uint64_t align = 1ull << (rng() % 7);

		want = model_find_run(used, n, c, align);
		assert_int_equal(frame_bitmap_alloc_run(fb, c, align), want);
		for (uint64_t i = 0; want != FRAME_BITMAP_NONE && i < c; i++)
			used[want + i] = true;
		break;
	}
	case 2: {
		bool ok = f < n && used[f];

		assert_int_equal(frame_bitmap_free(fb, f), ok ? 0 : -1);
		if (ok)
			used[f] = false;
		break;
	}
	case 3: {
		bool ok = f < n && c <= n - f;

		for (uint64_t i = 0; ok && i < c; i++)
			ok = used[f + i];
		assert_int_equal(frame_bitmap_free_run(fb, f, c), ok ? 0 : -1);
		for (uint64_t i = 0; ok && i < c; i++)
			used[f + i] = false;
		break;
	}
	case 4:
		frame_bitmap_release_range(fb, f, c);
		for (uint64_t i = f; i < f + c && i < n; i++)
			used[i] = false;
		break;
	default:
		frame_bitmap_reserve_range(fb, f, c / 4);
		for (uint64_t i = f; i < f + c / 4 && i < n; i++)
			used[i] = true;
		break;
	}
}

static void test_random_ops_match_reference_model(void **state)
{
	(void)state;
	const uint64_t n = 1000; /* not a multiple of 64 */
	static bool used[1000];
	struct frame_bitmap fb;
	uint64_t nfree = 0;

	frame_bitmap_init(&fb, storage, n);
	for (uint64_t i = 0; i < n; i++)
		used[i] = true;
	for (int op = 0; op < 5000; op++) {
		model_op(&fb, used, n);
		assert_true(frame_bitmap_check(&fb));
	}
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(frame_bitmap_is_free(&fb, i), !used[i]);
		nfree += !used[i];
	}
	assert_int_equal(fb.free_count, nfree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_marks_everything_used),
	    cmocka_unit_test(test_alloc_returns_lowest_free_and_marks_used),
	    cmocka_unit_test(test_free_makes_frame_available_again),
	    cmocka_unit_test(test_double_free_fails_and_changes_nothing),
	    cmocka_unit_test(test_free_out_of_range_fails_and_changes_nothing),
	    cmocka_unit_test(test_exhaustion_then_free_one_gets_it_back),
	    cmocka_unit_test(test_alloc_run_respects_alignment),
	    cmocka_unit_test(test_alloc_run_skips_runs_that_are_too_short),
	    cmocka_unit_test(test_alloc_run_spans_word_boundaries),
	    cmocka_unit_test(test_alloc_run_that_does_not_fit_changes_nothing),
	    cmocka_unit_test(test_alloc_run_rejects_bad_count_and_alignment),
	    cmocka_unit_test(test_alloc_run_with_huge_alignment_near_end),
	    cmocka_unit_test(test_free_run_releases_whole_run),
	    cmocka_unit_test(
	        test_free_run_partially_free_fails_and_changes_nothing),
	    cmocka_unit_test(
	        test_free_run_out_of_range_fails_and_changes_nothing),
	    cmocka_unit_test(test_release_and_reserve_at_odd_boundaries),
	    cmocka_unit_test(test_ranges_past_nframes_are_clamped),
	    cmocka_unit_test(test_bits_past_nframes_never_handed_out),
	    cmocka_unit_test(test_empty_bitmap_has_nothing),
	    cmocka_unit_test(test_check_detects_corruption),
	    cmocka_unit_test(test_random_ops_match_reference_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
