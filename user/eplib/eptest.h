/*
 * eptest.h - the parent side of the endpoint tests (epbasic, eptransfer,
 * epdeath): their capabilities, ledgers, spawning epserver and epclient,
 * waiting with a deadline, and calls in the protocol of ep.h. Reports go
 * through user/spawntest/check.h.
 */
#ifndef CAPOS_USER_EPTEST_H
#define CAPOS_USER_EPTEST_H

#include "../testlib/report.h"
#include "ep.h"

#define EP_POLL_MS 3000 /* longest wait for a child to reach a state */

static capos_cap_t timer, frames, spawner, factory;

/* Small enough that a test can run several at once. */
static const struct rt_quotas server_q = {
    .frames = 128,
    .cap_slots = 16,
    .threads = 2,
    .endpoint_queue = 0,
    .kernel_memory = 40960,
};
/* kernelMemory: the process, its thread (16 KiB kernel stack) and
 * endpoint_queue call records, with room to spare. */
static const struct rt_quotas client_q = {
    .frames = 96,
    .cap_slots = 8,
    .threads = 1,
    .endpoint_queue = 16,
    .kernel_memory = 36864,
};

/* Finds the test's capabilities; false (reported) if one is missing. */
static inline bool ept_init(const char *prog)
{
	report_prog = prog;
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	report_spawner = spawner =
	    rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	factory = rt_capset_find("endpoints", EP_IFACE_FACTORY);
	if (!report_con)
		return false;
	return check(timer && frames && spawner && factory,
	             "granted timer, frames, spawner and endpoints");
}

/* A new endpoint of EP_IFACE; false (reported) if create failed. */
static inline bool ept_create(capos_cap_t *server, capos_cap_t *client)
{
	int exc, rc = ep_create(factory, EP_IFACE, server, client, &exc);

	if (rc)
		check(false, "create an endpoint: %s (exception %d)",
		      err_name(rc), exc);
	return rc == 0;
}

/* Spawns epserver with `server` moved in as its "server". Returns its
 * handle, or 0 (reported). */
static inline capos_cap_t spawn_server(capos_cap_t server,
                                       const struct rt_quotas *q)
{
	struct rt_grant g = {"server", server, CAPOS_XFER_MOVE};
	capos_cap_t h = 0;
	char why[96];
	int rc = ep_spawn(spawner, "epserver", "epserver", &g, 1, q, 0, &h, why,
	                  sizeof(why));

	if (rc)
		check(false, "spawn epserver: %s %s", err_name(rc), why);
	return rc ? 0 : h;
}

/*
 * Spawns epclient with a copy of `client` named "ep <mode> <id> <n>",
 * and a copy of mem as "mem" if mem is not 0, under `session` (0: ours).
 * Returns its handle, or 0 (reported).
 */
static inline capos_cap_t spawn_client(capos_cap_t client, const char *mode,
                                       uint32_t id, uint32_t n, capos_cap_t mem,
                                       uint64_t session,
                                       const struct rt_quotas *q)
{
	char name[CAPOS_CAPSET_NAME_MAX];
	struct rt_grant g[2] = {{name, client, CAPOS_XFER_COPY},
	                        {"mem", mem, CAPOS_XFER_COPY}};
	capos_cap_t h = 0;
	char why[96];
	int rc;

	format_snprintf(name, sizeof(name), "ep %s %u %u", mode, id, n);
	rc = ep_spawn(spawner, "epclient", "epclient", g, mem ? 2 : 1,
	              q ? q : &client_q, session, &h, why, sizeof(why));
	if (rc)
		check(false, "spawn epclient (%s): %s %s", name, err_name(rc),
		      why);
	return rc ? 0 : h;
}

/* Waits for h to end. Returns its exit code, or -1 if it did not exit
 * (killed, faulted, or the wait failed: printed). */
static inline int64_t exit_code(capos_cap_t h)
{
	struct rt_exit_status st = {0};
	int rc = h ? rt_process_wait(h, &st) : CAPOS_E_BAD_CAP;

	if (rc == 0 && st.kind == RT_EXITED)
		return st.code;
	say("child did not exit: %s, kind %d, vector %u at %p", err_name(rc),
	    st.kind, st.vector, (void *)st.ip);
	return -1;
}

/* Kills h, waits until it is dead, and drops the handle. */
static inline void reap(capos_cap_t h)
{
	struct rt_exit_status st;

	if (!h)
		return;
	rt_process_kill(h);
	rt_process_wait(h, &st);
	rt_release_now(h);
}

/* Timer.sleep(ms), not waited for. Returns its user_data. */
static inline uint64_t sleep_submit(uint32_t ms, void *res, uint32_t res_len)
{
	static uint8_t arena[64] __attribute__((aligned(8)));
	const uint8_t *msg;
	size_t len = 0;
	struct capos_sqe s = {.opcode = CAPOS_OP_CALL,
	                      .cap = timer,
	                      .method = CAPOS_TIMER_METHOD_SLEEP,
	                      .result_addr = (uint64_t)res,
	                      .result_len = res_len};

	capos_timer_sleep_encode_params(arena, sizeof(arena), ms * EP_ONE_MS,
	                                &msg, &len);
	s.params_addr = (uint64_t)msg;
	s.params_len = (uint32_t)len;
	return ep_submit(&s);
}

