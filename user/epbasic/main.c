/*
 * epbasic - endpoints from the caller's and the server's side: create,
 * what each facet allows, RECV/RETURN by hand (direct handoff, a RECV
 * buffer too small, a caller's result buffer too small, RETURN of a bad
 * call id), call/return with a child server (results, exceptions, the
 * header it sees), many clients on one server, a full queue (64 queued,
 * the 65th overloaded, the endpointQueue ledger), session references,
 * quiet RETURNs, malformed CALLs on a client facet, and buffers that stop being
 * writable before the kernel writes into them. Started by
 * tests/system/epbasic.test with console, timer, frames, spawner,
 * endpoints and vm; children user/epserver, user/epclient.
 */
#include "../eplib/eptest.h"
#include <capos/rt_memory.h>

#define MANY_CLIENTS 4
#define MANY_CALLS   24
#define FILL_CLIENTS 4
#define FILL_CALLS   16 /* FILL_CLIENTS * FILL_CALLS == EP_QUEUE_MAX */

static uint8_t rbuf[EP_RECV_BUF] __attribute__((aligned(8)));
static uint8_t cres[EP_RECV_BUF] __attribute__((aligned(8)));
static uint8_t arena[EP_RECV_BUF] __attribute__((aligned(8)));

/* --- create, facets, RECV/RETURN by hand ----------------------------- */

static void test_create(void)
{
	struct ledger before, during;
	capos_cap_t s = 0, c = 0;
	int exc = -1, rc;

	ledger_get(&before);
	rc = ep_create(factory, 0, &s, &c, &exc);
	check(rc == 1 && exc == CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
	      "create(0) is a CapException invalidArgument (%d, type %d)", rc,
	      exc);
	if (!check(ep_create(factory, EP_IFACE, &s, &c, &exc) == 0 && s && c &&
	               s != c,
	           "create(Echo) gives two distinct caps"))
		return;
	ledger_get(&during);
	check(during.used.kernel_memory > before.used.kernel_memory &&
	          during.used.cap_slots == before.used.cap_slots + 2,
	      "the endpoint is charged to our kernelMemory (+%lu) and two "
	      "slots",
	      (unsigned long)(during.used.kernel_memory -
	                      before.used.kernel_memory));
	check(rt_release_now(s) == 0 && rt_release_now(c) == 0,
	      "release both facets");
	ledger_back(&before, "endpoint released");
}

/* RECV into rbuf[0..len), waited for at most 3 s. Returns the CQE's
 * result with *cqe. */
static int recv_within(capos_cap_t server, uint32_t len, struct capos_cqe *cqe)
{
	uint64_t ud = ep_recv_submit(server, rbuf, len);
	int rc = wait_within(ud, EP_POLL_MS, cqe);

	return rc ? rc : cqe->result;
}

/* An Echo message of data in `arena`; returns its length. */
static uint32_t msg_of(const void *data, uint32_t len, const uint8_t **msg)
{
	return ep_msg(arena, sizeof(arena), data, len, msg);
}

static void test_not_allowed(capos_cap_t s, capos_cap_t c)
{
	struct capos_cqe cqe;
	bool exc;
	int rc;

	rc = rt_call(s, EP_ECHO, NULL, 0, cres, 64, &exc);
	check(rc == CAPOS_E_NOT_ALLOWED, "CALL on a server facet: %s",
	      err_name(rc));
	rc = recv_within(c, sizeof(rbuf), &cqe);
	check(rc == CAPOS_E_NOT_ALLOWED, "RECV on a client facet: %s",
	      err_name(rc));
	rc = recv_within(report_con, sizeof(rbuf), &cqe);
	check(rc == CAPOS_E_NOT_ALLOWED, "RECV on a Console: %s", err_name(rc));
	rc = ep_return(s, 12345, NULL, 0, 0, NULL, 0);
	check(rc == CAPOS_E_BAD_SQE, "RETURN of a call id never issued: %s",
	      err_name(rc));
	rc = ep_return(c, 1, NULL, 0, 0, NULL, 0);
	check(rc == CAPOS_E_NOT_ALLOWED, "RETURN on a client facet: %s",
	      err_name(rc));
}

