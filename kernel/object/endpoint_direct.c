/*
 * endpoint_direct.c - the endpoint's direct path: a CALL that finds its
 * server waiting in RECV, and a server's RETURN that makes its next RECV
 * (CAPOS_RETURN_RECV) and finds the caller waiting for that answer, each
 * done in one straight pass with the CPU going to the peer at once
 * (seL4's fastpath, for a ring). No queue, no matching loop, no wake-up
 * through the scheduler.
 *
 * kernel/cap/ring_enter.c sends here a cap_enter that may be one side of
 * a synchronous call (endpoint_direct_enter); all of it, from the SQE to
 * the switch, is this one function with the steps below inlined: a round
 * trip crosses it twice, and each call between functions cost a tenth of
 * its own work in saved registers. Each side does all or nothing: every
 * check and every step that can fail comes before the first change, so a
 * refusal leaves the SQE to the ordinary path (endpoint.c), which gives
 * them the same outcome or its own errors. Where the ordinary path takes
 * several steps (queue the call, charge the queue, match, refund), this
 * one makes their net change. docs/endpoints.md, "The direct path".
 */
#include <capos/endpoint.h>
#include <capos/errors.h>
#include <capos/ring.h>
#include <arch/copy.h>
#include <kernel/as.h>
#include <kernel/biglock.h>
#include <kernel/call.h>
#include <kernel/cpu.h>
#include <kernel/endpoint.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/sched_direct.h>
#include <kernel/thread.h>
#include "endpoint_impl.h"

/* Params go in the call record, replies through the kernel stack;
 * bigger ones take the ordinary path. */
#define ENDPOINT_DIRECT_MAX 256
_Static_assert(ENDPOINT_DIRECT_MAX <= EP_INLINE_PARAMS, "params fit");

/*
 * An SQE as the direct path copies it: the fields and the same bytes as
 * the eight little-endian words they pack into (include/capos/ring.h),
 * so the screens below test several fields with one OR of words instead
 * of a load and a test each (a fifth of a round trip's checks).
 */
union direct_sqe {
	struct capos_sqe s;
	uint64_t w[8];
};
enum {
	SQE_W_HEAD,       /* opcode, flags << 8, method << 16, cap << 32 */
	SQE_W_LENS = 3,   /* params_len, result_len << 32 */
	SQE_W_RESULT = 4, /* result_addr */
	SQE_W_CALL_ID,    /* call_id, xfer_count << 32, reserved0 << 48 */
	SQE_W_XFER,       /* xfer_addr */
	SQE_W_RESERVED1,
};
_Static_assert(sizeof(struct capos_sqe) == sizeof(union direct_sqe) &&
                   offsetof(struct capos_sqe, flags) == 1 &&
                   offsetof(struct capos_sqe, method) == 2 &&
                   offsetof(struct capos_sqe, cap) == 4 &&
                   offsetof(struct capos_sqe, params_addr) == 16 &&
                   offsetof(struct capos_sqe, params_len) == 24 &&
                   offsetof(struct capos_sqe, result_len) == 28 &&
                   offsetof(struct capos_sqe, result_addr) == 32 &&
                   offsetof(struct capos_sqe, call_id) == 40 &&
                   offsetof(struct capos_sqe, xfer_count) == 44 &&
                   offsetof(struct capos_sqe, reserved0) == 46 &&
                   offsetof(struct capos_sqe, xfer_addr) == 48 &&
                   offsetof(struct capos_sqe, reserved1) == 56,
               "the SQE's words");

/* Returns true if a message length is none, or one the path carries. */
static inline bool direct_len_ok(uint32_t len)
{
	return len == 0 || len - 16 <= ENDPOINT_DIRECT_MAX - 16;
}

/* Returns true if the CALL SQE s is one the direct path takes: no
 * flags, no transfers, no call id, params that fit the record (or
 * none). */
