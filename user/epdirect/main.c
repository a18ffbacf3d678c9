/*
 * epdirect - the endpoint's direct path (docs/endpoints.md, "The direct
 * path"), from user mode: a CALL to a server thread waiting in RECV, and
 * the server's RETURN that makes its next RECV (CAPOS_RETURN_RECV) to
 * the waiting caller, each one pass through the kernel. Echo calls come back
 * whole; every call the path must refuse - malformed, bad pointers, reserved
 * fields, a stale CapId, a result buffer too small, a malformed or exceptional
 * RETURN - gets what the ordinary path gives it, with the server
 * waiting, and the calls after it work. Then the same with a server in
 * another process (user/benchsrv). tests/system/epdirect.test
 * checks the kernel's count of direct calls and replies, and that the
 * heap is back.
 */
#include <string.h>
#include <capos/capid.h>
#include <capos/endpoint.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>
#include <capos/rt_thread.h>
#include "../testlib/report.h"

#define CALLS 100

/* What the server does with a call, by method. */
enum {
	M_ECHO,
	M_BAD_RETURN,      /* RETURNs that fail: framing, */
	M_RETURN_FLAG,     /* an unknown flag, */
	M_RETURN_RESERVED, /* reserved1 set, */
	M_RETURN_INBUF,    /* framing, the bad table word in the RECV buffer */
	M_EXCEPTION,
	M_BAD_RECV,
	M_PAIR,
	M_GIVE, /* gives the caller a copy of the client facet */
};

static capos_cap_t server, client;
static uint8_t buf[1024] __attribute__((aligned(8)));
/* The CQEs of the server's failed RETURNs (M_BAD_RETURN.. by method). */
static volatile int bad_return_rc[M_RETURN_INBUF + 1] = {1, 1, 1, 1, 1};
static volatile uint32_t bad_return_flags[M_RETURN_INBUF + 1];
/* The CQE of the server's RETURN with a bad RECV buffer (M_BAD_RECV). */
static volatile int bad_recv_rc = 1;
static volatile uint32_t bad_recv_flags;

/* A Cap'n Proto message of `words` words after the segment table: the
 * kernel checks the framing only, so the words may hold anything. */
static uint32_t make_msg(uint64_t *m, uint32_t words, uint64_t seed)
{
	m[0] = (uint64_t)words << 32; /* one segment of `words` words */
	for (uint32_t i = 0; i < words; i++)
		m[1 + i] = seed * 0x9e3779b97f4a7c15ull + i;
	return 8 * (words + 1);
}

/* Waits for the CQE of ud: its result, its flags in *flags. */
static int wait_rc(uint64_t ud, volatile uint32_t *flags)
{
	struct capos_cqe cqe;

	if (rt_wait(ud, &cqe) < 0)
		return -100;
	*flags = cqe.flags;
	return cqe.result;
}

/* benchsrv's loop: each RETURN makes the next RECV (CAPOS_RETURN_RECV);
 * the odd methods answer in other ways. */
