/*
 * call.h - building replies to calls, and calls that finish later.
 *
 * A kernel object answers a CALL by writing a Cap'n Proto message into
 * the call's kernel result buffer (call_reply_*), or refuses it with a
 * CapException (call_exception). A method that must wait (Timer.sleep,
 * Console.read) turns the call into a pending call and completes it later
 * from any context; the CQE slot for it was reserved when it was taken.
 */
#ifndef CAPOS_KERNEL_CALL_H
#define CAPOS_KERNEL_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include <capnp/capnp.h>
#include <kernel/kobject.h>
#include <kernel/printk.h>
#include <kernel/thread.h>

/* Schema ExceptionType ordinals (schema/capos.capnp). */
enum cap_exception_type {
	CAPEX_FAILED = 0,
	CAPEX_OVERLOADED = 1,
	CAPEX_DISCONNECTED = 2,
	CAPEX_UNIMPLEMENTED = 3,
	CAPEX_INVALID_ARGUMENT = 4,
};

/* Reads the call's params root struct. Returns 0 or CAPOS_E_BAD_MESSAGE. */
int call_params(struct call *c, struct capnp_msg *msg,
                struct capnp_segment *segs, uint32_t nsegs,
                struct capnp_struct *root);

/* Starts the reply: a root struct of the given shape in c->result. */
int call_reply_begin(struct call *c, struct capnp_builder *b,
                     uint16_t data_words, uint16_t ptr_words,
                     struct capnp_bstruct *root);
/* Finishes it; returns 0 or CAPOS_E_BUFFER_TOO_SMALL (c->needed set). */
int call_reply_end(struct call *c, struct capnp_builder *b,
                   uint32_t size_needed);
/*
 * Hands `obj` (with a reference the caller of this function gives up) to
 * the caller of the call: the ring installs it in the caller's table and
 * lists its CapId after the result message. Its index in the result's
 * CapIndex fields is the order of these calls. Returns the index, or -1
 * (and drops the reference) when a call already returns too many.
 */
int call_return_cap(struct call *c, struct kobject *obj);
/* An empty result struct. */
int call_reply_empty(struct call *c);

/* No params at all: an empty struct, so every field reads as its
 * default. What a CALL or RETURN without a message carries. */
extern const uint8_t call_empty_message[16];

/* Returns true if bytes[0..len) is a well-framed message (segment table
 * and sizes); its contents are left to the reader of each object. */
bool call_message_framing_ok(const uint8_t *bytes, uint32_t len);

/*
 * Returns true if a message of len >= 8 bytes whose first word (the
 * segment table of a one-segment message, little-endian) is head is
 * well framed: one segment whose size fits in what follows. That word
 * is all the check reads, so a copy that writes this very value can
 * take the rest of the bytes straight from memory someone else may
 * change meanwhile. False for any other shape (call_message_framing_ok
 * decides those).
 */
static inline bool call_message_one_segment_ok(uint64_t head, uint32_t len)
{
	return (uint32_t)head == 0 && (head >> 32) <= (len - 8) / 8;
}
/* A CapException reply. Returns CALL_REPLIED (the CQE carries
 * EXCEPTION), or CAPOS_E_BUFFER_TOO_SMALL. */
int call_exception(struct call *c, enum cap_exception_type type,
                   const char *reason);

/*
 * Turns what a generated <interface>_dispatch returned into the object's
 * answer to the ring: 0 (results of result_len bytes), CALL_PENDING, or
 * a transport error; an unimplemented method becomes a CapException.
 */
int call_dispatched(struct call *c, int rc, size_t result_len);

struct pending_call {
	struct thread *thread;
	uint64_t user_data;
	uint64_t result_addr;
	uint32_t result_cap;
	uint32_t needed;           /* with CAPOS_E_BUFFER_TOO_SMALL */
	struct pending_call *next; /* the thread's list of pending calls */
	/* Called when the thread dies first; must unlink and free. */
	void (*cancel)(struct pending_call *pc);
};

/* Makes pc a pending completion of thread t's SQE (user_data, result
 * buffer), not yet on t's list of pending calls. */
static inline void pending_fill(struct pending_call *pc, struct thread *t,
                                uint64_t user_data, uint64_t result_addr,
                                uint32_t result_cap,
                                void (*cancel)(struct pending_call *pc))
{
	pc->thread = t;
	pc->user_data = user_data;
	pc->result_addr = result_addr;
	pc->result_cap = result_cap;
	pc->needed = 0;
	pc->cancel = cancel;
}

/* Links a filled pc to its thread's list: cancelled if it exits first.
 * A record its owner finds otherwise stays off it (unlinking one that is
 * not on the list does nothing). */
static inline void pending_link(struct pending_call *pc)
{
	pc->next = pc->thread->pending;
	pc->thread->pending = pc;
}