/* RECV waits first; the CALL is handed over; RETURN answers it. */
static void test_handoff(capos_cap_t s, capos_cap_t c)
{
	static const char data[] = "handed over";
	const struct capos_recv_header *h = (const void *)rbuf;
	struct capos_cqe rq, cq;
	const uint8_t *msg, *d;
	uint32_t n = msg_of(data, sizeof(data), &msg), dl;
	uint64_t rud = ep_recv_submit(s, rbuf, sizeof(rbuf));
	uint64_t cud;
	int rc;

	rt_flush();
	cud = ep_call_submit(c, 7, msg, n, cres, sizeof(cres), NULL, 0);
	rc = wait_within(rud, EP_POLL_MS, &rq);
	if (!check(rc == 0 && rq.result > 0,
	           "a RECV waiting first gets the call (%s)",
	           err_name(rc ? rc : rq.result)))
		return;
	check((uint32_t)rq.result == capos_recv_params_offset(0) + n,
	      "RECV's result is header + params (%d)", rq.result);
	check(h->call_id == rq.call_id && h->call_id != 0 &&
	          h->interface_id == EP_IFACE && h->method == 7 &&
	          h->caps == 0 && h->params_len == n,
	      "header: call id %u, Echo, method 7, no caps, params %u bytes",
	      h->call_id, h->params_len);
	check(!memcmp(ep_recv_params(rbuf), msg, n),
	      "the params arrive byte for byte");
	rc = ep_return(s, rq.call_id, ep_recv_params(rbuf), n, 0, NULL, 0);
	check(rc == 0, "RETURN: %s", err_name(rc));
	rc = wait_within(cud, EP_POLL_MS, &cq);
	check(rc == 0 && cq.result == (int)n && !(cq.flags & 1) &&
	          cq.caps == 0 && !ep_msg_data(cres, n, &d, &dl) &&
	          dl == sizeof(data) && !memcmp(d, data, dl),
	      "the caller gets the results (%d bytes)", cq.result);
	rc = ep_return(s, rq.call_id, NULL, 0, 0, NULL, 0);
	check(rc == CAPOS_E_BAD_SQE, "a second RETURN of it: %s", err_name(rc));
}

/* A CapException of `type` in `arena`; returns its length. */
static uint32_t exception_msg(enum capos_exception_type type,
                              const uint8_t **msg)
{
	struct capnp_builder b;
	struct capos_cap_exception_builder e;
	size_t len = 0;

	capnp_builder_init(&b, arena, sizeof(arena));
	capos_cap_exception_init_root(&b, &e);
	capos_cap_exception_set_type(&e, type);
	capnp_builder_finish(&b, msg, &len);
	return (uint32_t)len;
}

/* The CALL waits queued, charged to our endpointQueue until received. */
static void test_queued(capos_cap_t s, capos_cap_t c)
{
	static const char data[] = "queued first";
	struct ledger before, queued, taken;
	struct capos_cqe rq, cq;
	const uint8_t *msg, *em;
	uint32_t n = msg_of(data, sizeof(data), &msg), el;
	uint64_t cud;
	int rc;

	ledger_get(&before);
	cud = ep_call_submit(c, EP_ECHO, msg, n, cres, sizeof(cres), NULL, 0);
	rt_flush();
	ledger_get(&queued);
	check(queued.used.endpoint_queue == before.used.endpoint_queue + 1,
	      "a queued call charges 1 to our endpointQueue (%u -> %u)",
	      before.used.endpoint_queue, queued.used.endpoint_queue);
	rc = recv_within(s, 16, &rq);
	check(rc == CAPOS_E_BUFFER_TOO_SMALL &&
	          rq.needed == capos_recv_params_offset(0) + n,
	      "RECV into 16 bytes: %s, needs %u (want %u)", err_name(rc),
	      rq.needed, capos_recv_params_offset(0) + n);
	rc = recv_within(s, sizeof(rbuf), &rq);
	check(rc > 0 && !memcmp(ep_recv_params(rbuf), msg, n),
	      "the call stayed queued: the next RECV gets it (%s)",
	      err_name(rc > 0 ? 0 : rc));
	ledger_get(&taken);
	check(taken.used.endpoint_queue == before.used.endpoint_queue,
	      "once received it no longer counts (%u)",
	      taken.used.endpoint_queue);
	if (rc <= 0)
		return;
	el = exception_msg(CAPOS_EXCEPTION_TYPE_DISCONNECTED, &em);
	rc = ep_return(s, rq.call_id, em, el, CAPOS_RETURN_EXCEPTION, NULL, 0);
	check(rc == 0 && rt_wait(cud, &cq) == 0 &&
	          (cq.flags & CAPOS_CQE_EXCEPTION) && cq.result == (int)el &&
	          ep_exception_type(cres, (uint32_t)cq.result) ==
	              CAPOS_EXCEPTION_TYPE_DISCONNECTED,
	      "RETURN with the exception flag: the caller's CQE has "
	      "EXCEPTION and the CapException");
}