static int64_t serve(void *arg)
{
	struct capos_sqe recv = rt_recv_sqe(server, buf, sizeof(buf));
	uint64_t ud = rt_submit(&recv);

	(void)arg;
	for (;;) {
		const struct capos_recv_header *h = (const void *)buf;
		struct capos_cqe cqe;

		if (rt_echo_wait(server, buf, sizeof(buf), &ud, &cqe))
			return 1;
		struct capos_sqe ret =
		    rt_echo_return_recv_sqe(server, &cqe, buf, sizeof(buf));

		if (h->method >= M_BAD_RETURN && h->method <= M_RETURN_INBUF) {
			/* A RETURN that fails makes no RECV; the good answer
			 * follows. */
			static const uint64_t bad[3] = {100ull << 32, 0, 0};
			struct capos_sqe b = ret;
			uint16_t m = h->method;
			uint64_t *table = (uint64_t *)ret.params_addr;
			uint64_t table_was = *table;

			if (m == M_BAD_RETURN) { /* claims more than follows */
				b.params_addr = (uint64_t)bad;
				b.params_len = sizeof(bad);
			} else if (m == M_RETURN_FLAG) {
				b.flags |= 0x40;
			} else if (m == M_RETURN_INBUF) {
				/* The reply from the buffer, as an echo's, its
				 * table claiming more than follows. */
				*table = 100ull << 32;
			} else {
				b.reserved1 = 1;
			}
			bad_return_rc[m] =
			    wait_rc(rt_submit(&b), &bad_return_flags[m]);
			*table = table_was;
		} else if (h->method == M_BAD_RECV) {
			/* A RECV buffer in the kernel: the RETURN goes (the
			 * caller gets its answer), the RECV fails alone, and a
			 * good one follows. */
			struct capos_sqe r = ret;

			r.result_addr = 0xffffffff80000000ull;
			bad_recv_rc = wait_rc(rt_submit(&r), &bad_recv_flags);
			ud = rt_submit(&recv);
			continue;
		} else if (h->method == M_PAIR) {
			/* The two-SQE form: a quiet RETURN, then a RECV. */
			ret.flags = CAPOS_RETURN_QUIET;
			ret.result_addr = 0;
			ret.result_len = 0;
			ret.user_data = RT_USER_DATA_DISCARD;
			rt_submit(&ret);
			ud = rt_submit(&recv);
			continue;
		} else if (h->method == M_EXCEPTION) {
			ret.flags |= CAPOS_RETURN_EXCEPTION;
		} else if (h->method == M_GIVE) {
			/* A transfer: the ordinary path's RETURN, then the
			 * RECV from the same SQE. */
			static struct capos_xfer give;

			give = (struct capos_xfer){client, CAPOS_XFER_COPY, 0};
			ret.xfer_addr = (uint64_t)&give;
			ret.xfer_count = 1;
		}
		ud = rt_submit(&ret);
	}
}

/* One CALL as given, waited for: the CQE's result, *cqe filled. */
static int call_sqe(const struct capos_sqe *s, struct capos_cqe *cqe)
{
	uint64_t ud = rt_submit(s);

	if (!ud || rt_wait(ud, cqe) < 0)
		return -100;
	return cqe->result;
}

/*
 * Returns true if an echo of params[0..len) into the result buffer at
 * result (room bytes) comes back whole, its padding to a word zeroed.
 */
static bool echo_bytes_ok(const void *params, uint32_t len, uint8_t *result,
                          uint32_t room)
{
	struct capos_sqe s = {.opcode = CAPOS_OP_CALL,
	                      .cap = client,
	                      .params_addr = (uint64_t)params,
	                      .params_len = len,
	                      .result_addr = (uint64_t)result,
	                      .result_len = room};
	struct capos_cqe cqe;
	uint32_t padded = (len + 7) & ~7u;
	bool zeros = true;

	memset(result, 0xee, room);
	if (call_sqe(&s, &cqe) != (int)len || memcmp(params, result, len))
		return false;
	for (uint32_t i = len; i < padded; i++)
		zeros &= result[i] == 0;
	return zeros && (padded == room || result[padded] == 0xee);
}

/* Returns true if an echo call of `words` words after the segment
 * table (0: no params, which the kernel sends as its empty message)
 * comes back whole. */
static bool echo_ok(uint32_t words, uint64_t seed)
{
	static uint64_t params[33], result[33];
	struct capos_sqe s = {.opcode = CAPOS_OP_CALL,
	                      .cap = client,
	                      .result_addr = (uint64_t)result,
	                      .result_len = sizeof(result)};
	struct capos_cqe cqe;

	if (words)
		return echo_bytes_ok(params, make_msg(params, words, seed),
		                     (uint8_t *)result, sizeof(result));
	return call_sqe(&s, &cqe) == 16; /* the kernel's 16 bytes */
}

/* Replies the direct path copies in one piece and those it checks and
 * copies through its own buffer all come back whole: a message whose
 * length is not a multiple of 8, one of two segments, and one into a
 * result buffer that crosses a page. */