static inline bool direct_call_sqe(const union direct_sqe *s)
{
	return !(((s->w[SQE_W_HEAD] >> 8) & 0xff) | s->w[SQE_W_CALL_ID] |
	         s->w[SQE_W_XFER] | s->w[SQE_W_RESERVED1]) &&
	       direct_len_ok(s->s.params_len) &&
	       s->s.result_len <= CAPOS_MSG_MAX;
}

/*
 * Thread t's CALL s, done whole if the server thread waits for exactly
 * this call. Returns that server (its CQE posted, its wait over: it runs
 * next, t waiting for its own CQE) or NULL, nothing changed.
 */
static inline __attribute__((always_inline)) struct thread *
direct_call(struct thread *t, const union direct_sqe *u)
{
	const struct capos_sqe *s = &u->s;
	struct process *p = t->proc;
	uint32_t len =
	    s->params_len ? s->params_len : sizeof(call_empty_message);
	uint32_t need = sizeof(struct capos_recv_header) + len;
	struct kobject *o;
	struct endpoint *ep;
	struct ep_recv *r;
	struct ep_call *call;
	struct thread *server;

	/* The server first: a busy one does not wait, and this is the
	 * cheapest way to say no. */
	if (process_cap_lookup(p, s->cap, &o) || o->ops != &endpoint_client_ops)
		return NULL;
	ep = ((struct ep_facet *)o)->ep;
	r = ep->receivers;
	if (!r || !ring_wakes_on_one(r->pc.thread))
		return NULL;
	/* The server waits for this call alone, its buffer holds it, and
	 * the span kept with its RECV still names that buffer. */
	server = r->pc.thread;
	call = t->call_record; /* the ordinary path makes it */
	if (!call || ep->closed || !direct_call_sqe(u) ||
	    r->gen != server->proc->as.gen || need > r->pc.result_cap)
		return NULL;
	/* The ordinary path charges the queue and refunds it when the call
	 * is matched: it must have room for one. */
	if (!as_check_user(&p->as, s->params_addr, 0, false) ||
	    !ledger_account_fits(&p->ledger.r[LEDGER_ENDPOINT_QUEUE], 1))
		return NULL;
	/* Readied while still the thread's: a failure leaves it there (the
	 * ordinary path reports why). Its memory is paid for already. */
	if (call_resolve(call, t, s, len))
		return NULL;
	/* Nothing fails from here on. */
	t->call_record = NULL;
	/* The RECV's reference to ep goes on to the call. */
	call_fill(call, ep, t, s, len, 0);
	ep->receivers = r->next;
	if (!ep->receivers)
		ep->receivers_tail = &ep->receivers;
	as_span_write(&r->span, 0, call_header(call, 0), need);
	pending_complete_direct(&r->pc, (int)need, call->call_id, true);
	call->state = EP_RECEIVED;
	call->next = ep->inflight;
	ep->inflight = call;
	recv_free(ep, r);
	ep_stats.direct++; /* also a call, and a fast one (endpoint.c) */
	return server;
}

/* Returns true if ret is a RETURN that makes the next RECV (quiet or
 * not: it is quiet either way) without transfers or reserved fields,
 * with a reply that fits the stack and a RECV buffer a RECV takes. */
static inline bool direct_reply_recv_sqe(const union direct_sqe *ret)
{
	return (ret->s.flags & ~CAPOS_RETURN_QUIET) == CAPOS_RETURN_RECV &&
	       !((ret->w[SQE_W_CALL_ID] >> 32) | ret->w[SQE_W_XFER] |
	         ret->w[SQE_W_RESERVED1]) &&
	       direct_len_ok(ret->s.params_len) &&
	       ret->s.result_len <= EP_RECV_MAX;
}

/* The call in flight on ep with that id: usually the latest. */
static struct ep_call *direct_inflight(struct endpoint *ep, uint32_t id)
{
	struct ep_call *call = ep->inflight;

	return call && call->call_id == id ? call : find_inflight(ep, id);
}

