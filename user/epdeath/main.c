/*
 * epdeath - endpoints when one side goes away. Server side: the last
 * server facet released (by us, or by a child server) or the server
 * process killed or exiting mid-call: every caller, queued or received
 * and unanswered, blocked in cap_enter or not, wakes with
 * CAPOS_E_PEER_CLOSED, and later calls fail with it at once. Caller side:
 * a caller killed while its call is held gets the server's RETURN
 * CAPOS_E_PEER_CLOSED with nothing transferred; one killed while its call
 * (carrying a moved cap) is queued has that call dropped and the cap
 * freed. After each, the ledgers are back. Started by
 * tests/system/epdeath.test with console, timer, frames, spawner and
 * endpoints; children user/epserver and user/epclient.
 */
#include "../eplib/eptest.h"

#define CLOSED_CODE EP_ONE_ERROR(CAPOS_E_PEER_CLOSED)

static uint8_t rbuf[EP_RECV_BUF] __attribute__((aligned(8)));
static uint8_t ores[128] __attribute__((aligned(8)));
static uint8_t arena[128] __attribute__((aligned(8)));

/* Our own echo call, left pending (its answer goes to ores). */
static uint64_t own_call(capos_cap_t c, uint64_t tag)
{
	const uint8_t *msg;
	uint32_t n = ep_msg(arena, sizeof(arena), &tag, sizeof(tag), &msg);

	return ep_call_submit(c, EP_ECHO, msg, n, ores, sizeof(ores), NULL, 0);
}

/* RECV on s within 3 s. Returns the CQE result with *cqe. */
static int recv_within(capos_cap_t s, struct capos_cqe *cqe)
{
	int rc =
	    wait_within(ep_recv_submit(s, rbuf, sizeof(rbuf)), EP_POLL_MS, cqe);

	return rc ? rc : cqe->result;
}

/* The pending call ud completes with PEER_CLOSED within 1 s. */
static void check_closed(uint64_t ud, const char *what)
{
	struct capos_cqe cqe;
	int rc = wait_within(ud, 1000, &cqe);

	check(rc == 0 && cqe.result == CAPOS_E_PEER_CLOSED, "%s: %s", what,
	      err_name(rc ? rc : cqe.result));
}

/* Child h exits with the peer-closed code; its handle is dropped. */
static void check_child_closed(capos_cap_t h, const char *what)
{
	int64_t code = exit_code(h);

	check(code == CLOSED_CODE, "%s wakes with PEER_CLOSED (exit %ld)", what,
	      (long)code);
	rt_release_now(h);
}

static void check_later_calls(capos_cap_t c)
{
	int rc = call_within(c, EP_ECHO, 500);

	check(rc == CAPOS_E_PEER_CLOSED, "a later call fails at once: %s",
	      err_name(rc));
}

/* Kills h and waits until it is dead. True if it ended killed. */
static bool killed(capos_cap_t h)
{
	struct rt_exit_status st = {0};

	return rt_process_kill(h) == 0 && rt_process_wait(h, &st) == 0 &&
	       st.kind == RT_KILLED;
}

/* One call of ours, answered by ourselves on s. */
static bool echo_ok_self(capos_cap_t s, capos_cap_t c)
{
	const struct capos_recv_header *h = (const void *)rbuf;
	struct capos_cqe rq, cq;
	uint64_t mine = own_call(c, 0x55);

	return recv_within(s, &rq) > 0 &&
	       ep_return(s, rq.call_id, ep_recv_params(rbuf), h->params_len, 0,
	                 NULL, 0) == 0 &&
	       wait_within(mine, 1000, &cq) == 0 && cq.result > 0;
}

/* Polls epserver until it holds n calls. */
static bool server_holds(capos_cap_t c, uint32_t n)
{
	struct ep_status st = {0};

	for (uint32_t i = 0; i < EP_POLL_MS; i++) {
		if (ep_status(c, &st) == 0 && st.calls_held == n)
			return true;
		rt_timer_sleep(timer, EP_ONE_MS);
	}
	return false;
}

/* --- the server side goes away ---------------------------------------- */

