/*
 * lockfree - cap_enter's lock-free path runs while another CPU holds the
 * big kernel lock (issue #7, docs/threads.md "Locking").
 *
 * The main thread makes long calls: one cap_enter with three SQEs,
 * Timer.now, FrameAllocator.allocate of thousands of zeroed frames (the
 * big lock held all along: zeroing them), Timer.now. A second thread on
 * the other CPU meanwhile stamps its cheap calls with Timer.now. Then we
 * count the cheap stamps that fall strictly between the two stamps of
 * one long call.
 *
 * Under a kernel that takes the big lock on the way in, that count is
 * zero, whatever the timing: the long call's three SQEs run within one
 * hold of the lock and every Timer.now reads the clock under it, so no
 * other clock reading can fall between the first and the last. Here a
 * lock-free Timer.now reads it while the allocation holds the lock, so
 * the count is the cheap calls made meanwhile: hundreds.
 *
 * Two cheap kinds, each in its own phase: Timer.now alone, and a batch
 * of 8 NOPs then Timer.now (the stamp, in one cap_enter: it can only
 * fall inside if the NOPs before it did not take the lock either, since
 * a cap_enter that takes it keeps it). Every stamp is also at least the
 * one before it. Started by tests/system/lockfree.test (smp: 2).
 */
#include "../testlib/report.h"
#include <capos/rt_thread.h>
#include <string.h>

#define LONG_CALLS 12
#define LONG_PAGES 2500 /* 9.8 MiB to zero per long call */
#define MAX_STAMPS 32768
#define NOPS       8
#define MIN_INSIDE 1 /* none can be, under a lock taken on the way in */

enum kind { TIMER_NOW, NOPS_THEN_NOW, NKINDS };
static const char *const kind_names[NKINDS] = {"Timer.now",
                                               "8 NOPs, then Timer.now"};

static capos_cap_t timer, frames, threads;
static uint32_t stop;

static uint8_t now_params[16] __attribute__((aligned(8)));
static uint32_t now_params_len;

/* The cheap thread's stamps. */
static uint64_t stamps[MAX_STAMPS];

struct cheap {
	enum kind kind;
	uint64_t calls, nstamps, backwards;
	int err;
};

/* Puts one SQE on the calling thread's ring. */
static void submit(const struct capos_sqe *s)
{
	struct capos_ring *ring = rt_self()->ring;

	ring->sq[ring->hdr.sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)] = *s;
	ring->hdr.sq_tail++;
}

static void submit_now(uint8_t *result, uint32_t len, uint64_t user_data)
{
	submit(&(struct capos_sqe){.opcode = CAPOS_OP_CALL,
	                           .cap = timer,
	                           .method = CAPOS_TIMER_METHOD_NOW,
	                           .params_addr = (uint64_t)now_params,
	                           .params_len = now_params_len,
	                           .result_addr = (uint64_t)result,
	                           .result_len = len,
	                           .user_data = user_data});
}

/* Enters with n SQEs queued and takes their n CQEs (in cqes, by order of
 * completion). Returns 0 or the first error. */
static int enter(uint32_t n, struct capos_cqe *cqes)
{
	struct capos_ring *ring = rt_self()->ring;
	struct capos_ring_header *h = &ring->hdr;
	long rc = capos_cap_enter(n, CAPOS_TIMEOUT_NONE);

	if (rc < 0)
		return (int)rc;
	if (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) - h->cq_head < n)
		return CAPOS_E_INTERRUPTED;
	for (uint32_t i = 0; i < n; i++)
		cqes[i] =
		    ring->cq[(h->cq_head + i) & (CAPOS_RING_CQ_ENTRIES - 1)];
	h->cq_head += n;
	return 0;
}

