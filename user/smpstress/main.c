/*
 * smpstress - a bounded, reproducible stress of everything that crosses
 * CPUs: STRESS_WORKERS threads each make STRESS_OPS operations picked by
 * their own fixed-seed PRNG, at the same time:
 *
 *   spawn    spawn user/smpchild with a random exit code, wait for it, the
 *            code must be that one
 *   sleeper  spawn user/sleeper (blocked in the kernel), kill it after a
 *            random delay, waiting before or after the kill: killed
 *   spinner  spawn user/smpchild "spin" (running in user mode, never
 *            entering the kernel), kill it likewise: killed
 *   timer    Timer.now calls; the time never goes back on one thread
 *   echo     Echo calls of random size and content to an endpoint that a
 *            server thread of ours serves: each answer is its call's data
 *   thread   spawn a thread and join it: its exit code
 *   park     spawn a thread and play ping-pong with it through PARK and
 *            UNPARK on one word: no wake-up lost
 *   mutex    increments of a shared counter under the runtime's mutex
 *            (read, a pause, write): no increment lost
 *
 * Then: every operation counted and none failed, every spawned child
 * waited for with the status it had to end with, the server served every
 * call, the counter holds every increment, and our ledger (cap slots,
 * threads, endpoint queue, kernel memory) is exactly where it was; frames
 * too, but for the page tables of fresh stack addresses (VirtualMemory
 * hands out addresses with a bump pointer, and page tables stay until the
 * process ends), which must not be more than the stacks' span can need.
 * Today every thread runs on the boot CPU; once the scheduler uses every
 * CPU the same run exercises them all. Started by
 * tests/system/smpstress.test (smp: 4).
 */
#include <string.h>
#include <capnp/capnp.h>
#include <capos/rt_endpoint.h>
#include "../thrlib/thr.h"

#define STRESS_WORKERS 4
#define STRESS_OPS     1000 /* per worker */
#define STRESS_SEED    0x5eed5eed2024ull
#define ECHO_MAX       200 /* bytes per Echo call */
#define PINGS          20  /* ping-pong exchanges per park operation */
#define MUTEX_INCS     50  /* increments per mutex operation */
#define PARK_WAIT_NS   (2000 * THR_MS) /* a later wake-up is a failure */

enum op {
	OP_SPAWN,
	OP_SLEEPER,
	OP_SPINNER,
	OP_TIMER,
	OP_ECHO,
	OP_THREAD,
	OP_PARK,
	OP_MUTEX,
	OP_KINDS
};

static const struct {
	const char *name;
	uint32_t weight; /* out of 100 */
} kinds[OP_KINDS] = {
    [OP_SPAWN] = {"spawn", 20},    [OP_SLEEPER] = {"sleeper", 8},
    [OP_SPINNER] = {"spinner", 8}, [OP_TIMER] = {"timer", 16},
    [OP_ECHO] = {"echo", 16},      [OP_THREAD] = {"thread", 12},
    [OP_PARK] = {"park", 10},      [OP_MUTEX] = {"mutex", 10},
};

/* What each child is given: smpchild and sleeper need no more. */
static const struct rt_quotas child_q = {64, 8, 1, 0, 32768};

static capos_cap_t echo_client;

/* Totals, updated atomically by every worker. */
static uint32_t done[OP_KINDS], failed[OP_KINDS];
static uint32_t spawned, waited_ok, echo_calls, mutex_incs;
static char first_failure[160];
static uint32_t first_taken;

/* The counter the mutex guards (plain reads and writes). */
static struct rt_mutex counter_lock = RT_MUTEX_INIT;
static volatile uint64_t counter;

/* The span of addresses the run's thread stacks took (page tables). */
static uint64_t stack_lo = ~0ull, stack_hi;

