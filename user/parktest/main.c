/*
 * parktest - PARK and UNPARK from the runtime (rt_park, rt_unpark) and the
 * mutex and condition variable built on them: a wrong expected value
 * returns CAPOS_E_CHANGED at once; a timeout returns CAPOS_E_TIMED_OUT
 * no sooner; UNPARK with nobody parked wakes 0; UNPARK of N wakes exactly
 * N of M, oldest first; an UNPARK ends a PARK before its timeout; every
 * hostile PARK/UNPARK SQE gets its error; 4 threads x 25,000 lock/unlock
 * pairs leave the shared counter at exactly 100,000; a producer/consumer
 * queue on two condition variables passes every item exactly once.
 * Started by tests/system/parktest.test.
 */
#include <capos/rt_memory.h>
#include "../thrlib/thr.h"

#define PAGE 4096

/* --- PARK and UNPARK on their own ------------------------------------ */

static void test_changed(void)
{
	static const uint32_t ro_word = 9; /* read-only data */
	uint32_t word = 5;
	uint64_t t0 = now_ns();
	int rc = rt_park(&word, 4, 0);
	uint64_t dt = now_ns() - t0;

	check(rc == CAPOS_E_CHANGED && dt < 50 * THR_MS,
	      "PARK expecting 4 on a word holding 5: %s after %lu us",
	      err_name(rc), (unsigned long)(dt / 1000));
	rc = rt_park(&ro_word, 8, 0);
	check(rc == CAPOS_E_CHANGED,
	      "PARK on a read-only word expecting another value: %s",
	      err_name(rc));
}

static void test_timeout(void)
{
	uint32_t word = 0;
	uint64_t t0 = now_ns();
	int rc = rt_park(&word, 0, 30 * THR_MS);
	uint64_t dt = now_ns() - t0;

	check(rc == CAPOS_E_TIMED_OUT && dt >= 30 * THR_MS,
	      "PARK with a 30 ms timeout: %s after %lu ms", err_name(rc),
	      (unsigned long)(dt / THR_MS));
}

static void test_unpark_nobody(void)
{
	uint32_t word = 0;
	int rc1 = rt_unpark(&word, 1);
	int rc2 = rt_unpark(&word, RT_UNPARK_ALL);

	check(rc1 == 0 && rc2 == 0,
	      "UNPARK with nobody parked wakes 0 (%d, %d)", rc1, rc2);
}

/* M threads park on one word; UNPARK of N wakes exactly N. */
#define PARKERS 5
#define WAKE_N  2

static uint32_t pword, pgo, pready, pwoken;
static uint32_t wake_order[PARKERS];

static int64_t parker(void *arg)
{
	uint32_t idx = (uint32_t)(uintptr_t)arg;
	int rc;

	/* Let in one at a time, 10 ms apart, so that "oldest" is known. */
	while (__atomic_load_n(&pgo, __ATOMIC_ACQUIRE) <= idx)
		sleep_ms(1);
	__atomic_add_fetch(&pready, 1, __ATOMIC_RELEASE);
	rc = rt_park(&pword, 0, 0);
	wake_order[__atomic_fetch_add(&pwoken, 1, __ATOMIC_ACQ_REL)] = idx;
	return rc;
}