static bool echo_shapes_ok(void)
{
	/* One segment of one word, then 4 bytes the framing allows. */
	static const uint64_t odd[3] = {1ull << 32, 0x1122334455667788ull,
	                                0xaabbccdd};
	/* Two segments of one word each: a table of 16 bytes. */
	static const uint64_t two[4] = {1 | (1ull << 32), 1, 0x1234, 0x5678};
	static uint64_t four[5];
	static uint8_t pages[8192] __attribute__((aligned(4096)));
	static uint8_t result[64] __attribute__((aligned(8)));

	return echo_bytes_ok(odd, 20, result, sizeof(result)) &&
	       echo_bytes_ok(two, sizeof(two), result, sizeof(result)) &&
	       echo_bytes_ok(four, make_msg(four, 4, 9), pages + 4096 - 16, 64);
}

/*
 * Four calls in one cap_enter: the first reaches the waiting server, the
 * rest queue, and the answer to the first (which we wait for) is direct
 * while the server's RECV takes the next queued call at once.
 */
static bool batch_ok(void)
{
	static uint64_t params[4][6], result[4][8];
	uint64_t ud[4];
	bool ok = true;

	for (uint32_t i = 0; i < 4; i++) {
		struct capos_sqe s = {
		    .opcode = CAPOS_OP_CALL,
		    .cap = client,
		    .params_addr = (uint64_t)params[i],
		    .params_len = make_msg(params[i], 5, 50 + i),
		    .result_addr = (uint64_t)result[i],
		    .result_len = sizeof(result[i]),
		};

		ud[i] = rt_submit(&s);
	}
	for (uint32_t i = 0; i < 4; i++) {
		struct capos_cqe cqe;

		ok &= rt_wait(ud[i], &cqe) == 0 && cqe.result == 48 &&
		      !memcmp(params[i], result[i], 48);
	}
	return ok;
}

/* A CALL to the client facet with one field changed by `edit`. */
static uint32_t odd_result[16] __attribute__((aligned(8)));

static int odd_call(void (*edit)(struct capos_sqe *), struct capos_cqe *cqe)
{
	static uint64_t params[5];
	uint32_t *result = odd_result;
	struct capos_sqe s = {.opcode = CAPOS_OP_CALL,
	                      .cap = client,
	                      .params_addr = (uint64_t)params,
	                      .params_len = make_msg(params, 4, 7),
	                      .result_addr = (uint64_t)result,
	                      .result_len = sizeof(odd_result)};

	edit(&s);
	return call_sqe(&s, cqe);
}

static void bad_framing(struct capos_sqe *s)
{
	static const uint64_t bad[3] = {100ull << 32, 0, 0};

	s->params_addr = (uint64_t)bad;
	s->params_len = sizeof(bad);
}
static void kernel_result(struct capos_sqe *s)
{
	s->result_addr = 0xffffffff80000000ull;
}
static void unmapped_params(struct capos_sqe *s)
{
	s->params_addr = 0x7f0000000000ull;
}
static void reserved_set(struct capos_sqe *s)
{
	s->reserved0 = 1;
}
static void reserved1_set(struct capos_sqe *s)
{
	s->reserved1 = 1;
}
static void call_id_set(struct capos_sqe *s)
{
	s->call_id = 1;
}
static void unknown_flag(struct capos_sqe *s)
{
	s->flags = 0x80;
}
static void xfer_addr_alone(struct capos_sqe *s)
{
	s->xfer_addr = (uint64_t)buf;
}
static void stale_cap(struct capos_sqe *s)
{
	s->cap = CAPOS_CAPID_MAKE(CAPOS_CAPID_INDEX(client),
	                          CAPOS_CAPID_GEN(client) + 1);
}
static void small_result(struct capos_sqe *s)
{
	s->result_len = 16; /* the echo needs 40 */
}
static void bad_return(struct capos_sqe *s)
{
	s->method = M_BAD_RETURN;
}
static void return_flag(struct capos_sqe *s)
{
	s->method = M_RETURN_FLAG;
}
static void return_reserved(struct capos_sqe *s)
{
	s->method = M_RETURN_RESERVED;
}
static void return_inbuf(struct capos_sqe *s)
{
	s->method = M_RETURN_INBUF;
}
static void exception(struct capos_sqe *s)
{
	s->method = M_EXCEPTION;
}
static void bad_recv(struct capos_sqe *s)
{
	s->method = M_BAD_RECV;
}
static void pair(struct capos_sqe *s)
{
	s->method = M_PAIR;
}
static void give(struct capos_sqe *s)
{
	s->method = M_GIVE;
}

