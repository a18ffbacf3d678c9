/*
 * ep.h - what the endpoint tests share (user/epbasic, user/eptransfer,
 * user/epdeath and their children user/epserver and user/epclient): the
 * test protocol spoken over an Echo endpoint, how a child learns its role,
 * and raw SQEs for CALL, RECV and RETURN, written by hand so that a test
 * can submit exactly what a hostile program would.
 *
 * Header only: user/eplib has no .c file, so it is not a program.
 *
 * The protocol. Every endpoint of the tests declares the schema's Echo
 * interface. Every message, params and results, is an Echo.echo message
 * (one Data field), so one encoder serves both directions; the method
 * ordinal says what epserver does with it (Echo itself has only method 0:
 * the kernel routes any ordinal unread):
 *
 *   EP_ECHO    answers with the params unchanged
 *   EP_THROW   answers with a CapException (failed, EP_THROW_REASON)
 *   EP_HEADER  answers with the 48-byte capos_recv_header it received
 *   EP_TAKE    keeps the capabilities that came with the call; data is a
 *              struct ep_take: for memory, maps each one, checks that
 *              word 0 holds `pattern`, writes ~pattern to word 1, unmaps;
 *              answers with a struct ep_take_reply
 *   EP_GIVE    answers with one kept capability (struct ep_give) as a
 *              RETURN transfer; after a move it checks that its own slot
 *              is gone (ep_status.given_old_rc)
 *   EP_STATUS  answers with its struct ep_status
 *   EP_HOLD    keeps the call unanswered
 *   EP_FINISH  RETURNs every held call (empty results), records each
 *              RETURN's own result, and answers with its ep_status
 *   EP_STOP    answers with its ep_status, then never RECVs again
 *   EP_EXIT    exits at once, answering nothing
 *   EP_DROP    releases every kept capability; answers with its ep_status
 *   EP_CLOSE   answers with its ep_status, releases its server facet (its
 *              last), then never RECVs again
 *   other      a CapException unimplemented
 */
#ifndef CAPOS_USER_EP_H
#define CAPOS_USER_EP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <capnp/capnp.h>
#include <capnpc_c.h>
#include <capos/endpoint.h>
#include <capos/rt.h>
#include <capos/rt_process.h>

#define EP_IFACE         CAPOS_ECHO_INTERFACE_ID
#define EP_IFACE_SERVER  CAPOS_ENDPOINT_INTERFACE_ID
#define EP_IFACE_FACTORY CAPOS_ENDPOINT_FACTORY_INTERFACE_ID
#define EP_QUEUE_MAX     64 /* calls queued on one endpoint (kernel limit) */
#define EP_HELD_MAX      16 /* calls or caps epserver keeps */
#define EP_RECV_BUF      8192
#define EP_THROW_REASON  "epserver threw"
#define EP_ONE_MS        (1000ull * 1000)

enum ep_method {
	EP_ECHO = 0,
	EP_THROW = 1,
	EP_HEADER = 2,
	EP_TAKE = 3,
	EP_GIVE = 4,
	EP_STATUS = 5,
	EP_HOLD = 6,
	EP_FINISH = 7,
	EP_STOP = 8,
	EP_EXIT = 9,
	EP_DROP = 10,
	EP_CLOSE = 11,
};

/* EP_TAKE's data. kind: what the transferred caps are. */
#define EP_KIND_OTHER  0 /* keep them, touch nothing */
#define EP_KIND_MEMORY 1 /* MemoryObjects: map, check, write, unmap */
struct ep_take {
	uint64_t pattern;
	uint32_t kind;
	uint32_t reserved;
};

struct ep_take_reply {
	uint32_t caps;    /* capabilities that came with this call */
	uint32_t matched; /* memory: how many held `pattern` in word 0 */
	int32_t map_rc;   /* memory: the first failed pages/map/unmap, or 0 */
	uint32_t held;    /* capabilities kept now */
};

/* EP_GIVE's data: kept capability `index` (in arrival order), copied or
 * moved (CAPOS_XFER_*). */
struct ep_give {
	uint32_t index;
	uint32_t mode;
};