/*
 * Waits at most about ms for the completion of ud. Returns 0 with *cqe,
 * or CAPOS_E_TIMED_OUT (ud is then still outstanding: its buffers must
 * stay alive). It races ud against Timer.sleep: first a sleep of 0 (so
 * a completion already there costs one cap_enter), then 10 ms steps, and
 * it waits out each sleep it started, so no stray CQE is left behind.
 */
static inline int wait_within(uint64_t ud, uint32_t ms, struct capos_cqe *cqe)
{
	static uint8_t res[64] __attribute__((aligned(8)));
	struct capos_cqe sc;

	for (uint32_t waited = 0;; waited += 10) {
		uint64_t uds[2] = {
		    ud, sleep_submit(waited ? 10 : 0, res, sizeof(res))};
		int idx = rt_wait_any(uds, 2, cqe);

		if (idx == 0) {
			rt_wait(uds[1], &sc);
			return 0;
		}
		if (idx < 0)
			return idx;
		if (waited >= ms)
			return CAPOS_E_TIMED_OUT;
	}
}

/*
 * A call of `method` on c (8 bytes of data) that must complete within ms.
 * Returns its result, or CAPOS_E_TIMED_OUT (then it is still pending,
 * into this function's static buffers).
 */
static inline int call_within(capos_cap_t c, uint16_t method, uint32_t ms)
{
	static uint8_t res[128] __attribute__((aligned(8)));
	static uint8_t arena[64] __attribute__((aligned(8)));
	uint64_t tag = 0x77;
	struct capos_cqe cqe;
	const uint8_t *msg;
	uint32_t n = ep_msg(arena, sizeof(arena), &tag, sizeof(tag), &msg);
	uint64_t ud =
	    ep_call_submit(c, method, msg, n, res, sizeof(res), NULL, 0);
	int rc = wait_within(ud, ms, &cqe);

	return rc ? rc : cqe.result;
}

/* Polls h's ledger until its endpointQueue use is n. Returns the last
 * use seen (n on success). */
static inline uint32_t wait_queued(capos_cap_t h, uint32_t n)
{
	struct rt_process_info in = {0};

	for (uint32_t i = 0; i < EP_POLL_MS; i++) {
		if (rt_process_info(h, &in) == 0 && in.used.endpoint_queue == n)
			return n;
		rt_timer_sleep(timer, EP_ONE_MS);
	}
	return in.used.endpoint_queue;
}

/* One call of the protocol with data[0..len) and xfer. Returns the CQE's
 * result with *cqe; the answer is in res. */
static inline int ep_call(capos_cap_t client, uint16_t method, const void *data,
                          uint32_t len, void *res, uint32_t res_len,
                          const struct capos_xfer *x, uint16_t nx,
                          struct capos_cqe *cqe)
{
	static uint8_t arena[EP_RECV_BUF] __attribute__((aligned(8)));
	const uint8_t *msg = NULL;
	uint32_t n = ep_msg(arena, sizeof(arena), data, len, &msg);

	if (!n)
		return CAPOS_E_TOO_LARGE;
	return rt_call_xfer(client, method, msg, n, res, res_len, x, nx, cqe);
}

/* A protocol call whose answer is a struct of `size` bytes. Returns the
 * transport error, CAPOS_E_BAD_MESSAGE for an exception or a wrong size,
 * or 0 with out filled. */
static inline int ep_call_get(capos_cap_t client, uint16_t method,
                              const void *data, uint32_t len, void *out,
                              uint32_t size)
{
	uint8_t res[512] __attribute__((aligned(8)));
	struct capos_cqe cqe;
	int rc =
	    ep_call(client, method, data, len, res, sizeof(res), NULL, 0, &cqe);

	if (rc < 0)
		return rc;
	if ((cqe.flags & CAPOS_CQE_EXCEPTION) ||
	    !ep_msg_get(res, (uint32_t)rc, out, size))
		return CAPOS_E_BAD_MESSAGE;
	return 0;
}

/* epserver's status. Returns 0 with *st, or an error (printed). */
static inline int ep_status(capos_cap_t client, struct ep_status *st)
{
	int rc = ep_call_get(client, EP_STATUS, NULL, 0, st, sizeof(*st));

	if (rc)
		say("status call: %s", err_name(rc));
	return rc;
}

/* A protocol call with a 16-byte tag; true if it came back exactly. */
static inline bool echo_ok(capos_cap_t client, uint64_t tag)
{
	uint64_t data[2] = {tag, ~tag}, got[2] = {0};

	return ep_call_get(client, EP_ECHO, data, sizeof(data), got,
	                   sizeof(got)) == 0 &&
	       !memcmp(data, got, sizeof(data));
}

#endif