/* The caller's result buffer cannot hold the results. */
static void test_small_result(capos_cap_t s, capos_cap_t c)
{
	static const uint64_t big[16] = {1, 2, 3};
	static uint8_t small[8];
	struct capos_cqe rq, cq;
	const uint8_t *msg;
	uint32_t n = msg_of(big, sizeof(big), &msg);
	uint64_t cud;
	int rc;

	cud = ep_call_submit(c, EP_ECHO, msg, n, small, sizeof(small), NULL, 0);
	rc = recv_within(s, sizeof(rbuf), &rq);
	if (!check(rc > 0, "receive a call with an 8-byte result buffer"))
		return;
	rc = ep_return(s, rq.call_id, ep_recv_params(rbuf), n, 0, NULL, 0);
	check(rc == CAPOS_E_BUFFER_TOO_SMALL,
	      "RETURN into a too small buffer tells the server too "
	      "(%s)",
	      err_name(rc));
	rc = rt_wait(cud, &cq);
	check(rc == 0 && cq.result == CAPOS_E_BUFFER_TOO_SMALL &&
	          cq.needed >= n,
	      "the caller gets BUFFER_TOO_SMALL, needs %u (%s)", cq.needed,
	      err_name(cq.result));
}

/* A quiet RETURN posts no CQE when it works (the caller still gets the
 * answer) and its error when it fails. */
static void test_quiet_return(capos_cap_t s, capos_cap_t c)
{
	static const char data[] = "quiet";
	struct capos_cqe rq, cq, nq;
	const uint8_t *msg;
	uint32_t n = msg_of(data, sizeof(data), &msg), id;
	uint64_t cud, rud, nud;
	struct capos_sqe ret = {
	    .opcode = CAPOS_OP_RETURN, .flags = CAPOS_RETURN_QUIET, .cap = s};
	int rc, crc;

	cud = ep_call_submit(c, EP_ECHO, msg, n, cres, sizeof(cres), NULL, 0);
	rc = recv_within(s, sizeof(rbuf), &rq);
	if (!check(rc > 0, "receive a call to answer quietly (%s)",
	           err_name(rc > 0 ? 0 : rc)))
		return;
	id = rq.call_id;
	ret.call_id = id;
	ret.params_addr = (uint64_t)ep_recv_params(rbuf);
	ret.params_len = n;
	rud = ep_submit(&ret);
	nud = ep_submit(&(struct capos_sqe){.opcode = CAPOS_OP_NOP});
	rc = rt_wait(nud, &nq); /* taken after the RETURN, in one cap_enter */
	crc = wait_within(cud, EP_POLL_MS, &cq);
	check(rc == 0 && crc == 0 && cq.result == (int)n &&
	          !memcmp(cres, msg, n),
	      "a quiet RETURN answers the caller (%s)",
	      err_name(crc ? crc : cq.result));
	rc = wait_within(rud, 20, &rq);
	check(rc == CAPOS_E_TIMED_OUT, "and posts no CQE of its own (%s)",
	      err_name(rc));
	rud = ep_submit(&ret); /* the same call id again */
	rc = wait_within(rud, EP_POLL_MS, &rq);
	check(rc == 0 && rq.result == CAPOS_E_BAD_SQE,
	      "a quiet RETURN that fails posts its error (%s)",
	      err_name(rc ? rc : rq.result));
}

static const uint8_t read_only[64] __attribute__((aligned(8))) = {1};

/* Malformed CALLs on a client facet fail with their error before
 * anything is queued (the facet takes the SQE itself: kobject.h, route). */
