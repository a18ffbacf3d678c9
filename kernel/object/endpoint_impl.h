/*
 * endpoint_impl.h - what endpoint.c (calls: RECV, RETURN, CALL) and
 * endpoint_life.c (making, facets, closing) share: the records and the
 * functions each side needs of the other. Not for the rest of the kernel
 * (kernel/endpoint.h is).
 */
#ifndef CAPOS_ENDPOINT_IMPL_H
#define CAPOS_ENDPOINT_IMPL_H

#include <string.h>
#include <capos/endpoint.h>
#include <capos/ring.h>
#include <kernel/as.h>
#include <kernel/call.h>
#include <kernel/endpoint.h>
#include <kernel/kobject.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

#define EP_QUEUE_MAX 64 /* queued calls per endpoint */
/* Params up to this size live in the call record; bigger ones in a
 * heap block of their own. Records are all one size, and up to
 * EP_SPARE_CALLS finished ones are kept per endpoint for the next calls:
 * allocating and freeing one was a tenth of a round trip. */
#define EP_INLINE_PARAMS 256
#define EP_SPARE_CALLS   4

enum ep_call_state { EP_QUEUED, EP_RECEIVED, EP_ORPHANED };

struct endpoint {
	uint32_t refs;    /* facets, calls and receivers that point here */
	uint32_t servers; /* live server facets */
	bool closed;
	uint64_t interface_id;
	uint64_t id; /* never reused: the session reference's input */
	struct process *charged;
	struct ep_call *queue, **queue_tail;
	uint32_t queued;
	struct ep_call *inflight;
	struct ep_recv *receivers, **receivers_tail;
	/* One finished RECV record kept for the next RECV: a server loop
	 * takes one per call, and the heap is a fifth of its cost. */
	struct ep_recv *spare_recv;
	struct ep_call *spare_calls; /* linked by next */
	uint32_t nspare_calls;
	uint32_t next_call_id;
	/* The last session's reference: callers of one session call in
	 * runs, and the hash is a tenth of a round trip. */
	bool ref_cached;
	uint64_t ref_session;
	uint8_t ref[16];
};

struct ep_facet {
	struct kobject obj;
	struct endpoint *ep;
};

struct ep_call {
	struct pending_call pc; /* the caller's completion */
	struct endpoint *ep;
	struct ep_call *next;
	enum ep_call_state state;
	uint32_t call_id;
	uint16_t method;
	struct process *caller; /* referenced unless owner is set */
	/* The thread whose own record this is (its call_record), or NULL.
	 * Paid for with the thread (endpoint_call_record_kmem); it comes
	 * back to the thread when the call ends, and holds no heap params
	 * nor transfer. Orphaned, it is the thread's no more. */
	struct thread *owner;
	uint64_t kmem; /* charged to the caller's kernel memory */
	/* hdr.session is the reference of this session on the endpoint
	 * with this id (0: none yet): a kept record is usually the same
	 * caller's on the same endpoint again. */
	uint64_t ref_ep_id, ref_session;
	/* The caller's result buffer as resolved when the call was made,
	 * good while its address space's gen is result_gen (as.h). */
	uint64_t result_gen;
	struct as_span result_span;
	/* In flight from the caller's table; NULL for a call without
	 * transfers (most: they skip the transaction altogether). */
	struct xfer_txn *tx;
	uint32_t params_len;
	uint8_t *params; /* the params message: inline_params if it fits */
	/* What a RECV gets, header then params, so that a call without caps
	 * is delivered with one write. */
	struct capos_recv_header hdr;
	uint8_t inline_params[EP_INLINE_PARAMS];
};
_Static_assert(__builtin_offsetof(struct ep_call, inline_params) ==
                   __builtin_offsetof(struct ep_call, hdr) +
                       sizeof(struct capos_recv_header),
               "the header right before the params");
_Static_assert(sizeof(struct ep_call) <= 2048 - 16, "one heap class");

struct ep_recv {
	struct pending_call pc; /* the server thread's RECV */
	struct endpoint *ep;
	struct ep_recv *next;
	/* Its buffer as resolved when the RECV came (as result_span). */
	uint64_t gen;
	struct as_span span;
};