/* Reads Timer.now's answer. Returns 0 with *ns, or an error. */
static int now_result(const struct capos_cqe *c, const uint8_t *result,
                      uint64_t *ns)
{
	struct capnpc_msg m;
	struct capos_timer_now_results r;

	if (c->result < 0)
		return c->result;
	if (c->flags & CAPOS_CQE_EXCEPTION)
		return CAPOS_E_NOT_ALLOWED;
	if (capos_timer_now_decode_results(result, (size_t)c->result, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	*ns = capos_timer_now_results_get_ns(&r);
	return 0;
}

/* One cheap call of the thread's kind. Returns 0 with its stamp. */
static int cheap_once(enum kind k, uint64_t *ns)
{
	uint8_t result[64] __attribute__((aligned(8)));
	struct capos_cqe c[NOPS + 1];
	uint32_t n = 1;
	int rc;

	if (k == NOPS_THEN_NOW) {
		for (uint32_t i = 0; i < NOPS; i++)
			submit(&(struct capos_sqe){.opcode = CAPOS_OP_NOP,
			                           .user_data = i});
		n += NOPS;
	}
	submit_now(result, sizeof(result), NOPS);
	rc = enter(n, c);
	for (uint32_t i = 0; !rc && i < n; i++) {
		if (c[i].user_data == NOPS)
			rc = now_result(&c[i], result, ns);
		else if (c[i].result != 0 || c[i].user_data >= NOPS)
			rc = CAPOS_E_BAD_SQE;
	}
	return rc;
}

static int64_t cheap_main(void *arg)
{
	struct cheap *w = arg;
	uint64_t last = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint64_t ns = 0;

		w->err = cheap_once(w->kind, &ns);
		if (w->err)
			break;
		if (ns < last)
			w->backwards++;
		last = ns;
		if (w->nstamps < MAX_STAMPS)
			stamps[w->nstamps++] = ns;
		__atomic_store_n(&w->calls, w->calls + 1, __ATOMIC_RELEASE);
	}
	return w->err;
}

/*
 * One long call: Timer.now, FrameAllocator.allocate, Timer.now in one
 * cap_enter; then (not timed) the memory is released. Returns 0 with
 * the two stamps.
 */
static int long_call(uint64_t *t0, uint64_t *t1)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t r0[64] __attribute__((aligned(8)));
	uint8_t r1[64] __attribute__((aligned(8)));
	uint8_t mem_res[64] __attribute__((aligned(8)));
	struct capos_cqe c[3];
	const uint8_t *msg;
	size_t len;
	capos_cap_t mem = 0;
	int rc = 0;

	if (capos_frame_allocator_alloc_encode_params(arena, sizeof(arena),
	                                              LONG_PAGES, false, &msg,
	                                              &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	submit_now(r0, sizeof(r0), 0);
	submit(&(struct capos_sqe){.opcode = CAPOS_OP_CALL,
	                           .cap = frames,
	                           .method = CAPOS_FRAME_ALLOCATOR_METHOD_ALLOC,
	                           .params_addr = (uint64_t)msg,
	                           .params_len = (uint32_t)len,
	                           .result_addr = (uint64_t)mem_res,
	                           .result_len = sizeof(mem_res),
	                           .user_data = 1});
	submit_now(r1, sizeof(r1), 2);
	rc = enter(3, c);
	for (uint32_t i = 0; !rc && i < 3; i++) {
		if (c[i].user_data == 0)
			rc = now_result(&c[i], r0, t0);
		else if (c[i].user_data == 2)
			rc = now_result(&c[i], r1, t1);
		else if (c[i].result < 0 || c[i].caps != 1)
			rc =
			    c[i].result < 0 ? c[i].result : CAPOS_E_BAD_MESSAGE;
		else /* the one CapId follows the message, 8-aligned */
			memcpy(&mem, mem_res + ((c[i].result + 7) & ~7),
			       sizeof(mem));
	}
	if (mem && rt_release_now(mem) && !rc)
		rc = CAPOS_E_BAD_CAP;
	return rc;
}

static void phase(enum kind k)
{
	struct cheap w = {.kind = k};
	uint64_t t0[LONG_CALLS], t1[LONG_CALLS], inside = 0;
	rt_thread_t th;
	int64_t code = -1;
	int rc = 0, jrc, done = 0;

	__atomic_store_n(&stop, 0, __ATOMIC_SEQ_CST);
	if (!check(rt_thread_spawn(threads, cheap_main, &w, 0, &th) == 0,
	           "%s: the cheap thread starts", kind_names[k]))
		return;
	/* Let it get going on its CPU first. */
	while (!__atomic_load_n(&w.calls, __ATOMIC_ACQUIRE))
		;
	for (; done < LONG_CALLS && !rc; done++)
		rc = long_call(&t0[done], &t1[done]);
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	jrc = rt_thread_join(th, &code);
	check(rc == 0,
	      "%s: %d long calls (Timer.now, allocate %u frames, Timer.now) "
	      "succeed (%s)",
	      kind_names[k], LONG_CALLS, LONG_PAGES, err_name(rc));
	check(jrc == 0 && code == 0 && w.err == 0,
	      "%s: every cheap call succeeded (%lu calls; %s)", kind_names[k],
	      (unsigned long)w.calls, err_name(w.err));
	for (uint64_t i = 0; i < w.nstamps; i++)
		for (int j = 0; j < done; j++)
			inside += stamps[i] > t0[j] && stamps[i] < t1[j];
	check(inside >= MIN_INSIDE,
	      "%s: cheap calls ran while a long call held the big lock (%lu "
	      "stamps of %lu inside one; at least %u)",
	      kind_names[k], (unsigned long)inside, (unsigned long)w.nstamps,
	      MIN_INSIDE);
	check(w.backwards == 0, "%s: time never went backwards (%lu times)",
	      kind_names[k], (unsigned long)w.backwards);
}

int main(void)
{
	const uint8_t *msg;
	size_t len;

	report_prog = "lockfree";
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	threads = rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	if (!report_con || !timer || !frames || !threads)
		return 1;
	if (capos_timer_now_encode_params(now_params, sizeof(now_params), &msg,
	                                  &len) != CAPNP_OK)
		return 1;
	if (msg != now_params)
		memmove(now_params, msg, len);
	now_params_len = (uint32_t)len;
	for (int k = 0; k < NKINDS; k++)
		phase((enum kind)k);
	return report_finish();
}