static void test_bad_calls(capos_cap_t c)
{
	static const uint8_t not_a_message[16] = {9, 9, 9, 9};
	static const struct {
		const char *what;
		uint64_t params;
		uint32_t len;
		uint64_t result;
		int want;
	} cases[] = {
	    {"params pointer into the kernel", 0xFFFFFFFF80000000ull, 16, 0,
	     CAPOS_E_BAD_POINTER},
	    {"no params, pointer into the kernel", 0xFFFFFFFF80000000ull, 0, 0,
	     CAPOS_E_BAD_POINTER},
	    {"params pointer unmapped", 0x1000, 16, 0, CAPOS_E_BAD_POINTER},
	    {"params range wraps past user space", 0x00007FFFFFFFFFF0ull, 0x100,
	     0, CAPOS_E_BAD_POINTER},
	    {"result pointer into the direct map", 0, 0, 0xFFFF800000100000ull,
	     CAPOS_E_BAD_POINTER},
	    {"result buffer read-only", 0, 0, 1, CAPOS_E_BAD_POINTER},
	    {"params not a message", 2, 16, 0, CAPOS_E_BAD_MESSAGE},
	};
	struct ledger before, after;

	ledger_get(&before);
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct capos_sqe s = ep_call_sqe(c, EP_ECHO, NULL, 0, cres,
		                                 sizeof(cres), NULL, 0);
		struct capos_cqe cqe;
		int rc;

		s.params_addr = cases[i].params == 2 ? (uint64_t)not_a_message
		                                     : cases[i].params;
		s.params_len = cases[i].len;
		if (cases[i].result == 1)
			s.result_addr = (uint64_t)read_only;
		else if (cases[i].result)
			s.result_addr = cases[i].result;
		rc = wait_within(ep_submit(&s), EP_POLL_MS, &cqe);
		check(rc == 0 && cqe.result == cases[i].want,
		      "CALL with %s: %s", cases[i].what,
		      err_name(rc ? rc : cqe.result));
	}
	ledger_get(&after);
	check(after.used.endpoint_queue == before.used.endpoint_queue &&
	          after.used.kernel_memory == before.used.kernel_memory,
	      "malformed CALLs queue nothing and cost nothing");
}

/*
 * A RECV buffer and a caller's result buffer that become read-only after
 * their SQEs were taken: the kernel finds out when it writes (before any
 * capability moves), the RECV fails and the call waits for the next one;
 * the answer fails for both sides.
 */
static capos_cap_t vm;
static uint64_t rpage, cpage; /* two pages each, read-write */

/* Mapped before the first ledger reading: the page tables they take stay
 * charged until the process ends. */
static void map_buffers(void)
{
	vm = rt_capset_find("vm", RT_IFACE_VIRTUAL_MEMORY);
	if (!vm ||
	    rt_vm_map(vm, 0, 2 * 4096, CAPOS_PROTECTION_READ_WRITE, &rpage) ||
	    rt_vm_map(vm, 0, 2 * 4096, CAPOS_PROTECTION_READ_WRITE, &cpage))
		rpage = cpage = 0;
}

static void test_buffers_revoked(capos_cap_t s, capos_cap_t c)
{
	static const char data[] = "revoked";
	struct capos_cqe rq, cq;
	const uint8_t *msg;
	uint32_t n = msg_of(data, sizeof(data), &msg);
	uint64_t rud, cud;
	int rc;

	if (!check(rpage && cpage, "buffers that straddle two pages"))
		return;
	/* Both buffers start 24 bytes before their second page. */
	rud = ep_recv_submit(s, (void *)(rpage + 4096 - 24), 256);
	rt_flush();
	rc = rt_vm_protect(vm, rpage + 4096, 4096, CAPOS_PROTECTION_READ);
	cud = ep_call_submit(c, 7, msg, n, (void *)(cpage + 4096 - 24), 256,
	                     NULL, 0);
	rc = rc ? rc : wait_within(rud, EP_POLL_MS, &rq);
	check(rc == 0 && rq.result == CAPOS_E_BAD_POINTER,
	      "a RECV buffer made read-only before the call came: "
	      "BAD_POINTER (%s)",
	      err_name(rc ? rc : rq.result));
	rc = recv_within(s, sizeof(rbuf), &rq);
	if (!check(rc > 0 && !memcmp(ep_recv_params(rbuf), msg, n),
	           "the call waited for the next RECV (%s)",
	           err_name(rc > 0 ? 0 : rc)))
		return;
	rc = rt_vm_protect(vm, cpage + 4096, 4096, CAPOS_PROTECTION_READ);
	rc = rc ? rc : ep_return(s, rq.call_id, msg, n, 0, NULL, 0);
	check(rc == CAPOS_E_BAD_POINTER,
	      "RETURN into a result buffer made read-only: BAD_POINTER (%s)",
	      err_name(rc));
	rc = wait_within(cud, EP_POLL_MS, &cq);
	check(rc == 0 && cq.result == CAPOS_E_BAD_POINTER,
	      "and the caller's CALL ends with BAD_POINTER (%s)",
	      err_name(rc ? rc : cq.result));
	rc = ep_return(s, rq.call_id, msg, n, 0, NULL, 0);
	check(rc == CAPOS_E_BAD_SQE, "the call is over: %s", err_name(rc));
	rt_vm_protect(vm, rpage + 4096, 4096, CAPOS_PROTECTION_READ_WRITE);
	rt_vm_protect(vm, cpage + 4096, 4096, CAPOS_PROTECTION_READ_WRITE);
}