static void note_stack(rt_thread_t t)
{
	uint64_t lo = t->stack_base, hi = t->stack_base + t->stack_len;
	uint64_t v = __atomic_load_n(&stack_lo, __ATOMIC_RELAXED);

	while (lo < v &&
	       !__atomic_compare_exchange_n(&stack_lo, &v, lo, false,
	                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	v = __atomic_load_n(&stack_hi, __ATOMIC_RELAXED);
	while (hi > v &&
	       !__atomic_compare_exchange_n(&stack_hi, &v, hi, false,
	                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* The most page-table frames (PTs and PDs) the span can have needed. */
static uint32_t span_tables(void)
{
	if (stack_hi <= stack_lo)
		return 0;
	return (uint32_t)(((stack_hi - 1) >> 21) - (stack_lo >> 21) + 1 +
	                  ((stack_hi - 1) >> 30) - (stack_lo >> 30) + 1);
}

struct worker {
	uint32_t idx;
	uint64_t rng;
	uint32_t ops;
	uint64_t last_ns; /* the last Timer.now it read */
};

static struct worker workers[STRESS_WORKERS];

/* xorshift64*: fixed seeds, so a failing run repeats its choices (as far
 * as the scheduler lets it). */
static uint32_t rnd(struct worker *w, uint32_t n)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 0x2545F4914F6CDD1Dull) >> 32) % n;
}

/* Counts a failed operation of `kind`; the first one is kept whole. */
static __attribute__((format(printf, 3, 4))) void
fail(struct worker *w, enum op kind, const char *fmt, ...)
{
	uint32_t no = 0;
	va_list ap;

	__atomic_add_fetch(&failed[kind], 1, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&first_taken, &no, 1, false,
	                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	size_t n = format_snprintf(first_failure, sizeof(first_failure),
	                           "worker %u op %u (%s): ", w->idx, w->ops,
	                           kinds[kind].name);
	va_start(ap, fmt);
	if (n < sizeof(first_failure))
		format_vsnprintf(first_failure + n, sizeof(first_failure) - n,
		                 fmt, ap);
	va_end(ap);
}

/* --- children --------------------------------------------------------- */

static void op_spawn(struct worker *w)
{
	uint32_t code = 1 + rnd(w, 200);
	char name[16];
	struct rt_grant g[] = {
	    {"timer", timer, CAPOS_XFER_COPY},
	    {name, timer, CAPOS_XFER_COPY},
	};
	struct rt_exit_status st = {0};
	capos_cap_t h = 0;
	char why[64] = "";
	int rc;

	format_snprintf(name, sizeof(name), "code-%u", code);
	rc = rt_spawn(spawner, "smpchild", "smpchild", g, 2, &child_q, &h, why,
	              sizeof(why));
	if (rc) {
		fail(w, OP_SPAWN, "spawn: %s %s", err_name(rc), why);
		return;
	}
	__atomic_add_fetch(&spawned, 1, __ATOMIC_RELAXED);
	rc = rt_process_wait(h, &st);
	if (rt_release_now(h))
		fail(w, OP_SPAWN, "release of the handle");
	if (rc || st.kind != RT_EXITED || st.code != (int64_t)code) {
		fail(w, OP_SPAWN, "wait %s: kind %d code %ld, not exited %u",
		     err_name(rc), st.kind, (long)st.code, code);
		return;
	}
	__atomic_add_fetch(&waited_ok, 1, __ATOMIC_RELAXED);
}

/* Spawns a child that never ends (sleeper blocked in the kernel, or
 * smpchild spinning in user mode) and kills it after 0-2 ms, with our
 * wait queued before the kill or made after it. */
static void op_kill(struct worker *w, enum op kind)
{
	bool spin = kind == OP_SPINNER;
	struct rt_grant g[] = {
	    {spin ? "spin" : "timer", timer, CAPOS_XFER_COPY}};
	uint8_t res[RT_WAIT_RESULT_SIZE] __attribute__((aligned(8)));
	bool wait_first = rnd(w, 2);
	uint32_t delay = rnd(w, 3);
	struct rt_exit_status st = {0};
	struct capos_cqe cqe;
	capos_cap_t h = 0;
	uint64_t ud = 0;
	char why[64] = "";
	int rc, krc;

	rc = rt_spawn(spawner, spin ? "smpchild" : "sleeper",
	              spin ? "smpchild" : "sleeper", g, 1, &child_q, &h, why,
	              sizeof(why));
	if (rc) {
		fail(w, kind, "spawn: %s %s", err_name(rc), why);
		return;
	}
	__atomic_add_fetch(&spawned, 1, __ATOMIC_RELAXED);
	if (wait_first) {
		while (!(ud = rt_process_wait_submit(h, res)))
			rt_flush();
		rt_flush();
	}
	if (delay)
		sleep_ms(delay);
	krc = rt_process_kill(h);
	if (wait_first) {
		rc = rt_wait(ud, &cqe);
		if (!rc)
			rc = rt_process_wait_decode(&cqe, res, &st);
	} else {
		rc = rt_process_wait(h, &st);
	}
	if (rt_release_now(h))
		fail(w, kind, "release of the handle");
	if (krc || rc || st.kind != RT_KILLED) {
		fail(w, kind,
		     "kill %s, wait %s (%s): kind %d code %ld, not killed",
		     err_name(krc), err_name(rc),
		     wait_first ? "queued before" : "after", st.kind,
		     (long)st.code);
		return;
	}
	__atomic_add_fetch(&waited_ok, 1, __ATOMIC_RELAXED);
}

/* --- calls ------------------------------------------------------------ */

static void op_timer(struct worker *w)
{
	uint32_t n = 5 + rnd(w, 20);

	for (uint32_t i = 0; i < n; i++) {
		uint64_t ns = 0;
		int rc = rt_timer_now(timer, &ns);

		if (rc || ns < w->last_ns) {
			fail(w, OP_TIMER, "Timer.now %s: %lu after %lu",
			     err_name(rc), (unsigned long)ns,
			     (unsigned long)w->last_ns);
			return;
		}
		w->last_ns = ns;
	}
}

static void op_echo(struct worker *w)
{
	uint8_t out[ECHO_MAX], in[ECHO_MAX];
	uint32_t n = 2 + rnd(w, 10);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = rnd(w, ECHO_MAX + 1), got = 0;
		int rc;

		for (uint32_t k = 0; k < len; k++)
			out[k] = (uint8_t)rnd(w, 256);
		rc = rt_echo(echo_client, out, len, in, sizeof(in), &got);
		if (rc || got != len || memcmp(in, out, len)) {
			fail(w, OP_ECHO, "echo of %u bytes: %s, %u back%s", len,
			     err_name(rc), got,
			     !rc && got == len ? " but different" : "");
			return;
		}
		__atomic_add_fetch(&echo_calls, 1, __ATOMIC_RELAXED);
	}
}

/* --- threads ---------------------------------------------------------- */

static int64_t short_thread(void *arg)
{
	return (int64_t)(uintptr_t)arg * 3 + 1;
}

static void op_thread(struct worker *w)
{
	uintptr_t x = 1 + rnd(w, 100000);
	rt_thread_t t;
	int64_t code = 0;
	int rc = rt_thread_spawn(threads, short_thread, (void *)x, 0, &t);

	if (rc) {
		fail(w, OP_THREAD, "spawn: %s", err_name(rc));
		return;
	}
	note_stack(t);
	rc = rt_thread_join(t, &code);
	if (rc || code != (int64_t)x * 3 + 1)
		fail(w, OP_THREAD, "join %s: code %ld, not %ld", err_name(rc),
		     (long)code, (long)(x * 3 + 1));
}

struct pingpong {
	uint32_t word; /* 2k+1: ping k sent; 2k+2: pong k sent */
	uint32_t late; /* waits no UNPARK ended within PARK_WAIT_NS */
};

/* Waits until pp->word == want, parking on the value it saw. A PARK
 * that times out means the partner's store and UNPARK did not reach us
 * within PARK_WAIT_NS, far more than the scheduler ever needs: a lost or
 * badly late wake-up, counted as a failure. Returns false if the value
 * never came (after a few timeouts). */
static bool await_word(struct pingpong *pp, uint32_t want)
{
	for (uint32_t tries = 0; tries < 5;) {
		uint32_t v = __atomic_load_n(&pp->word, __ATOMIC_ACQUIRE);

		if (v == want)
			return true;
		if (rt_park(&pp->word, v, PARK_WAIT_NS) == CAPOS_E_TIMED_OUT) {
			__atomic_add_fetch(&pp->late, 1, __ATOMIC_RELAXED);
			tries++;
		}
	}
	return false;
}

static int64_t pong(void *arg)
{
	struct pingpong *pp = arg;

	for (uint32_t k = 0; k < PINGS; k++) {
		if (!await_word(pp, 2 * k + 1))
			return -1;
		__atomic_store_n(&pp->word, 2 * k + 2, __ATOMIC_RELEASE);
		rt_unpark(&pp->word, 1);
	}
	return PINGS;
}

static void op_park(struct worker *w)
{
	struct pingpong pp = {0, 0};
	uint32_t k = 0;
	rt_thread_t t;
	int64_t code = 0;
	int rc = rt_thread_spawn(threads, pong, &pp, 0, &t);

	if (rc) {
		fail(w, OP_PARK, "spawn: %s", err_name(rc));
		return;
	}
	note_stack(t);
	for (; k < PINGS; k++) {
		__atomic_store_n(&pp.word, 2 * k + 1, __ATOMIC_RELEASE);
		rt_unpark(&pp.word, 1);
		if (!await_word(&pp, 2 * k + 2))
			break;
	}
	rc = rt_thread_join(t, &code);
	if (k < PINGS || rc || code != PINGS || pp.late)
		fail(w, OP_PARK,
		     "%u of %u exchanges, join %s code %ld, %u waits not woken "
		     "within %lu ms",
		     k, PINGS, err_name(rc), (long)code, pp.late,
		     (unsigned long)(PARK_WAIT_NS / THR_MS));
}

static void op_mutex(struct worker *w)
{
	(void)w;
	for (uint32_t i = 0; i < MUTEX_INCS; i++) {
		uint64_t v;

		rt_mutex_lock(&counter_lock);
		v = counter;
		/* A window in which a second holder would lose an increment. */
		for (volatile uint32_t k = 0; k < 20; k++)
			;
		counter = v + 1;
		rt_mutex_unlock(&counter_lock);
	}
	__atomic_add_fetch(&mutex_incs, MUTEX_INCS, __ATOMIC_RELAXED);
}

/* --- the workers ------------------------------------------------------ */

static enum op pick(struct worker *w)
{
	uint32_t r = rnd(w, 100);

	for (uint32_t k = 0; k < OP_KINDS; k++) {
		if (r < kinds[k].weight)
			return (enum op)k;
		r -= kinds[k].weight;
	}
	return OP_TIMER;
}

static int64_t worker(void *arg)
{
	struct worker *w = arg;

	for (w->ops = 0; w->ops < STRESS_OPS; w->ops++) {
		enum op kind = pick(w);

		switch (kind) {
		case OP_SPAWN:
			op_spawn(w);
			break;
		case OP_SLEEPER:
		case OP_SPINNER:
			op_kill(w, kind);
			break;
		case OP_TIMER:
			op_timer(w);
			break;
		case OP_ECHO:
			op_echo(w);
			break;
		case OP_THREAD:
			op_thread(w);
			break;
		case OP_PARK:
			op_park(w);
			break;
		default:
			op_mutex(w);
			break;
		}
		__atomic_add_fetch(&done[kind], 1, __ATOMIC_RELAXED);
	}
	return 10 + w->idx;
}

/* --- the Echo server thread ------------------------------------------- */

#define SRV_SLOTS  4
#define SRV_RECV   512
#define SRV_RESULT 512
#define SRV_CODE   77

static uint8_t srv_buffers[RT_SERVE_BUFFERS(SRV_SLOTS, SRV_RECV, SRV_RESULT)]
    __attribute__((aligned(8)));
static uint32_t served;

RT_DISPATCH(capos_echo)

static const struct capos_echo_server_ops echo_ops = {.echo = rt_echo_answer};

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
	    .ctx = &served,
	};
	int rc = rt_serve(&s);

	return rc == CAPOS_E_PEER_CLOSED ? SRV_CODE : rc;
}

