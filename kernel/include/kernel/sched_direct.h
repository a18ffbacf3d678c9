/*
 * sched_direct.h - the scheduler's direct switch, for the endpoint's
 * direct path (kernel/object/endpoint_direct.c): the caller blocks and a
 * thread it has just completed runs here in its place, without the run
 * queue, a wake-up or a scheduler pass. Inline, because a round trip
 * makes two and the call's saved registers were a tenth of the switch;
 * the rest of the scheduler is kernel/proc/sched.c.
 */
#ifndef CAPOS_KERNEL_SCHED_DIRECT_H
#define CAPOS_KERNEL_SCHED_DIRECT_H

#include <kernel/cpu.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

/* Blocks the current thread (its ring wait noted) and runs next, a
 * blocked thread without a deadline, on this CPU. Returns when the
 * current thread runs again, possibly on another CPU: that CPU.
 * Interrupts off, big lock held (it goes on with next). */
static inline __attribute__((always_inline)) struct cpu *
sched_switch_direct(struct thread *next)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;

	/* A wait without a deadline cannot time out: next's timed_out is
	 * false since it blocked (sched_block, or here as prev). */
	DASSERT(prev->state == THREAD_RUNNING && !prev->handoff &&
	        next->state == THREAD_BLOCKED && !next->deadline_ns &&
	        !next->timed_out);
	prev->state = THREAD_BLOCKED;
	prev->timed_out = false;
	next->state = THREAD_RUNNING;
	next->cpu = c;
	arch_thread_switch_as(prev, next, &next->proc->as);
	/* Possibly on another CPU now. */
	c = this_cpu();
	if (__builtin_expect(c->to_reap != NULL, 0))
		sched_reap();
	return c;
}

#endif
