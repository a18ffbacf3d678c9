/*
 * endpoint.c - endpoints: one process serving a typed interface to
 * others (docs/endpoints.md, include/capos/endpoint.h).
 *
 * An endpoint has two kinds of facet, each a kernel object: the server
 * facet (Endpoint: RECV and RETURN, move only) and client facets
 * (ClientEndpoint: CALL only, serving the declared interface id). A CALL
 * becomes a struct ep_call: queued until a server RECVs it (or handed
 * straight to a RECV already waiting), then in flight until the server
 * RETURNs. Calls move through one state machine:
 *
 *   QUEUED --RECV--> RECEIVED --RETURN--> (freed)
 *     |                 |
 *     | caller dies     | caller dies: ORPHANED (RETURN gets PEER_CLOSED)
 *     v                 v
 *   (freed)         endpoint closes: the caller gets PEER_CLOSED
 *
 * A call's transfer is prepared on the caller's side when it is made
 * (moved slots reserved, lib/transfer.h) and completed into the server's
 * table when it is received; a call that fails or is dropped before that
 * rolls the caller's table back exactly. When the last server facet goes,
 * the endpoint closes: every queued and received call completes with
 * CAPOS_E_PEER_CLOSED and new calls fail at once (endpoint_life.c, with
 * making endpoints and their facets; the records are endpoint_impl.h's).
 */
#include <string.h>
#include <capos/endpoint.h>
#include <capos/errors.h>
#include <capos/ring.h>
#include <capos/transfer.h>
#include <capnp/capnp.h>
#include <siphash.h>
#include <transfer.h>
#include <kernel/arch.h>
#include <kernel/as.h>
#include <kernel/call.h>
#include <kernel/endpoint.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/uaccess.h>
#include "endpoint_impl.h"

struct endpoint_stats ep_stats;

void endpoint_get_stats(struct endpoint_stats *st)
{
	*st = ep_stats;
	/* A direct call is a call delivered the fast way, counted once. */
	st->calls += st->direct;
	st->fast += st->direct;
}

static struct siphash_key session_key;

void endpoint_init(uint64_t seed)
{
	/* A per-boot key: references mean nothing across boots. */
	session_key.k0 = seed ^ 0x9e3779b97f4a7c15ull;
	session_key.k1 = arch_cycles() ^ (seed << 17);
}

void ep_put(struct endpoint *ep)
{
	KASSERT(ep->refs > 0);
	if (--ep->refs)
		return;
	KASSERT(!ep->queue && !ep->inflight && !ep->receivers);
	kfree(ep->spare_recv);
	while (ep->spare_calls) {
		struct ep_call *c = ep->spare_calls;

		ep->spare_calls = c->next;
		kfree(c);
	}
	ledger_refund_kmem(ep->charged, sizeof(*ep));
	process_put(ep->charged);
	kfree(ep);
}

void session_ref_hash(struct endpoint *ep, uint64_t session, uint8_t out[16])
{
	uint64_t in[3] = {session, ep->id, 0}, h0, h1;

	h0 = siphash24(&session_key, in, sizeof(in));
	in[2] = 1;
	h1 = siphash24(&session_key, in, sizeof(in));

	memcpy(out, &h0, 8);
	memcpy(out + 8, &h1, 8);
	memcpy(ep->ref, out, 16);
	ep->ref_session = session;
	ep->ref_cached = true;
}

/* ---- the call's life --------------------------------------------------- */

/* A queued call's copied caps stay alive while it waits, even if the
 * caller releases them (lib/transfer.h, "Copies are recorded"). */
static void hold_copies(struct xfer_txn *tx, bool hold)
{
	for (uint32_t i = 0; i < tx->count; i++) {
		if (tx->item[i].mode != CAPOS_XFER_COPY)
			continue;
		if (hold)
			kobject_get(tx->item[i].object);
		else
			kobject_put(tx->item[i].object);
	}
}

