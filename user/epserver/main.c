/*
 * epserver - the server side of the endpoint tests: RECVs on the server
 * facet it was given as "server" and answers by the protocol of
 * user/eplib/ep.h (echo, throw, header, take and give capabilities, hold
 * calls and answer them later, stop, exit, close). It prints nothing: the
 * test that spawned it asks for its ep_status and judges.
 *
 * It runs until killed, until EP_EXIT, or until a RECV fails with
 * something other than a per-call error (exit code 100 + the error).
 */
#include "../eplib/ep.h"

#define MAX_RECV_ERRORS 64 /* in a row: the endpoint is gone or broken */

static capos_cap_t server;
static uint8_t buf[EP_RECV_BUF] __attribute__((aligned(8)));
static uint8_t arena[EP_RECV_BUF + 256] __attribute__((aligned(8)));
static struct ep_status st;
static capos_cap_t kept[EP_HELD_MAX];
static uint32_t kept_kind[EP_HELD_MAX];
static uint32_t held[EP_HELD_MAX];

/* Answers call_id with an Echo message of data[0..len). */
static void reply(uint32_t call_id, const void *data, uint32_t len,
                  const struct capos_xfer *x, uint16_t nx)
{
	const uint8_t *msg;
	uint32_t n = ep_msg(arena, sizeof(arena), data, len, &msg);

	st.last_return_rc = ep_return(server, call_id, msg, n, 0, x, nx);
}

static void reply_status(uint32_t call_id)
{
	reply(call_id, &st, sizeof(st), NULL, 0);
}

static void throw(uint32_t call_id, enum capos_exception_type type,
                  const char *why)
{
	struct capnp_builder b;
	struct capos_cap_exception_builder e;
	const uint8_t *msg = NULL;
	size_t n = 0;

	capnp_builder_init(&b, arena, sizeof(arena));
	capos_cap_exception_init_root(&b, &e);
	capos_cap_exception_set_type(&e, type);
	capos_cap_exception_set_reason(&e, why, (uint32_t)strlen(why));
	capnp_builder_finish(&b, &msg, &n);
	st.last_return_rc = ep_return(server, call_id, msg, (uint32_t)n,
	                              CAPOS_RETURN_EXCEPTION, NULL, 0);
}

/* How many kept MemoryObjects still answer. */
static uint32_t memory_live(void)
{
	uint32_t live = 0, pages;

	for (uint32_t i = 0; i < st.caps_held; i++)
		live += kept_kind[i] == EP_KIND_MEMORY &&
		        rt_memory_pages(kept[i], &pages) == 0;
	return live;
}

/* Maps a received MemoryObject, checks word 0, writes ~pattern to word 1.
 * Returns 1 if word 0 held the pattern, 0 if not, or the failed call's
 * error. */
static int touch(capos_cap_t mem, uint64_t pattern)
{
	uint32_t pages = 0;
	uint64_t addr = 0;
	int rc, ok;

	rc = rt_memory_pages(mem, &pages);
	if (rc == 0)
		rc = rt_memory_map(mem, 0, 0, pages * 4096ull,
		                   RT_PROT_READ_WRITE, &addr);
	if (rc)
		return rc < 0 ? rc : -1000 - rc;
	volatile uint64_t *w = (volatile uint64_t *)addr;

	ok = w[0] == pattern;
	w[1] = ~pattern;
	rc = rt_memory_unmap(mem, addr, pages * 4096ull);
	return rc ? rc : ok;
}

static void take(const struct capos_recv_header *h, const uint8_t *params)
{
	const capos_cap_t *caps = ep_recv_caps(buf);
	struct ep_take t = {0};
	struct ep_take_reply r = {.caps = h->caps};

	ep_msg_get(params, h->params_len, &t, sizeof(t));
	for (uint32_t i = 0; i < h->caps; i++) {
		if (st.caps_held == EP_HELD_MAX) {
			rt_release_now(caps[i]);
			continue;
		}
		kept[st.caps_held] = caps[i];
		kept_kind[st.caps_held++] = t.kind;
		if (t.kind != EP_KIND_MEMORY)
			continue;
		int rc = touch(caps[i], t.pattern);

		if (rc == 1)
			r.matched++;
		else if (rc < 0 && !r.map_rc)
			r.map_rc = rc;
	}
	r.held = st.caps_held;
	reply(h->call_id, &r, sizeof(r), NULL, 0);
}