/* --- the run ---------------------------------------------------------- */

static int64_t idle_thread(void *arg)
{
	uint32_t *go = arg;

	while (!__atomic_load_n(go, __ATOMIC_ACQUIRE))
		rt_park(go, 0, 0);
	return 0;
}

/*
 * Runs once what the run needs at most at the same time: as many threads
 * alive as it can have (the server, the workers and a helper each), so
 * ring slots up to that many have their page tables (which stay charged
 * until we exit), and one child spawned and waited for. The stacks of
 * the run take fresh addresses all the same (see span_tables).
 */
static bool warm_up(void)
{
	enum { N = 1 + 2 * STRESS_WORKERS };
	rt_thread_t t[N];
	uint32_t go = 0, n = 0;
	struct worker w = {.idx = 99, .rng = STRESS_SEED};
	bool ok = true;

	for (; n < N; n++) {
		if (rt_thread_spawn(threads, idle_thread, &go, 0, &t[n]))
			break;
	}
	ok = check(n == N, "warm-up: %u threads alive at once", n);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	rt_unpark(&go, RT_UNPARK_ALL);
	for (uint32_t i = 0; i < n; i++) {
		int64_t code = -1;

		ok &= rt_thread_join(t[i], &code) == 0 && code == 0;
	}
	op_spawn(&w);
	return check(ok && !failed[OP_SPAWN] && waited_ok == 1,
	             "warm-up: threads joined, a child spawned and waited "
	             "for") &&
	       ok;
}