static void test_wake_n(void)
{
	rt_thread_t t[PARKERS];
	uint32_t woken;
	int64_t code;
	int rc, bad = 0;

	for (uint32_t i = 0; i < PARKERS; i++) {
		rc = rt_thread_spawn(threads, parker, (void *)(uintptr_t)i, 0,
		                     &t[i]);
		if (!check(rc == 0, "spawn parker %u: %s", i, err_name(rc)))
			return;
	}
	for (uint32_t i = 0; i < PARKERS; i++) {
		__atomic_store_n(&pgo, i + 1, __ATOMIC_RELEASE);
		sleep_ms(10);
	}
	wait_count(&pready, PARKERS, 3000);
	sleep_ms(50); /* the last one reaches its PARK */
	rc = rt_unpark(&pword, WAKE_N);
	sleep_ms(50);
	woken = __atomic_load_n(&pwoken, __ATOMIC_ACQUIRE);
	check(rc == WAKE_N && woken == WAKE_N,
	      "UNPARK 2 of 5 parked: it says %d, %u woke", rc, woken);
	check(woken == WAKE_N && wake_order[0] + wake_order[1] == 1,
	      "the two oldest woke (%u and %u)", wake_order[0], wake_order[1]);
	rc = rt_unpark(&pword, RT_UNPARK_ALL);
	check(rc == PARKERS - WAKE_N, "UNPARK all wakes the other %d", rc);
	for (uint32_t i = 0; i < PARKERS; i++)
		if (rt_thread_join(t[i], &code) || code != 0)
			bad++;
	check(!bad && pwoken == PARKERS,
	      "every parker's PARK returned 0 and it was joined (%d bad)", bad);
}

/* An UNPARK ends a PARK long before its timeout. */
static uint32_t eword;
static uint64_t eslept;

static int64_t early(void *arg)
{
	uint64_t t0 = now_ns();
	int rc;

	(void)arg;
	rc = rt_park(&eword, 0, 5000 * THR_MS);
	eslept = now_ns() - t0;
	return rc;
}

static void test_unpark_before_timeout(void)
{
	rt_thread_t t;
	int64_t code = -1;
	int n = 0, rc = rt_thread_spawn(threads, early, NULL, 0, &t);

	if (!check(rc == 0, "spawn a parker: %s", err_name(rc)))
		return;
	for (uint32_t i = 0; i < 200 && n == 0; i++) {
		sleep_ms(10);
		n = rt_unpark(&eword, 1);
	}
	rt_thread_join(t, &code);
	check(n == 1 && code == 0 && eslept < 1000 * THR_MS,
	      "UNPARK ends a PARK with a 5 s timeout after %lu ms (%s)",
	      (unsigned long)(eslept / THR_MS), err_name((int)code));
}

/* Round trips between two threads handing a turn word back and forth:
 * the park/unpark round trip cost. */
#define TRIPS 2000

static uint32_t turn, trips;

static int64_t ponger(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < TRIPS; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 1)
			rt_park(&turn, 0, 0);
		trips++;
		__atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
		rt_unpark(&turn, 1);
	}
	return 0;
}

static void test_pingpong(void)
{
	rt_thread_t t;
	uint64_t t0, dt;
	int64_t code;
	int rc = rt_thread_spawn(threads, ponger, NULL, 0, &t);

	if (!check(rc == 0, "spawn a ponger: %s", err_name(rc)))
		return;
	t0 = now_ns();
	for (uint32_t i = 0; i < TRIPS; i++) {
		__atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
		rt_unpark(&turn, 1);
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 0)
			rt_park(&turn, 1, 0);
	}
	dt = now_ns() - t0;
	rt_thread_join(t, &code);
	check(trips == TRIPS, "%u park/unpark round trips between two threads",
	      trips);
	say("park/unpark round trip: %lu ns", (unsigned long)(dt / TRIPS));
}

/* --- hostile SQEs ----------------------------------------------------- */

/* Submits sqe and waits for its result. */
static int one(struct capos_sqe sqe)
{
	struct capos_cqe cqe;
	uint64_t ud;
	int rc;

	while (!(ud = rt_submit(&sqe)))
		rt_flush();
	rc = rt_wait(ud, &cqe);
	return rc < 0 ? rc : cqe.result;
}

