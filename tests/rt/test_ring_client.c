/*
 * test_ring_client.c - unit tests for user/rt/ring_client.c, the
 * runtime's ring client, run on the host against a fake kernel: a
 * capos_cap_enter that takes every queued SQE and posts one completion
 * for each, in order or reversed. Covers rt_submit's slots and
 * user_data, rt_wait's held table, and rt_enter_wait's fast take with
 * each way off it (another completion first, an answer already posted,
 * an error from the kernel).
 *
 * The client is included, not linked, so its static state is the
 * test's to reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../user/rt/ring_client.c"

static struct capos_ring ring;

/* The fake kernel's behaviour and what it saw. */
static struct {
	int entries;     /* cap_enter calls */
	bool reverse;    /* post a batch's completions last to first */
	long fail;       /* nonzero: cap_enter returns this, takes nothing */
	uint32_t posted; /* completions posted in all */
} kernel;

/* Takes the SQ and posts a completion per SQE: result = the SQE's
 * method, so each CQE says whose it is. Returns the posted count. */
long capos_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	struct capos_ring_header *h = &ring.hdr;
	uint32_t n = h->sq_tail - h->sq_head;

	(void)min_complete;
	(void)timeout_ns;
	kernel.entries++;
	if (kernel.fail)
		return kernel.fail;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = kernel.reverse ? n - 1 - i : i;
		const struct capos_sqe *s =
		    &ring.sq[(h->sq_head + k) & (CAPOS_RING_SQ_ENTRIES - 1)];
		struct capos_cqe *c =
		    &ring.cq[h->cq_tail & (CAPOS_RING_CQ_ENTRIES - 1)];

		*c = (struct capos_cqe){.user_data = s->user_data,
		                        .result = s->method};
		h->cq_tail++;
		kernel.posted++;
	}
	h->sq_head += n;
	return h->cq_tail - h->cq_head;
}

void capos_exit(int64_t code)
{
	(void)code;
	abort();
}

static int setup(void **state)
{
	(void)state;
	memset(&ring, 0, sizeof(ring));
	memset(&kernel, 0, sizeof(kernel));
	memset(&rt_main_thread, 0, sizeof(rt_main_thread));
	rt_main_thread.next_user_data = 1;
	rt_first_thread(&ring, 1, NULL);
	return 0;
}

/* A NOP whose completion's result is `tag`. */
static uint64_t submit_nop(uint16_t tag)
{
	struct capos_sqe s = {.opcode = CAPOS_OP_NOP, .method = tag};

	return rt_submit(&s);
}

static void test_submit_fills_the_sq_then_says_full(void **state)
{
	struct capos_sqe keep = {.opcode = CAPOS_OP_NOP, .user_data = 9999};
	uint64_t last = 0;

	(void)state;
	assert_int_equal(rt_submit(&keep), 9999);
	for (uint32_t i = 1; i < CAPOS_RING_SQ_ENTRIES; i++) {
		uint64_t ud = submit_nop(0);

		assert_true(ud > last); /* fresh, never 0 */
		last = ud;
	}
	assert_int_equal(ring.hdr.sq_tail, CAPOS_RING_SQ_ENTRIES);
	assert_int_equal(submit_nop(0), 0);
	assert_int_equal(ring.hdr.sq_tail, CAPOS_RING_SQ_ENTRIES);
	assert_int_equal(ring.sq[0].user_data, 9999);
	assert_int_equal(ring.sq[1].user_data, 1);
	/* The kernel takes them: room again. */
	rt_flush();
	assert_true(submit_nop(0) != 0);
}

static void test_enter_wait_takes_the_answer_at_once(void **state)
{
	struct capos_cqe cqe;
	uint64_t ud = submit_nop(7);

	(void)state;
	assert_int_equal(rt_enter_wait(ud, &cqe), 0);
	assert_int_equal(cqe.user_data, ud);
	assert_int_equal(cqe.result, 7);
	assert_int_equal(kernel.entries, 1);
	assert_int_equal(ring.hdr.cq_head, ring.hdr.cq_tail);
	assert_int_equal(rt_main_thread.nheld, 0);
}

