/*
 * ring_private.h - what the two halves of cap_enter share: ring.c (the
 * SQEs' own handling, completions, mixed batches) and ring_enter.c (the
 * system call: the index checks, batches of NOPs, the wait). Both run
 * on the calling thread; the locking is ring.c's header comment.
 */
#ifndef CAPOS_KERNEL_CAP_RING_PRIVATE_H
#define CAPOS_KERNEL_CAP_RING_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <capos/errors.h>
#include <capos/ring.h>
#include <kernel/spinlock.h>
#include <kernel/thread.h>

#define SQ_MASK (CAPOS_RING_SQ_ENTRIES - 1)
#define CQ_MASK (CAPOS_RING_CQ_ENTRIES - 1)

static inline uint32_t read_once(const volatile uint32_t *p)
{
	return *p;
}

/* CQEs the user has not consumed yet, by the last cq_head we read.
 * Under the ring lock, or the big lock with the thread not running. */
static inline uint32_t cq_pending(const struct thread *t)
{
	return t->cq_tail - t->cq_head_seen;
}

/* The same, for the running thread without the lock: others may post
 * meanwhile, so it is a lower bound (what cap_enter returns). */
static inline uint32_t ring_posted(const struct thread *t)
{
	return __atomic_load_n(&t->cq_tail, __ATOMIC_ACQUIRE) - t->cq_head_seen;
}

/* Publishes the CQEs posted under the ring lock and gives it back. */
static inline void cq_unlock(struct thread *t)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->ring->hdr.cq_tail = t->cq_tail;
	spin_unlock(&t->ring_lock);
}

/*
 * An SQE as eight words, for nop_run: the opcode and flags are the low
 * 16 bits of word 0, user_data is word 1, reserved0 the top 16 bits of
 * word 5, reserved1 word 7 (asserted below). may_alias: the ring holds
 * struct capos_sqe.
 */
typedef uint64_t __attribute__((may_alias)) sqe_word_t;
#define NOP_WORD0 ((uint64_t)CAPOS_OP_NOP) /* opcode NOP, flags 0 */
_Static_assert(offsetof(struct capos_sqe, flags) == 1, "nop_run");
_Static_assert(offsetof(struct capos_sqe, user_data) == 8, "nop_run");
_Static_assert(offsetof(struct capos_sqe, reserved0) == 46, "nop_run");
_Static_assert(offsetof(struct capos_sqe, reserved1) == 56, "nop_run");
_Static_assert(sizeof(struct capos_cqe) == 32, "nop_run");
#define SQ_BYTES_MASK (CAPOS_RING_SQ_ENTRIES * sizeof(struct capos_sqe) - 1)
#define CQ_BYTES_MASK (CAPOS_RING_CQ_ENTRIES * sizeof(struct capos_cqe) - 1)

/*
 * Completes the run of NOPs at the head of the running thread's SQ, at
 * most n of them and at least one (the caller saw a NOP there; if the
 * user rewrote it meanwhile it completes as a rejected NOP, so a user
 * rewriting the SQ cannot stall us). The ring lock is held (no one
 * waits on a running thread's CQ); cq_unlock publishes the new tail.
 * Returns how many it took.
 *
 * The hot loop of NOP batches: each SQE word is read once, each CQE
 * written as four words, and a rejected NOP (a flag or reserved field
 * set) leaves the loop's straight path. The caller holds the ring lock
 * and has n free CQE slots (its reservation is its own to give back).
 */
static inline __attribute__((always_inline)) uint32_t nop_run(struct thread *t,
                                                              uint32_t n)
{
	struct capos_ring *r = t->ring;
	/* Byte offsets of the next SQE and CQE, wrapped by a mask. */
	uint64_t so = (t->sq_head & SQ_MASK) * sizeof(struct capos_sqe);
	uint64_t co = (t->cq_tail & CQ_MASK) * sizeof(struct capos_cqe);
	uint32_t i = 0;

	do {
		const volatile sqe_word_t *u =
		    (const volatile sqe_word_t *)((uint8_t *)r->sq + so);
		sqe_word_t *c = (sqe_word_t *)((uint8_t *)r->cq + co);
		uint64_t w0 = u[0], result = 0;

		/* Anything but opcode NOP, flags 0, reserved0 and reserved1 0:
		 * the end of the run, or a rejected NOP (flags or reserved
		 * fields set, or the first SQE rewritten since the caller
		 * looked). */
		if (__builtin_expect(
		        ((uint16_t)w0 ^ NOP_WORD0) | (u[5] >> 48) | u[7], 0)) {
			if ((uint8_t)w0 != CAPOS_OP_NOP && i)
				break;
			result = (uint32_t)CAPOS_E_BAD_SQE; /* flags 0 */
			r->hdr.sqes_rejected++;
		}
		c[0] = u[1];
		c[1] = result;
		c[2] = 0;
		c[3] = 0;
		so = (so + sizeof(struct capos_sqe)) & SQ_BYTES_MASK;
		co = (co + sizeof(struct capos_cqe)) & CQ_BYTES_MASK;
	} while (++i < n);
	t->sq_head += i;
	t->cq_tail += i;
	t->sqe_seq += i;
	return i;
}

/*
 * Takes the rest of a batch after its leading NOP run (ring.c, next to
 * the SQE handling it inlines): see its comment.
 */
void ring_take_rest(struct thread *t, uint32_t take);

#endif