static void run(void)
{
	struct ledger base, now;
	capos_cap_t srv = 0;
	rt_thread_t st, wt[STRESS_WORKERS];
	uint32_t total = 0, nfailed = 0, started = 0, tables;
	int64_t code;
	uint64_t t0, ms;
	int rc;

	if (!warm_up())
		return;
	spawned = waited_ok = 0;
	if (!ledger_get(&base))
		return;
	say_quotas("ledger used at the start", &base.used);
	rc = rt_endpoint_create(factory, CAPOS_ECHO_INTERFACE_ID, &srv,
	                        &echo_client);
	if (!check(rc == 0, "create an Echo endpoint: %s", err_name(rc)))
		return;
	rc = rt_thread_spawn(threads, server, &srv, 0, &st);
	if (!check(rc == 0, "spawn the server thread: %s", err_name(rc)))
		return;
	note_stack(st);
	t0 = now_ns();
	for (; started < STRESS_WORKERS; started++) {
		workers[started].idx = started;
		workers[started].rng =
		    STRESS_SEED * (started + 1) ^ 0x9E3779B97F4A7C15ull;
		rc = rt_thread_spawn(threads, worker, &workers[started], 0,
		                     &wt[started]);
		if (!check(rc == 0, "spawn worker %u: %s", started,
		           err_name(rc)))
			break;
		note_stack(wt[started]);
	}
	for (uint32_t i = 0; i < started; i++) {
		code = -1;
		rc = rt_thread_join(wt[i], &code);
		check(
		    rc == 0 && code == 10 + i && workers[i].ops == STRESS_OPS,
		    "worker %u made its %u operations and ended with %ld (%s)",
		    i, workers[i].ops, (long)code, err_name(rc));
	}
	ms = (now_ns() - t0) / THR_MS;
	for (uint32_t k = 0; k < OP_KINDS; k++) {
		total += done[k];
		nfailed += failed[k];
		check(!failed[k], "%s: %u done, %u failed", kinds[k].name,
		      done[k], failed[k]);
	}
	check(total == STRESS_WORKERS * STRESS_OPS && !nfailed,
	      "%u operations by %u threads in %lu ms of guest time, %u "
	      "failed%s%s",
	      total, started, (unsigned long)ms, nfailed,
	      first_taken ? ": first " : "", first_taken ? first_failure : "");
	check(spawned == waited_ok && spawned == done[OP_SPAWN] +
	                                             done[OP_SLEEPER] +
	                                             done[OP_SPINNER],
	      "%u children spawned, %u waited for with the status they had "
	      "to end with",
	      spawned, waited_ok);
	/* Its last facet gone, the endpoint closes: rt_serve returns. */
	rt_release_now(srv);
	code = -1;
	rc = rt_thread_join(st, &code);
	check(rc == 0 && code == SRV_CODE,
	      "the server thread ends when its endpoint closes (code %ld, %s)",
	      (long)code, err_name(rc));
	check(served == echo_calls, "the server served %u calls, %u made",
	      served, echo_calls);
	check(counter == mutex_incs,
	      "the counter under the mutex holds %lu of %u increments",
	      (unsigned long)counter, mutex_incs);
	rt_release_now(echo_client);
	if (!ledger_get(&now))
		return;
	say_quotas("ledger used at the end", &now.used);
	tables = span_tables();
	check(now.used.frames >= base.used.frames &&
	          now.used.frames - base.used.frames <= tables,
	      "frames used %u -> %u: no more than the %u page tables the "
	      "stacks' %lu KiB of fresh addresses can need",
	      base.used.frames, now.used.frames, tables,
	      (unsigned long)((stack_hi - stack_lo) >> 10));
	now.used.frames = base.used.frames;
	check(ledger_eq(&now, &base),
	      "the rest of the ledger is back exactly (capSlots %u, threads "
	      "%u, endpointQueue %u, kernelMemory %lu; limits unchanged)",
	      now.used.cap_slots, now.used.threads, now.used.endpoint_queue,
	      (unsigned long)now.used.kernel_memory);
}

int main(void)
{
	if (!thr_init("smpstress"))
		return 100;
	if (check(timer && vm && threads && tctl && spawner && factory,
	          "granted timer, vm, threads, thread, spawner, endpoints"))
		run();
	return report_finish();
}