/*
 * Thread t's RETURN ret with its next RECV, done whole if the caller
 * waits for exactly this answer. Returns that caller (as direct_call
 * returns the server); t itself when a queued call took the RECV at once
 * (the caller woken, t's CQE posted: t goes on); or NULL, nothing
 * changed.
 */
static inline __attribute__((always_inline)) struct thread *
direct_reply_recv(struct thread *t, const union direct_sqe *ret_words)
{
	const struct capos_sqe *ret = &ret_words->s;
	static const uint8_t zeros[8];
	uint8_t msg[ENDPOINT_DIRECT_MAX] __attribute__((aligned(8)));
	const uint8_t *reply = call_empty_message;
	const uint8_t *src = NULL; /* the reply, straight from its buffer */
	uint64_t head = 0;
	uint32_t len =
	    ret->params_len ? ret->params_len : sizeof(call_empty_message);
	uint32_t need = (len + 7) & ~7u;
	struct kobject *o;
	struct endpoint *ep;
	struct ep_call *call;
	struct ep_recv *r;
	struct thread *caller;

	/* The caller first: while a server works through queued calls its
	 * callers do not wait, and this is the cheapest way to say no. */
	if (process_cap_lookup(t->proc, ret->cap, &o) ||
	    o->ops != &endpoint_server_ops)
		return NULL;
	ep = ((struct ep_facet *)o)->ep;
	call = direct_inflight(ep, ret->call_id);
	if (!call || call->state != EP_RECEIVED || !call->owner ||
	    !ring_wakes_on_one(call->pc.thread))
		return NULL;
	/* The caller waits for this answer alone, its buffer holds it, and
	 * the span kept with its CALL still names that buffer. */
	caller = call->pc.thread;
	r = ep->spare_recv; /* the ordinary path allocates */
	if (!r || ep->closed || !direct_reply_recv_sqe(ret_words) ||
	    call->result_gen != caller->proc->as.gen ||
	    need > call->pc.result_cap)
		return NULL;
	/* Readied while still the spare: a failure leaves it there. */
	if (!recv_span_ready(r, t, ret))
		return NULL;
	/* A server usually replies from its RECV buffer, which r's span
	 * (just checked, for the next RECV) holds already. A one-segment
	 * reply within a page there, for a result buffer within a page,
	 * goes across in one copy: its framing is checked on the table
	 * word, read once, that the copy writes (call.h). Any other reply
	 * is checked in msg. */
	if (ret->params_len) {
		uint64_t off =
		    ret->params_addr - r->span.va; /* huge if below */
		bool in_span = off <= r->span.len && len <= r->span.len - off;

		if (in_span && as_span_straight(&r->span, (uint32_t)off, len) &&
		    as_span_straight(&call->result_span, 0, need)) {
			src = as_span_at(&r->span, (uint32_t)off);
			head = *(const volatile uint64_t *)src;
			if (!call_message_one_segment_ok(head, len))
				src = NULL;
		}
		if (!src) {
			if (in_span)
				as_span_read(&r->span, (uint32_t)off, msg, len);
			else if (as_read_user_cached(&t->proc->as, &t->ucache,
			                             ret->params_addr, len,
			                             msg))
				return NULL;
			if (!call_message_framing_ok(msg, len))
				return NULL;
			reply = msg;
		}
	} else if (!as_check_user(&t->proc->as, ret->params_addr, 0, false)) {
		return NULL;
	}
	/* Nothing fails from here on. */
	if (src) {
		uint8_t *dst = as_span_at(&call->result_span, 0);

		__builtin_memcpy(dst, &head, sizeof(head)); /* inline */
		arch_copy_inline(dst + 8, src + 8, len - 8);
		if (need > len)
			memset(dst + len, 0, need - len);
	} else {
		as_span_write(&call->result_span, 0, reply, len);
		if (need > len)
			as_span_write(&call->result_span, len, zeros,
			              need - len);
	}
	/* The caller's own record: off its pending list (call_fill). */
	pending_complete_direct(&call->pc, (int)len, 0, false);
	if (ep->inflight == call)
		ep->inflight = call->next;
	else
		unlink_inflight(call);
	/* call_free's work: the record is the caller's own and goes back;
	 * its reference to ep goes on to the RECV. */
	DASSERT(call->owner == caller);
	call_record_home(call);
	ep->spare_recv = NULL;
	recv_arm(ep, r, t, ret);
	ep_stats.direct_replies++;
	if (!ep->queue)
		return caller;
	/* A call is queued: the RECV takes it at once and this thread goes
	 * on; the caller is woken as any thread (the ordinary path's
	 * hand-off would place it the same way, since we do not block). */
	match(ep);
	sched_wake(caller);
	return t;
}

