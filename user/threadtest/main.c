/*
 * threadtest - threads of one process from the runtime (rt_thread.h):
 * spawn and join with exit codes and the ledger's threads count; four
 * threads each making 1,000 Timer.now calls and 200 calls to an endpoint
 * served by a fifth thread, every completion on its own thread's ring
 * (each thread tags its user_data and checks every CQE it reads: none
 * foreign, none lost, none twice); a thread ending while the others run;
 * a thread joining itself; the threads quota (child user/threadquota);
 * hostile spawn arguments. Started by tests/system/threadtest.test.
 */
#include <string.h>
#include <capnp/capnp.h>
#include <capos/rt_endpoint.h>
#include "../thrlib/thr.h"

#define WORKERS     4
#define NOW_CALLS   1000
#define ECHO_CALLS  200
#define INFLIGHT    8 /* SQEs a worker keeps in flight */
#define QUICK_CODE  55
#define SERVER_CODE 77

/* A worker's user_data: its tag (index + 1) in bits 40.., the kind of
 * call in bit 32, the call's sequence number below. */
#define UD(w, kind, seq) \
	((uint64_t)((w) + 1) << 40 | (uint64_t)(kind) << 32 | (seq))
enum { KIND_NOW, KIND_ECHO };

/* What a worker saw, for the first thread to check. */
struct work {
	uint32_t idx;
	capos_cap_t client;
	uint64_t tid;
	const struct capos_ring *ring;
	uint32_t progress; /* calls completed so far (atomic) */
	uint32_t cqes, foreign, dups, bad_result, bad_answer;
	uint8_t seen[2][NOW_CALLS];
};

static struct work work[WORKERS];

/* --- the workers ---------------------------------------------------- */

/* One batch in flight: what each slot sent and got back. */
struct batch {
	uint8_t params[INFLIGHT][96] __attribute__((aligned(8)));
	uint8_t res[INFLIGHT][128] __attribute__((aligned(8)));
	uint32_t len[INFLIGHT];
	uint64_t data[INFLIGHT][2];
};

/* Builds call seq of `kind` into slot s. Returns the SQE. */
static struct capos_sqe make_call(struct work *w, struct batch *b,
                                  uint32_t kind, uint32_t seq, uint32_t s)
{
	const uint8_t *msg = NULL;
	size_t len = 0;
	struct capos_sqe sqe = {.opcode = CAPOS_OP_CALL,
	                        .user_data = UD(w->idx, kind, seq),
	                        .result_addr = (uint64_t)b->res[s],
	                        .result_len = sizeof(b->res[s])};

	if (kind == KIND_NOW) {
		capos_timer_now_encode_params(b->params[s],
		                              sizeof(b->params[s]), &msg, &len);
		sqe.cap = timer;
		sqe.method = CAPOS_TIMER_METHOD_NOW;
	} else {
		b->data[s][0] = 0x7468726561640000ull | w->idx;
		b->data[s][1] = seq;
		capos_echo_echo_encode_params(b->params[s],
		                              sizeof(b->params[s]), b->data[s],
		                              sizeof(b->data[s]), &msg, &len);
		sqe.cap = w->client;
		sqe.method = CAPOS_ECHO_METHOD_ECHO;
	}
	sqe.params_addr = (uint64_t)msg;
	sqe.params_len = (uint32_t)len;
	return sqe;
}

/* Checks one CQE read off our ring: ours, new, and its answer right. */
static void take_cqe(struct work *w, struct batch *b, uint32_t first,
                     const struct capos_cqe *c)
{
	uint32_t kind = c->user_data >> 32 & 0xff;
	uint32_t seq = (uint32_t)c->user_data;
	uint32_t s = seq - first;
	struct capnpc_msg m;

	w->cqes++;
	if (c->user_data >> 40 != w->idx + 1 || kind > KIND_ECHO ||
	    seq >= NOW_CALLS || s >= INFLIGHT) {
		w->foreign++;
		return;
	}
	if (w->seen[kind][seq]++) {
		w->dups++;
		return;
	}
	if (c->result < 0 || c->flags & CAPOS_CQE_EXCEPTION) {
		w->bad_result++;
		return;
	}
	if (kind == KIND_NOW) {
		struct capos_timer_now_results r;

		if (capos_timer_now_decode_results(b->res[s], (size_t)c->result,
		                                   &m, &r) ||
		    !capos_timer_now_results_get_ns(&r))
			w->bad_answer++;
	} else {
		struct capos_echo_echo_results r;
		const uint8_t *d;
		uint32_t n;

		if (capos_echo_echo_decode_results(b->res[s], (size_t)c->result,
		                                   &m, &r) ||
		    capos_echo_echo_results_get_data(&r, &d, &n) ||
		    n != sizeof(b->data[s]) || memcmp(d, b->data[s], n))
			w->bad_answer++;
	}
}