/* We serve, hold one call, let one queue, then release our server facet. */
static void test_release_facet(void)
{
	struct ledger before, queued;
	struct capos_cqe rq;
	capos_cap_t s, c, a, b;
	uint64_t mine;
	int rc;

	ledger_get(&before);
	if (!ept_create(&s, &c))
		return;
	a = spawn_client(c, "one", 1, EP_ECHO, 0, 0, NULL);
	check(a && wait_queued(a, 1) == 1 && recv_within(s, &rq) > 0,
	      "we receive a child's call and hold it");
	b = spawn_client(c, "one", 2, EP_ECHO, 0, 0, NULL);
	check(b && wait_queued(b, 1) == 1, "a second child's call queues");
	mine = own_call(c, 0x11);
	rt_flush();
	check(ledger_get(&queued) && queued.used.endpoint_queue ==
	                                 before.used.endpoint_queue +
	                                     2 * client_q.endpoint_queue + 1,
	      "and one of ours (our endpointQueue +1)");
	check(rt_release_now(s) == 0, "release our server facet, the last");
	check_closed(mine, "our queued call");
	check_child_closed(a, "the child whose call we held");
	check_child_closed(b, "the child whose call was queued");
	check_later_calls(c);
	rc = ep_return(s, rq.call_id, NULL, 0, 0, NULL, 0);
	check(rc == CAPOS_E_BAD_CAP, "RETURN on the released facet: %s",
	      err_name(rc));
	rt_release_now(c);
	ledger_back(&before, "facet released");
}

/* A child server holds two calls and stops; one child and we queue; it
 * is killed. */
static void test_server_killed(void)
{
	struct ep_status st = {0};
	struct ledger before;
	capos_cap_t s, c, h, c1, c2, c3;
	uint64_t mine;

	ledger_get(&before);
	if (!ept_create(&s, &c) || !(h = spawn_server(s, &server_q)))
		return;
	c1 = spawn_client(c, "one", 1, EP_HOLD, 0, 0, NULL);
	c2 = spawn_client(c, "one", 2, EP_HOLD, 0, 0, NULL);
	check(c1 && c2 && server_holds(c, 2),
	      "the server holds two children's calls");
	check(ep_call_get(c, EP_STOP, NULL, 0, &st, sizeof(st)) == 0,
	      "the server stops receiving");
	c3 = spawn_client(c, "one", 3, EP_ECHO, 0, 0, NULL);
	check(c3 && wait_queued(c3, 1) == 1, "a third child's call queues");
	mine = own_call(c, 0x22);
	rt_flush();
	check(killed(h), "kill the server");
	rt_release_now(h);
	check_closed(mine, "our queued call");
	check_child_closed(c1, "a child whose call was held");
	check_child_closed(c2, "the other one");
	check_child_closed(c3, "the child whose call was queued");
	check_later_calls(c);
	rt_release_now(c);
	ledger_back(&before, "server killed");
}

/* The server exits while our call is in its hands. */
static void test_server_exits(void)
{
	struct ledger before;
	capos_cap_t s, c, h;
	int rc;

	ledger_get(&before);
	if (!ept_create(&s, &c) || !(h = spawn_server(s, &server_q)))
		return;
	rc = call_within(c, EP_EXIT, 2000);
	check(rc == CAPOS_E_PEER_CLOSED,
	      "the server exits holding our call: %s", err_name(rc));
	check(exit_code(h) == 0, "it exited 0");
	rt_release_now(h);
	check_later_calls(c);
	rt_release_now(c);
	ledger_back(&before, "server exited");
}

/* A child server releases its last server facet, holding a call. */
static void test_server_closes(void)
{
	struct rt_process_info in;
	struct ep_status st = {0};
	struct ledger before;
	capos_cap_t s, c, h, c1;

	ledger_get(&before);
	if (!ept_create(&s, &c) || !(h = spawn_server(s, &server_q)))
		return;
	c1 = spawn_client(c, "one", 1, EP_HOLD, 0, 0, NULL);
	check(c1 && server_holds(c, 1), "the server holds a child's call");
	check(ep_call_get(c, EP_CLOSE, NULL, 0, &st, sizeof(st)) == 0,
	      "the server answers, then releases its server facet");
	check_child_closed(c1, "the child whose call it held");
	check_later_calls(c);
	check(rt_process_info(h, &in) == 0 && in.running,
	      "the server process itself still runs");
	reap(h);
	rt_release_now(c);
	ledger_back(&before, "server closed");
}

/* --- the caller goes away --------------------------------------------- */

/* We hold a child's call; it is killed; our RETURN carries a move. */
static void test_caller_killed_held(void)
{
	struct capos_xfer x;
	struct capos_cqe rq;
	struct ledger before;
	capos_cap_t s, c, a, m = 0;
	uint32_t pages = 0;
	int rc;

	ledger_get(&before);
	if (!ept_create(&s, &c))
		return;
	a = spawn_client(c, "one", 1, EP_ECHO, 0, 0, NULL);
	if (!check(a && recv_within(s, &rq) > 0, "we receive a child's call"))
		goto out;
	check(killed(a), "kill the child while we hold its call");
	check(rt_frames_alloc(frames, 1, false, &m) == 0, "alloc a page");
	x = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_MOVE};
	rc = ep_return(s, rq.call_id, ep_recv_params(rbuf),
	               ((const struct capos_recv_header *)rbuf)->params_len, 0,
	               &x, 1);
	check(rc == CAPOS_E_PEER_CLOSED, "our RETURN (moving a cap): %s",
	      err_name(rc));
	check(rt_memory_pages(m, &pages) == 0 && pages == 1,
	      "nothing was transferred: the cap is still ours, same CapId");
	check(echo_ok_self(s, c), "the endpoint still works");
	rt_release_now(m);