/*
 * The same buffers unmapped and mapped again (a fresh frame at the same
 * address) after their SQEs were taken: the kernel keeps each buffer's
 * resolved pages only until the address space changes, so the message
 * and the answer land in the new frames, where we read them; and a
 * buffer still unmapped when the kernel writes is BAD_POINTER, not a
 * write into the frame that was freed.
 */
static bool remap(uint64_t page, uint64_t other)
{
	/* Both freed, then both taken again: with frames handed out last
	 * freed first, `page` gets the frame `other` had. */
	return rt_vm_decommit(vm, page, 4096) == 0 &&
	       rt_vm_decommit(vm, other, 4096) == 0 &&
	       rt_vm_commit(vm, page, 4096, CAPOS_PROTECTION_READ_WRITE) == 0 &&
	       rt_vm_commit(vm, other, 4096, CAPOS_PROTECTION_READ_WRITE) == 0;
}

static void test_buffers_remapped(capos_cap_t s, capos_cap_t c)
{
	static const char data[] = "remapped";
	uint8_t *rb = (uint8_t *)(rpage + 4096 - 24);
	uint8_t *cb = (uint8_t *)(cpage + 4096 - 24);
	struct capos_cqe rq, cq;
	const uint8_t *msg;
	uint32_t n = msg_of(data, sizeof(data), &msg);
	uint64_t rud, cud;
	int rc;

	if (!rpage || !cpage)
		return;
	rud = ep_recv_submit(s, rb, 256);
	rt_flush();
	rc = remap(rpage + 4096, cpage) ? 0 : CAPOS_E_BAD_POINTER;
	cud = ep_call_submit(c, 7, msg, n, cb, 256, NULL, 0);
	rc = rc ? rc : wait_within(rud, EP_POLL_MS, &rq);
	check(rc == 0 && rq.result > 0 && !memcmp(ep_recv_params(rb), msg, n),
	      "a RECV buffer unmapped and mapped again before the call "
	      "came: the call is in the new page (%s)",
	      err_name(rc ? rc : (rq.result > 0 ? 0 : rq.result)));
	rc = remap(cpage + 4096, rpage) ? 0 : CAPOS_E_BAD_POINTER;
	rc = rc ? rc : ep_return(s, rq.call_id, msg, n, 0, NULL, 0);
	rc = rc ? rc : wait_within(cud, EP_POLL_MS, &cq);
	check(rc == 0 && cq.result == (int)n && !memcmp(cb, msg, n),
	      "a result buffer unmapped and mapped again: the answer is "
	      "in the new page (%s)",
	      err_name(rc ? rc : (cq.result > 0 ? 0 : cq.result)));
	/* Unmapped for good while the RECV waits. */
	rud = ep_recv_submit(s, rb, 256);
	rt_flush();
	rc = rt_vm_decommit(vm, rpage + 4096, 4096);
	cud = ep_call_submit(c, 7, msg, n, cb, 256, NULL, 0);
	rc = rc ? rc : wait_within(rud, EP_POLL_MS, &rq);
	check(rc == 0 && rq.result == CAPOS_E_BAD_POINTER,
	      "a RECV buffer unmapped before the call came: BAD_POINTER "
	      "(%s)",
	      err_name(rc ? rc : rq.result));
	rt_vm_commit(vm, rpage + 4096, 4096, CAPOS_PROTECTION_READ_WRITE);
	rc = recv_within(s, sizeof(rbuf), &rq);
	if (!check(rc > 0, "the call waited for the next RECV (%s)",
	           err_name(rc > 0 ? 0 : rc)))
		return;
	rc = rt_vm_decommit(vm, cpage + 4096, 4096);
	rc = rc ? rc : ep_return(s, rq.call_id, msg, n, 0, NULL, 0);
	check(rc == CAPOS_E_BAD_POINTER,
	      "RETURN into a result buffer unmapped: BAD_POINTER (%s)",
	      err_name(rc));
	rc = wait_within(cud, EP_POLL_MS, &cq);
	check(rc == 0 && cq.result == CAPOS_E_BAD_POINTER,
	      "and the caller's CALL ends with BAD_POINTER (%s)",
	      err_name(rc ? rc : cq.result));
	rt_vm_commit(vm, cpage + 4096, 4096, CAPOS_PROTECTION_READ_WRITE);
}