struct ep_status {
	uint32_t calls;         /* calls received, this one included */
	uint32_t caps_received; /* capabilities that came with them */
	uint32_t caps_held;     /* kept now (received, not given or dropped) */
	uint32_t memory_live;   /* kept MemoryObjects that answer pages() */
	int32_t last_recv_err;  /* the last failed RECV's result, or 0 */
	uint32_t recv_errors;
	int32_t last_return_rc; /* the RETURN before this answer */
	int32_t given_old_rc;   /* pages() on the old CapId after a GIVE move */
	uint32_t id_mismatches; /* header call_id != CQE call_id */
	uint32_t calls_held;
	uint32_t nfinished; /* EP_FINISH: RETURNs done, results below */
	uint32_t reserved;
	int32_t finished_rc[EP_HELD_MAX];
};

/*
 * A child's role. epclient finds its endpoint (a client facet of Echo) by
 * a CapSet name that also carries its orders, "ep <mode> <id> <n>":
 *   many: n echo calls, four in flight, each tagged with id and its
 *         sequence number; exit code: the answers that were not exactly
 *         its own params (0: all right)
 *   fill: n (<= 16) echo calls submitted at once, then waits for all;
 *         exit code EP_FILL_CODE(ok, quota, overloaded, other)
 *   one:  one call of method n, moving "mem" with it if it was granted
 *         one; exit code EP_ONE_OK, EP_ONE_EXCEPTION, EP_ONE_WRONG or
 *         EP_ONE_ERROR(result)
 */
#define EP_FILL_CODE(ok, quota, over, other) \
	((ok) | (quota) << 8 | (over) << 16 | (other) << 24)
#define EP_ONE_OK        0
#define EP_ONE_EXCEPTION 1
#define EP_ONE_WRONG     2 /* an echo answered with other data */
#define EP_ONE_SETUP     99
#define EP_ONE_ERROR(rc) (100 - (rc)) /* 108: CAPOS_E_PEER_CLOSED */

/* --- messages ------------------------------------------------------ */

/* Encodes an Echo message holding data[0..len) in arena. Returns its
 * length (> 0), or 0 if the arena is too small. */
static inline uint32_t ep_msg(void *arena, size_t arena_size, const void *data,
                              uint32_t len, const uint8_t **msg)
{
	size_t n = 0;

	if (capos_echo_echo_encode_params(arena, arena_size, data, len, msg,
	                                  &n))
		return 0;
	return (uint32_t)n;
}

/* The data of the Echo message bytes[0..len). Returns 0 with *d, *dlen. */
static inline int ep_msg_data(const void *bytes, uint32_t len,
                              const uint8_t **d, uint32_t *dlen)
{
	struct capnpc_msg m;
	struct capos_echo_echo_results r;

	*d = NULL;
	*dlen = 0;
	if (capos_echo_echo_decode_results(bytes, len, &m, &r) ||
	    capos_echo_echo_results_get_data(&r, d, dlen))
		return -1;
	return 0;
}

/* Copies exactly `size` bytes of an Echo message's data to out. Returns
 * true if the data had exactly that size. */
static inline bool ep_msg_get(const void *bytes, uint32_t len, void *out,
                              uint32_t size)
{
	const uint8_t *d;
	uint32_t n;

	if (ep_msg_data(bytes, len, &d, &n) || n != size)
		return false;
	memcpy(out, d, size);
	return true;
}

/* A CapException's type from bytes[0..len), or -1. */
static inline int ep_exception_type(const void *bytes, uint32_t len)
{
	struct capnpc_msg m;
	struct capos_cap_exception e;

	if (capos_cap_exception_decode(bytes, len, &m, &e))
		return -1;
	return (int)capos_cap_exception_get_type(&e);
}

/* Copies a CapException's reason to why[0..n), NUL terminated. */
static inline void ep_exception_reason(const void *bytes, uint32_t len,
                                       char *why, uint32_t n)
{
	struct capnpc_msg m;
	struct capos_cap_exception e;
	const char *s;
	uint32_t sl;

	why[0] = 0;
	if (capos_cap_exception_decode(bytes, len, &m, &e) ||
	    capos_cap_exception_get_reason(&e, &s, &sl))
		return;
	if (sl >= n)
		sl = n - 1;
	memcpy(why, s, sl);
	why[sl] = 0;
}

