/*
 * test_manifest_restart.c - init's restart rules
 * (lib/manifest/manifest_restart.c): which endings each RestartMode
 * restarts, the maxRestarts-in-windowMs bound, restarts leaving the
 * window, and the ring of restart times wrapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "manifest/manifest_restart.h"

#define MS 1000000ull /* ns */

static struct manifest_restart_log log_;

static struct manifest_restart policy(uint16_t mode, uint32_t max,
                                      uint32_t window_ms)
{
	memset(&log_, 0, sizeof(log_));
	return (struct manifest_restart){mode, max, window_ms};
}

static enum manifest_verdict end(const struct manifest_restart *p, bool clean,
                                 uint64_t now_ns)
{
	return manifest_restart_decide(p, &log_, clean, now_ns, NULL);
}

static void test_never_stays_down_after_failure(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_NEVER, 3, 10000);

	(void)state;
	assert_int_equal(end(&p, false, 0), MANIFEST_STAY_DOWN);
	assert_int_equal(log_.total, 0);
}

static void test_never_stays_down_after_clean_exit(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_NEVER, 3, 10000);

	(void)state;
	assert_int_equal(end(&p, true, 0), MANIFEST_STAY_DOWN);
}

static void test_on_failure_stays_down_after_clean_exit(void **state)
{
	struct manifest_restart p =
	    policy(MANIFEST_RESTART_ON_FAILURE, 3, 10000);

	(void)state;
	assert_int_equal(end(&p, true, 0), MANIFEST_STAY_DOWN);
	assert_int_equal(log_.total, 0);
}

static void test_on_failure_restarts_after_failure(void **state)
{
	struct manifest_restart p =
	    policy(MANIFEST_RESTART_ON_FAILURE, 3, 10000);
	uint32_t recent = 99;

	(void)state;
	assert_int_equal(
	    manifest_restart_decide(&p, &log_, false, 5 * MS, &recent),
	    MANIFEST_RESTART);
	assert_int_equal(log_.total, 1);
	assert_int_equal(log_.at_ns[0], 5 * MS);
	assert_int_equal(recent, 1);
}

static void test_always_restarts_after_clean_exit(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ALWAYS, 3, 10000);

	(void)state;
	assert_int_equal(end(&p, true, 0), MANIFEST_RESTART);
	assert_int_equal(log_.total, 1);
}

/* maxRestarts 2: the third ending within the window gives up. */
static void test_gives_up_after_max_restarts_in_window(void **state)
{
	struct manifest_restart p =
	    policy(MANIFEST_RESTART_ON_FAILURE, 2, 10000);
	uint32_t recent = 0;

	(void)state;
	assert_int_equal(end(&p, false, 1 * MS), MANIFEST_RESTART);
	assert_int_equal(end(&p, false, 2 * MS), MANIFEST_RESTART);
	assert_int_equal(
	    manifest_restart_decide(&p, &log_, false, 3 * MS, &recent),
	    MANIFEST_GIVE_UP);
	assert_int_equal(recent, 2);
	assert_int_equal(log_.total, 2); /* giving up is no restart */
}

static void test_restarts_again_once_old_restarts_leave_window(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ALWAYS, 2, 1000);

	(void)state;
	assert_int_equal(end(&p, false, 0), MANIFEST_RESTART);
	assert_int_equal(end(&p, false, 100 * MS), MANIFEST_RESTART);
	/* Both are exactly 1000 ms or more in the past. */
	assert_int_equal(end(&p, false, 1100 * MS), MANIFEST_RESTART);
	assert_int_equal(log_.total, 3);
}

static void test_counts_only_restarts_inside_window(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ALWAYS, 2, 1000);
	uint32_t recent = 0;

	(void)state;
	assert_int_equal(end(&p, false, 0), MANIFEST_RESTART);
	assert_int_equal(end(&p, false, 500 * MS), MANIFEST_RESTART);
	/* 0 ms is out, 500 ms in: one recent restart, room for another. */
	assert_int_equal(
	    manifest_restart_decide(&p, &log_, false, 1200 * MS, &recent),
	    MANIFEST_RESTART);
	assert_int_equal(recent, 2);
	/* Now 500 and 1200 are in: the next one gives up. */
	assert_int_equal(end(&p, false, 1300 * MS), MANIFEST_GIVE_UP);
}