/* Returns true if the CapId odd_call's last answer carried (after its
 * 40 bytes) is a working client facet; releases it. */
static bool given_cap_ok(void)
{
	capos_cap_t own = client;
	bool ok;

	client = odd_result[40 / 4];
	ok = client && client != own && echo_ok(2, 91);
	rt_release_now(client);
	client = own;
	return ok;
}

/* Checks that a call refused with `want` leaves the path working. */
static void refused(void (*edit)(struct capos_sqe *), int want,
                    const char *what)
{
	struct capos_cqe cqe;
	int rc = odd_call(edit, &cqe);

	check(rc == want && echo_ok(4, 99), "%s: %s, and the next call works",
	      what, err_name(rc));
}

/* Checks that the server's RETURN made failing by `edit` (method m)
 * hears `want` flagged RETURN_FAILED, and the caller the next answer. */
static void failed_return(void (*edit)(struct capos_sqe *), uint16_t m,
                          int want, const char *what)
{
	struct capos_cqe cqe;
	int rc = odd_call(edit, &cqe);

	check(rc == 40 && bad_return_rc[m] == want &&
	          bad_return_flags[m] == CAPOS_CQE_RETURN_FAILED &&
	          echo_ok(4, 97),
	      "%s: the server hears %s, no RECV made, the caller gets the "
	      "next answer",
	      what, err_name(bad_return_rc[m]));
}

/*
 * The same across processes: user/benchsrv, spawned with the server
 * facet of a second endpoint, serves it with the same loop. Returns true
 * if echo calls come back whole and two refusals get their errors.
 */
static bool other_process(capos_cap_t factory, capos_cap_t spawner)
{
	static const struct rt_quotas q = {256, 8, 1, 0, 65536};
	capos_cap_t own = client, srv, handle = 0;
	struct capos_cqe cqe;
	struct rt_grant g;
	uint32_t bad = 0;
	bool ok;

	if (rt_endpoint_create(factory, CAPOS_ECHO_INTERFACE_ID, &srv,
	                       &client) != 0) {
		client = own;
		return false;
	}
	g = (struct rt_grant){"server", srv, CAPOS_XFER_MOVE};
	ok = rt_spawn(spawner, "benchsrv", "benchsrv", &g, 1, &q, &handle, NULL,
	              0) == 0;
	for (uint32_t i = 0; ok && i < CALLS / 2; i++)
		bad += !echo_ok(0, i) + !echo_ok(1 + i % 30, 200 + i);
	ok = ok && !bad && odd_call(bad_framing, &cqe) == CAPOS_E_BAD_MESSAGE &&
	     odd_call(small_result, &cqe) == CAPOS_E_BUFFER_TOO_SMALL &&
	     cqe.needed == 40 && echo_ok(4, 94);
	if (handle) {
		rt_process_kill(handle);
		rt_release_now(handle);
	}
	rt_release_now(client);
	client = own;
	return ok;
}

