/*
 * echotest - the runtime's endpoint API end to end (rt_endpoint.h,
 * rt_spawn_exports): EndpointFactory.create through the runtime, RECV and
 * RETURN by hand with result caps and exceptions, the echo service
 * through rt_echo (sizes up to the largest message, errors), 16 calls in
 * flight against rt_serve's slots, four echoclient children on one
 * server, a killed server (peer closed) and a new one, and rt_serve's
 * throw, give, later and current through a child of this binary in the
 * server role. Started by tests/system/echo.test with console, timer,
 * spawner and endpoints; a child started with a "serve" endpoint is the
 * server.
 */
#include <format.h>
#include <string.h>
#include <capnp/capnp.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>
#include <capos/rt_process.h>

#define INFLIGHT   16
#define SMALL_RES  256
#define NCLIENTS   4
#define SERVE_RECV 4096
#define SERVE_RES  4096

static capos_cap_t con, spawner, endpoints;
static int passed, failed;

static const struct rt_quotas child_q = {
    .frames = 256,
    .cap_slots = 16,
    .threads = 1,
    .endpoint_queue = 16,
    .kernel_memory = 40960,
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	format_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rt_console_write_line(con, line);
}

static bool check(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool check(bool ok, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	format_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say("echotest: %s %s", ok ? "ok  " : "FAIL", line);
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

/* ---- The server role: rt_serve with throw, give, later, current ---- */

static capos_cap_t serve_ep;
static uint32_t held_id;
static bool holding;

static bool data_is(const uint8_t *d, uint32_t n, const char *s)
{
	return n == strlen(s) && !memcmp(d, s, n);
}

/* Answers the held call with "late"; returns RETURN's result. */
static int answer_held(void)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	struct capnp_builder b;
	struct capos_echo_echo_results_builder r;
	const uint8_t *msg;
	size_t len;

	capnp_builder_init(&b, arena, sizeof(arena));
	capos_echo_echo_results_init_root(&b, &r);
	capos_echo_echo_results_set_data(&r, "late", 4);
	if (capnp_builder_finish(&b, &msg, &len))
		return CAPOS_E_TOO_LARGE;
	holding = false;
	return rt_return(serve_ep, held_id, msg, (uint32_t)len, false, NULL, 0);
}

static int serve_echo(void *ctx, const struct capos_echo_echo_params *params,
                      struct capos_echo_echo_results_builder *results)
{
	const struct rt_incoming *in = rt_serve_current();
	struct capos_xfer give = {.cap = con, .mode = CAPOS_XFER_COPY};
	const uint8_t *d;
	uint32_t n;

	(void)ctx;
	if (capos_echo_echo_params_get_data(params, &d, &n))
		return rt_serve_throw(&results->s,
		                      CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
		                      "data is not Data");
	if (data_is(d, n, "throw"))
		return rt_serve_throw(&results->s,
		                      CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
		                      "thrown on request");
	if (data_is(d, n, "give")) {
		rt_serve_give(&give, 1);
		capos_echo_echo_results_set_data(results, "given", 5);
	} else if (data_is(d, n, "later") && !holding) {
		held_id = in->hdr->call_id;
		holding = true;
		return RT_SERVE_LATER;
	} else if (data_is(d, n, "release")) {
		const char *r = holding && !answer_held() ? "released" : "no";

		capos_echo_echo_results_set_data(results, r, strlen(r));
	} else if (data_is(d, n, "header")) {
		capos_echo_echo_results_set_data(results, in->hdr,
		                                 sizeof(*in->hdr));
	} else {
		capos_echo_echo_results_set_data(results, d, n);
	}
	return 0;
}

RT_DISPATCH(capos_echo)

static int serve(void)
{
	static const struct capos_echo_server_ops ops = {.echo = serve_echo};
	static uint8_t buffers[RT_SERVE_BUFFERS(4, SERVE_RECV, SERVE_RES)]
	    __attribute__((aligned(8)));
	struct rt_server s = {
	    .endpoint = serve_ep,
	    .dispatch = capos_echo_rt_dispatch,
	    .ops = &ops,
	    .slots = 4,
	    .recv_size = SERVE_RECV,
	    .result_size = SERVE_RES,
	    .buffers = buffers,
	};

	return rt_serve(&s) < 0 ? 3 : 0;
}

/* ---- The tester ---- */

static uint8_t big_in[RT_ECHO_MAX + 1], big_out[RT_ECHO_MAX];

/* A raw CALL of Echo ordinal method with data; its buffers in p. */
struct pending {
	uint64_t ud;
	uint8_t arena[128] __attribute__((aligned(8)));
	uint8_t res[SMALL_RES] __attribute__((aligned(8)));
	char data[32];
};

static void submit_call(struct pending *p, capos_cap_t c, uint16_t method,
                        const char *data)
{
	const uint8_t *msg;
	size_t len;
	struct capos_sqe sqe = {.opcode = CAPOS_OP_CALL,
	                        .method = method,
	                        .cap = c,
	                        .result_addr = (uint64_t)p->res,
	                        .result_len = sizeof(p->res)};

	capos_echo_echo_encode_params(p->arena, sizeof(p->arena), data,
	                              (uint32_t)strlen(data), &msg, &len);
	sqe.params_addr = (uint64_t)msg;
	sqe.params_len = (uint32_t)len;
	while (!(p->ud = rt_submit(&sqe)))
		rt_flush();
}

/* Waits for p; returns true if its results are exactly `want`. */
static bool results_are(struct pending *p, struct capos_cqe *cqe,
                        const char *want)
{
	struct capnpc_msg m;
	struct capos_echo_echo_results r;
	const uint8_t *d;
	uint32_t n;

	if (rt_wait(p->ud, cqe) || cqe->result < 0 ||
	    (cqe->flags & CAPOS_CQE_EXCEPTION))
		return false;
	if (capos_echo_echo_decode_results(p->res, (size_t)cqe->result, &m,
	                                   &r) ||
	    capos_echo_echo_results_get_data(&r, &d, &n))
		return false;
	return data_is(d, n, want);
}

static void test_create(capos_cap_t *server, capos_cap_t *client)
{
	capos_cap_t s = 0, c = 0;
	int rc = rt_endpoint_create(endpoints, 0, &s, &c);

	check(rc == RT_E_EXCEPTION && rt_exception_last()->type ==
	                                  CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
	      "create(0): invalidArgument (%d, %s)", rc,
	      rt_exception_last()->reason);
	rc = rt_endpoint_create(endpoints, RT_IFACE_ECHO, server, client);
	check(rc == 0 && *server && *client && *server != *client,
	      "create(Echo): a server and a client facet (%d)", rc);
}

/* RECV and RETURN by hand: results with a cap, an exception, a replay. */
static void test_by_hand(capos_cap_t server, capos_cap_t client)
{
	static uint8_t buf[1024] __attribute__((aligned(8)));
	struct capos_xfer x = {.cap = con, .mode = CAPOS_XFER_COPY};
	struct rt_incoming in;
	struct capos_cqe cqe;
	struct rt_exception ex;
	struct pending p;
	capos_cap_t got = 0;
	uint32_t id;
	int rc;

	submit_call(&p, client, 0, "abc");
	rc = rt_recv(server, buf, sizeof(buf), &in);
	check(rc == 0 && in.hdr->method == 0 &&
	          in.hdr->interface_id == RT_IFACE_ECHO && in.hdr->caps == 0 &&
	          in.params_len > 0,
	      "rt_recv: method 0, interface Echo, no caps (%d)", rc);
	id = rc == 0 ? in.hdr->call_id : 0;
	/* Answer with the params themselves: an Echo message either way. */
	rc = rt_return(server, id, in.params, in.params_len, false, &x, 1);
	check(rc == 0, "rt_return with a copy of our console: %d", rc);
	check(results_are(&p, &cqe, "abc") && cqe.caps == 1 &&
	          rt_result_cap(p.res, sizeof(p.res), &cqe, 0, &got) == 0,
	      "the caller gets the results and one result cap");
	check(got &&
	          rt_console_write_line(
	              got, "echotest: (written through the result cap)") == 0,
	      "the result cap is a working Console");
	check(rt_result_cap(p.res, sizeof(p.res), &cqe, 1, &got) ==
	          CAPOS_E_BAD_MESSAGE,
	      "rt_result_cap past cqe.caps: BAD_MESSAGE");
	rt_release(got);
	rc = rt_return(server, id, in.params, in.params_len, false, NULL, 0);
	check(rc == CAPOS_E_BAD_SQE, "a second RETURN of that call: %d", rc);

	submit_call(&p, client, 3, "x");
	rc = rt_recv(server, buf, sizeof(buf), &in);
	if (!check(rc == 0 && in.hdr->method == 3, "rt_recv of ordinal 3"))
		return;
	rc = rt_return_exception(server, in.hdr->call_id,
	                         CAPOS_EXCEPTION_TYPE_OVERLOADED, "busy");
	check(rc == 0 && rt_wait(p.ud, &cqe) == 0 &&
	          (cqe.flags & CAPOS_CQE_EXCEPTION) &&
	          rt_exception_decode(p.res, (uint32_t)cqe.result, &ex) == 0 &&
	          ex.type == CAPOS_EXCEPTION_TYPE_OVERLOADED &&
	          !strcmp(ex.reason, "busy"),
	      "rt_return_exception: the caller reads overloaded, \"busy\"");
}

static capos_cap_t spawn_echo(capos_cap_t *client)
{
	struct rt_export e = {"echo", RT_IFACE_ECHO};
	capos_cap_t h = 0;
	char why[96] = "";
	int rc = rt_spawn_exports(spawner, "echo", "echo", NULL, 0, &e, 1,
	                          &child_q, &h, client, why, sizeof(why));

	check(rc == 0 && h && *client,
	      "rt_spawn_exports: echo and its client facet (%d %s)", rc, why);
	return rc ? 0 : h;
}

static void test_sizes(capos_cap_t echo)
{
	static const uint32_t sizes[] = {0, 8, 1024, 65000, RT_ECHO_MAX};
	uint32_t n = 0;
	int rc;

	for (uint32_t i = 0; i < sizeof(big_in); i++)
		big_in[i] = (uint8_t)(i * 31 + (i >> 8));
	for (uint32_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		memset(big_out, 0, sizeof(big_out));
		rc = rt_echo(echo, big_in, sizes[k], big_out, sizeof(big_out),
		             &n);
		check(rc == 0 && n == sizes[k] &&
		          !memcmp(big_in, big_out, sizes[k]),
		      "rt_echo of %u bytes comes back (%d)", (unsigned)sizes[k],
		      rc);
	}
	rc = rt_echo(echo, big_in, RT_ECHO_MAX + 1, big_out, sizeof(big_out),
	             &n);
	check(rc == CAPOS_E_TOO_LARGE, "rt_echo of RT_ECHO_MAX + 1: %d", rc);
	rc = rt_echo(echo, big_in, 100, big_out, 99, &n);
	check(rc == CAPOS_E_BUFFER_TOO_SMALL && n == 100,
	      "rt_echo into a buffer 1 byte short: %d, needs %u", rc,
	      (unsigned)n);
}

static void test_inflight(capos_cap_t echo)
{
	static struct pending p[INFLIGHT];
	struct capos_cqe cqe;
	int good = 0;

	for (int i = 0; i < INFLIGHT; i++) {
		format_snprintf(p[i].data, sizeof(p[i].data), "call %d %.*s", i,
		                i, "abcdefghijklmnopq");
		submit_call(&p[i], echo, 0, p[i].data);
	}
	/* Backwards: each answer must be its own call's. */
	for (int i = INFLIGHT - 1; i >= 0; i--)
		good += results_are(&p[i], &cqe, p[i].data);
	check(good == INFLIGHT, "%d calls in flight: %d answered right",
	      INFLIGHT, good);
	submit_call(&p[0], echo, 9, "x");
	check(rt_wait(p[0].ud, &cqe) == 0 && (cqe.flags & CAPOS_CQE_EXCEPTION),
	      "an ordinal Echo lacks: a CapException");
}

/* Informational: the mean time of n rt_echo round trips of len bytes. */
static void measure(capos_cap_t echo, uint32_t len, uint32_t n)
{
	capos_cap_t timer = rt_capset_find("timer", RT_IFACE_TIMER);
	uint64_t t0 = 0, t1 = 0;
	uint32_t got;

	if (!timer || rt_timer_now(timer, &t0))
		return;
	for (uint32_t i = 0; i < n; i++)
		if (rt_echo(echo, big_in, len, big_out, sizeof(big_out), &got))
			return;
	rt_timer_now(timer, &t1);
	say("echotest: %u round trips of %u bytes: %llu ns each", (unsigned)n,
	    (unsigned)len, (unsigned long long)((t1 - t0) / n));
}

static bool wait_code(capos_cap_t h, enum rt_exit_kind kind, int64_t code)
{
	struct rt_exit_status st;

	return rt_process_wait(h, &st) == 0 && st.kind == kind &&
	       (kind != RT_EXITED || st.code == code);
}

static void test_clients(capos_cap_t echo)
{
	capos_cap_t h[NCLIENTS];
	int ok = 0;

	for (int i = 0; i < NCLIENTS; i++) {
		struct rt_grant g[2] = {{"console", con, CAPOS_XFER_COPY},
		                        {"echo", echo, CAPOS_XFER_COPY}};
		char why[96] = "";
		int rc;

		h[i] = 0;
		rc = rt_spawn(spawner, "echoclient", "echoclient", g, 2,
		              &child_q, &h[i], why, sizeof(why));
		if (rc)
			say("echotest: spawn echoclient %d: %d %s", i, rc, why);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		ok += h[i] && wait_code(h[i], RT_EXITED, 0);
		if (h[i])
			rt_release(h[i]);
	}
	check(ok == NCLIENTS, "%d echoclients on one server: %d exited 0",
	      NCLIENTS, ok);
}

/* A killed server: its client facets see PEER_CLOSED; a new one works. */
static void test_restart(capos_cap_t *h, capos_cap_t *echo)
{
	capos_cap_t old = *echo;
	uint32_t n;
	int rc;

	check(rt_process_kill(*h) == 0 && wait_code(*h, RT_KILLED, 0),
	      "echo killed");
	rt_release(*h);
	rc = rt_echo(old, "x", 1, big_out, sizeof(big_out), &n);
	check(rc == CAPOS_E_PEER_CLOSED, "rt_echo to the killed echo: %d", rc);
	*h = spawn_echo(echo);
	rc = rt_echo(*echo, "y", 1, big_out, sizeof(big_out), &n);
	check(rc == 0 && n == 1 && big_out[0] == 'y',
	      "the new echo's client works (%d)", rc);
	rc = rt_echo(old, "x", 1, big_out, sizeof(big_out), &n);
	check(rc == CAPOS_E_PEER_CLOSED, "the old client stays closed: %d", rc);
	rt_release(old);
}

/* rt_serve's throw, give, later and current, in a child server. */
static void test_server_role(void)
{
	struct rt_export e = {"serve", RT_IFACE_ECHO};
	struct rt_grant g = {"console", con, CAPOS_XFER_COPY};
	struct capos_recv_header hdr;
	struct capos_cqe cqe, cqe2;
	struct pending p, q;
	capos_cap_t h = 0, c = 0, got = 0;
	uint32_t n = 0;
	int rc;

	rc = rt_spawn_exports(spawner, "server", "echotest", &g, 1, &e, 1,
	                      &child_q, &h, &c, NULL, 0);
	if (!check(rc == 0, "server role child started: %d", rc))
		return;
	rc = rt_echo(c, "throw", 5, big_out, sizeof(big_out), &n);
	check(rc == RT_E_EXCEPTION &&
	          rt_exception_last()->type ==
	              CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT &&
	          !strcmp(rt_exception_last()->reason, "thrown on request"),
	      "rt_serve_throw: the caller gets invalidArgument (%d)", rc);
	submit_call(&p, c, 0, "give");
	check(results_are(&p, &cqe, "given") && cqe.caps == 1 &&
	          !rt_result_cap(p.res, sizeof(p.res), &cqe, 0, &got) &&
	          !rt_console_write_line(
	              got, "echotest: (written through a cap rt_serve gave)"),
	      "rt_serve_give: the results bring a working Console");
	rt_release(got);
	/* rt_serve sends its answers with its next cap_enter, after every
	 * call it already holds: once "ping" is answered, "later" is held. */
	submit_call(&p, c, 0, "later");
	rc = rt_echo(c, "ping", 4, big_out, sizeof(big_out), &n);
	submit_call(&q, c, 0, "release");
	check(rc == 0 && results_are(&q, &cqe2, "released") &&
	          results_are(&p, &cqe, "late"),
	      "RT_SERVE_LATER: a held call answered by a later one");
	rc = rt_echo(c, "header", 6, &hdr, sizeof(hdr), &n);
	check(rc == 0 && n == sizeof(hdr) &&
	          hdr.interface_id == RT_IFACE_ECHO && hdr.method == 0 &&
	          hdr.caps == 0 && hdr.params_len > 0,
	      "rt_serve_current: the header of the call being served");
	check(rt_process_kill(h) == 0 && wait_code(h, RT_KILLED, 0),
	      "server role child killed");
	rt_release(h);
	rt_release(c);
}

static void run_tests(void)
{
	struct rt_quotas lim0, used0, lim1, used1;
	capos_cap_t server = 0, client = 0, h, echo = 0;

	check(spawner && endpoints, "granted spawner and endpoints");
	check(rt_spawner_ledger(spawner, &lim0, &used0) == 0,
	      "read the ledger");
	say("echotest: ledger limits: frames %u, capSlots %u, threads %u, "
	    "endpointQueue %u, kernelMemory %llu",
	    (unsigned)lim0.frames, (unsigned)lim0.cap_slots,
	    (unsigned)lim0.threads, (unsigned)lim0.endpoint_queue,
	    (unsigned long long)lim0.kernel_memory);
	test_create(&server, &client);
	test_by_hand(server, client);
	rt_release_now(server);
	rt_release_now(client);
	h = spawn_echo(&echo);
	if (h) {
		test_sizes(echo);
		test_inflight(echo);
		measure(echo, 0, 1000);
		measure(echo, 1024, 1000);
		test_clients(echo);
		test_restart(&h, &echo);
		rt_process_kill(h);
		wait_code(h, RT_KILLED, 0);
		rt_release_now(h);
		rt_release_now(echo);
	}
	test_server_role();
	rt_flush();
	rt_spawner_ledger(spawner, &lim1, &used1);
	check(used1.frames == used0.frames &&
	          used1.cap_slots == used0.cap_slots &&
	          used1.endpoint_queue == used0.endpoint_queue &&
	          used1.kernel_memory == used0.kernel_memory,
	      "after everything the ledger is back (kernelMemory %llu -> "
	      "%llu, capSlots %u -> %u)",
	      (unsigned long long)used0.kernel_memory,
	      (unsigned long long)used1.kernel_memory,
	      (unsigned)used0.cap_slots, (unsigned)used1.cap_slots);
}

int main(void)
{
	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	serve_ep = rt_capset_find("serve", RT_IFACE_ENDPOINT);
	if (serve_ep)
		return serve();
	spawner = rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	endpoints = rt_capset_find("endpoints", RT_IFACE_ENDPOINT_FACTORY);
	if (!con)
		return 2;
	run_tests();
	say("echotest: %d passed, %d failed", passed, failed);
	return failed ? 1 : 0;
}
