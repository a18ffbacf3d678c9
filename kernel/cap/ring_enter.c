/*
 * ring_enter.c - the cap_enter system call: the user's ring indices read
 * once and checked, the batch taken (a run of NOPs here, under one hold
 * of the ring lock; anything else by ring.c), the wait for completions,
 * and the way back to user mode. A batch that may be one side of a
 * synchronous endpoint call goes to the endpoint's direct path
 * (kernel/object/endpoint_direct.c), which comes back here through the
 * ring_direct_* ways out if it cannot take it or must not return at once.
 *
 * entry.S calls ring_enter with interrupts off (SFMASK) and they stay
 * off until the call waits: the whole batch is one interrupt-off window,
 * as the ring lock wants, and the way out needs no sti/cli. The empty
 * call (nothing to take, nothing to wait for) is ring_enter alone.
 * Locking: ring.c's header comment and docs/threads.md.
 */
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/biglock.h>
#include <kernel/cpu.h>
#include <kernel/endpoint.h>
#include <kernel/kobject.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include "ring_private.h"

/*
 * The way back to user mode when something is to be done first: a kill,
 * a reschedule, or the big lock to give back. Interrupts are off.
 * Returns rc.
 */
static __attribute__((noinline)) long leave_slow(long rc)
{
	sched_return_to_user();
	kernel_lock_leave();
	return rc;
}

/* Returns rc to user mode (interrupts off). A kill or kick that comes
 * after this look is an interrupt taken once in user mode. */
static inline long to_user(struct thread *t, long rc)
{
	if (__builtin_expect(
	        t->killed || this_cpu()->need_resched || kernel_lock_held(), 0))
		return leave_slow(rc);
	return rc;
}

/*
 * Takes up to `take` SQEs (the user's count, checked). Interrupts are
 * off for the whole batch: the ring lock is taken with interrupts off,
 * and a lock-free batch is never preempted half-way. A batch of NOPs
 * never leaves this function.
 */
static inline void ring_take(struct thread *t, uint32_t take)
{
	struct capos_ring *r = t->ring;
	uint32_t room;

	/* Room for the whole batch is counted at once, and what the NOP
	 * run at its head does not complete under this hold of the lock is
	 * reserved: other CPUs' completions move slots from reserved to
	 * posted, never changing the sum. */
	spin_lock(&t->ring_lock);
	room = CAPOS_RING_CQ_ENTRIES - cq_pending(t) - t->cq_reserved;
	if (__builtin_expect(take > room, 0)) {
		r->hdr.cq_full_stalls++;
		take = room;
	}
	if (take && r->sq[t->sq_head & SQ_MASK].opcode == CAPOS_OP_NOP)
		take -= nop_run(t, take);
	if (take) {
		t->cq_reserved += take;
		ring_take_rest(t, take);
		return;
	}
	cq_unlock(t);
	r->hdr.sq_head = t->sq_head;
}

/* Waits until min_complete CQEs are posted, the timeout passes or the
 * thread is killed. Entered with interrupts off, which it turns on;
 * returns like ring_enter. */
static __attribute__((noinline)) long
ring_wait(struct thread *t, uint64_t min_complete, uint64_t timeout_ns)
{
	uint64_t deadline = 0;
	bool woke;
	long rc;

	arch_irq_enable();
	/* Waiting is the scheduler's business. */
	kernel_lock_ensure();
	if (timeout_ns != CAPOS_TIMEOUT_NONE) {
		uint64_t now = time_now_ns();

		deadline = timeout_ns > UINT64_MAX - now ? 0 : now + timeout_ns;
	}
	for (;;) {
		uint64_t s = arch_irq_save();

		if (cq_pending(t) >= min_complete || t->killed) {
			t->may_handoff = false;
			if (t->handoff)
				sched_handoff_place(t);
			arch_irq_restore(s);
			break;
		}
		t->wait_min = (uint32_t)min_complete;
		t->waiting_cq = true;
		/* A direct CALL or RETURN may end this wait (call.h). */
		t->wait_direct = !deadline && cq_pending(t) + 1 >= min_complete;
		woke = sched_block(deadline);
		t->wait_direct = false;
		if (!woke) {
			t->waiting_cq = false;
			arch_irq_restore(s);
			if (cq_pending(t) < min_complete) {
				arch_irq_disable();
				return to_user(t, CAPOS_E_TIMED_OUT);
			}
			break;
		}
		arch_irq_restore(s);
	}
	arch_irq_disable();
	rc = cq_pending(t);
	return to_user(t, rc);
}