static void test_by_hand(void)
{
	struct ledger before;
	capos_cap_t s, c;
	bool exc;

	ledger_get(&before);
	if (!ept_create(&s, &c))
		return;
	test_not_allowed(s, c);
	test_handoff(s, c);
	test_queued(s, c);
	test_small_result(s, c);
	test_quiet_return(s, c);
	test_bad_calls(c);
	test_buffers_revoked(s, c);
	test_buffers_remapped(s, c);
	rt_release_now(s);
	rt_release_now(c);
	check(rt_call(c, EP_ECHO, NULL, 0, cres, 64, &exc) == CAPOS_E_BAD_CAP,
	      "the released client facet is a bad cap");
	ledger_back(&before, "by hand");
}

/* --- a child server: call/return, exceptions, many clients ----------- */

static void check_echo(capos_cap_t c, uint32_t len)
{
	static uint8_t data[4096];
	struct capos_cqe cqe;
	const uint8_t *d;
	uint32_t dl;
	int rc;

	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + len);
	rc = ep_call(c, EP_ECHO, data, len, cres, sizeof(cres), NULL, 0, &cqe);
	check(rc > 0 && !(cqe.flags & CAPOS_CQE_EXCEPTION) &&
	          !ep_msg_data(cres, (uint32_t)rc, &d, &dl) && dl == len &&
	          !memcmp(d, data, len),
	      "echo of %u bytes through the child server (%s)", len,
	      err_name(rc > 0 ? 0 : rc));
}

static void check_header(capos_cap_t c)
{
	struct capos_recv_header h = {0};
	uint64_t tag[3] = {1, 2, 3};
	uint8_t m[256];
	const uint8_t *msg;
	uint32_t n = ep_msg(m, sizeof(m), tag, sizeof(tag), &msg);
	int rc = ep_call_get(c, EP_HEADER, tag, sizeof(tag), &h, sizeof(h));

	check(rc == 0 && h.interface_id == EP_IFACE && h.method == EP_HEADER &&
	          h.caps == 0 && h.params_len == n && h.call_id != 0,
	      "the server saw interface Echo, method %u, %u caps, %u params "
	      "bytes (%s)",
	      h.method, h.caps, h.params_len, err_name(rc));
}

static void check_throw(capos_cap_t c)
{
	struct capos_cqe cqe;
	char why[64];
	int rc;

	rc = ep_call(c, EP_THROW, NULL, 0, cres, sizeof(cres), NULL, 0, &cqe);
	if (rc > 0)
		ep_exception_reason(cres, (uint32_t)rc, why, sizeof(why));
	check(rc > 0 && (cqe.flags & CAPOS_CQE_EXCEPTION) &&
	          ep_exception_type(cres, (uint32_t)rc) ==
	              CAPOS_EXCEPTION_TYPE_FAILED &&
	          !strcmp(why, EP_THROW_REASON),
	      "a server's exception arrives with the EXCEPTION flag, type "
	      "and reason (%s)",
	      err_name(rc > 0 ? 0 : rc));
	rc = ep_call(c, 99, NULL, 0, cres, sizeof(cres), NULL, 0, &cqe);
	check(rc > 0 && (cqe.flags & CAPOS_CQE_EXCEPTION) &&
	          ep_exception_type(cres, (uint32_t)rc) ==
	              CAPOS_EXCEPTION_TYPE_UNIMPLEMENTED,
	      "method 99 reaches the server, which says unimplemented");
}

static void test_many(capos_cap_t c, uint32_t calls_before)
{
	capos_cap_t h[MANY_CLIENTS];
	struct ep_status st = {0};
	uint32_t good = 0;

	for (uint32_t i = 0; i < MANY_CLIENTS; i++)
		h[i] = spawn_client(c, "many", i + 1, MANY_CALLS, 0, 0, NULL);
	/* Our own calls go in between theirs. */
	for (uint32_t i = 0; i < MANY_CALLS; i++)
		good += echo_ok(c, 0xabc000 + i);
	check(good == MANY_CALLS,
	      "%u of our %u calls came back while %u "
	      "clients call",
	      good, MANY_CALLS, MANY_CLIENTS);
	for (uint32_t i = 0; i < MANY_CLIENTS; i++) {
		int64_t code = exit_code(h[i]);

		check(code == 0,
		      "client %u: all %u of its calls got its own answers "
		      "(wrong: %ld)",
		      i + 1, MANY_CALLS, (long)code);
		rt_release_now(h[i]);
	}
	ep_status(c, &st);
	check(st.calls == calls_before + (MANY_CLIENTS + 1) * MANY_CALLS + 1 &&
	          st.id_mismatches == 0,
	      "the server received every call once (%u)", st.calls);
}

