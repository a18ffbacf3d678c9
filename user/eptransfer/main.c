/*
 * eptransfer - capabilities carried by CALL and RETURN over an endpoint:
 * a MemoryObject moved and copied to a child server and back (shared
 * memory works after the move, the sender's slot is gone; after a copy
 * both work), a move that fails in the middle (the receiver has no free
 * slot; a bad descriptor beside it) leaves the sender exactly as before,
 * caps that may not travel (ProcessHandle, a copied server facet) are
 * refused with nothing changed, and a replayed SQE cannot repeat a move.
 * Started by tests/system/eptransfer.test with console, timer, frames,
 * spawner and endpoints; child user/epserver.
 *
 * What "replay" can mean here. The kernel consumes each SQE once: it keeps
 * its own sq_head and reads the user's sq_tail, so a program cannot make
 * it read an SQE twice, only (a) write the same SQE again, which the
 * kernel takes as a new request, or (b) move sq_tail backwards to point
 * at SQEs already consumed, which the kernel refuses as ring corruption
 * (and the header's sq_head is the kernel's copy, never read back). So
 * the tests are: (b) is CAPOS_E_RING_CORRUPT and nothing runs; (a) after
 * a move completed is CAPOS_E_BAD_CAP (the slot is gone: a move cannot
 * happen twice), while the first is still queued it is refused too (the
 * slot is reserved), and for a copy it is a second, legitimate copy.
 */
#include "../eplib/eptest.h"

#define P_MOVE   0x6d6f76656d6f7665ull
#define P_COPY   0x636f7079636f7079ull
#define P_REPLAY 0x7265706c61797265ull
#define BOGUS    CAPOS_CAPID_MAKE(250, 9)

static uint8_t rbuf[EP_RECV_BUF] __attribute__((aligned(8)));
static uint8_t cres[512] __attribute__((aligned(8)));
static uint8_t arena[256] __attribute__((aligned(8)));

/* Maps and unmaps a page first: the page tables behind the mapping area
 * stay (charged) until we exit, so the baseline is taken after this. */
static void warm_up(void)
{
	capos_cap_t m = 0;
	uint64_t a = 0;

	check(rt_frames_alloc(frames, 1, false, &m) == 0 &&
	          rt_memory_map(m, 0, 0, 4096, RT_PROT_READ_WRITE, &a) == 0 &&
	          rt_memory_unmap(m, a, 4096) == 0 && rt_release_now(m) == 0,
	      "warm-up: map and unmap a page");
}

/* A fresh one-page MemoryObject mapped at *w, word 0 = pattern. */
static bool page(capos_cap_t *m, volatile uint64_t **w, uint64_t pattern)
{
	uint64_t a = 0;

	if (rt_frames_alloc(frames, 1, false, m) ||
	    rt_memory_map(*m, 0, 0, 4096, RT_PROT_READ_WRITE, &a)) {
		check(false, "alloc and map a page");
		return false;
	}
	*w = (volatile uint64_t *)a;
	(*w)[0] = pattern;
	(*w)[1] = 0;
	return true;
}

static bool pages_ok(capos_cap_t m)
{
	uint32_t n = 0;

	return rt_memory_pages(m, &n) == 0 && n == 1;
}

/* EP_TAKE with xfer. Returns the CQE result with *r (zeroed if none). */
static int take(capos_cap_t c, uint64_t pattern, uint32_t kind,
                const struct capos_xfer *x, uint16_t nx,
                struct ep_take_reply *r)
{
	struct ep_take t = {.pattern = pattern, .kind = kind};
	struct capos_cqe cqe;
	int rc =
	    ep_call(c, EP_TAKE, &t, sizeof(t), cres, sizeof(cres), x, nx, &cqe);

	memset(r, 0, sizeof(*r));
	if (rc > 0 && !(cqe.flags & CAPOS_CQE_EXCEPTION))
		ep_msg_get(cres, (uint32_t)rc, r, sizeof(*r));
	return rc;
}

/* EP_GIVE: the kept cap `index` back to us. Returns the CQE result; the
 * cap we got in *got (0 if none). */
static int give(capos_cap_t c, uint32_t index, uint32_t mode, capos_cap_t *got)
{
	struct ep_give g = {.index = index, .mode = mode};
	struct capos_cqe cqe;
	int rc = ep_call(c, EP_GIVE, &g, sizeof(g), cres, sizeof(cres), NULL, 0,
	                 &cqe);

	*got = rc >= 0 && cqe.caps == 1 ? ep_result_cap(cres, rc, 0) : 0;
	return rc;
}