/* Makes calls [from, to) of `kind`, INFLIGHT at a time, reading the ring
 * by hand: every CQE that arrives on it is checked, whatever its
 * user_data. */
static void run_calls(struct work *w, struct batch *b, uint32_t kind,
                      uint32_t from, uint32_t to)
{
	struct capos_ring *ring = rt_self()->ring;
	struct capos_ring_header *h = &ring->hdr;

	for (uint32_t first = from; first < to; first += INFLIGHT) {
		uint32_t n = to - first < INFLIGHT ? to - first : INFLIGHT;
		uint32_t got = 0;

		for (uint32_t s = 0; s < n; s++) {
			struct capos_sqe sqe =
			    make_call(w, b, kind, first + s, s);

			while (!rt_submit(&sqe))
				rt_flush();
		}
		while (got < n) {
			uint32_t head = h->cq_head;
			uint32_t tail =
			    __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE);

			for (; head != tail; head++, got++)
				take_cqe(
				    w, b, first,
				    &ring->cq[head &
				              (CAPOS_RING_CQ_ENTRIES - 1)]);
			__atomic_store_n(&h->cq_head, head, __ATOMIC_RELEASE);
			if (got < n &&
			    capos_cap_enter(n - got, CAPOS_TIMEOUT_NONE) < 0)
				return;
		}
		__atomic_add_fetch(&w->progress, n, __ATOMIC_RELEASE);
	}
}

static uint32_t workers_ready;
/* Set once the main thread has joined the quick thread: the workers wait
 * for it half-way, so they are still running then however fast the
 * calls go (a join that waited for them would never return). */
static uint32_t quick_joined;

static int64_t worker(void *arg)
{
	struct work *w = arg;
	static struct batch batches[WORKERS];
	struct batch *b = &batches[w->idx];

	uint32_t r;

	w->tid = rt_self()->tid;
	w->ring = rt_self()->ring;
	/* Start together: every worker is alive (its ring and id in use)
	 * while any one runs, so distinct rings and ids mean something and
	 * the calls really are concurrent (the direct hand-off may otherwise
	 * let one worker finish before the next starts). */
	r = __atomic_add_fetch(&workers_ready, 1, __ATOMIC_SEQ_CST);
	if (r == WORKERS)
		rt_unpark(&workers_ready, RT_UNPARK_ALL);
	while ((r = __atomic_load_n(&workers_ready, __ATOMIC_SEQ_CST)) <
	       WORKERS)
		rt_park(&workers_ready, r, 0);
	/* Interleaved, so both kinds are in flight across the threads. */
	for (uint32_t i = 0; i < 5; i++) {
		while (i == 2 &&
		       !__atomic_load_n(&quick_joined, __ATOMIC_SEQ_CST))
			rt_park(&quick_joined, 0, 0);
		run_calls(w, b, KIND_NOW, i * NOW_CALLS / 5,
		          (i + 1) * NOW_CALLS / 5);
		run_calls(w, b, KIND_ECHO, i * ECHO_CALLS / 5,
		          (i + 1) * ECHO_CALLS / 5);
	}
	return 10 + w->idx;
}

/* --- the server thread ------------------------------------------------ */

#define SRV_SLOTS  4
#define SRV_RECV   512
#define SRV_RESULT 128

static uint8_t srv_buffers[RT_SERVE_BUFFERS(SRV_SLOTS, SRV_RECV, SRV_RESULT)]
    __attribute__((aligned(8)));
static uint32_t served;
static uint64_t server_tid;

static int echo(void *ctx, const struct capos_echo_echo_params *params,
                struct capos_echo_echo_results_builder *results)
{
	const uint8_t *d;
	uint32_t n;