/* Gives the caller its caps back (moved slots LIVE again). */
static void call_abort_transfer(struct ep_call *call)
{
	if (!call->tx)
		return;
	xfer_abort(call->tx);
	hold_copies(call->tx, false);
}

const uint64_t endpoint_call_record_kmem = sizeof(struct ep_call);

/* Thread t's own record (made at its first call without transfers,
 * paid for with the thread), or NULL if it is in use or cannot be made. */
static struct ep_call *call_own_record(struct thread *t)
{
	struct ep_call *call = t->call_record;

	if (call) {
		t->call_record = NULL;
		return call;
	}
	if (t->call_own || !(call = kmalloc(sizeof(*call))))
		return NULL;
	t->call_own = call;
	call->owner = t;
	call->result_gen = 0; /* no span kept */
	call->ref_ep_id = 0;  /* nor a session reference */
	call->params = call->inline_params;
	call->tx = NULL;
	return call;
}

struct ep_call *call_alloc(struct endpoint *ep, struct thread *t, uint32_t len,
                           bool xfer)
{
	struct ep_call *call;

	if (!xfer && len <= EP_INLINE_PARAMS && (call = call_own_record(t)))
		return call;
	call = ep->spare_calls;
	if (call) {
		ep->spare_calls = call->next;
		ep->nspare_calls--;
	} else if (!(call = kmalloc(sizeof(*call)))) {
		return NULL;
	} else {
		call->result_gen = 0; /* no span kept */
		call->ref_ep_id = 0;  /* nor a session reference */
	}
	call->owner = NULL;
	call->params = call->inline_params;
	call->tx = NULL;
	if (len > EP_INLINE_PARAMS && !(call->params = kmalloc(len))) {
		call->params = call->inline_params;
		call_unalloc(ep, call);
		return NULL;
	}
	return call;
}

void call_free(struct ep_call *call)
{
	struct endpoint *ep = call->ep;

	if (call->kmem)
		ledger_refund_kmem(call->caller, call->kmem);
	if (!call->owner)
		process_put(call->caller);
	call_unalloc(ep, call);
	ep_put(ep);
}

void endpoint_thread_exit(struct thread *t)
{
	struct ep_call *call = t->call_own;

	if (!call)
		return;
	KASSERT(call->owner == t);
	/* In use: its call is cancelled as the pending calls were (it is
	 * not on their list). Queued, it comes home; received, it becomes
	 * an orphan, the server's to finish. */
	if (!t->call_record)
		call_cancel(&call->pc);
	t->call_own = NULL;
	if (t->call_record) {
		t->call_record = NULL;
		kfree(call);
	}
}

static void unlink_queued(struct ep_call *call)
{
	struct endpoint *ep = call->ep;

	for (struct ep_call **pp = &ep->queue; *pp; pp = &(*pp)->next) {
		if (*pp == call) {
			*pp = call->next;
			if (ep->queue_tail == &call->next)
				ep->queue_tail = pp;
			ep->queued--;
			ledger_refund(&call->caller->ledger,
			              LEDGER_ENDPOINT_QUEUE, 1);
			return;
		}
	}
	KASSERT(!"queued call not on its queue");
}

void unlink_inflight(struct ep_call *call)
{
	for (struct ep_call **pp = &call->ep->inflight; *pp;
	     pp = &(*pp)->next) {
		if (*pp == call) {
			*pp = call->next;
			return;
		}
	}
	KASSERT(!"received call not in flight");
}

/* The caller's thread is going away (ring_cancel_pending). */
void call_cancel(struct pending_call *pc)
{
	struct ep_call *call = (struct ep_call *)pc;

	if (call->state == EP_QUEUED) {
		unlink_queued(call);
		call_abort_transfer(call); /* its table is still whole */
		call_free(call);
		return;
	}
	/* Received: the server still holds its id; its RETURN will hear
	 * that nobody listens. The params are not needed any more. */
	call->state = EP_ORPHANED;
	ledger_refund_kmem(call->caller, call->kmem);
	call->kmem = 0;
	if (call->owner) {
		/* No more the thread's (charged to nobody, as an orphan's
		 * params are not); it keeps the process as any other. */
		process_get(call->caller);
		call->owner = NULL;
	}
}