static void test_hostile(void)
{
	static uint32_t words[2] = {0, 0};
	uint64_t good = (uint64_t)&words[0];
	uint64_t hole = 0;  /* reserved, never committed: not mapped */
	uint64_t guard = 0; /* committed, then protected none */
	struct capos_sqe park = {.opcode = CAPOS_OP_PARK,
	                         .params_addr = good,
	                         .params_len = 0,
	                         .result_addr = 1}; /* 1 ns: never hangs */
	struct capos_sqe unpark = {
	    .opcode = CAPOS_OP_UNPARK, .params_addr = good, .params_len = 1};
	const struct {
		const char *what;
		size_t off, size;
	} fields[] = {
	    {"flags", offsetof(struct capos_sqe, flags), 1},
	    {"method", offsetof(struct capos_sqe, method), 2},
	    {"cap", offsetof(struct capos_sqe, cap), 4},
	    {"result_len", offsetof(struct capos_sqe, result_len), 4},
	    {"call_id", offsetof(struct capos_sqe, call_id), 4},
	    {"xfer_count", offsetof(struct capos_sqe, xfer_count), 2},
	    {"reserved0", offsetof(struct capos_sqe, reserved0), 2},
	    {"xfer_addr", offsetof(struct capos_sqe, xfer_addr), 8},
	    {"reserved1", offsetof(struct capos_sqe, reserved1), 8},
	};
	const struct {
		const char *what;
		uint64_t addr;
		int want;
	} words_bad[] = {
	    {"an unaligned word", good + 1, CAPOS_E_BAD_SQE},
	    {"a word aligned to 2", good + 2, CAPOS_E_BAD_SQE},
	    {"a NULL word", 0, CAPOS_E_BAD_POINTER},
	    {"an unmapped word", 0, CAPOS_E_BAD_POINTER},
	    {"a kernel word", 0xffffffff80000000ull, CAPOS_E_BAD_POINTER},
	    {"a non-canonical word", 0x0000800000000000ull,
	     CAPOS_E_BAD_POINTER},
	    /* Committed but protected none: mapped, not for the user. */
	    {"a word of a guard page", 0, CAPOS_E_BAD_POINTER},
	};
	int rc;

	rc = rt_vm_reserve(vm, 0, PAGE, &hole);
	check(rc == 0, "reserve a page never committed: %s", err_name(rc));
	rc = rt_vm_map(vm, 0, PAGE, CAPOS_PROTECTION_READ_WRITE, &guard);
	if (rc == 0)
		rc = rt_vm_protect(vm, guard, PAGE, CAPOS_PROTECTION_NONE);
	check(rc == 0, "map a page and make it a guard: %s", err_name(rc));
	check(one(park) == CAPOS_E_TIMED_OUT && one(unpark) == 0,
	      "the well-formed SQEs the cases start from work");
	for (uint32_t i = 0; i < sizeof(words_bad) / sizeof(words_bad[0]);
	     i++) {
		struct capos_sqe p = park, u = unpark;
		int rp, ru;

		p.params_addr = u.params_addr = i == 3   ? hole + 8
		                                : i == 6 ? guard + 8
		                                         : words_bad[i].addr;
		rp = one(p);
		ru = one(u);
		check(rp == words_bad[i].want && ru == words_bad[i].want,
		      "PARK and UNPARK on %s: %s, %s", words_bad[i].what,
		      err_name(rp), err_name(ru));
	}
	for (uint32_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct capos_sqe p = park, u = unpark;
		int rp, ru;

		/* Lowest byte 1: nonzero whatever the field's size. */
		((uint8_t *)&p)[fields[i].off] = 1;
		((uint8_t *)&u)[fields[i].off] = 1;
		rp = one(p);
		ru = one(u);
		check(rp == CAPOS_E_BAD_SQE && ru == CAPOS_E_BAD_SQE,
		      "PARK and UNPARK with %s nonzero: %s, %s", fields[i].what,
		      err_name(rp), err_name(ru));
	}
	unpark.result_addr = 8;
	rc = one(unpark);
	check(rc == CAPOS_E_BAD_SQE, "UNPARK with result_addr nonzero: %s",
	      err_name(rc));
	if (hole)
		rt_vm_unmap(vm, hole, PAGE);
	if (guard)
		rt_vm_unmap(vm, guard, PAGE);
}

/* --- the mutex -------------------------------------------------------- */

#define LOCKERS   4
#define LOCK_REPS 25000

#define SLEEP_EVERY 1000 /* a holder sleeps 1 ms this often */