	(void)ctx;
	if (rt_self()->tid != server_tid)
		return -1; /* dispatched on the wrong thread: `failed` */
	if (capos_echo_echo_params_get_data(params, &d, &n))
		return rt_serve_throw(&results->s,
		                      CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
		                      "data is not Data");
	capos_echo_echo_results_set_data(results, d, n);
	__atomic_add_fetch(&served, 1, __ATOMIC_RELAXED);
	return 0;
}

RT_DISPATCH(capos_echo)

static const struct capos_echo_server_ops echo_ops = {.echo = echo};

/* Serves until the endpoint closes (the first thread releases it). */
static int64_t server(void *arg)
{
	struct rt_server s = {
	    .endpoint = *(capos_cap_t *)arg,
	    .dispatch = capos_echo_rt_dispatch,
	    .ops = &echo_ops,
	    .slots = SRV_SLOTS,
	    .recv_size = SRV_RECV,
	    .result_size = SRV_RESULT,
	    .buffers = srv_buffers,
	};
	int rc;

	server_tid = rt_self()->tid;
	rc = rt_serve(&s);
	return rc == CAPOS_E_PEER_CLOSED ? SERVER_CODE : rc;
}

static int64_t quick(void *arg)
{
	(void)arg;
	return QUICK_CODE;
}

/* --- the tests ------------------------------------------------------ */

/* Set once the spawner has read its ledger: until then seven() must not
 * end (a preemption could otherwise let it exit, and be refunded, before
 * the ledger is read). */
static uint32_t seven_go;

static int64_t seven(void *arg)
{
	*(uint64_t *)arg = rt_self()->tid;
	while (!__atomic_load_n(&seven_go, __ATOMIC_ACQUIRE))
		rt_park(&seven_go, 0, 0);
	return -7;
}

/* Spawns seven() and joins it. Returns the join's result with *code. */
static int spawn_seven(uint64_t *seen_tid, int64_t *code, uint32_t *charged)
{
	struct ledger before, during;
	rt_thread_t t;
	int rc;

	ledger_get(&before);
	__atomic_store_n(&seven_go, 0, __ATOMIC_RELEASE);
	rc = rt_thread_spawn(threads, seven, seen_tid, 0, &t);
	if (rc)
		return rc;
	ledger_get(&during);
	*charged = during.used.threads - before.used.threads;
	__atomic_store_n(&seven_go, 1, __ATOMIC_RELEASE);
	rt_unpark(&seven_go, RT_UNPARK_ALL);
	return rt_thread_join(t, code);
}

static void test_spawn_join(void)
{
	struct ledger first, base;
	uint64_t seen_tid = 0;
	int64_t code = 0;
	uint32_t charged = 0;
	int rc;

	ledger_get(&first);
	rc = spawn_seven(&seen_tid, &code, &charged);
	check(rc == 0 && code == -7,
	      "spawn and join a thread: its exit code -7 (%s, %ld)",
	      err_name(rc), (long)code);
	check(charged == 1, "it was charged to our threads quota (+%u)",
	      charged);
	check(seen_tid && seen_tid != rt_thread_id &&
	          rt_self()->tid == rt_thread_id,
	      "it ran with its own thread id (%lu, ours %lu)",
	      (unsigned long)seen_tid, (unsigned long)rt_thread_id);
	/* The first stack's page tables stay (frames), nothing else. */
	ledger_get(&base);
	say("after the first thread: frames %u -> %u, kernelMemory %lu -> %lu",
	    first.used.frames, base.used.frames,
	    (unsigned long)first.used.kernel_memory,
	    (unsigned long)base.used.kernel_memory);
	rc = spawn_seven(&seen_tid, &code, &charged);
	check(rc == 0 && code == -7, "a second one: exit code %ld (%s)",
	      (long)code, err_name(rc));
	ledger_back(&base, "after the second join");
}