/* Fails a call that never reached a server (or whose server is gone). */
void call_fail(struct ep_call *call, int error)
{
	if (call->state == EP_QUEUED) {
		unlink_queued(call);
		call_abort_transfer(call);
	}
	if (call->state != EP_ORPHANED)
		pending_complete(&call->pc, error, NULL, 0, 0);
	call_free(call);
}

/* ---- RECV -------------------------------------------------------------- */

void recv_cancel(struct pending_call *pc)
{
	struct ep_recv *r = (struct ep_recv *)pc;
	struct endpoint *ep = r->ep;

	for (struct ep_recv **pp = &ep->receivers; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			if (ep->receivers_tail == &r->next)
				ep->receivers_tail = pp;
			break;
		}
	}
	recv_free(ep, r);
	ep_put(ep);
}

static void on_copy(void *ctx, void *object)
{
	(void)ctx;
	kobject_get(object);
}

/*
 * Hands `call` to the RECV `r` of thread t (both already unlinked).
 * Returns 0 (the RECV is complete, the call in flight), or an error for
 * the RECV alone (the call is untouched and goes back to the queue:
 * CAPOS_E_BUFFER_TOO_SMALL, CAPOS_E_BAD_POINTER), or CAPOS_E_QUOTA for
 * the call (the server's table cannot take its caps: the caller hears
 * it, the RECV stays).
 */