/* --- move and copy of a MemoryObject --------------------------------- */

static void test_move(capos_cap_t c)
{
	struct capos_xfer x;
	struct ep_take_reply r;
	struct ep_status st = {0};
	struct ledger before, moved;
	volatile uint64_t *w;
	capos_cap_t m, back = 0;
	int rc;

	ledger_get(&before);
	if (!page(&m, &w, P_MOVE))
		return;
	x = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_MOVE};
	rc = take(c, P_MOVE, EP_KIND_MEMORY, &x, 1, &r);
	check(rc > 0 && r.caps == 1 && r.matched == 1 && r.map_rc == 0,
	      "move by CALL: the server got it and read our pattern (%s, "
	      "caps %u, map %s)",
	      err_name(rc > 0 ? 0 : rc), r.caps, err_name(r.map_rc));
	check(w[1] == ~P_MOVE,
	      "move: the server's write shows in our mapping (shared "
	      "memory)");
	check(rt_memory_pages(m, &(uint32_t){0}) == CAPOS_E_BAD_CAP,
	      "move: our slot is gone (BAD_CAP)");
	ledger_get(&moved);
	check(moved.used.cap_slots == before.used.cap_slots,
	      "move: our capSlots are back to before the alloc (%u)",
	      moved.used.cap_slots);
	/* And back by RETURN. */
	w[0] = P_MOVE + 1;
	rc = give(c, 0, CAPOS_XFER_MOVE, &back);
	check(rc > 0 && back && pages_ok(back),
	      "move by RETURN: we get a working cap back (%s)",
	      err_name(rc > 0 ? 0 : rc));
	ep_status(c, &st);
	check(st.given_old_rc == CAPOS_E_BAD_CAP && st.caps_held == 0 &&
	          st.last_return_rc == 0,
	      "move by RETURN: the server's slot is gone (%s), it keeps none",
	      err_name(st.given_old_rc));
	check(back && rt_memory_unmap(back, (uint64_t)w, 4096) == 0 &&
	          rt_release_now(back) == 0,
	      "unmap through the returned cap and release it");
	ledger_back(&before, "move");
}

static void test_copy(capos_cap_t c)
{
	struct capos_xfer x;
	struct ep_take_reply r;
	struct ep_status st = {0};
	struct ledger before;
	volatile uint64_t *w;
	capos_cap_t m, dup = 0;
	int rc;

	ledger_get(&before);
	if (!page(&m, &w, P_COPY))
		return;
	x = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_COPY};
	rc = take(c, P_COPY, EP_KIND_MEMORY, &x, 1, &r);
	check(rc > 0 && r.caps == 1 && r.matched == 1 && r.map_rc == 0 &&
	          w[1] == ~P_COPY,
	      "copy by CALL: the server read our pattern, we see its write");
	check(pages_ok(m) && ep_status(c, &st) == 0 && st.memory_live == 1,
	      "copy: both copies work (ours and the server's)");
	rc = give(c, 0, CAPOS_XFER_COPY, &dup);
	check(rc > 0 && dup && dup != m && pages_ok(dup) && pages_ok(m),
	      "copy by RETURN: a second cap of ours, both work");
	check(ep_status(c, &st) == 0 && st.caps_held == 1 &&
	          st.memory_live == 1,
	      "copy by RETURN: the server still holds its own");
	check(ep_call_get(c, EP_DROP, NULL, 0, &st, sizeof(st)) == 0 &&
	          pages_ok(m) && pages_ok(dup),
	      "the server drops its copy: ours still work");
	rt_release_now(dup);
	rt_memory_unmap(m, (uint64_t)w, 4096);
	rt_release_now(m);
	ledger_back(&before, "copy");
}

/* --- a move that fails in the middle --------------------------------- */

/* m still answers under its CapId and the ledger is `before`. */
static void check_intact(capos_cap_t m, const struct ledger *before,
                         const char *what)
{
	struct ledger now;

	check(pages_ok(m) && ledger_get(&now) && ledger_eq(&now, before),
	      "%s: the cap works under the same CapId, the ledger is "
	      "unchanged",
	      what);
}