/* The cap_enter that has SQEs to take or may wait (ring_enter has
 * checked the indices and noted cq_head). */
static __attribute__((noinline)) long ring_batch(struct thread *t,
                                                 uint32_t take,
                                                 uint64_t min_complete,
                                                 uint64_t timeout_ns)
{
	long posted;

	if (min_complete > CAPOS_RING_CQ_ENTRIES)
		min_complete = CAPOS_RING_CQ_ENTRIES;
	/* A thread this batch hands the CPU to runs in our place once we
	 * wait (sched.c, the hand-off); it is placed as usual if we do not. */
	if (min_complete && timeout_ns)
		t->may_handoff = true;
	if (take)
		ring_take(t, take);
	posted = ring_posted(t);
	if (posted < (long)min_complete && timeout_ns)
		return ring_wait(t, min_complete, timeout_ns);
	if (t->may_handoff) {
		t->may_handoff = false;
		if (t->handoff) /* set under the big lock, this cap_enter */
			sched_handoff_place(t);
	}
	return to_user(t, posted);
}

/* The direct path's ways back (kernel/ring.h). */
long ring_direct_refused(struct thread *t)
{
	return ring_batch(t, 1, 1, CAPOS_TIMEOUT_NONE);
}

long ring_direct_leave(struct thread *t, long rc)
{
	return to_user(t, rc);
}

long ring_direct_wait(struct thread *t)
{
	return ring_wait(t, 1, CAPOS_TIMEOUT_NONE);
}

long ring_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	struct thread *t = current_thread();
	struct capos_ring *r = t->ring;
	uint32_t take, cq_head, posted;

	if (!r)
		return to_user(t, CAPOS_E_NOT_SUPPORTED);
	take = read_once(&r->hdr.sq_tail) - t->sq_head;
	cq_head = read_once(&r->hdr.cq_head);
	posted = __atomic_load_n(&t->cq_tail, __ATOMIC_ACQUIRE) - cq_head;
	/* One SQE, nothing posted, waiting for one CQE without a timeout
	 * (within every bound checked below): a synchronous call, looked at
	 * first. A CALL on an endpoint, or a RETURN (only endpoints take
	 * one; the direct path looks for its RECV flag), may take the
	 * endpoint's direct path. The slot is read without the big lock and
	 * may be stale: the endpoint copies it and looks the cap up again. */
	if (take == 1 && !posted && min_complete == 1 &&
	    timeout_ns == CAPOS_TIMEOUT_NONE && !t->may_handoff) {
		const struct capos_sqe *s = &r->sq[t->sq_head & SQ_MASK];
		uint8_t op;

		/* One address for the look and the direct path (the compiler
		 * would make it twice). */
		asm("" : "+r"(s));
		op = s->opcode;

		t->cq_head_seen = cq_head;
		if (op == CAPOS_OP_RETURN ||
		    (op == CAPOS_OP_CALL &&
		     cap_table_kind_hint(&t->proc->caps, s->cap,
		                         CAP_KIND_DYNAMIC) ==
		         CAP_KIND_ENDPOINT))
			return endpoint_direct_enter(t, s);
		return ring_batch(t, 1, 1, CAPOS_TIMEOUT_NONE);
	}
	/* The user may not claim more SQEs than the SQ holds, nor to have
	 * consumed CQEs the kernel never posted. cq_tail only grows, and a
	 * CQE the user saw was counted in it before the user could see it. */
	if (take > CAPOS_RING_SQ_ENTRIES || posted > CAPOS_RING_CQ_ENTRIES)
		return to_user(t, CAPOS_E_RING_CORRUPT);
	/* Written without the ring lock: others read it only to wake this
	 * thread from a wait it is not in while it runs. */
	t->cq_head_seen = cq_head;
	/* Nothing to take, nothing to wait for, no hand-off left over. */
	if (!take && (posted >= min_complete || !timeout_ns) && !t->may_handoff)
		return to_user(t, posted);
	return ring_batch(t, take, min_complete, timeout_ns);
}