static int deliver(struct ep_call *call, struct ep_recv *recv)
{
	struct pending_call *r = &recv->pc;
	struct process *server = r->thread->proc;
	const struct xfer_ops ops = {.on_copy = on_copy};
	uint32_t ncaps = call->tx ? call->tx->count : 0;
	uint32_t off = capos_recv_params_offset((uint16_t)ncaps);
	uint32_t need = off + call->params_len;
	struct capos_recv_header *h;
	capos_cap_t ids[CAPOS_XFER_MAX + 1]; /* + 1: the padding */
	struct as_span fresh;
	const struct as_span *sp = &recv->span;

	if (need > r->result_cap) {
		r->needed = need;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	/* Resolved before anything is committed: after the commit the
	 * writes below cannot fail. The RECV's span holds unless the
	 * server's memory changed since (then its buffer is walked again,
	 * and fails if it went). */
	if (recv->gen != server->as.gen) {
		ep_stats.spans_walked++;
		if (!as_span_get(&server->as, r->result_addr, need, true,
		                 &fresh))
			return CAPOS_E_BAD_POINTER;
		sp = &fresh;
	} else if (!ncaps && call->params == call->inline_params) {
		ep_stats.fast++;
	}
	if (ncaps) {
		if (xfer_prepare_receive(call->tx, &server->caps) != 0)
			return CAPOS_E_QUOTA;
		xfer_commit(call->tx, &ops, ids);
		hold_copies(call->tx, false);
		ids[ncaps] = 0; /* the padding, if any */
	}
	h = call_header(call, ncaps);
	/* Straight into the server's buffer: header, CapIds, params. */
	if (!ncaps && call->params == call->inline_params) {
		as_span_write(sp, 0, h, need); /* one write */
	} else {
		as_span_write(sp, 0, h, sizeof(*h));
		if (off > sizeof(*h))
			as_span_write(sp, sizeof(*h), ids, off - sizeof(*h));
		as_span_write(sp, off, call->params, call->params_len);
	}
	pending_complete_handoff(r, (int)need, 0, call->call_id, 0);
	call->state = EP_RECEIVED;
	call->next = call->ep->inflight;
	call->ep->inflight = call;
	return 0;
}

/* Pairs queued calls with waiting receivers while both exist. */
void match(struct endpoint *ep)
{
	while (ep->queue && ep->receivers) {
		struct ep_call *call = ep->queue;
		struct ep_recv *r = ep->receivers;
		int rc;

		ep->queue = call->next;
		if (!ep->queue)
			ep->queue_tail = &ep->queue;
		ep->queued--;
		ledger_refund(&call->caller->ledger, LEDGER_ENDPOINT_QUEUE, 1);
		ep->receivers = r->next;
		if (!ep->receivers)
			ep->receivers_tail = &ep->receivers;
		rc = deliver(call, r);
		if (rc == CAPOS_E_QUOTA) {
			/* The call cannot be delivered anywhere in this server;
			 * the caller's caps are rolled back. */
			call->state = EP_RECEIVED; /* off the queue already */
			call_abort_transfer(call);
			pending_complete(&call->pc, CAPOS_E_TRANSFER_REFUSED,
			                 NULL, 0, 0);
			call_free(call);
			/* r waits on: back at the head. */
			r->next = ep->receivers;
			ep->receivers = r;
			if (!r->next)
				ep->receivers_tail = &r->next;
			continue;
		}
		if (rc) {
			/* The RECV failed; the call goes back to the head. */
			call->next = ep->queue;
			ep->queue = call;
			if (!call->next)
				ep->queue_tail = &call->next;
			ep->queued++;
			ledger_charge(&call->caller->ledger,
			              LEDGER_ENDPOINT_QUEUE, 1);
			pending_complete_full(&r->pc, rc, NULL, 0, 0, 0, 0);
		}
		recv_free(ep, r);
		ep_put(ep);
	}
}

static struct ep_facet *facet_of(struct kobject *o, bool server)
{
	if (o->ops != (server ? &endpoint_server_ops : &endpoint_client_ops))
		return NULL;
	return (struct ep_facet *)o;
}

/* A RECV record for thread t's RECV s with its buffer resolved: returns
 * 0 (*out set), CAPOS_E_QUOTA or CAPOS_E_BAD_POINTER (nothing held). */
static int recv_prepare(struct endpoint *ep, struct thread *t,
                        const struct capos_sqe *s, struct ep_recv **out)
{
	struct ep_recv *r = ep->spare_recv;

	if (r) {
		ep->spare_recv = NULL; /* every field is set by recv_arm */
	} else if (!(r = kmalloc(sizeof(*r)))) {
		return CAPOS_E_QUOTA;
	} else {
		r->gen = 0; /* no span kept */
	}
	if (!recv_span_ready(r, t, s)) {
		recv_free(ep, r);
		return CAPOS_E_BAD_POINTER;
	}
	*out = r;
	return 0;
}

/* The server facet that cap names in t's table: returns 0 (*f set),
 * CAPOS_E_BAD_CAP or CAPOS_E_NOT_ALLOWED (another object). */
static int server_facet(struct thread *t, uint32_t cap, struct ep_facet **f)
{
	struct kobject *o;
	int rc = process_cap_lookup(t->proc, cap, &o);

	if (rc)
		return rc;
	*f = facet_of(o, true);
	return *f ? 0 : CAPOS_E_NOT_ALLOWED;
}

int endpoint_recv(struct thread *t, const struct capos_sqe *s)
{
	struct ep_facet *f;
	struct ep_recv *r;
	int rc = server_facet(t, s->cap, &f);

	if (rc)
		return rc;
	if (!recv_sqe_ok(s))
		return CAPOS_E_BAD_SQE;
	if (s->result_len > EP_RECV_MAX)
		return CAPOS_E_TOO_LARGE;
	rc = recv_prepare(f->ep, t, s, &r);
	if (rc)
		return rc;
	f->ep->refs++;
	recv_arm(f->ep, r, t, s);
	match(f->ep);
	return CALL_PENDING;
}

/* ---- RETURN ------------------------------------------------------------ */

struct ep_call *find_inflight(struct endpoint *ep, uint32_t id)
{
	for (struct ep_call *c = ep->inflight; c; c = c->next) {
		if (c->call_id == id)
			return c;
	}
	return NULL;
}

/* Completes the caller's CALL with the results message and caps.
 * Returns 0 (*over set); an error with *over set (the call ended with
 * that error: the caller's buffer could not take the answer, nothing
 * was transferred); or an error with *over clear (for the RETURN alone:
 * the call stays in flight and the server keeps its caps). */
static int answer(struct ep_call *call, struct thread *server,
                  const uint8_t *msg, uint32_t len, const struct capos_sqe *s,
                  const struct capos_xfer *xfer, bool *over)
{
	uint32_t flags = s->flags;
	struct process *caller = call->pc.thread->proc;
	uint32_t off = (len + 7) & ~7u, need = off + 4 * s->xfer_count;
	uint8_t tail[8 + 4 * CAPOS_XFER_MAX]; /* padding, CapIds */
	struct as_span fresh;
	const struct as_span *sp = &call->result_span;

	/* The caller's buffer cannot take the answer: the call ends with
	 * that error, and the server hears it too (its caps stay). */
	if (need > call->pc.result_cap) {
		call->pc.needed = need;
		pending_complete_full(&call->pc, CAPOS_E_BUFFER_TOO_SMALL, NULL,
		                      0, 0, 0, 0);
		*over = true;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	/* The span resolved at the CALL, unless the caller's memory
	 * changed since. */
	if (call->result_gen != caller->as.gen) {
		ep_stats.spans_walked++;
		if (!as_span_get(&caller->as, call->pc.result_addr, need, true,
		                 &fresh)) {
			pending_complete(&call->pc, CAPOS_E_BAD_POINTER, NULL,
			                 0, 0);
			*over = true;
			return CAPOS_E_BAD_POINTER;
		}
		sp = &fresh;
	}
	if (s->xfer_count) {
		const struct xfer_ops ops = {.on_copy = on_copy};
		struct cap_xfer_key key = {
		    .sender = (uint64_t)server->proc->pid << 32 | server->tid,
		    .seq = server->sqe_seq,
		};
		struct xfer_txn tx;
		capos_cap_t ids[CAPOS_XFER_MAX];
		int rc = xfer_prepare(&tx, &server->proc->caps, &caller->caps,
		                      &key, xfer, s->xfer_count);

		if (rc)
			return rc; /* the server keeps its caps and the call */
		xfer_commit(&tx, &ops, ids);
		memcpy(tail + (off - len), ids, 4 * s->xfer_count);
	}
	memset(tail, 0, off - len);
	/* Straight into the caller's buffer: message, padding, CapIds. */
	as_span_write(sp, 0, msg, len);
	if (need > len)
		as_span_write(sp, len, tail, need - len);
	pending_complete_handoff(
	    &call->pc, (int)len,
	    (flags & CAPOS_RETURN_EXCEPTION) ? CAPOS_CQE_EXCEPTION : 0, 0,
	    (uint16_t)s->xfer_count);
	*over = true;
	return 0;
}

int endpoint_return(struct thread *t, const struct capos_sqe *s,
                    const uint8_t *msg, uint32_t len,
                    const struct capos_xfer *xfer)
{
	struct ep_facet *f;
	struct ep_call *call;
	bool over = false;
	int rc = server_facet(t, s->cap, &f);

	if (rc)
		return rc;
	call = find_inflight(f->ep, s->call_id);
	if (!call)
		return CAPOS_E_BAD_SQE;
	if (call->state == EP_ORPHANED) {
		unlink_inflight(call);
		call_free(call);
		return CAPOS_E_PEER_CLOSED;
	}
	rc = answer(call, t, msg, len, s, xfer, &over);
	if (over) {
		unlink_inflight(call);
		call_free(call);
	}
	return rc;
}

/* ---- CALL on a client facet -------------------------------------------- */

/* Answers the CALL at once with an `overloaded` CapException (built on
 * the stack: it is short), through the same completion as an answer. */
static int call_overloaded(struct thread *t, const struct capos_sqe *s)
{
	uint8_t buf[128] __attribute__((aligned(8)));
	struct call c = {
	    .caller = t,
	    .result = buf,
	    .result_cap =
	        s->result_len < sizeof(buf) ? s->result_len : sizeof(buf),
	};
	struct pending_call pc;
	int rc = call_exception(&c, CAPEX_OVERLOADED,
	                        "the endpoint's queue is full");

	pending_init(&pc, t, s->user_data, s->result_addr, s->result_len, NULL);
	if (rc == CALL_REPLIED) {
		pending_complete_full(&pc, (int)c.result_len, buf, c.result_len,
		                      CAPOS_CQE_EXCEPTION, 0, 0);
	} else {
		pc.needed = c.needed;
		pending_complete_full(&pc, CAPOS_E_BUFFER_TOO_SMALL, NULL, 0, 0,
		                      0, 0);
	}
	return CALL_PENDING;
}

/*
 * The params go straight from the caller's memory into the queued call
 * (one copy; the ring makes no result buffer: the answer is written into
 * the caller's memory when it comes). Errors in the order the ring gives
 * them for other objects: pointers, framing, then the endpoint's own.
 */
int endpoint_client_route(struct kobject *o, struct thread *t,
                          const struct capos_sqe *s,
                          const struct capos_xfer *xfer)
{
	struct endpoint *ep = ((struct ep_facet *)o)->ep;
	struct process *p = t->proc;
	uint32_t len =
	    s->params_len ? s->params_len : sizeof(call_empty_message);
	uint64_t size = sizeof(struct ep_call) + len +
	                (s->xfer_count ? sizeof(struct xfer_txn) : 0);
	struct ep_call *call;
	int rc;

	/* The params are read through their span; an empty range must
	 * still name a user address. */
	if (!as_check_user(&p->as, s->params_addr, 0, false))
		return CAPOS_E_BAD_POINTER;
	call = call_alloc(ep, t, len, s->xfer_count != 0); /* set below */
	if (!call)
		return CAPOS_E_QUOTA;
	if (call->owner) /* the thread's own: paid for */
		size = 0;
	rc = call_resolve(call, t, s, len);
	if (rc)
		goto free;
	if (ep->closed) {
		rc = CAPOS_E_PEER_CLOSED;
		goto free;
	}
	if (ep->queued >= EP_QUEUE_MAX && !ep->receivers) {
		call_unalloc(ep, call);
		return call_overloaded(t, s);
	}
	if (ledger_charge(&p->ledger, LEDGER_ENDPOINT_QUEUE, 1)) {
		rc = CAPOS_E_QUOTA;
		goto free;
	}
	if (ledger_charge_kmem(p, size)) {
		rc = CAPOS_E_QUOTA;
		goto refund_queue;
	}
	if (s->xfer_count) {
		struct cap_xfer_key key = {.sender =
		                               (uint64_t)p->pid << 32 | t->tid,
		                           .seq = t->sqe_seq};

		call->tx = kmalloc(sizeof(*call->tx));
		rc = call->tx ? xfer_prepare_send(call->tx, &p->caps, &key,
		                                  xfer, s->xfer_count)
		              : CAPOS_E_QUOTA;
		if (rc) {
			kfree(call->tx);
			call->tx = NULL;
			ledger_refund_kmem(p, size);
			goto refund_queue;
		}
		hold_copies(call->tx, true);
	}
	call_fill(call, ep, t, s, len, size);
	call->next = NULL;
	call->call_id = 0;
	ep->refs++;
	ep_stats.calls++;
	ep_stats.queued += !ep->receivers;
	ep_stats.with_caps += s->xfer_count != 0;
	ep_stats.heap_params += call->params != call->inline_params;
	call->state = EP_QUEUED;
	*ep->queue_tail = call;
	ep->queue_tail = &call->next;
	ep->queued++;
	match(ep);
	return CALL_PENDING;
refund_queue:
	ledger_refund(&p->ledger, LEDGER_ENDPOINT_QUEUE, 1);
free:
	call_unalloc(ep, call);
	return rc;
}