extern const struct kobject_ops endpoint_server_ops, endpoint_client_ops;
extern struct endpoint_stats ep_stats;

/* The biggest RECV buffer: a message and its CapIds. */
#define EP_RECV_MAX (CAPOS_MSG_MAX + 4096)
_Static_assert(EP_RECV_MAX <= AS_SPAN_MAX, "RECV span");

/* Returns true if a RECV SQE leaves the fields a RECV does not take
 * clear. */
static inline bool recv_sqe_ok(const struct capos_sqe *s)
{
	return !(s->params_len | s->params_addr | s->xfer_count | s->xfer_addr |
	         s->call_id | s->method);
}

/* Drops a reference; the last frees the endpoint and its spare records. */
void ep_put(struct endpoint *ep);
/* Frees a RECV record that is off every list (kept as the spare if
 * there is none). */
static inline void recv_free(struct endpoint *ep, struct ep_recv *r)
{
	if (ep->spare_recv)
		kfree(r);
	else
		ep->spare_recv = r;
}
/* Frees a call that is off every list, with whatever it still holds. */
void call_free(struct ep_call *call);
/* Completes a queued call with error and frees it, its moves rolled
 * back. */
void call_fail(struct ep_call *call, int error);
/* The pending-call cancels: the caller's or the server's thread dies
 * with its CALL or RECV pending. */
void call_cancel(struct pending_call *pc);
void recv_cancel(struct pending_call *pc);
/* A record for thread t's call with len bytes of params and transfers
 * or not: its own if it is free and the call fits (made at its first
 * call), else a kept one or a new one; NULL if there is none. Only
 * params, tx and owner are set. call_unalloc gives it back. */
struct ep_call *call_alloc(struct endpoint *ep, struct thread *t, uint32_t len,
                           bool xfer);
/* Gives a thread's own record (call->owner set) back to its thread,
 * still paid for: the call is over. */
static inline void call_record_home(struct ep_call *call)
{
	DASSERT(!call->owner->call_record && !call->tx &&
	        call->params == call->inline_params);
	call->owner->call_record = call;
}
static inline void call_unalloc(struct endpoint *ep, struct ep_call *call)
{
	if (call->owner) {
		call_record_home(call);
		return;
	}
	if (call->params != call->inline_params)
		kfree(call->params);
	if (call->tx) { /* committed or rolled back by now */
		kfree(call->tx);
		call->tx = NULL;
	}
	if (ep->nspare_calls < EP_SPARE_CALLS) {
		call->next = ep->spare_calls;
		ep->spare_calls = call;
		ep->nspare_calls++;
	} else {
		kfree(call);
	}
}
/* Resolves the result span of the CALL s into call and reads its len
 * bytes of params (the empty message if none). Returns 0,
 * CAPOS_E_BAD_POINTER or CAPOS_E_BAD_MESSAGE (the record holds nothing
 * to give back). */
static inline int call_resolve(struct ep_call *call, struct thread *t,
                               const struct capos_sqe *s, uint32_t len)
{
	struct process *p = t->proc;

	/* Resolved now and kept for the answer; a kept record usually
	 * holds it already (gens name the address space: as.h). */
	if (call->result_gen != p->as.gen ||
	    call->result_span.va != s->result_addr ||
	    call->result_span.len != s->result_len) {
		if (!as_span_get_cached(&p->as, &t->ucache, s->result_addr,
		                        s->result_len, true,
		                        &call->result_span)) {
			call->result_gen = 0;
			return CAPOS_E_BAD_POINTER;
		}
		call->result_gen = p->as.gen;
	}
	if (!s->params_len) {
		__builtin_memcpy(call->params, call_empty_message,
		                 sizeof(call_empty_message)); /* inline */
		return 0;
	}
	if (as_read_user_cached(&p->as, &t->ucache, s->params_addr, len,
	                        call->params))
		return CAPOS_E_BAD_POINTER;
	if (!call_message_framing_ok(call->params, len))
		return CAPOS_E_BAD_MESSAGE;
	return 0;
}
/* The session reference of `session` on ep, computed and cached. */
void session_ref_hash(struct endpoint *ep, uint64_t session, uint8_t out[16]);

