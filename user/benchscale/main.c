/*
 * benchscale - SMP scaling of independent calls (issue #7): T threads of
 * one process, T = the number of CPUs, each making calls on its own ring
 * for a fixed window of guest time; prints the calls per second in total
 * and per thread. tools/bench_scaling.py boots it with -smp 1, 2 and 4
 * and divides (docs/performance.md, "SMP scaling").
 *
 * Two kinds of call, both with nothing shared between the threads but
 * the kernel itself:
 *   nop_batch16  batches of 16 NOPs per cap_enter: the ring path alone.
 *   timer_now    Timer.now CALLs with prebuilt params, one per cap_enter:
 *                a kernel object's dispatch, allocations and reply.
 *
 * There are no program arguments yet, so the CPU count is read from
 * CPUID (logical processors per package: QEMU's -smp N is one package of
 * N cores by default). The harness checks it against the -smp it asked
 * for.
 *
 * Each kind runs on one thread, then on T, in the same boot: T/1 then
 * compares two runs under one emulator setup (QEMU with N vCPUs) and
 * nearly the same host load, which the ratio across boots (T on N CPUs
 * over 1 on 1 CPU) does not.
 *
 * Output, one line each, key=value (thread_per_s lists every thread):
 *
 *   benchscale: cpus=N threads=T window_ms=W
 *   benchscale: kind=K threads=1 ns=WINDOW calls=C per_s=R thread_per_s=R
 *   benchscale: kind=K threads=T ns=WINDOW calls=C per_s=R thread_per_s=..
 *   benchscale: done
 *
 * or "benchscale: error ..." and no done line.
 */
#include <capnp/capnp.h>
#include <capos/rt.h>
#include <capos/rt_thread.h>
#include <format.h>

#define MAX_THREADS 16
#define WINDOW_MS   300
#define WARMUP_OPS  64 /* per thread, before it reports ready */
#define BATCH       16 /* NOPs per cap_enter */
#define NS_PER_S    ((uint64_t)1000000000)

enum kind { NOP_BATCH16, TIMER_NOW, NKINDS };
static const char *const kind_names[NKINDS] = {"nop_batch16", "timer_now"};

static capos_cap_t con, timer, spawner;

/* Timer.now's params (an empty struct), encoded once for every thread. */
static uint8_t now_params[16] __attribute__((aligned(8)));
static uint32_t now_params_len;

/*
 * One worker's results, a cache line each: the counters are written
 * only by their own thread, and must not bounce between CPUs.
 */
struct worker {
	enum kind kind;
	uint64_t calls;
	uint64_t end_tsc;
	int err;
} __attribute__((aligned(64)));

static struct worker workers[MAX_THREADS];

/* Start line: workers count themselves ready, then park until go. */
static uint32_t ready, go;
static uint64_t deadline_tsc;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid"
	             : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	             : "a"(leaf), "c"(sub));
}

/* Logical processors in this package: leaf 0xB's core level, else the
 * count in leaf 1 (valid with the HTT bit), else 1. */
static uint32_t cpu_count(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0xb) {
		uint32_t l[4];

		cpuid(0xb, 1, l);
		if (((l[2] >> 8) & 0xff) == 2 && (l[1] & 0xffff))
			return l[1] & 0xffff;
	}
	cpuid(1, 0, r);
	if ((r[3] & (1u << 28)) && ((r[1] >> 16) & 0xff))
		return (r[1] >> 16) & 0xff;
	return 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	rt_console_write(con, line, (uint32_t)n);
	rt_console_write(con, "\n", 1);
}

static uint64_t now_ns(void)
{
	uint64_t ns = 0;

	rt_timer_now(timer, &ns);
	return ns;
}

/*
 * One cap_enter's worth of the kind on the calling thread's own ring,
 * straight into its SQ (no runtime bookkeeping, as in user/bench).
 * Returns the calls completed, or a negative error if a completion is
 * missing or failed.
 */