/* The i-th CapId after a result message of rc bytes. */
static inline capos_cap_t ep_result_cap(const void *res, int rc, uint32_t i)
{
	capos_cap_t c;

	memcpy(&c, (const uint8_t *)res + (((uint32_t)rc + 7) & ~7u) + 4 * i,
	       sizeof(c));
	return c;
}

/* --- raw SQEs ------------------------------------------------------- */

/* Queues an SQE, flushing while the SQ is full. Returns its user_data. */
static inline uint64_t ep_submit(const struct capos_sqe *sqe)
{
	uint64_t ud;

	while (!(ud = rt_submit(sqe)))
		rt_flush();
	return ud;
}

static inline struct capos_sqe ep_call_sqe(capos_cap_t cap, uint16_t method,
                                           const void *params, uint32_t len,
                                           void *res, uint32_t res_len,
                                           const struct capos_xfer *x,
                                           uint16_t nx)
{
	return (struct capos_sqe){.opcode = CAPOS_OP_CALL,
	                          .method = method,
	                          .cap = cap,
	                          .params_addr = (uint64_t)params,
	                          .params_len = len,
	                          .result_addr = (uint64_t)res,
	                          .result_len = res_len,
	                          .xfer_count = nx,
	                          .xfer_addr = nx ? (uint64_t)x : 0};
}

/* A CALL, not waited for. Returns its user_data. */
static inline uint64_t ep_call_submit(capos_cap_t cap, uint16_t method,
                                      const void *params, uint32_t len,
                                      void *res, uint32_t res_len,
                                      const struct capos_xfer *x, uint16_t nx)
{
	struct capos_sqe s =
	    ep_call_sqe(cap, method, params, len, res, res_len, x, nx);

	return ep_submit(&s);
}

/* A RECV on server facet `server` into buf, not waited for. */
static inline uint64_t ep_recv_submit(capos_cap_t server, void *buf,
                                      uint32_t len)
{
	struct capos_sqe s = {.opcode = CAPOS_OP_RECV,
	                      .cap = server,
	                      .result_addr = (uint64_t)buf,
	                      .result_len = len};

	return ep_submit(&s);
}

/* RETURN of call_id with msg[0..len) (flags: CAPOS_RETURN_*) and xfer.
 * Returns RETURN's own result. */
static inline int ep_return(capos_cap_t server, uint32_t call_id,
                            const void *msg, uint32_t len, uint8_t flags,
                            const struct capos_xfer *x, uint16_t nx)
{
	struct capos_sqe s = {.opcode = CAPOS_OP_RETURN,
	                      .flags = flags,
	                      .cap = server,
	                      .call_id = call_id,
	                      .params_addr = (uint64_t)msg,
	                      .params_len = len,
	                      .xfer_count = nx,
	                      .xfer_addr = nx ? (uint64_t)x : 0};
	struct capos_cqe cqe;
	int rc = rt_wait(ep_submit(&s), &cqe);

	return rc < 0 ? rc : cqe.result;
}

/* Where a RECV buffer's params start. */
static inline const uint8_t *ep_recv_params(const void *buf)
{
	const struct capos_recv_header *h = buf;

	return (const uint8_t *)buf + capos_recv_params_offset(h->caps);
}

static inline const capos_cap_t *ep_recv_caps(const void *buf)
{
	return (const capos_cap_t *)((const uint8_t *)buf +
	                             sizeof(struct capos_recv_header));
}

/* --- endpoints and processes --------------------------------------- */

/*
 * EndpointFactory.create(iface). Returns 0 with *server and *client; a
 * transport error (< 0); or 1 for a CapException, its type in *exc.
 */
