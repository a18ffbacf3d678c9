/*
 * serve.c - the server loop (rt_serve in rt_endpoint.h): RECV, dispatch
 * through a generated server table, RETURN.
 *
 * Each slot is one outstanding RECV with its own buffer and results
 * arena. A call's RETURN and the slot's next RECV are queued together and
 * go to the kernel with the next cap_enter, so under load one cap_enter
 * answers several calls and takes several new ones. The kernel reads a
 * RETURN's message when it takes the SQE, before it can complete that
 * slot's next RECV, so a slot's arena is free again once its RECV
 * completes. A RETURN that gives no capabilities is one SQE with that
 * RECV (CAPOS_RETURN_RECV: no CQE of its own unless it fails, and the
 * kernel's direct path to a waiting caller); one that gives some is
 * followed by the RECV and collected. A loop's state lives in its own
 * frame, so any number of threads may each run one.
 */
#include <string.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>

struct slot {
	uint8_t *recv;
	uint8_t *result;
	uint64_t recv_ud; /* the outstanding RECV; 0: none */
	uint64_t ret_ud;  /* the last RETURN, not yet collected; 0: none */
	struct capos_xfer give[CAPOS_XFER_MAX];
	uint16_t ngive;
};

/* One running rt_serve: on its caller's stack, found by the methods it
 * runs through the thread's state (so each thread may serve its own
 * endpoint at once). */
struct serving {
	struct slot slots[RT_SERVE_MAX_SLOTS];
	/* The call being dispatched (rt_serve_current, _throw, _give). */
	struct rt_incoming current;
	struct slot *current_slot;
	bool throwing;
};

static struct serving *serving(void)
{
	return rt_self()->serving;
}

const struct rt_incoming *rt_serve_current(void)
{
	struct serving *sv = serving();

	return sv && sv->current_slot ? &sv->current : NULL;
}

int rt_serve_throw(struct capnp_bstruct *results,
                   enum capos_exception_type type, const char *reason)
{
	struct serving *sv = serving();
	struct capos_cap_exception_builder e;

	/* A failed restart leaves the builder latched: dispatch then
	 * reports RESULTS_INVALID and the caller gets `failed`. */
	if (capnpc_results_restart(results, CAPOS_CAP_EXCEPTION_DATA_WORDS,
	                           CAPOS_CAP_EXCEPTION_PTR_WORDS,
	                           &e.s) == CAPNP_OK) {
		capos_cap_exception_set_type(&e, type);
		capos_cap_exception_set_reason(&e, reason,
		                               (uint32_t)strlen(reason));
	}
	if (sv)
		sv->throwing = true;
	return 0;
}

int rt_serve_give(const struct capos_xfer *xfer, uint16_t n)
{
	struct serving *sv = serving();

	if (!sv || !sv->current_slot || n > CAPOS_XFER_MAX)
		return CAPOS_E_TOO_LARGE;
	memcpy(sv->current_slot->give, xfer, n * sizeof(*xfer));
	sv->current_slot->ngive = n;
	return 0;
}

static void submit(const struct capos_sqe *sqe, uint64_t *ud)
{
	while (!(*ud = rt_submit(sqe)))
		rt_flush();
}

/* Queues the RETURN of call_id with the slot's arena[0..len), and with
 * it the slot's next RECV when it gives no caps. */
static void queue_return(const struct rt_server *s, struct slot *sl,
                         uint32_t call_id, uint32_t len, bool exception)
{
	struct capos_sqe sqe = {
	    .opcode = CAPOS_OP_RETURN,
	    .flags = exception ? CAPOS_RETURN_EXCEPTION : 0,
	    .cap = s->endpoint,
	    .params_addr = (uint64_t)sl->result,
	    .params_len = len,
	    .call_id = call_id,
	    .xfer_count = exception ? 0 : sl->ngive,
	    .xfer_addr = exception || !sl->ngive ? 0 : (uint64_t)sl->give,
	};

	if (exception)
		sl->ngive = 0;
	if (!sl->ngive) {
		/* Nothing to take back if it fails: its one CQE is the
		 * RECV's, or the RETURN's failure (serve drops it). */
		sqe.flags |= CAPOS_RETURN_RECV;
		sqe.result_addr = (uint64_t)sl->recv;
		sqe.result_len = s->recv_size;
		submit(&sqe, &sl->recv_ud);
		return;
	}
	submit(&sqe, &sl->ret_ud);
}

static void queue_exception(const struct rt_server *s, struct slot *sl,
                            uint32_t call_id, enum capos_exception_type type,
                            const char *reason)
{
	uint32_t len =
	    rt_exception_build(sl->result, s->result_size, type, reason);

	queue_return(s, sl, call_id, len, true);
}