static struct rt_mutex mtx = RT_MUTEX_INIT;
static volatile uint32_t counter;
static uint32_t overlaps;  /* a second holder inside the lock */
static uint32_t inside;    /* holders inside now */
static uint32_t contended; /* unlocks that found a waiter marked */

/* A whole run of 25,000 pairs fits in one 10 ms time slice, so waiters
 * would be rare: a holder sometimes sleeps with the lock held, and the
 * others then find it taken and park. */
static int64_t locker(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < LOCK_REPS; i++) {
		rt_mutex_lock(&mtx);
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED) != 1)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		/* Not atomic: only the lock keeps increments apart. */
		counter = counter + 1;
		if (i % SLEEP_EVERY == SLEEP_EVERY - 1)
			sleep_ms(1);
		if (__atomic_load_n(&mtx.state, __ATOMIC_RELAXED) == 2)
			contended++; /* under the lock */
		__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
		rt_mutex_unlock(&mtx);
	}
	return 0;
}

static void test_mutex(void)
{
	rt_thread_t t[LOCKERS];
	uint64_t t0, dt;
	int64_t code;
	int rc;

	check(rt_mutex_trylock(&mtx) && !rt_mutex_trylock(&mtx),
	      "trylock takes a free mutex and fails on a held one");
	rt_mutex_unlock(&mtx);
	check(mtx.state == 0, "unlock frees it (state %u)", mtx.state);
	t0 = now_ns();
	for (uint32_t i = 0; i < LOCKERS; i++) {
		rc = rt_thread_spawn(threads, locker, NULL, 0, &t[i]);
		if (!check(rc == 0, "spawn locker %u: %s", i, err_name(rc)))
			return;
	}
	for (uint32_t i = 0; i < LOCKERS; i++)
		rt_thread_join(t[i], &code);
	dt = now_ns() - t0;
	check(counter == LOCKERS * LOCK_REPS && !overlaps,
	      "%u threads x %u lock/unlock: counter %u, %u overlaps", LOCKERS,
	      LOCK_REPS, counter, overlaps);
	check(contended > 0, "%u unlocks had parked waiters to wake",
	      contended);
	check(mtx.state == 0, "the mutex ends free (state %u)", mtx.state);
	say("mutex: %u lock/unlock pairs in %lu ms, %u holder sleeps",
	    LOCKERS * LOCK_REPS, (unsigned long)(dt / THR_MS),
	    LOCKERS * LOCK_REPS / SLEEP_EVERY);
	rt_mutex_lock(&mtx);
	t0 = now_ns();
	for (uint32_t i = 0; i < LOCK_REPS; i++) {
		rt_mutex_unlock(&mtx);
		rt_mutex_lock(&mtx);
	}
	dt = now_ns() - t0;
	rt_mutex_unlock(&mtx);
	say("mutex: uncontended unlock/lock pair %lu ns",
	    (unsigned long)(dt / LOCK_REPS));
}

/* --- the condition variable ------------------------------------------- */

#define QCAP      4
#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS     2000

static struct {
	struct rt_mutex m;
	struct rt_cond not_empty, not_full;
	uint32_t buf[QCAP];
	uint32_t head, count;
} q = {RT_MUTEX_INIT, RT_COND_INIT, RT_COND_INIT, {0}, 0, 0};

static void put(uint32_t v)
{
	rt_mutex_lock(&q.m);
	while (q.count == QCAP)
		rt_cond_wait(&q.not_full, &q.m);
	q.buf[(q.head + q.count++) % QCAP] = v;
	rt_cond_signal(&q.not_empty);
	rt_mutex_unlock(&q.m);
}

static uint32_t get(void)
{
	uint32_t v;

	rt_mutex_lock(&q.m);
	while (q.count == 0)
		rt_cond_wait(&q.not_empty, &q.m);
	v = q.buf[q.head];
	q.head = (q.head + 1) % QCAP;
	q.count--;
	rt_cond_signal(&q.not_full);
	rt_mutex_unlock(&q.m);
	return v;
}

/* Items are producer * ITEMS + i + 1; 0 tells a consumer to stop. */
static uint8_t got[PRODUCERS * ITEMS + 1];