out:
	rt_release_now(a);
	rt_release_now(s);
	rt_release_now(c);
	ledger_back(&before, "caller killed, call held");
}

/* Returns true if the call in rbuf (its header there) is our own_call
 * tagged `tag`. */
static bool recv_is_ours(uint64_t tag)
{
	const struct capos_recv_header *h = (const void *)rbuf;
	const uint8_t *d;
	uint32_t n;
	uint64_t got;

	if (h->caps ||
	    ep_msg_data(rbuf + capos_recv_params_offset(0), h->params_len, &d,
	                &n) ||
	    n != sizeof(got))
		return false;
	memcpy(&got, d, sizeof(got));
	return got == tag;
}

/* A child's queued call carries nothing: the child's thread makes it
 * with its own call record (docs/endpoints.md), which its exit finds
 * and drops; the child is killed. */
static void test_caller_killed_queued_plain(void)
{
	const struct capos_recv_header *h = (const void *)rbuf;
	struct capos_cqe rq, cq;
	struct ledger before;
	capos_cap_t s, c, a;
	uint64_t mine;

	ledger_get(&before);
	if (!ept_create(&s, &c))
		return;
	a = spawn_client(c, "one", 2, EP_ECHO, 0, 0, NULL);
	check(a && wait_queued(a, 1) == 1,
	      "a child's call without caps queues");
	check(killed(a), "kill the child");
	rt_release_now(a);
	mine = own_call(c, 0x55);
	check(recv_within(s, &rq) > 0 && rq.call_id == h->call_id &&
	          recv_is_ours(0x55),
	      "the next RECV gets our call, not the dead child's");
	ep_return(s, rq.call_id, NULL, 0, 0, NULL, 0);
	rt_wait(mine, &cq);
	rt_release_now(s);
	rt_release_now(c);
	ledger_back(&before, "caller killed, call without caps queued");
}

/* A child's queued call moves a cap; the child is killed. */
static void test_caller_killed_queued(void)
{
	const struct capos_recv_header *h = (const void *)rbuf;
	struct capos_cqe rq, cq;
	struct ledger before;
	capos_cap_t s, c, a, m = 0;
	uint64_t mine;

	ledger_get(&before);
	if (!ept_create(&s, &c) ||
	    !check(rt_frames_alloc(frames, 1, false, &m) == 0, "alloc a page"))
		return;
	a = spawn_client(c, "one", 1, EP_ECHO, m, 0, NULL);
	check(a && wait_queued(a, 1) == 1,
	      "a child's call moving a copy of our page queues");
	check(killed(a), "kill the child");
	rt_release_now(a);
	mine = own_call(c, 0x33);
	check(recv_within(s, &rq) > 0 && h->caps == 0 &&
	          rq.call_id == h->call_id,
	      "the next RECV gets our call, not the dead child's");
	ep_return(s, rq.call_id, NULL, 0, 0, NULL, 0);
	rt_wait(mine, &cq);
	rt_release_now(m);
	rt_release_now(s);
	rt_release_now(c);
	ledger_back(&before, "caller killed, call queued (its page freed)");
}

/* A child server holds a child's call; the caller is killed. */
static void test_caller_killed_child_server(void)
{
	struct ep_status st = {0};
	struct ledger before;
	capos_cap_t s, c, h, a;

	ledger_get(&before);
	if (!ept_create(&s, &c) || !(h = spawn_server(s, &server_q)))
		return;
	a = spawn_client(c, "one", 1, EP_HOLD, 0, 0, NULL);
	check(a && server_holds(c, 1), "the server holds a child's call");
	check(killed(a), "kill the caller");
	rt_release_now(a);
	ep_call_get(c, EP_FINISH, NULL, 0, &st, sizeof(st));
	check(st.nfinished == 1 && st.finished_rc[0] == CAPOS_E_PEER_CLOSED,
	      "the server's RETURN to it: %s",
	      err_name(st.nfinished ? st.finished_rc[0] : 0));
	check(echo_ok(c, 0x44), "the server goes on serving");
	reap(h);
	rt_release_now(c);
	ledger_back(&before, "caller killed, child server");
}

int main(void)
{
	struct ledger base;

	if (!ept_init("epdeath"))
		return report_finish();
	if (!check(ledger_get(&base), "read our own ledger"))
		return report_finish();
	test_release_facet();
	test_server_killed();
	test_server_exits();
	test_server_closes();
	test_caller_killed_held();
	test_caller_killed_queued();
	test_caller_killed_queued_plain();
	test_caller_killed_child_server();
	ledger_back(&base, "after everything");
	return report_finish();
}