static void test_no_slot(void)
{
	struct rt_quotas q = server_q;
	struct capos_xfer x;
	struct ep_take_reply r;
	struct ep_status st = {0};
	struct ledger before;
	volatile uint64_t *w;
	capos_cap_t s, c, h, m;
	bool ok;
	int rc;

	if (!ept_create(&s, &c))
		return;
	q.cap_slots = 1; /* its server facet, nothing more */
	h = spawn_server(s, &q);
	if (!check(h && echo_ok(c, 0x7171),
	           "a server with capSlots 1 answers calls"))
		goto out;
	if (!page(&m, &w, P_MOVE))
		goto out;
	ledger_get(&before);
	x = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_MOVE};
	rc = take(c, P_MOVE, EP_KIND_MEMORY, &x, 1, &r);
	check(rc < 0, "move to a receiver with no free slot fails (%s)",
	      err_name(rc));
	check_intact(m, &before, "no slot, move");
	x.mode = CAPOS_XFER_COPY;
	rc = take(c, P_MOVE, EP_KIND_MEMORY, &x, 1, &r);
	check(rc < 0, "copy to it fails too (%s)", err_name(rc));
	check_intact(m, &before, "no slot, copy");
	ok = echo_ok(c, 0x7272);
	ep_status(c, &st);
	check(ok && st.calls > 0 && st.caps_received == 0 && st.caps_held == 0,
	      "the server lives on and never got a cap (calls %u, RECV "
	      "errors %u, last %s)",
	      st.calls, st.recv_errors, err_name(st.last_recv_err));
	rt_memory_unmap(m, (uint64_t)w, 4096);
	rt_release_now(m);
out:
	reap(h);
	rt_release_now(c);
}

/* A move beside a descriptor that cannot go: all of it is refused. */
static void test_bad_neighbour(capos_cap_t c)
{
	struct capos_xfer x[2];
	struct ep_take_reply r;
	struct ledger before;
	volatile uint64_t *w;
	capos_cap_t m;
	int rc;

	if (!page(&m, &w, P_MOVE))
		return;
	ledger_get(&before);
	x[0] = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_MOVE};
	x[1] = (struct capos_xfer){.cap = BOGUS, .mode = CAPOS_XFER_COPY};
	rc = take(c, P_MOVE, EP_KIND_MEMORY, x, 2, &r);
	check(rc == CAPOS_E_BAD_CAP, "a move beside a bad CapId: %s",
	      err_name(rc));
	check_intact(m, &before, "move beside a bad CapId");
	x[1] = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_COPY};
	rc = take(c, P_MOVE, EP_KIND_MEMORY, x, 2, &r);
	check(rc < 0, "one cap moved and copied in one call: %s", err_name(rc));
	check_intact(m, &before, "moved and copied at once");
	rt_memory_unmap(m, (uint64_t)w, 4096);
	rt_release_now(m);
}

/* --- caps that may not travel ------------------------------------------ */

static void test_refused(capos_cap_t c)
{
	struct rt_process_info in;
	struct ep_status st0 = {0}, st1 = {0};
	struct capos_xfer x;
	struct ep_take_reply r;
	struct ledger before;
	struct capos_cqe cqe;
	capos_cap_t h = 0, s3, c3;
	char why[64];
	int rc;

	ledger_get(&before);
	rc = rt_spawn(spawner, "held", "minimal", NULL, 0, &client_q, &h, why,
	              sizeof(why));
	if (!check(rc == 0, "spawn minimal for a ProcessHandle (%s)",
	           err_name(rc)))
		return;
	ep_status(c, &st0);
	x = (struct capos_xfer){.cap = h, .mode = CAPOS_XFER_MOVE};
	rc = take(c, 0, EP_KIND_OTHER, &x, 1, &r);
	check(rc == CAPOS_E_TRANSFER_REFUSED, "move a ProcessHandle: %s",
	      err_name(rc));
	x.mode = CAPOS_XFER_COPY;
	rc = take(c, 0, EP_KIND_OTHER, &x, 1, &r);
	check(rc == CAPOS_E_TRANSFER_REFUSED, "copy a ProcessHandle: %s",
	      err_name(rc));
	check(rt_process_info(h, &in) == 0,
	      "the handle still works under its CapId");
	check(ep_status(c, &st1) == 0 && st1.calls == st0.calls + 1 &&
	          st1.caps_received == st0.caps_received,
	      "the refused calls never reached the server");
	exit_code(h);
	rt_release_now(h);

	/* A server facet moves but does not copy. */
	if (!ept_create(&s3, &c3))
		return;
	x = (struct capos_xfer){.cap = s3, .mode = CAPOS_XFER_COPY};
	rc = take(c, 0, EP_KIND_OTHER, &x, 1, &r);
	check(rc == CAPOS_E_TRANSFER_REFUSED, "copy a server facet: %s",
	      err_name(rc));
	x = (struct capos_xfer){.cap = c3, .mode = CAPOS_XFER_COPY};
	rc = take(c, 0, EP_KIND_OTHER, &x, 1, &r);
	check(rc > 0 && r.caps == 1, "copy a client facet: allowed");
	x = (struct capos_xfer){.cap = s3, .mode = CAPOS_XFER_MOVE};
	rc = take(c, 0, EP_KIND_OTHER, &x, 1, &r);
	check(rc > 0 && r.caps == 1, "move a server facet: allowed");
	rc = wait_within(ep_recv_submit(s3, rbuf, sizeof(rbuf)), EP_POLL_MS,
	                 &cqe);
	check(rc == 0 && cqe.result == CAPOS_E_BAD_CAP,
	      "the moved server facet's slot is gone (%s)",
	      err_name(rc ? rc : cqe.result));
	check(ep_call_get(c, EP_DROP, NULL, 0, &st1, sizeof(st1)) == 0,
	      "the server drops both");
	rc = call_within(c3, EP_ECHO, 500);
	check(rc == CAPOS_E_PEER_CLOSED,
	      "its release of the moved server facet closed that endpoint "
	      "(%s)",
	      err_name(rc));
	rt_release_now(c3);
	ledger_back(&before, "refused transfers");
}

