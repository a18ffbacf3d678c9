/*
 * rt_endpoint.h - the runtime's side of endpoints (docs/endpoints.md):
 * making one, serving it (RECV, dispatch through a generated server table,
 * RETURN) and calling it through typed client stubs.
 *
 * A server facet (Endpoint) receives calls; a client facet (a ClientEndpoint
 * of the declared interface) makes them with an ordinary CALL. The kernel's
 * ABI for RECV and RETURN is include/capos/endpoint.h. Every thread may
 * call and serve at once: each uses its own ring, and rt_serve keeps its
 * state per thread.
 */
#ifndef CAPOS_RT_ENDPOINT_H
#define CAPOS_RT_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/capid.h>
#include <capos/endpoint.h>
#include <capos/ring.h>
#include <capos/rt.h> /* struct rt_exception */
#include <capos/transfer.h>

#define RT_IFACE_ENDPOINT_FACTORY CAPOS_ENDPOINT_FACTORY_INTERFACE_ID
#define RT_IFACE_ENDPOINT         CAPOS_ENDPOINT_INTERFACE_ID
#define RT_IFACE_ECHO             CAPOS_ECHO_INTERFACE_ID

/*
 * A runtime result, not a kernel error (those are -1..-16): the callee
 * answered with a CapException. rt_exception_last() says which.
 */
#define RT_E_EXCEPTION (-100)

/* A RECV buffer this large takes any call: the header, the most CapIds
 * one SQE can transfer, and the largest params message. */
#define RT_RECV_MAX \
	(sizeof(struct capos_recv_header) + 4 * CAPOS_XFER_MAX + CAPOS_MSG_MAX)

/*
 * Reads the CapException in result[0..len) into *ex. Returns 0, or
 * CAPOS_E_BAD_MESSAGE (*ex then says "failed" with an empty reason).
 */
int rt_exception_decode(const void *result, uint32_t len,
                        struct rt_exception *ex);

/* The CapException that made the calling thread's last typed stub here
 * return RT_E_EXCEPTION (overwritten by its next one). */
const struct rt_exception *rt_exception_last(void);

/*
 * The CapId of result capability `index` (a CapIndex the results name) of
 * a CALL that completed with *cqe into `result`: the CapIds follow the
 * message at the next 8-byte boundary (docs/abi.md). Returns 0 with *cap,
 * or CAPOS_E_BAD_MESSAGE if index is not below cqe->caps or the CapIds do
 * not fit in result_size bytes.
 */
int rt_result_cap(const void *result, uint32_t result_size,
                  const struct capos_cqe *cqe, uint32_t index,
                  capos_cap_t *cap);

/*
 * EndpointFactory.create: a new endpoint serving interface_id (never 0).
 * Returns 0 with *server (the Endpoint: RECV and RETURN, move only) and
 * *client (a client facet of interface_id: copy and move); a transport
 * error (CAPOS_E_QUOTA: the caller's kernelMemory or cap slots are
 * spent); or RT_E_EXCEPTION (interface_id 0).
 */
int rt_endpoint_create(capos_cap_t factory, uint64_t interface_id,
                       capos_cap_t *server, capos_cap_t *client);

/* One received call: pointers into the RECV buffer, valid until the
 * buffer is reused. */
struct rt_incoming {
	const struct capos_recv_header *hdr; /* call id, method, session */
	const capos_cap_t *caps;             /* hdr->caps transferred caps */
	const void *params;                  /* the params message */
	uint32_t params_len;
};

/*
 * Queues a RECV on server into buf[0..len) (8-aligned, alive until its
 * CQE arrives). Returns its user_data, or 0 when the SQ is full (flush and
 * retry).
 */
uint64_t rt_recv_submit(capos_cap_t server, void *buf, uint32_t len);

/*
 * Reads the call a RECV's CQE delivered into buf[0..len). Returns 0 with
 * *in; the CQE's error (CAPOS_E_BUFFER_TOO_SMALL with cqe->needed: the
 * call stays queued and takes a bigger buffer); or CAPOS_E_BAD_MESSAGE if
 * the header does not describe what was written.
 */
int rt_recv_decode(const struct capos_cqe *cqe, const void *buf, uint32_t len,
                   struct rt_incoming *in);

/* Blocks until a call arrives on server (rt_recv_submit + rt_wait +
 * rt_recv_decode). Returns as rt_recv_decode. */
int rt_recv(capos_cap_t server, void *buf, uint32_t len,
            struct rt_incoming *in);