/* Reads the slot's last RETURN; a failed one drops the caps it moved. */
static void collect_return(struct slot *sl)
{
	struct capos_cqe cqe;

	if (!sl->ret_ud)
		return;
	if (rt_wait(sl->ret_ud, &cqe) == 0 && cqe.result < 0) {
		for (uint16_t i = 0; i < sl->ngive; i++)
			if (sl->give[i].mode == CAPOS_XFER_MOVE)
				rt_release(sl->give[i].cap);
	}
	sl->ret_ud = 0;
	sl->ngive = 0;
}

/* Runs one call through the dispatch and queues its answer. */
static void serve_one(const struct rt_server *s, struct serving *sv,
                      struct slot *sl, const struct rt_incoming *in)
{
	uint32_t id = in->hdr->call_id;
	size_t len = 0;
	int rc;

	sv->current = *in;
	sv->current_slot = sl;
	sv->throwing = false;
	rc = s->dispatch(s->ops, s->ctx, in->hdr->method, in->params,
	                 in->params_len, sl->result, s->result_size, &len);
	sv->current_slot = NULL;
	switch (rc) {
	case CAPNPC_DISPATCH_OK:
		queue_return(s, sl, id, (uint32_t)len, sv->throwing);
		break;
	case RT_SERVE_LATER:
		sl->ngive = 0;
		break;
	case CAPNPC_DISPATCH_UNKNOWN_METHOD:
	case CAPNPC_DISPATCH_UNIMPLEMENTED:
		queue_exception(s, sl, id, CAPOS_EXCEPTION_TYPE_UNIMPLEMENTED,
		                "no such method");
		break;
	case CAPNPC_DISPATCH_BAD_PARAMS:
		queue_exception(s, sl, id,
		                CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
		                "params are not a message");
		break;
	case CAPNPC_DISPATCH_RESULTS_TOO_SMALL:
		queue_exception(s, sl, id, CAPOS_EXCEPTION_TYPE_FAILED,
		                "results too large");
		break;
	default:
		queue_exception(s, sl, id, CAPOS_EXCEPTION_TYPE_FAILED,
		                "server error");
		break;
	}
}

static bool valid(const struct rt_server *s)
{
	return s->dispatch && s->buffers && !((uint64_t)s->buffers & 7) &&
	       s->slots >= 1 && s->slots <= RT_SERVE_MAX_SLOTS &&
	       s->recv_size >= sizeof(struct capos_recv_header) &&
	       !(s->recv_size & 7) && s->result_size >= RT_SERVE_RESULT_MIN &&
	       !(s->result_size & 7);
}

static void queue_recv(const struct rt_server *s, struct slot *sl)
{
	while (!(sl->recv_ud =
	             rt_recv_submit(s->endpoint, sl->recv, s->recv_size)))
		rt_flush();
}

/* Serves until an error stops it; sv is the caller's state. */
static int serve(const struct rt_server *s, struct serving *sv)
{
	struct slot *slots = sv->slots;
	uint64_t uds[RT_SERVE_MAX_SLOTS];
	uint8_t *p = s->buffers;

	for (uint32_t i = 0; i < s->slots; i++) {
		slots[i] = (struct slot){.recv = p, .result = p + s->recv_size};
		p += s->recv_size + s->result_size;
		queue_recv(s, &slots[i]);
	}
	for (;;) {
		struct rt_incoming in;
		struct capos_cqe cqe;
		struct slot *sl;
		int i, rc;

		for (uint32_t k = 0; k < s->slots; k++)
			uds[k] = slots[k].recv_ud;
		i = rt_wait_any(uds, s->slots, &cqe);
		if (i < 0)
			return i;
		sl = &slots[i];
		sl->recv_ud = 0;
		if (cqe.flags & CAPOS_CQE_RETURN_FAILED) {
			/* A RETURN without caps that failed (the caller is
			 * gone, or cannot take the answer): no RECV made. */
			queue_recv(s, sl);
			continue;
		}
		collect_return(sl);
		rc = rt_recv_decode(&cqe, sl->recv, s->recv_size, &in);
		if (rc == CAPOS_E_BAD_MESSAGE)
			queue_exception(s, sl, cqe.call_id,
			                CAPOS_EXCEPTION_TYPE_FAILED,
			                "bad RECV header");
		else if (rc < 0)
			return rc;
		else
			serve_one(s, sv, sl, &in);
		if (!sl->recv_ud) /* not made with the RETURN */
			queue_recv(s, sl);
	}
}

int rt_serve(const struct rt_server *s)
{
	struct rt_thread *t = rt_self();
	struct serving sv = {0};
	void *outer = t->serving; /* a method may serve another endpoint */
	int rc;

	if (!valid(s))
		return CAPOS_E_BAD_SQE;
	t->serving = &sv;
	rc = serve(s, &sv);
	t->serving = outer;
	return rc;
}