static void test_concurrent(void)
{
	capos_cap_t srv = 0, cli = 0;
	rt_thread_t wt[WORKERS], st, qt;
	uint32_t done_at_quick = 0;
	int64_t code;
	uint64_t t0, t1;
	int rc;

	rc = rt_endpoint_create(factory, CAPOS_ECHO_INTERFACE_ID, &srv, &cli);
	if (!check(rc == 0, "create an Echo endpoint: %s", err_name(rc)))
		return;
	rc = rt_thread_spawn(threads, server, &srv, 0, &st);
	if (!check(rc == 0, "spawn the server thread: %s", err_name(rc)))
		return;
	t0 = now_ns();
	for (uint32_t i = 0; i < WORKERS; i++) {
		work[i].idx = i;
		work[i].client = cli;
		rc = rt_thread_spawn(threads, worker, &work[i], 0, &wt[i]);
		if (!check(rc == 0, "spawn worker %u: %s", i, err_name(rc)))
			return;
	}
	code = -1;
	rc = rt_thread_spawn(threads, quick, NULL, 0, &qt);
	if (rc == 0)
		rc = rt_thread_join(qt, &code);
	check(rc == 0 && code == QUICK_CODE,
	      "a thread that ends at once while the workers run: code %ld (%s)",
	      (long)code, err_name(rc));
	for (uint32_t i = 0; i < WORKERS; i++)
		done_at_quick +=
		    __atomic_load_n(&work[i].progress, __ATOMIC_ACQUIRE);
	check(done_at_quick < WORKERS * (NOW_CALLS + ECHO_CALLS),
	      "the workers were still running then (%u of %u calls done)",
	      done_at_quick, WORKERS * (NOW_CALLS + ECHO_CALLS));
	__atomic_store_n(&quick_joined, 1, __ATOMIC_SEQ_CST);
	rt_unpark(&quick_joined, RT_UNPARK_ALL);
	for (uint32_t i = 0; i < WORKERS; i++) {
		struct work *w = &work[i];
		uint32_t lost = 0;

		rc = rt_thread_join(wt[i], &code);
		check(rc == 0 && code == 10 + i,
		      "join worker %u: exit code %ld (%s)", i, (long)code,
		      err_name(rc));
		for (uint32_t k = 0; k < NOW_CALLS; k++)
			lost += !w->seen[KIND_NOW][k] +
			        (k < ECHO_CALLS && !w->seen[KIND_ECHO][k]);
		check(w->cqes == NOW_CALLS + ECHO_CALLS && !w->foreign &&
		          !w->dups && !lost,
		      "worker %u (tid %lu): %u CQEs on its ring, %u foreign, "
		      "%u twice, %u lost",
		      i, (unsigned long)w->tid, w->cqes, w->foreign, w->dups,
		      lost);
		check(!w->bad_result && !w->bad_answer,
		      "worker %u: every call succeeded with its own answer "
		      "(%u failed, %u wrong)",
		      i, w->bad_result, w->bad_answer);
	}
	t1 = now_ns();
	for (uint32_t i = 0; i < WORKERS; i++)
		for (uint32_t j = i + 1; j < WORKERS; j++)
			if (work[i].ring == work[j].ring ||
			    work[i].tid == work[j].tid)
				check(false,
				      "workers %u and %u share a ring "
				      "or an id",
				      i, j);
	say("%u calls by %u threads in %lu ms",
	    WORKERS * (NOW_CALLS + ECHO_CALLS), WORKERS,
	    (unsigned long)((t1 - t0) / THR_MS));
	check(served == WORKERS * ECHO_CALLS,
	      "the server thread served %u calls", served);
	/* Its last facet gone, the endpoint closes: rt_serve returns. */
	rt_release_now(srv);
	rc = rt_thread_join(st, &code);
	check(rc == 0 && code == SERVER_CODE,
	      "the server thread ends when its endpoint closes (code %ld, %s)",
	      (long)code, err_name(rc));
	rt_release_now(cli);
}

/* Joins its own handle, which the first thread publishes in *arg. */
static rt_thread_t self_handle;
static uint32_t self_ready;

static int64_t join_self(void *arg)
{
	int64_t code;
	int rc;

	(void)arg;
	while (!__atomic_load_n(&self_ready, __ATOMIC_ACQUIRE))
		rt_park(&self_ready, 0, 0);
	rc = rt_thread_join(self_handle, &code);
	return rc;
}