static int64_t producer(void *arg)
{
	uint32_t p = (uint32_t)(uintptr_t)arg;

	for (uint32_t i = 0; i < ITEMS; i++)
		put(p * ITEMS + i + 1);
	return 0;
}

static int64_t consumer(void *arg)
{
	uint32_t v, n = 0;

	(void)arg;
	while ((v = get()) != 0) {
		if (v <= PRODUCERS * ITEMS)
			__atomic_add_fetch(&got[v], 1, __ATOMIC_RELAXED);
		n++;
	}
	return n;
}

static void test_cond(void)
{
	rt_thread_t pt[PRODUCERS], ct[CONSUMERS];
	uint32_t total = 0, missing = 0, twice = 0;
	struct rt_cond c = RT_COND_INIT;
	struct rt_mutex m = RT_MUTEX_INIT;
	uint64_t t0;
	int64_t code;
	int rc;

	rt_mutex_lock(&m);
	t0 = now_ns();
	rc = rt_cond_timedwait(&c, &m, 20 * THR_MS);
	check(rc == CAPOS_E_TIMED_OUT && now_ns() - t0 >= 20 * THR_MS &&
	          m.state != 0,
	      "a timed wait nobody signals: %s, the mutex held again",
	      err_name(rc));
	rt_mutex_unlock(&m);
	for (uint32_t i = 0; i < CONSUMERS; i++) {
		rc = rt_thread_spawn(threads, consumer, NULL, 0, &ct[i]);
		if (!check(rc == 0, "spawn consumer %u: %s", i, err_name(rc)))
			return;
	}
	for (uint32_t i = 0; i < PRODUCERS; i++) {
		rc = rt_thread_spawn(threads, producer, (void *)(uintptr_t)i, 0,
		                     &pt[i]);
		if (!check(rc == 0, "spawn producer %u: %s", i, err_name(rc)))
			return;
	}
	for (uint32_t i = 0; i < PRODUCERS; i++)
		rt_thread_join(pt[i], &code);
	for (uint32_t i = 0; i < CONSUMERS; i++)
		put(0);
	for (uint32_t i = 0; i < CONSUMERS; i++) {
		rt_thread_join(ct[i], &code);
		total += (uint32_t)code;
	}
	for (uint32_t v = 1; v <= PRODUCERS * ITEMS; v++) {
		missing += got[v] == 0;
		twice += got[v] > 1;
	}
	check(total == PRODUCERS * ITEMS && !missing && !twice,
	      "producer/consumer through a %u-slot queue: %u items taken, %u "
	      "missing, %u twice",
	      QCAP, total, missing, twice);
}

/* Page tables made for thread stacks stay with the process (frames);
 * a leaked stack would be 17. */
#define PT_FRAMES_MAX 4

static void ledger_near(const struct ledger *base, const char *what)
{
	struct ledger now;
	struct rt_quotas u;
	bool ok = ledger_get(&now);

	u = now.used;
	u.frames = base->used.frames;
	ok = ok && quotas_eq(&now.lim, &base->lim) &&
	     quotas_eq(&u, &base->used) &&
	     now.used.frames - base->used.frames <= PT_FRAMES_MAX;
	if (!ok) {
		say_quotas("ledger used, before", &base->used);
		say_quotas("ledger used, now", &now.used);
	}
	check(ok,
	      "%s: the ledger is back (frames +%d: page tables, at most %u)",
	      what, (int)(now.used.frames - base->used.frames), PT_FRAMES_MAX);
}

int main(void)
{
	struct ledger before;

	if (!thr_init("parktest"))
		return 100;
	if (!check(timer && vm && threads && tctl && spawner,
	           "granted timer, vm, threads, thread and spawner"))
		return report_finish();
	ledger_get(&before);
	test_changed();
	test_timeout();
	test_unpark_nobody();
	test_hostile();
	test_wake_n();
	test_unpark_before_timeout();
	test_pingpong();
	test_mutex();
	test_cond();
	ledger_near(&before, "every thread joined");
	return report_finish();
}