/* The session reference of `session` on ep: callers of one session call
 * in runs, and the hash is a tenth of a round trip. */
static inline void session_ref(struct endpoint *ep, uint64_t session,
                               uint8_t out[16])
{
	if (ep->ref_cached && ep->ref_session == session)
		__builtin_memcpy(out, ep->ref, 16); /* inline: 2 words */
	else
		session_ref_hash(ep, session, out);
}

/* Makes call thread t's pending CALL s on ep (params of len bytes, kmem
 * bytes charged): the caller's reference, session reference, pending
 * record. Its link, its id and the reference to ep it holds are the
 * caller's to set: queued (next NULL, no id yet, a new reference) or
 * delivered at once (call_header gives the id; the RECV's reference
 * goes on to it). */
static inline void call_fill(struct ep_call *call, struct endpoint *ep,
                             struct thread *t, const struct capos_sqe *s,
                             uint32_t len, uint64_t kmem)
{
	struct process *p = t->proc;

	call->ep = ep;
	call->caller = p;
	call->kmem = kmem;
	call->method = s->method;
	call->params_len = len;
	if (call->ref_ep_id != ep->id || call->ref_session != p->session) {
		session_ref(ep, p->session, call->hdr.session);
		call->ref_ep_id = ep->id;
		call->ref_session = p->session;
	}
	/* An own record's thread keeps p, and finds the record itself when
	 * it exits (endpoint_thread_exit): off the thread's pending list. */
	pending_fill(&call->pc, t, s->user_data, s->result_addr, s->result_len,
	             call_cancel);
	if (!call->owner) {
		process_get(p);
		pending_link(&call->pc);
	}
}

/* Fills in the header a RECV gets for call, in place (the session
 * reference is there since the CALL, right before the inline params),
 * and gives the call its id. Returns the header. */
static inline struct capos_recv_header *call_header(struct ep_call *call,
                                                    uint32_t ncaps)
{
	struct capos_recv_header *h = &call->hdr;

	h->call_id = call->call_id = ++call->ep->next_call_id;
	h->method = call->method;
	h->caps = (uint16_t)ncaps;
	h->interface_id = call->ep->interface_id;
	h->params_len = call->params_len;
	h->reserved0 = 0;
	h->reserved1 = 0;
	return h;
}
/* The call in flight on ep with that id, or NULL; and its unlinking. */
struct ep_call *find_inflight(struct endpoint *ep, uint32_t id);
void unlink_inflight(struct ep_call *call);
/*
 * Resolves the buffer of thread t's RECV s into record r's span and
 * keeps it: delivery writes through it. A kept record usually holds it
 * already (gens name the address space: as.h). Returns false if the
 * buffer is not t's to write (r keeps no span then).
 */
static inline bool recv_span_ready(struct ep_recv *r, struct thread *t,
                                   const struct capos_sqe *s)
{
	struct process *p = t->proc;

	if (r->gen == p->as.gen && r->span.va == s->result_addr &&
	    r->span.len == s->result_len)
		return true;
	if (!as_span_get_cached(&p->as, &t->ucache, s->result_addr,
	                        s->result_len, true, &r->span)) {
		r->gen = 0;
		return false;
	}
	r->gen = p->as.gen;
	return true;
}
/* Links a readied RECV record as waiting on ep (a pending record of t;
 * the reference to ep it holds is the caller's to take or hand on);
 * recv_free gives back one never armed. */
static inline void recv_arm(struct endpoint *ep, struct ep_recv *r,
                            struct thread *t, const struct capos_sqe *s)
{
	r->next = NULL;
	r->ep = ep;
	pending_init(&r->pc, t, s->user_data, s->result_addr, s->result_len,
	             recv_cancel);
	*ep->receivers_tail = r;
	ep->receivers_tail = &r->next;
}
/* Pairs queued calls with waiting receivers while both exist. */
void match(struct endpoint *ep);
/* The client facet's route hook (kobject_ops.route): a CALL. */
int endpoint_client_route(struct kobject *o, struct thread *t,
                          const struct capos_sqe *s,
                          const struct capos_xfer *xfer);

#endif