static void give(const struct capos_recv_header *h, const uint8_t *params)
{
	struct ep_give g = {0};
	struct capos_xfer x;
	uint64_t tag = 0x61766967; /* "give" */
	uint32_t pages;

	if (!ep_msg_get(params, h->params_len, &g, sizeof(g)) ||
	    g.index >= st.caps_held) {
		throw(h->call_id, CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
		      "no such kept cap");
		return;
	}
	x = (struct capos_xfer){.cap = kept[g.index], .mode = g.mode};
	reply(h->call_id, &tag, sizeof(tag), &x, 1);
	if (st.last_return_rc != 0 || g.mode != CAPOS_XFER_MOVE)
		return;
	st.given_old_rc = rt_memory_pages(kept[g.index], &pages);
	for (uint32_t i = g.index; i + 1 < st.caps_held; i++) {
		kept[i] = kept[i + 1];
		kept_kind[i] = kept_kind[i + 1];
	}
	st.caps_held--;
}

static void finish(uint32_t call_id)
{
	st.nfinished = st.calls_held;
	for (uint32_t i = 0; i < st.calls_held; i++)
		st.finished_rc[i] =
		    ep_return(server, held[i], NULL, 0, 0, NULL, 0);
	st.calls_held = 0;
	reply_status(call_id);
}

static void drop(uint32_t call_id)
{
	for (uint32_t i = 0; i < st.caps_held; i++)
		rt_release_now(kept[i]);
	st.caps_held = 0;
	reply_status(call_id);
}

/* Never RECVs again; waits for a completion that never comes. */
static __attribute__((noreturn)) void idle(void)
{
	for (;;)
		capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
}

static void serve(const struct capos_recv_header *h)
{
	const uint8_t *params = ep_recv_params(buf);

	st.memory_live = memory_live();
	switch (h->method) {
	case EP_ECHO:
		/* Echo's params and results have one layout: send it back. */
		st.last_return_rc = ep_return(server, h->call_id, params,
		                              h->params_len, 0, NULL, 0);
		break;
	case EP_THROW:
		throw(h->call_id, CAPOS_EXCEPTION_TYPE_FAILED, EP_THROW_REASON);
		break;
	case EP_HEADER:
		reply(h->call_id, h, sizeof(*h), NULL, 0);
		break;
	case EP_TAKE:
		take(h, params);
		break;
	case EP_GIVE:
		give(h, params);
		break;
	case EP_STATUS:
		reply_status(h->call_id);
		break;
	case EP_HOLD:
		if (st.calls_held < EP_HELD_MAX)
			held[st.calls_held++] = h->call_id;
		break;
	case EP_FINISH:
		finish(h->call_id);
		break;
	case EP_STOP:
		reply_status(h->call_id);
		idle();
	case EP_EXIT:
		capos_exit(0);
	case EP_DROP:
		drop(h->call_id);
		break;
	case EP_CLOSE:
		reply_status(h->call_id);
		rt_release_now(server);
		idle();
	default:
		throw(h->call_id, CAPOS_EXCEPTION_TYPE_UNIMPLEMENTED,
		      "no such method");
		break;
	}
}

int main(void)
{
	const struct capos_recv_header *h = (const void *)buf;
	uint32_t errors_in_a_row = 0;

	server = rt_capset_find("server", EP_IFACE_SERVER);
	if (!server)
		return 99;
	for (;;) {
		struct capos_cqe cqe;
		int rc =
		    rt_wait(ep_recv_submit(server, buf, sizeof(buf)), &cqe);

		if (rc < 0)
			return 100 - rc;
		if (cqe.result < 0) {
			/* A call it could not take (e.g. no free slot for
			 * its caps): counted, and the loop goes on. */
			st.last_recv_err = cqe.result;
			st.recv_errors++;
			if (++errors_in_a_row == MAX_RECV_ERRORS)
				return 100 - cqe.result;
			continue;
		}
		errors_in_a_row = 0;
		st.calls++;
		st.caps_received += h->caps;
		st.id_mismatches += h->call_id != cqe.call_id;
		serve(h);
	}
}