/* --- replay ------------------------------------------------------------- */

/* Submits *s as it is (user_data included) and waits for it. */
static int submit_wait(const struct capos_sqe *s, struct capos_cqe *cqe)
{
	int rc = rt_wait(ep_submit(s), cqe);

	return rc < 0 ? rc : cqe->result;
}

static void test_replay_done(capos_cap_t c)
{
	struct ep_take t = {.pattern = P_REPLAY, .kind = EP_KIND_MEMORY};
	struct capos_ring_header *rh = &rt_ring->hdr;
	struct ep_status st0 = {0}, st1 = {0};
	struct capos_xfer x;
	struct capos_sqe sqe;
	struct capos_cqe cqe;
	volatile uint64_t *w;
	const uint8_t *msg;
	uint32_t n, saved;
	capos_cap_t m;
	long rc;

	if (!page(&m, &w, P_REPLAY))
		return;
	ep_status(c, &st0);
	n = ep_msg(arena, sizeof(arena), &t, sizeof(t), &msg);
	x = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_MOVE};
	sqe = ep_call_sqe(c, EP_TAKE, msg, n, cres, sizeof(cres), &x, 1);
	sqe.user_data = 0x5e5e0001;
	rc = submit_wait(&sqe, &cqe);
	check(rc > 0 && w[1] == ~P_REPLAY, "the move SQE ran once (%s)",
	      err_name(rc > 0 ? 0 : (int)rc));

	/* (b) sq_tail moved back over the consumed SQE. */
	saved = rh->sq_tail;
	rh->sq_tail = saved - 1;
	rc = capos_cap_enter(0, 0);
	rh->sq_tail = saved;
	check(rc == CAPOS_E_RING_CORRUPT, "sq_tail moved backwards: %s",
	      err_name((int)rc));
	/* The header's sq_head is only the kernel's report. */
	saved = rh->sq_head;
	rh->sq_head = saved - 1;
	rc = capos_cap_enter(0, 0);
	rh->sq_head = saved;
	check(rc >= 0, "sq_head moved backwards is ignored (%ld)", rc);

	/* (a) the same SQE again. */
	rc = submit_wait(&sqe, &cqe);
	check(rc == CAPOS_E_BAD_CAP && cqe.user_data == 0x5e5e0001,
	      "the same move SQE again: %s (the slot is gone)",
	      err_name((int)rc));
	ep_status(c, &st1);
	check(st1.calls == st0.calls + 2 &&
	          st1.caps_received == st0.caps_received + 1,
	      "the server got one call and one cap from all of it (calls "
	      "+%u, caps +%u)",
	      st1.calls - st0.calls - 1, st1.caps_received - st0.caps_received);
	/* Back to us, so that the mapping can go. */
	rc = give(c, st1.caps_held - 1, CAPOS_XFER_MOVE, &m);
	check(rc > 0 && m && rt_memory_unmap(m, (uint64_t)w, 4096) == 0 &&
	          rt_release_now(m) == 0,
	      "it comes back by RETURN, unmapped and released");
}

