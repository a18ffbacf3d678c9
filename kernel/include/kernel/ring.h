/*
 * ring.h - the kernel side of a thread's ring (kernel/cap/ring.c,
 * ring_enter.c).
 */
#ifndef CAPOS_KERNEL_RING_H
#define CAPOS_KERNEL_RING_H

#include <stdint.h>
#include <capos/ring.h>

struct thread;

/* Sets up t's ring: kview is the kernel's view of the page mapped at
 * user address `user` in t's process. */
void ring_init(struct thread *t, struct capos_ring *kview, uint64_t user);

/*
 * The cap_enter system call for the running thread, called by the
 * syscall entry with interrupts off. Returns with interrupts off and
 * without the big lock, a kill or reschedule seen to: ready for the
 * return to user mode.
 */
long ring_enter(uint64_t min_complete, uint64_t timeout_ns);

/*
 * The endpoint's direct path (kernel/object/endpoint_direct.c) is entered
 * from ring_enter with interrupts off for a cap_enter of one SQE, in SQ
 * slot `slot`, whose opcode ring_enter saw as CALL or RETURN (the user
 * may change it: the path copies the SQE and looks again), and leaves through
 * these: ring_direct_refused gives that SQE (not taken yet) to the
 * ordinary path, which waits for one CQE; ring_direct_leave returns rc
 * to user mode through the usual checks (a kill, a reschedule, the big
 * lock to give back); ring_direct_wait waits for one CQE as a blocked
 * cap_enter does. Each returns what cap_enter returns.
 */
long endpoint_direct_enter(struct thread *t, const struct capos_sqe *slot);
long ring_direct_refused(struct thread *t);
long ring_direct_leave(struct thread *t, long rc);
long ring_direct_wait(struct thread *t);

/* Cancels every call of t still pending (t is going away). */
void ring_cancel_pending(struct thread *t);

#endif