static int64_t one_round(struct capos_ring *ring, enum kind k)
{
	struct capos_ring_header *h = &ring->hdr;
	uint8_t result[64] __attribute__((aligned(8)));
	uint32_t n = k == NOP_BATCH16 ? BATCH : 1;
	long rc;

	for (uint32_t i = 0; i < n; i++) {
		struct capos_sqe *s =
		    &ring->sq[h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)];

		if (k == NOP_BATCH16)
			*s = (struct capos_sqe){.opcode = CAPOS_OP_NOP,
			                        .user_data = i};
		else
			*s = (struct capos_sqe){.opcode = CAPOS_OP_CALL,
			                        .cap = timer,
			                        .params_addr =
			                            (uint64_t)now_params,
			                        .params_len = now_params_len,
			                        .result_addr = (uint64_t)result,
			                        .result_len = sizeof(result)};
		h->sq_tail++;
	}
	rc = capos_cap_enter(n, CAPOS_TIMEOUT_NONE);
	if (rc < 0)
		return rc;
	if (__atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE) - h->cq_head < n)
		return CAPOS_E_INTERRUPTED;
	for (uint32_t i = 0; i < n; i++) {
		const struct capos_cqe *c =
		    &ring->cq[(h->cq_head + i) & (CAPOS_RING_CQ_ENTRIES - 1)];

		if (c->result < 0)
			return c->result;
		if (c->flags & CAPOS_CQE_EXCEPTION)
			return CAPOS_E_NOT_ALLOWED;
	}
	h->cq_head += n;
	return n;
}

/* Runs rounds until the TSC passes the deadline; fills w. */
static void run_window(struct worker *w)
{
	struct capos_ring *ring = rt_self()->ring;
	uint64_t deadline = __atomic_load_n(&deadline_tsc, __ATOMIC_ACQUIRE);
	uint64_t t;

	w->calls = 0;
	do {
		int64_t got = one_round(ring, w->kind);

		if (got < 0) {
			w->err = (int)got;
			break;
		}
		w->calls += (uint64_t)got;
	} while ((t = rdtsc()) < deadline);
	w->end_tsc = rdtsc();
}

/* Warm-up, then one count of ready, then (for a spawned worker) park
 * until go. Returns 0, or the warm-up's error. */
static int warm_up(struct worker *w)
{
	struct capos_ring *ring = rt_self()->ring;

	for (int i = 0; i < WARMUP_OPS; i++) {
		int64_t got = one_round(ring, w->kind);

		if (got < 0)
			return w->err = (int)got;
	}
	return 0;
}

static int64_t worker_main(void *arg)
{
	struct worker *w = arg;

	warm_up(w);
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	rt_unpark(&ready, 1);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		rt_park(&go, 0, 0);
	if (!w->err)
		run_window(w);
	return w->err;
}

/*
 * One window of kind k on nthreads threads: the first thread is the
 * caller, the others are spawned for it and joined after. cyc_per_ms is
 * the TSC rate measured at start; the window's length is measured again
 * over the run itself (Timer ns against TSC cycles).
 */