int main(void)
{
	capos_cap_t threads, factory, spawner;
	struct capos_cqe cqe;
	rt_thread_t srv;
	uint32_t bad = 0;
	int rc;

	report_prog = "epdirect";
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	threads = rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	factory = rt_capset_find("endpoints", RT_IFACE_ENDPOINT_FACTORY);
	spawner = rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	if (!check(report_con && threads && factory && spawner,
	           "granted console, threads, endpoints and spawner") ||
	    !check(rt_endpoint_create(factory, CAPOS_ECHO_INTERFACE_ID, &server,
	                              &client) == 0 &&
	               rt_thread_spawn(threads, serve, NULL, 0, &srv) == 0,
	           "an endpoint and a server thread"))
		return report_finish();
	/* After the first answer the server waits in RECV for each call. */
	for (uint32_t i = 0; i < CALLS; i++)
		bad += !echo_ok(0, i) + !echo_ok(1 + i % 30, i);
	check(!bad,
	      "%u empty and %u echo calls of 16-248 bytes come back whole "
	      "(%u wrong)",
	      CALLS, CALLS, bad);
	check(batch_ok() && echo_ok(4, 95),
	      "4 calls in one cap_enter, 3 of them queued, come back whole");
	check(echo_shapes_ok(),
	      "echoes of 20 bytes (padding zeroed), of two segments and into "
	      "a result buffer across a page come back whole");
	refused(bad_framing, CAPOS_E_BAD_MESSAGE, "malformed params");
	refused(kernel_result, CAPOS_E_BAD_POINTER,
	        "a result buffer in the kernel");
	refused(unmapped_params, CAPOS_E_BAD_POINTER, "unmapped params");
	refused(reserved_set, CAPOS_E_BAD_SQE, "a reserved field set");
	/* Each other field the path screens, one at a time (the screen
	 * tests them as words: endpoint_direct.c). */
	refused(reserved1_set, CAPOS_E_BAD_SQE, "reserved1 set");
	refused(call_id_set, CAPOS_E_BAD_SQE, "a call_id on a CALL");
	refused(unknown_flag, CAPOS_E_BAD_SQE, "an unknown flag");
	refused(xfer_addr_alone, CAPOS_E_BAD_SQE,
	        "xfer_addr without xfer_count");
	refused(stale_cap, CAPOS_E_BAD_CAP, "a stale CapId");
	rc = odd_call(small_result, &cqe);
	check(rc == CAPOS_E_BUFFER_TOO_SMALL && cqe.needed == 40 &&
	          echo_ok(4, 98),
	      "a result buffer too small for the answer: %s, needed %u",
	      err_name(rc), cqe.needed);
	failed_return(bad_return, M_BAD_RETURN, CAPOS_E_BAD_MESSAGE,
	              "a malformed RETURN");
	failed_return(return_inbuf, M_RETURN_INBUF, CAPOS_E_BAD_MESSAGE,
	              "a malformed RETURN from the RECV buffer");
	failed_return(return_flag, M_RETURN_FLAG, CAPOS_E_BAD_SQE,
	              "a RETURN with an unknown flag");
	failed_return(return_reserved, M_RETURN_RESERVED, CAPOS_E_BAD_SQE,
	              "a RETURN with reserved1 set");
	rc = odd_call(bad_recv, &cqe);
	check(rc == 40 && bad_recv_rc == CAPOS_E_BAD_POINTER &&
	          !bad_recv_flags && echo_ok(4, 94),
	      "a RECV buffer in the kernel: the caller gets its answer, the "
	      "RECV %s",
	      err_name(bad_recv_rc));
	rc = odd_call(pair, &cqe);
	check(rc == 40 && echo_ok(4, 93),
	      "a quiet RETURN and a RECV in two SQEs: the caller gets its "
	      "answer, and the next");
	rc = odd_call(give, &cqe);
	check(rc == 40 && cqe.caps == 1 && given_cap_ok() && echo_ok(4, 92),
	      "a RETURN that RECVs and gives a cap: the caller gets the answer "
	      "and a working copy of the client facet");
	rc = odd_call(exception, &cqe);
	check(rc == 40 && (cqe.flags & CAPOS_CQE_EXCEPTION) && echo_ok(4, 96),
	      "an exception RETURN arrives with the EXCEPTION flag");
	check(other_process(factory, spawner),
	      "a server in another process: %u echo calls come back whole, "
	      "malformed params and a small result buffer refused",
	      CALLS);
	capos_exit(report_finish());
}