static void test_zero_max_restarts_gives_up_at_first_failure(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ON_FAILURE, 0, 10);
	uint32_t recent = 99;

	(void)state;
	assert_int_equal(manifest_restart_decide(&p, &log_, false, 0, &recent),
	                 MANIFEST_GIVE_UP);
	assert_int_equal(recent, 0);
}

/* A zero window holds no restart: the bound never triggers. */
static void test_zero_window_never_gives_up(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ALWAYS, 1, 0);

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(end(&p, false, 7 * MS), MANIFEST_RESTART);
}

/* Without a clock (now always 0) every restart is recent: init gives up
 * after maxRestarts in all. */
static void test_without_clock_every_restart_is_recent(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ALWAYS, 3, 1);

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(end(&p, false, 0), MANIFEST_RESTART);
	assert_int_equal(end(&p, false, 0), MANIFEST_GIVE_UP);
}

static void test_clock_going_back_counts_as_recent(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ALWAYS, 1, 1000);

	(void)state;
	assert_int_equal(end(&p, false, 5000 * MS), MANIFEST_RESTART);
	assert_int_equal(end(&p, false, 1 * MS), MANIFEST_GIVE_UP);
}

static void test_max_restarts_as_large_as_the_ring(void **state)
{
	struct manifest_restart p =
	    policy(MANIFEST_RESTART_ALWAYS, MANIFEST_MAX_RESTARTS, 10000);

	(void)state;
	for (uint32_t i = 0; i < MANIFEST_MAX_RESTARTS; i++)
		assert_int_equal(end(&p, false, i * MS), MANIFEST_RESTART);
	assert_int_equal(end(&p, false, 100 * MS), MANIFEST_GIVE_UP);
}

/* Restarts spread out more than the window apart go on for ever, past
 * the ring's wrap. */
static void test_spread_out_restarts_wrap_the_ring(void **state)
{
	struct manifest_restart p = policy(MANIFEST_RESTART_ALWAYS, 2, 100);

	(void)state;
	for (uint64_t i = 0; i < 3 * MANIFEST_MAX_RESTARTS; i++)
		assert_int_equal(end(&p, false, i * 60 * MS), MANIFEST_RESTART);
	assert_int_equal(log_.total, 3 * MANIFEST_MAX_RESTARTS);
	/* Two endings at once still hit the bound. */
	assert_int_equal(end(&p, false, (3 * MANIFEST_MAX_RESTARTS) * 60 * MS),
	                 MANIFEST_RESTART);
	assert_int_equal(end(&p, false, (3 * MANIFEST_MAX_RESTARTS) * 60 * MS),
	                 MANIFEST_GIVE_UP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_never_stays_down_after_failure),
	    cmocka_unit_test(test_never_stays_down_after_clean_exit),
	    cmocka_unit_test(test_on_failure_stays_down_after_clean_exit),
	    cmocka_unit_test(test_on_failure_restarts_after_failure),
	    cmocka_unit_test(test_always_restarts_after_clean_exit),
	    cmocka_unit_test(test_gives_up_after_max_restarts_in_window),
	    cmocka_unit_test(
	        test_restarts_again_once_old_restarts_leave_window),
	    cmocka_unit_test(test_counts_only_restarts_inside_window),
	    cmocka_unit_test(test_zero_max_restarts_gives_up_at_first_failure),
	    cmocka_unit_test(test_zero_window_never_gives_up),
	    cmocka_unit_test(test_without_clock_every_restart_is_recent),
	    cmocka_unit_test(test_clock_going_back_counts_as_recent),
	    cmocka_unit_test(test_max_restarts_as_large_as_the_ring),
	    cmocka_unit_test(test_spread_out_restarts_wrap_the_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