static void test_enter_wait_holds_an_earlier_completion(void **state)
{
	struct capos_cqe cqe;
	uint64_t a = submit_nop(1), b = submit_nop(2);

	(void)state;
	assert_int_equal(rt_enter_wait(b, &cqe), 0);
	assert_int_equal(cqe.user_data, b);
	assert_int_equal(cqe.result, 2);
	assert_int_equal(rt_main_thread.nheld, 1);
	/* a's waiter finds it held, without the kernel. */
	assert_int_equal(rt_wait(a, &cqe), 0);
	assert_int_equal(cqe.user_data, a);
	assert_int_equal(cqe.result, 1);
	assert_int_equal(kernel.entries, 1);
	assert_int_equal(rt_main_thread.nheld, 0);
}

static void test_enter_wait_leaves_later_completions(void **state)
{
	struct capos_cqe cqe;
	uint64_t a, b;

	(void)state;
	kernel.reverse = true;
	a = submit_nop(1);
	b = submit_nop(2);
	assert_int_equal(rt_enter_wait(a, &cqe), 0);
	assert_int_equal(cqe.result, 1);
	/* b came first: held; nothing after a was read. */
	assert_int_equal(rt_main_thread.nheld, 1);
	assert_int_equal(ring.hdr.cq_head, ring.hdr.cq_tail);
	assert_int_equal(rt_wait(b, &cqe), 0);
	assert_int_equal(cqe.result, 2);
	assert_int_equal(kernel.entries, 1);
}

static void test_enter_wait_finds_an_answer_posted_before(void **state)
{
	struct capos_cqe cqe;
	uint64_t ud = submit_nop(5);

	(void)state;
	rt_flush(); /* the answer is posted by this enter */
	assert_int_equal(kernel.posted, 1);
	assert_int_equal(rt_enter_wait(ud, &cqe), 0);
	assert_int_equal(cqe.user_data, ud);
	assert_int_equal(cqe.result, 5);
	assert_int_equal(kernel.entries, 2);
}

static void test_enter_wait_finds_a_held_answer(void **state)
{
	struct capos_cqe cqe;
	uint64_t a = submit_nop(1), b = submit_nop(2), c;

	(void)state;
	assert_int_equal(rt_enter_wait(b, &cqe), 0); /* a held */
	c = submit_nop(3);
	/* Not what rt_enter_wait is for, but still right: a is held,
	 * c's completion (posted by this enter) stays for its waiter. */
	assert_int_equal(rt_enter_wait(a, &cqe), 0);
	assert_int_equal(cqe.result, 1);
	assert_int_equal(rt_wait(c, &cqe), 0);
	assert_int_equal(cqe.result, 3);
}

static void test_enter_wait_returns_the_kernels_error(void **state)
{
	struct capos_cqe cqe = {.user_data = 42};
	uint64_t ud = submit_nop(1);

	(void)state;
	kernel.fail = CAPOS_E_RING_CORRUPT;
	assert_int_equal(rt_enter_wait(ud, &cqe), CAPOS_E_RING_CORRUPT);
	assert_int_equal(cqe.user_data, 42); /* untouched */
	assert_int_equal(ring.hdr.cq_head, 0);
}

static void test_submit_wait_returns_the_result(void **state)
{
	struct capos_sqe s = {.opcode = CAPOS_OP_NOP, .method = 11};

	(void)state;
	assert_int_equal(rt_submit_wait(&s, NULL), 11);
	assert_int_equal(kernel.entries, 1);
	assert_int_equal(ring.hdr.cq_head, ring.hdr.cq_tail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_submit_fills_the_sq_then_says_full,
	                           setup),
	    cmocka_unit_test_setup(test_enter_wait_takes_the_answer_at_once,
	                           setup),
	    cmocka_unit_test_setup(test_enter_wait_holds_an_earlier_completion,
	                           setup),
	    cmocka_unit_test_setup(test_enter_wait_leaves_later_completions,
	                           setup),
	    cmocka_unit_test_setup(
	        test_enter_wait_finds_an_answer_posted_before, setup),
	    cmocka_unit_test_setup(test_enter_wait_finds_a_held_answer, setup),
	    cmocka_unit_test_setup(test_enter_wait_returns_the_kernels_error,
	                           setup),
	    cmocka_unit_test_setup(test_submit_wait_returns_the_result, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