/* pending_fill, then pending_link. */
static inline void pending_init(struct pending_call *pc, struct thread *t,
                                uint64_t user_data, uint64_t result_addr,
                                uint32_t result_cap,
                                void (*cancel)(struct pending_call *pc))
{
	pending_fill(pc, t, user_data, result_addr, result_cap, cancel);
	pending_link(pc);
}

/* Turns c into pc and links it to the caller; the method then returns
 * CALL_PENDING. */
void call_make_pending(struct call *c, struct pending_call *pc,
                       void (*cancel)(struct pending_call *pc));

/*
 * Completes a pending call with a result message (or an error when
 * result < 0) written straight into the caller's memory through its page
 * tables, so any context may complete it. Unlinks pc; the caller frees it.
 */
void pending_complete(struct pending_call *pc, int result, const void *msg,
                      uint32_t len, uint32_t flags);

/*
 * The general form: copies msg[0..copy_len) (when result >= 0) and posts
 * a CQE with result, flags, call_id and caps; CAPOS_E_BUFFER_TOO_SMALL
 * carries pc->needed. The caller checked that the buffer holds copy_len.
 */
void pending_complete_full(struct pending_call *pc, int result, const void *msg,
                           uint32_t copy_len, uint32_t flags, uint32_t call_id,
                           uint16_t caps);

/*
 * Completes a step of a synchronous exchange (an endpoint's call reaching
 * a server's RECV, its answer reaching the caller) whose message is
 * already in the thread's memory: result >= 0, nothing copied. A thread
 * waiting for it may be handed this CPU (thread.h, sched_wake_handoff).
 */
void pending_complete_handoff(struct pending_call *pc, int result,
                              uint32_t flags, uint32_t call_id, uint16_t caps);

/* Unlinks pc from its thread's list of pending calls. */
static inline void pending_unlink(struct pending_call *pc)
{
	for (struct pending_call **p = &pc->thread->pending; *p;
	     p = &(*p)->next) {
		if (*p == pc) {
			*p = pc->next;
			return;
		}
	}
}

/*
 * The direct path's completions (kernel/object/endpoint_direct.c): true
 * if thread t is blocked in cap_enter waiting for its CQ and one more
 * CQE ends the wait (no deadline, not killed). Big lock held. The wait
 * noted this as it blocked (any CQE posted since has woken it); a kill
 * clears it.
 */
static inline bool ring_wakes_on_one(const struct thread *t)
{
	bool yes = t->state == THREAD_BLOCKED && t->wait_direct;

	/* The note against what it stands for. */
	DASSERT(!yes || (t->waiting_cq && !t->killed && !t->deadline_ns &&
	                 t->cq_tail - t->cq_head_seen + 1 >= t->wait_min));
	return yes;
}

_Static_assert(__builtin_offsetof(struct capos_cqe, result) == 8 &&
                   __builtin_offsetof(struct capos_cqe, flags) == 12 &&
                   __builtin_offsetof(struct capos_cqe, call_id) == 16 &&
                   __builtin_offsetof(struct capos_cqe, caps) == 20,
               "pending_complete_direct writes a CQE as words");

/*
 * Completes pc as pending_complete_handoff would (no flags, no caps),
 * for a thread ring_wakes_on_one accepts: its wait is over and the
 * caller runs it next (sched_switch_direct). It knows more than the
 * general post: no wake-up to decide, and the CQE goes in as four words.
 * Without the ring lock: the thread does not run, and everyone else who
 * posts to its CQ holds the big lock, as we do (kernel/cap/ring.c).
 * `linked`: pc is on its thread's list (not an own call record's).
 */
static inline void pending_complete_direct(struct pending_call *pc, int result,
                                           uint32_t call_id, bool linked)
{
	typedef uint64_t __attribute__((may_alias)) cqe_word_t;
	struct thread *t = pc->thread;
	struct capos_ring *ring = t->ring; /* read once: c may alias it */
	uint32_t tail = t->cq_tail;
	cqe_word_t *c;

	if (linked) {
		if (t->pending == pc) /* usually: its wait's SQE was its last */
			t->pending = pc->next;
		else
			pending_unlink(pc);
	}
	DASSERT(t->cq_reserved > 0 && t->waiting_cq);
	t->cq_reserved--;
	c = (cqe_word_t *)&ring->cq[tail & (CAPOS_RING_CQ_ENTRIES - 1)];
	c[0] = pc->user_data;
	c[1] = (uint32_t)result; /* flags 0 */
	c[2] = call_id;          /* caps 0 */
	c[3] = 0;
	__atomic_store_n(&t->cq_tail, tail + 1, __ATOMIC_RELEASE);
	ring->hdr.cq_tail = tail + 1;
	t->waiting_cq = false;
}

#endif