static int run_kind(enum kind k, uint32_t nthreads, uint64_t cyc_per_ms)
{
	rt_thread_t th[MAX_THREADS];
	uint64_t ns0, ns1, tsc0, tsc1, end = 0, total = 0, window_ns, ratio;
	char per[MAX_THREADS * 24], *p = per;
	uint32_t r, spawned = 0;
	int err = 0;

	__atomic_store_n(&ready, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&go, 0, __ATOMIC_SEQ_CST);
	for (uint32_t i = 0; i < nthreads; i++)
		workers[i] = (struct worker){.kind = k};
	for (uint32_t i = 1; i < nthreads; i++) {
		err = rt_thread_spawn(spawner, worker_main, &workers[i], 0,
		                      &th[i]);
		if (err) {
			say("benchscale: error spawning thread %u: %d", i, err);
			break;
		}
		spawned++;
	}
	warm_up(&workers[0]);
	while ((r = __atomic_load_n(&ready, __ATOMIC_SEQ_CST)) < spawned)
		rt_park(&ready, r, 0);
	ns0 = now_ns();
	tsc0 = rdtsc();
	__atomic_store_n(&deadline_tsc, tsc0 + cyc_per_ms * WINDOW_MS,
	                 __ATOMIC_RELEASE);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	rt_unpark(&go, RT_UNPARK_ALL);
	if (!err && !workers[0].err)
		run_window(&workers[0]);
	for (uint32_t i = 1; i <= spawned; i++) {
		int64_t code;

		if (rt_thread_join(th[i], &code) || code)
			err = err ? err : CAPOS_E_INTERRUPTED;
	}
	tsc1 = rdtsc();
	ns1 = now_ns();
	if (err)
		return err;
	for (uint32_t i = 0; i < nthreads; i++) {
		if (workers[i].err) {
			say("benchscale: error in %s, thread %u: %d",
			    kind_names[k], i, workers[i].err);
			return workers[i].err;
		}
		if (workers[i].end_tsc > end)
			end = workers[i].end_tsc;
		total += workers[i].calls;
	}
	if (tsc1 <= tsc0 || ns1 <= ns0 || end <= tsc0)
		return CAPOS_E_INTERRUPTED;
	/* Window: from go to the last thread's end, in Timer ns (ns per
	 * cycle in 20-bit fixed point: no 128-bit division in user mode). */
	ratio = ((ns1 - ns0) << 20) / (tsc1 - tsc0);
	window_ns = (end - tsc0) * ratio >> 20;
	if (!window_ns)
		return CAPOS_E_INTERRUPTED;
	for (uint32_t i = 0; i < nthreads; i++)
		p += format_snprintf(p, (size_t)(per + sizeof(per) - p),
		                     "%s%lu", i ? "," : "",
		                     workers[i].calls * NS_PER_S / window_ns);
	say("benchscale: kind=%s threads=%u ns=%lu calls=%lu per_s=%lu "
	    "thread_per_s=%s",
	    kind_names[k], nthreads, window_ns, total,
	    total * NS_PER_S / window_ns, per);
	return 0;
}

int main(void)
{
	struct capnp_builder b;
	struct capnp_bstruct root;
	const uint8_t *bytes;
	size_t len;
	uint64_t ns0, ns1, c0, c1, cyc_per_ms;
	uint32_t cpus, nthreads;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	spawner = rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	if (!con || !timer)
		return 1;
	cpus = cpu_count();
	nthreads = cpus < MAX_THREADS ? cpus : MAX_THREADS;
	if (nthreads > 1 && !spawner) {
		say("benchscale: error: no ThreadSpawner \"threads\"");
		return 1;
	}
	capnp_builder_init(&b, now_params, sizeof(now_params));
	capnp_builder_root(&b, 0, 0, &root);
	capnp_builder_finish(&b, &bytes, &len);
	now_params_len = (uint32_t)len;

	/* The TSC rate, for the deadline only: the reported window is
	 * measured again over the run. */
	ns0 = now_ns();
	c0 = rdtsc();
	rt_timer_sleep(timer, 20 * 1000 * 1000);
	ns1 = now_ns();
	c1 = rdtsc();
	if (ns1 <= ns0 || c1 <= c0) {
		say("benchscale: error: the clock does not move");
		return 1;
	}
	cyc_per_ms = (c1 - c0) * 1000000 / (ns1 - ns0);
	say("benchscale: cpus=%u threads=%u window_ms=%u", cpus, nthreads,
	    WINDOW_MS);
	for (int k = 0; k < NKINDS; k++) {
		uint32_t counts[2] = {1, nthreads};

		for (int i = 0; i < (nthreads > 1 ? 2 : 1); i++) {
			if (run_kind((enum kind)k, counts[i], cyc_per_ms)) {
				say("benchscale: error: %s on %u threads did "
				    "not complete",
				    kind_names[k], counts[i]);
				return 1;
			}
		}
	}
	say("benchscale: done");
	return 0;
}