static void test_replay_copy(capos_cap_t c)
{
	struct ep_take t = {.pattern = P_REPLAY, .kind = EP_KIND_MEMORY};
	struct ep_status st0 = {0}, st1 = {0};
	struct capos_xfer x;
	struct capos_sqe sqe;
	struct capos_cqe cqe;
	volatile uint64_t *w;
	const uint8_t *msg;
	uint32_t n;
	capos_cap_t m;
	int rc1, rc2;

	if (!page(&m, &w, P_REPLAY))
		return;
	ep_status(c, &st0);
	n = ep_msg(arena, sizeof(arena), &t, sizeof(t), &msg);
	x = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_COPY};
	sqe = ep_call_sqe(c, EP_TAKE, msg, n, cres, sizeof(cres), &x, 1);
	sqe.user_data = 0x5e5e0002;
	rc1 = submit_wait(&sqe, &cqe);
	rc2 = submit_wait(&sqe, &cqe);
	check(rc1 > 0 && rc2 > 0 && pages_ok(m),
	      "the same copy SQE twice: two calls, our cap still works");
	check(ep_status(c, &st1) == 0 &&
	          st1.caps_received == st0.caps_received + 2 &&
	          st1.memory_live == st0.memory_live + 2,
	      "the server holds two working copies (a second legitimate "
	      "copy)");
	ep_call_get(c, EP_DROP, NULL, 0, &st1, sizeof(st1));
	rt_memory_unmap(m, (uint64_t)w, 4096);
	rt_release_now(m);
}

/* The same move SQE while the first is still queued (we serve it). */
static void test_replay_pending(void)
{
	struct ep_take t = {.pattern = P_REPLAY, .kind = EP_KIND_OTHER};
	const struct capos_recv_header *h = (const void *)rbuf;
	struct capos_xfer x;
	struct capos_sqe sqe;
	struct capos_cqe c1, c2, rq;
	volatile uint64_t *w;
	const uint8_t *msg;
	capos_cap_t s, c, m, got = 0;
	struct ledger before, l;
	const uint8_t *d;
	uint64_t u1, u2;
	uint32_t dl;
	uint32_t n;
	int rc;

	if (!ept_create(&s, &c) || !page(&m, &w, P_REPLAY))
		return;
	ledger_get(&before);
	n = ep_msg(arena, sizeof(arena), &t, sizeof(t), &msg);
	x = (struct capos_xfer){.cap = m, .mode = CAPOS_XFER_MOVE};
	sqe = ep_call_sqe(c, EP_TAKE, msg, n, cres, sizeof(cres), &x, 1);
	sqe.user_data = 0x5e5e0003;
	u1 = ep_submit(&sqe);
	u2 = ep_submit(&sqe);
	rt_flush();
	rc = wait_within(u2, 500, &c2);
	check(rc == 0 && c2.result < 0,
	      "the same move SQE while the first is queued: %s",
	      err_name(rc ? rc : c2.result));
	rc =
	    wait_within(ep_recv_submit(s, rbuf, sizeof(rbuf)), EP_POLL_MS, &rq);
	if (check(rc == 0 && rq.result > 0 && h->caps == 1,
	          "we receive the one call with its one cap"))
		got = ep_recv_caps(rbuf)[0];
	check(got && pages_ok(got) && !pages_ok(m),
	      "the cap is ours under its new CapId; the old one is gone");
	if (rq.result > 0)
		ep_return(s, rq.call_id, NULL, 0, 0, NULL, 0);
	rc = wait_within(u1, EP_POLL_MS, &c1);
	check(rc == 0 && c1.result > 0 && !(c1.flags & CAPOS_CQE_EXCEPTION) &&
	          !ep_msg_data(cres, (uint32_t)c1.result, &d, &dl) && dl == 0,
	      "the first call completes with our empty results (%s, %d "
	      "bytes)",
	      err_name(rc ? rc : (c1.result > 0 ? 0 : c1.result)), c1.result);
	ledger_get(&l);
	check(l.used.endpoint_queue == before.used.endpoint_queue,
	      "no second call is queued (endpointQueue %u)",
	      l.used.endpoint_queue);
	rt_release_now(s);
	rt_release_now(c);
	if (got) {
		rt_memory_unmap(got, (uint64_t)w, 4096);
		rt_release_now(got);
	}
}

int main(void)
{
	struct ledger base, l;
	capos_cap_t s, c, h;

	if (!ept_init("eptransfer"))
		return report_finish();
	warm_up();
	if (!check(ledger_get(&base), "read our own ledger") ||
	    !ept_create(&s, &c))
		return report_finish();
	h = spawn_server(s, &server_q);
	if (!h)
		return report_finish();
	test_move(c);
	test_copy(c);
	test_no_slot();
	test_bad_neighbour(c);
	test_refused(c);
	ledger_get(&l);
	test_replay_done(c);
	test_replay_copy(c);
	test_replay_pending();
	ledger_back(&l, "replays");
	reap(h);
	rt_release_now(c);
	ledger_back(&base, "after everything");
	return report_finish();
}