/*
 * Answers call call_id on server with the message msg[0..len) (len 0: the
 * empty struct), as a CapException if `exception`, handing the caller
 * xfer[0..n) (their CapIds follow the message in its result buffer).
 * Blocks for RETURN's own completion: 0; CAPOS_E_PEER_CLOSED (the caller
 * is gone: nothing was transferred, every cap is still the server's);
 * CAPOS_E_BAD_SQE (no such call outstanding); another transport error.
 */
int rt_return(capos_cap_t server, uint32_t call_id, const void *msg,
              uint32_t len, bool exception, const struct capos_xfer *xfer,
              uint16_t n);

/*
 * Builds a CapException message of `type` with `reason` in arena[0..size)
 * (an 8-aligned buffer). Returns its length, or 0 if it does not fit
 * (it needs 32 bytes plus the reason and a NUL rounded up to 8).
 */
uint32_t rt_exception_build(void *arena, size_t size,
                            enum capos_exception_type type, const char *reason);

/* Answers call_id with a CapException (rt_exception_build, rt_return). */
int rt_return_exception(capos_cap_t server, uint32_t call_id,
                        enum capos_exception_type type, const char *reason);

/* ---- The server loop ---- */

/*
 * A generated dispatch (capos_<iface>_dispatch, docs/codegen.md) with its
 * ops table as const void *. RT_DISPATCH(capos_echo) defines
 * capos_echo_rt_dispatch, which calls capos_echo_dispatch with the right
 * types.
 */
typedef int (*rt_dispatch_fn)(const void *ops, void *ctx, uint16_t method,
                              const void *params, size_t params_len,
                              void *result_arena, size_t result_size,
                              size_t *result_len);

#define RT_DISPATCH(prefix)                                                    \
	static int prefix##_rt_dispatch(                                       \
	    const void *ops, void *ctx, uint16_t method, const void *params,   \
	    size_t params_len, void *arena, size_t size, size_t *len)          \
	{                                                                      \
		return prefix##_dispatch(ops, ctx, method, params, params_len, \
		                         arena, size, len);                    \
	}

#define RT_SERVE_MAX_SLOTS 8 /* RECVs outstanding (up to two SQEs each) */

/*
 * What rt_serve serves. `buffers` holds, per slot, a RECV buffer of
 * recv_size bytes and a results arena of result_size bytes (both
 * multiples of 8): RT_SERVE_BUFFERS(slots, recv_size, result_size) bytes,
 * 8-aligned. A recv_size below RT_RECV_MAX lets a caller with a bigger
 * message stop the loop (see rt_serve); result_size must hold the largest
 * results and a CapException (at least RT_SERVE_RESULT_MIN).
 */
struct rt_server {
	capos_cap_t endpoint; /* the server facet */
	rt_dispatch_fn dispatch;
	const void *ops;
	void *ctx;
	uint32_t slots; /* 1..RT_SERVE_MAX_SLOTS */
	uint32_t recv_size;
	uint32_t result_size;
	void *buffers;
};

#define RT_SERVE_RESULT_MIN 128

#define RT_SERVE_BUFFERS(slots, recv_size, result_size) \
	((size_t)(slots) * ((recv_size) + (result_size)))

/*
 * Serves calls on s->endpoint: keeps s->slots RECVs outstanding; for each
 * call, runs the dispatch with the slot's results arena and RETURNs what
 * it built. A method's outcome becomes:
 *   0                    its results (or the CapException it made with
 *                        rt_serve_throw)
 *   RT_SERVE_LATER       nothing now: the method kept the call id
 *                        (rt_serve_current) and answers it itself later
 *                        with rt_return
 *   an unknown ordinal or a NULL entry: an `unimplemented` CapException
 *   params that are not a message: an `invalidArgument` CapException
 *   results too big for the arena, a misused builder, any other nonzero
 *   return: a `failed` CapException
 * Caps given with rt_serve_give go with the results only (not with a
 * CapException: they stay the server's). A RETURN that fails (the caller
 * died) is dropped, and the caps the method chose to move to that caller
 * are released, as they would have left the server anyway.
 * Returns only on an error that stops serving: a RECV's error
 * (CAPOS_E_BAD_CAP: the endpoint is not the caller's; CAPOS_E_PEER_CLOSED:
 * the endpoint closed; CAPOS_E_BUFFER_TOO_SMALL: a call needs more than
 * recv_size, and it stays first in the queue), CAPOS_E_BAD_SQE for a bad
 * *s, or a cap_enter error.
 */
int rt_serve(const struct rt_server *s);

#define RT_SERVE_LATER 1