/* Copies an SQE out of the shared ring a word at a time: volatile, so
 * the compiler cannot go back to the ring for a field it checked (the
 * user may rewrite it meanwhile). */
static inline void sqe_copy(union direct_sqe *dst, const struct capos_sqe *src)
{
	typedef uint64_t __attribute__((may_alias)) sqe_word_t;
	const volatile sqe_word_t *from = (const volatile sqe_word_t *)src;

#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		dst->w[i] = from[i];
}

/* One side of a call (op: the CALL, or the RETURN that RECVs), its SQE
 * copied; inlined once for each, so each copy holds its side's work
 * alone. */
static inline __attribute__((always_inline)) long
direct_enter(struct thread *t, const union direct_sqe *sqe, uint8_t op)
{
	struct capos_ring *r = t->ring;
	struct thread *peer;
	struct cpu *c;
	uint32_t posted;

	/* A first look keeps big messages off the big lock cheaply. */
	if (sqe->s.params_len > ENDPOINT_DIRECT_MAX)
		return ring_direct_refused(t);
	/* Interrupts are off, and this CPU does not hold the lock: every way
	 * back to user mode gives it back (spin_lock asserts it). */
	kernel_lock();
	/* Under the big lock only this thread changes its CQ (ring.c), so
	 * the room counted here holds, and the slot is reserved without the
	 * ring lock: for the CALL or the RECV (the RETURN is quiet). */
	if (CAPOS_RING_CQ_ENTRIES - (t->cq_tail - t->cq_head_seen) <=
	    t->cq_reserved)
		return ring_direct_refused(t);
	t->cq_reserved++;
	peer = op == CAPOS_OP_CALL ? direct_call(t, sqe)
	                           : direct_reply_recv(t, sqe);
	if (!peer) {
		t->cq_reserved--;
		return ring_direct_refused(t);
	}
	t->sq_head++;
	t->sqe_seq++;
	r->hdr.sq_head = t->sq_head;
	if (peer == t) /* its RECV got a queued call: no wait */
		return ring_direct_leave(t, t->cq_tail - t->cq_head_seen);
	t->wait_min = 1;
	t->waiting_cq = true;
	t->wait_direct = true;
	c = sched_switch_direct(peer);
	t->wait_direct = false;
	/* Woken: by the answer (the usual way out: the big lock came
	 * along, nothing else to do), or a kill (or a wake with nothing
	 * posted, which waits on as a blocked cap_enter would). */
	posted = t->cq_tail - t->cq_head_seen;
	if (__builtin_expect(posted && !t->killed && !c->need_resched, 1)) {
		kernel_unlock();
		return posted;
	}
	if (posted || t->killed)
		return ring_direct_leave(t, posted);
	return ring_direct_wait(t);
}

long endpoint_direct_enter(struct thread *t, const struct capos_sqe *slot)
{
	union direct_sqe sqe;

	/* Its kind is looked at again in the copy: the user may have
	 * rewritten it since ring_enter's look. */
	sqe_copy(&sqe, slot);
	if (sqe.s.opcode == CAPOS_OP_CALL)
		return direct_enter(t, &sqe, CAPOS_OP_CALL);
	if (sqe.s.opcode == CAPOS_OP_RETURN)
		return direct_enter(t, &sqe, CAPOS_OP_RETURN);
	return ring_direct_refused(t);
}