static void test_join_self(void)
{
	rt_thread_t t;
	int64_t code = 0;
	int rc = rt_thread_spawn(threads, join_self, NULL, 0, &t);

	if (!check(rc == 0, "spawn a thread to join itself: %s", err_name(rc)))
		return;
	self_handle = t;
	__atomic_store_n(&self_ready, 1, __ATOMIC_RELEASE);
	rt_unpark(&self_ready, 1);
	rc = rt_thread_join(t, &code);
	check(rc == 0 &&
	          code == RT_REFUSED(CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT),
	      "a thread joining itself is refused: %s", err_name((int)code));
}

/* threadquota with a threads quota of 3 spawns until refused and exits
 * with how many it got: 2, as its first thread counts. */
static void test_quota(void)
{
	static const struct rt_quotas q = {.frames = 256,
	                                   .cap_slots = 16,
	                                   .threads = 3,
	                                   .endpoint_queue = 0,
	                                   .kernel_memory = 160 * 1024};
	struct rt_grant g[] = {
	    {"console", con, CAPOS_XFER_COPY},
	    {"threads", threads, CAPOS_XFER_COPY},
	    {"thread", tctl, CAPOS_XFER_COPY},
	    {"vm", vm, CAPOS_XFER_COPY},
	};
	struct rt_exit_status st = {0};
	struct ledger before;
	capos_cap_t h;
	char why[96] = "";
	int rc;

	ledger_get(&before);
	rc = rt_spawn(spawner, "threadquota", "threadquota", g, 4, &q, &h, why,
	              sizeof(why));
	if (!check(rc == 0, "spawn threadquota: %s %s", err_name(rc), why))
		return;
	rc = rt_process_wait(h, &st);
	check(rc == 0 && st.kind == RT_EXITED && st.code == 2,
	      "with threads = 3 it got 2 threads, then CAPOS_E_QUOTA "
	      "(kind %d, code %ld)",
	      st.kind, (long)st.code);
	rt_release_now(h);
	ledger_back(&before, "threadquota gone");
}

/* ThreadSpawner.spawn by hand. Returns 0 (a thread started: joined at
 * once), a transport error or RT_REFUSED(type). */
static int64_t never(void *arg)
{
	(void)arg;
	return 0;
}

static int raw_spawn(uint64_t entry, uint64_t stack)
{
	uint8_t arena[96], res[128] __attribute__((aligned(8)));
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	capos_thread_spawner_spawn_encode_params(arena, sizeof(arena), entry,
	                                         stack, 0, &msg, &len);
	rc = rt_call_xfer(threads, CAPOS_THREAD_SPAWNER_METHOD_SPAWN, msg,
	                  (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	if (rc >= 0 && cqe.flags & CAPOS_CQE_EXCEPTION) {
		struct capnpc_msg m;
		struct capos_cap_exception ex;

		if (capos_cap_exception_decode(res, (size_t)rc, &m, &ex))
			return RT_REFUSED(CAPOS_EXCEPTION_TYPE_FAILED);
		return RT_REFUSED(capos_cap_exception_get_type(&ex));
	}
	return rc < 0 ? rc : 0;
}

static void test_hostile(void)
{
	static uint8_t stack[4096] __attribute__((aligned(16)));
	uint64_t top = (uint64_t)(stack + sizeof(stack));
	const struct {
		const char *what;
		uint64_t entry, stack;
	} cases[] = {
	    {"entry 0", 0, top},
	    {"stack 0", (uint64_t)never, 0},
	    {"a misaligned stack", (uint64_t)never, top - 8},
	    {"a stack aligned to 4", (uint64_t)never, top - 4},
	    {"a kernel entry", 0xffffffff80000000ull, top},
	    {"a kernel stack", (uint64_t)never, 0xffff800000001000ull},
	    {"a non-canonical entry", 0x0000800000000000ull, top},
	    {"an entry of all ones", ~0ull, top},
	};
	struct ledger before;

	ledger_get(&before);
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = raw_spawn(cases[i].entry, cases[i].stack);

		check(rc == RT_REFUSED(CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT),
		      "spawn with %s: %s", cases[i].what, err_name(rc));
	}
	ledger_back(&before, "after the hostile spawns");
}

int main(void)
{
	if (!thr_init("threadtest"))
		return 100;
	if (!check(timer && vm && threads && tctl && spawner && factory,
	           "granted timer, vm, threads, thread, spawner, endpoints"))
		return report_finish();
	test_spawn_join();
	test_concurrent();
	test_join_self();
	test_quota();
	test_hostile();
	return report_finish();
}