/*
 * From inside a method run by rt_serve: answer with a CapException of
 * `type` and `reason` instead of the results (built in place of them).
 * Returns 0, which the method returns; on a builder error the call gets a
 * `failed` CapException instead.
 */
int rt_serve_throw(struct capnp_bstruct *results,
                   enum capos_exception_type type, const char *reason);

/* From inside a method run by rt_serve: the call being served. */
const struct rt_incoming *rt_serve_current(void);

/*
 * From inside a method run by rt_serve: hand xfer[0..n) to the caller with
 * the results (copy or move; at most CAPOS_XFER_MAX). Returns 0, or
 * CAPOS_E_TOO_LARGE for more than that or outside a method.
 */
int rt_serve_give(const struct capos_xfer *xfer, uint16_t n);

/* ---- Typed client stubs ---- */

/* The most data one Echo.echo can carry (its results must fit a message). */
#define RT_ECHO_MAX (CAPOS_MSG_MAX - 64)

/*
 * Echo.echo through client: sends data[0..len) and copies what comes back
 * into out[0..out_cap). Returns 0 with *out_len; a transport error
 * (CAPOS_E_PEER_CLOSED: the server is gone; CAPOS_E_TOO_LARGE: len above
 * RT_ECHO_MAX; CAPOS_E_BUFFER_TOO_SMALL: the answer has *out_len bytes,
 * more than out_cap); CAPOS_E_BAD_MESSAGE (the results do not decode); or
 * RT_E_EXCEPTION (rt_exception_last: e.g. `overloaded`, the queue is
 * full). Calls of up to 512 bytes build their messages on the caller's
 * stack (a server answering one with more than 512 bytes gets it
 * CAPOS_E_BUFFER_TOO_SMALL with *out_len 0); larger ones share one
 * static buffer, one thread at a time.
 */
int rt_echo(capos_cap_t client, const void *data, uint32_t len, void *out,
            uint32_t out_cap, uint32_t *out_len);

/*
 * The Echo method for a capos_echo_server_ops: answers with the call's
 * data; data that is not Data is invalidArgument. ctx (the rt_server's)
 * is NULL or a uint32_t counting the calls answered (atomically).
 */
int rt_echo_answer(void *ctx, const struct capos_echo_echo_params *params,
                   struct capos_echo_echo_results_builder *results);

/*
 * The SQEs of the leanest server loop, one that answers each call with
 * its own params (the benchmarks' and tests' raw echo): the first RECV
 * into buf[0..len), then for each call one RETURN that makes the next
 * RECV (CAPOS_RETURN_RECV) into the same buffer, its params taken from
 * where the last RECV (whose CQE is cqe) put them: the kernel reads them
 * before the RECV can overwrite them. The RETURN takes the kernel's
 * direct path to a waiting caller (docs/endpoints.md).
 */
static inline struct capos_sqe rt_recv_sqe(capos_cap_t server, void *buf,
                                           uint32_t len)
{
	return (struct capos_sqe){.opcode = CAPOS_OP_RECV,
	                          .cap = server,
	                          .result_addr = (uint64_t)buf,
	                          .result_len = len};
}

static inline struct capos_sqe
rt_echo_return_recv_sqe(capos_cap_t server, const struct capos_cqe *cqe,
                        void *buf, uint32_t len)
{
	const struct capos_recv_header *h = buf;

	return (struct capos_sqe){
	    .opcode = CAPOS_OP_RETURN,
	    .flags = CAPOS_RETURN_RECV,
	    .cap = server,
	    .call_id = cqe->call_id,
	    .params_addr = (uint64_t)buf + capos_recv_params_offset(h->caps),
	    .params_len = h->params_len,
	    .result_addr = (uint64_t)buf,
	    .result_len = len,
	};
}

/*
 * The raw echo loop's wait: for the RECV (or the RETURN that RECVs) whose
 * user_data is *ud, just queued. A RETURN that failed made no RECV: it
 * is made again here (*ud its new user_data) and the wait goes on.
 * Returns 0 with *cqe (a call in buf[0..len)), or a negative error (the
 * wait's or the RECV's).
 */
static inline int rt_echo_wait(capos_cap_t server, void *buf, uint32_t len,
                               uint64_t *ud, struct capos_cqe *cqe)
{
	for (;;) {
		int rc = rt_enter_wait(*ud, cqe);
		struct capos_sqe recv;

		if (rc < 0)
			return rc;
		if (!(cqe->flags & CAPOS_CQE_RETURN_FAILED))
			return cqe->result < 0 ? cqe->result : 0;
		recv = rt_recv_sqe(server, buf, len);
		*ud = rt_submit(&recv);
	}
}

#endif