static inline int ep_create(capos_cap_t factory, uint64_t iface,
                            capos_cap_t *server, capos_cap_t *client, int *exc)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[128] __attribute__((aligned(8)));
	struct capos_endpoint_factory_create_results r;
	struct capnpc_msg m;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	uint32_t si, ci;
	int rc;

	*exc = -1;
	if (capos_endpoint_factory_create_encode_params(arena, sizeof(arena),
	                                                iface, &msg, &len))
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(factory, CAPOS_ENDPOINT_FACTORY_METHOD_CREATE, msg,
	                  (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	if (rc < 0)
		return rc;
	if (cqe.flags & CAPOS_CQE_EXCEPTION) {
		*exc = ep_exception_type(res, (uint32_t)rc);
		return 1;
	}
	if (capos_endpoint_factory_create_decode_results(res, (size_t)rc, &m,
	                                                 &r))
		return CAPOS_E_BAD_MESSAGE;
	si = capos_endpoint_factory_create_results_get_server(&r);
	ci = capos_endpoint_factory_create_results_get_client(&r);
	if (si >= cqe.caps || ci >= cqe.caps)
		return CAPOS_E_BAD_MESSAGE;
	*server = ep_result_cap(res, rc, si);
	*client = ep_result_cap(res, rc, ci);
	return 0;
}

/*
 * ProcessSpawner.spawn with a session label (rt_spawn has none): grant i
 * is descriptor i. Returns 0 with *handle, a transport error, or
 * CAPOS_E_NOT_ALLOWED for a CapException (its reason in why[0..why_len)).
 */
static inline int ep_spawn(capos_cap_t spawner, const char *name,
                           const char *binary, const struct rt_grant *g,
                           uint32_t n, const struct rt_quotas *q,
                           uint64_t session, capos_cap_t *handle, char *why,
                           uint32_t why_len)
{
	static uint8_t arena[2048] __attribute__((aligned(8)));
	uint8_t res[128] __attribute__((aligned(8)));
	struct capos_xfer x[CAPOS_XFER_MAX];
	struct capnp_builder b;
	struct capos_process_spawner_spawn_params_builder p;
	struct capos_list_of_spawn_grant_builder gl;
	struct capos_spawn_grant_builder gb;
	struct capos_quotas_builder qb;
	struct capos_process_spawner_spawn_results r;
	struct capnpc_msg m;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	uint32_t idx;
	int rc;

	why[0] = 0;
	if (n > CAPOS_XFER_MAX)
		return CAPOS_E_TOO_LARGE;
	capos_process_spawner_spawn_build_params(&b, arena, sizeof(arena), &p);
	capos_process_spawner_spawn_params_set_name(&p, name,
	                                            (uint32_t)strlen(name));
	capos_process_spawner_spawn_params_set_binary(&p, binary,
	                                              (uint32_t)strlen(binary));
	capos_process_spawner_spawn_params_set_session(&p, session);
	if (n)
		capos_process_spawner_spawn_params_init_grants(&p, n, &gl);
	for (uint32_t i = 0; i < n; i++) {
		capos_list_of_spawn_grant_builder_get(&gl, i, &gb);
		capos_spawn_grant_set_name(&gb, g[i].name,
		                           (uint32_t)strlen(g[i].name));
		capos_spawn_grant_set_cap(&gb, i);
		x[i] = (struct capos_xfer){.cap = g[i].cap, .mode = g[i].mode};
	}
	capos_process_spawner_spawn_params_init_quotas(&p, &qb);
	capos_quotas_set_frames(&qb, q->frames);
	capos_quotas_set_cap_slots(&qb, q->cap_slots);
	capos_quotas_set_threads(&qb, q->threads);
	capos_quotas_set_endpoint_queue(&qb, q->endpoint_queue);
	capos_quotas_set_kernel_memory(&qb, q->kernel_memory);
	if (capnp_builder_finish(&b, &msg, &len))
		return CAPOS_E_TOO_LARGE;
	rc =
	    rt_call_xfer(spawner, CAPOS_PROCESS_SPAWNER_METHOD_SPAWN, msg,
	                 (uint32_t)len, res, sizeof(res), x, (uint16_t)n, &cqe);
	if (rc < 0)
		return rc;
	if (cqe.flags & CAPOS_CQE_EXCEPTION) {
		ep_exception_reason(res, (uint32_t)rc, why, why_len);
		return CAPOS_E_NOT_ALLOWED;
	}
	if (capos_process_spawner_spawn_decode_results(res, (size_t)rc, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	idx = capos_process_spawner_spawn_results_get_process(&r);
	if (idx >= cqe.caps)
		return CAPOS_E_BAD_MESSAGE;
	*handle = ep_result_cap(res, rc, idx);
	return 0;
}

#endif
