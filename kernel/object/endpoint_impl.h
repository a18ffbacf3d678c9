/*
 * endpoint_impl.h - what endpoint.c (calls: RECV, RETURN, CALL) and
 * endpoint_life.c (making, facets, closing) share: the records and the
 * functions each side needs of the other. Not for the rest of the kernel
 * (kernel/endpoint.h is).
 */
#ifndef CAPOS_ENDPOINT_IMPL_H
#define CAPOS_ENDPOINT_IMPL_H

#include <capos/endpoint.h>
#include <capos/ring.h>
#include <kernel/as.h>
#include <kernel/call.h>
#include <kernel/endpoint.h>
#include <kernel/kobject.h>
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
	struct process *caller;
	uint64_t kmem; /* charged to the caller's kernel memory */
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

/* Drops a reference; the last frees the endpoint and its spare records. */
void ep_put(struct endpoint *ep);
/* Frees a RECV record that is off every list (kept as the spare if
 * there is none). */
void recv_free(struct endpoint *ep, struct ep_recv *r);
/* Frees a call that is off every list, with whatever it still holds. */
void call_free(struct ep_call *call);
/* Completes a queued call with error and frees it, its moves rolled
 * back. */
void call_fail(struct ep_call *call, int error);
/* The client facet's route hook (kobject_ops.route): a CALL. */
int endpoint_client_route(struct kobject *o, struct thread *t,
                          const struct capos_sqe *s,
                          const struct capos_xfer *xfer);

#endif