static void test_child_server(void)
{
	struct ledger before;
	struct ep_status st = {0};
	struct capos_cqe cqe;
	capos_cap_t s, c, h;
	int rc;

	ledger_get(&before);
	if (!ept_create(&s, &c))
		return;
	h = spawn_server(s, &server_q);
	if (!h)
		return;
	rc = recv_within(s, sizeof(rbuf), &cqe);
	check(rc == CAPOS_E_BAD_CAP,
	      "the server facet moved to the child: our slot is gone (%s)",
	      err_name(rc));
	check_echo(c, 16);
	check_echo(c, 1024);
	check_echo(c, 4000);
	check_header(c);
	check_throw(c);
	ep_status(c, &st);
	check(st.calls == 7 && st.id_mismatches == 0 && st.last_return_rc == 0,
	      "the server counted 7 calls (%u), every RETURN succeeded",
	      st.calls);
	test_many(c, st.calls);
	reap(h);
	rt_release_now(c);
	ledger_back(&before, "child server");
}

/* --- a full queue ------------------------------------------------------ */

/* RECVs n calls and echoes each. Returns how many were answered. */
static uint32_t drain(capos_cap_t s, uint32_t n)
{
	uint32_t done = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct capos_recv_header *h = (const void *)rbuf;
		struct capos_cqe rq;

		if (recv_within(s, sizeof(rbuf), &rq) <= 0)
			break;
		done += ep_return(s, rq.call_id, ep_recv_params(rbuf),
		                  h->params_len, 0, NULL, 0) == 0;
	}
	return done;
}

/* One call of ours answered by ourselves. */
static bool self_served(capos_cap_t s, capos_cap_t c)
{
	static const uint64_t data[2] = {0x5e1f, 0xf1e5};
	struct capos_cqe cq;
	const uint8_t *msg;
	uint32_t n = msg_of(data, sizeof(data), &msg);
	uint64_t cud =
	    ep_call_submit(c, EP_ECHO, msg, n, cres, sizeof(cres), NULL, 0);

	return drain(s, 1) == 1 && wait_within(cud, EP_POLL_MS, &cq) == 0 &&
	       cq.result == (int)n;
}

static void fill_queue(capos_cap_t c, capos_cap_t *h)
{
	uint32_t queued = 0;

	for (uint32_t i = 0; i < FILL_CLIENTS; i++) {
		h[i] = spawn_client(c, "fill", i + 1, FILL_CALLS, 0, 0, NULL);
		queued += h[i] ? wait_queued(h[i], FILL_CALLS) : 0;
	}
	check(queued == EP_QUEUE_MAX,
	      "%u clients queue %u calls with no server receiving (each "
	      "child's endpointQueue shows its own)",
	      FILL_CLIENTS, queued);
}

static void test_queue_full(void)
{
	struct ledger before, during, after;
	capos_cap_t h[FILL_CLIENTS], extra;
	struct capos_cqe cq;
	const uint8_t *msg;
	uint64_t tag = 0x65, cud;
	uint32_t n;
	int rc;
	capos_cap_t s, c;

	ledger_get(&before);
	if (!ept_create(&s, &c))
		return;
	fill_queue(c, h);
	ledger_get(&during);
	n = msg_of(&tag, sizeof(tag), &msg);
	cud = ep_call_submit(c, EP_ECHO, msg, n, cres, sizeof(cres), NULL, 0);
	rc = wait_within(cud, 500, &cq);
	check(rc == 0 && cq.result > 0 && (cq.flags & CAPOS_CQE_EXCEPTION) &&
	          ep_exception_type(cres, (uint32_t)cq.result) ==
	              CAPOS_EXCEPTION_TYPE_OVERLOADED,
	      "the 65th call completes at once with overloaded (%s)",
	      err_name(rc ? rc : (cq.result > 0 ? 0 : cq.result)));
	check(ledger_get(&after) && ledger_eq(&after, &during),
	      "the refused call charged us nothing");
	extra = spawn_client(c, "fill", 9, 1, 0, 0, NULL);
	check(exit_code(extra) == EP_FILL_CODE(0, 0, 1, 0),
	      "another process's call is refused overloaded too");
	rt_release_now(extra);
	check(drain(s, EP_QUEUE_MAX) == EP_QUEUE_MAX,
	      "the server drains all %u", EP_QUEUE_MAX);
	for (uint32_t i = 0; i < FILL_CLIENTS; i++) {
		int64_t code = exit_code(h[i]);

		check(code == EP_FILL_CODE(FILL_CALLS, 0, 0, 0),
		      "client %u: its %u queued calls were answered (code "
		      "%#lx)",
		      i + 1, FILL_CALLS, (unsigned long)code);
		rt_release_now(h[i]);
	}
	check(self_served(s, c), "after the drain calls work again");

	/* endpointQueue 2 and 3 calls: the third is over the ledger. */
	struct rt_quotas q = client_q;

	q.endpoint_queue = 2;
	extra = spawn_client(c, "fill", 10, 3, 0, 0, &q);
	check(extra && wait_queued(extra, 2) == 2,
	      "a client with endpointQueue 2 queues two calls");
	check(drain(s, 2) == 2 && exit_code(extra) == EP_FILL_CODE(2, 1, 0, 0),
	      "its third call failed with QUOTA, the two were answered");
	rt_release_now(extra);
	rt_release_now(s);
	rt_release_now(c);
	ledger_back(&before, "queue full");
}

/* --- session references ------------------------------------------------ */

/* Serves one call on s (3 s at most) and copies its session. */
static bool serve_one(capos_cap_t s, uint8_t session[16])
{
	const struct capos_recv_header *h = (const void *)rbuf;
	struct capos_cqe rq;

	if (recv_within(s, sizeof(rbuf), &rq) <= 0)
		return false;
	memcpy(session, h->session, 16);
	return ep_return(s, rq.call_id, ep_recv_params(rbuf), h->params_len, 0,
	                 NULL, 0) == 0;
}

/* Our own call on c, served by ourselves on s. */
static bool own_session(capos_cap_t s, capos_cap_t c, uint8_t session[16])
{
	uint64_t tag = 0x5e55;
	struct capos_cqe cq;
	const uint8_t *msg;
	uint32_t n = msg_of(&tag, sizeof(tag), &msg);
	uint64_t cud =
	    ep_call_submit(c, EP_ECHO, msg, n, cres, sizeof(cres), NULL, 0);

	return serve_one(s, session) && rt_wait(cud, &cq) == 0 &&
	       cq.result == (int)n;
}

/* A child under `session` calls c; we serve it on s. */
static bool child_session(capos_cap_t s, capos_cap_t c, uint64_t session,
                          uint8_t ref[16])
{
	capos_cap_t h = spawn_client(c, "one", 1, EP_ECHO, 0, session, NULL);
	bool ok = h && serve_one(s, ref) && exit_code(h) == EP_ONE_OK;

	rt_release_now(h);
	return ok;
}

static bool same(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 16);
}

static void test_sessions(void)
{
	static const uint8_t zero[16];
	uint8_t a1[16], a1b[16], a2[16], k1[16], l1[16], l1b[16], l2[16];
	struct ledger before;
	capos_cap_t s1, c1, s2, c2;

	ledger_get(&before);
	if (!ept_create(&s1, &c1) || !ept_create(&s2, &c2))
		return;
	check(own_session(s1, c1, a1) && own_session(s1, c1, a1b) &&
	          same(a1, a1b) && !same(a1, zero),
	      "two calls from us to one endpoint carry one session "
	      "reference");
	check(own_session(s2, c2, a2) && !same(a1, a2),
	      "our calls to another endpoint carry a different one");
	check(child_session(s1, c1, 0, k1) && same(k1, a1),
	      "a child in our session (spawn session 0) has our reference");
	check(child_session(s1, c1, 77, l1) && !same(l1, a1),
	      "a child spawned with session 77 has a different one");
	check(child_session(s1, c1, 77, l1b) && same(l1, l1b),
	      "a second child in session 77 has the first one's");
	check(child_session(s2, c2, 77, l2) && !same(l2, l1) && !same(l2, a2),
	      "session 77 on the other endpoint: another reference again");
	rt_release_now(s1);
	rt_release_now(c1);
	rt_release_now(s2);
	rt_release_now(c2);
	ledger_back(&before, "sessions");
}

int main(void)
{
	struct ledger base;

	if (!ept_init("epbasic"))
		return report_finish();
	map_buffers();
	if (!check(ledger_get(&base), "read our own ledger"))
		return report_finish();
	say_quotas("ledger used", &base.used);
	test_create();
	test_by_hand();
	test_child_server();
	test_queue_full();
	test_sessions();
	ledger_back(&base, "after everything");
	return report_finish();
}
