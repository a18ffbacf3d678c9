/*
 * thr.h - what the thread tests share (user/threadtest, user/parktest,
 * user/threadexit and their children): the report format (one line per
 * check, "<prog>: ok   <what>" or "<prog>: FAIL <what>", and a last line
 * "<prog>: N passed, M failed"), safe to use from any thread; their
 * capabilities; time; ledgers; waiting for other threads to get somewhere.
 *
 * Header only: user/thrlib has no .c file, so it is not a program.
 */
#ifndef CAPOS_USER_THR_H
#define CAPOS_USER_THR_H

#include <stdarg.h>
#include <format.h>
#include <capos/rt.h>
#include <capos/rt_process.h>
#include <capos/rt_thread.h>

#define THR_MS (1000ull * 1000)

static const char *thr_prog;
static capos_cap_t con, timer, vm, threads, tctl, spawner, factory;
static uint32_t thr_passed, thr_failed;

/* Prints "<prog>: <tag>" and the formatted text as one line. */
static inline void thr_vsay(const char *tag, const char *fmt, va_list ap)
{
	char line[240];
	size_t n = format_snprintf(line, sizeof(line), "%s: %s", thr_prog, tag);

	if (n < sizeof(line))
		format_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	rt_console_write_line(con, line);
}

static inline __attribute__((format(printf, 1, 2))) void say(const char *fmt,
                                                             ...)
{
	va_list ap;

	va_start(ap, fmt);
	thr_vsay("", fmt, ap);
	va_end(ap);
}

/* Counts and prints one check (from any thread). Returns ok. */
static inline __attribute__((format(printf, 2, 3))) bool
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	thr_vsay(ok ? "ok   " : "FAIL ", fmt, ap);
	va_end(ap);
	__atomic_add_fetch(ok ? &thr_passed : &thr_failed, 1, __ATOMIC_RELAXED);
	return ok;
}

/* The closing line. Returns the exit code: the number of failures. */
static inline int thr_finish(void)
{
	say("%u passed, %u failed", thr_passed, thr_failed);
	return (int)thr_failed;
}

/* A result's name, for the reports: transport errors, RT_REFUSED. */
static inline const char *err_name(int rc)
{
	static const char *const names[] = {
	    "ok",
	    "BAD_SQE",
	    "BAD_CAP",
	    "UNKNOWN_METHOD",
	    "BAD_POINTER",
	    "TOO_LARGE",
	    "BUFFER_TOO_SMALL",
	    "QUOTA",
	    "PEER_CLOSED",
	    "TIMED_OUT",
	    "TRANSFER_REFUSED",
	    "NOT_ALLOWED",
	    "RING_CORRUPT",
	    "NOT_SUPPORTED",
	    "BAD_SYSCALL",
	    "BAD_MESSAGE",
	    "INTERRUPTED",
	    "CHANGED",
	};
	static const char *const refused[] = {
	    "refused: failed",          "refused: overloaded",
	    "refused: disconnected",    "refused: unimplemented",
	    "refused: invalidArgument",
	};

	if (rc >= RT_REFUSED(0) && rc <= RT_REFUSED(4))
		return refused[rc - RT_REFUSED(0)];
	if (rc > 0)
		return "positive";
	if (-rc >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown error";
	return names[-rc];
}

/* Finds the capabilities a test needs (console first: it reports). */
static inline bool thr_init(const char *prog)
{
	thr_prog = prog;
	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	vm = rt_capset_find("vm", RT_IFACE_VIRTUAL_MEMORY);
	threads = rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	tctl = rt_capset_find("thread", RT_IFACE_THREAD_CONTROL);
	spawner = rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	factory =
	    rt_capset_find("endpoints", CAPOS_ENDPOINT_FACTORY_INTERFACE_ID);
	return con != CAPOS_CAP_NULL;
}

static inline uint64_t now_ns(void)
{
	uint64_t ns = 0;

	rt_timer_now(timer, &ns);
	return ns;
}

static inline void sleep_ms(uint32_t ms)
{
	rt_timer_sleep(timer, ms * THR_MS);
}

/* Polls until *word reaches at least `value`, at most max_ms. Returns
 * whether it did. */
static inline bool wait_count(const uint32_t *word, uint32_t value,
                              uint32_t max_ms)
{
	for (uint32_t ms = 0; ms <= max_ms; ms++) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) >= value)
			return true;
		sleep_ms(1);
	}
	return false;
}

struct ledger {
	struct rt_quotas lim, used;
};

static inline bool ledger_get(struct ledger *l)
{
	int rc = rt_spawner_ledger(spawner, &l->lim, &l->used);

	if (rc)
		say("ledger: %s", err_name(rc));
	return rc == 0;
}

static inline bool quotas_eq(const struct rt_quotas *a,
                             const struct rt_quotas *b)
{
	return a->frames == b->frames && a->cap_slots == b->cap_slots &&
	       a->threads == b->threads &&
	       a->endpoint_queue == b->endpoint_queue &&
	       a->kernel_memory == b->kernel_memory;
}

static inline void say_quotas(const char *label, const struct rt_quotas *q)
{
	say("%s: frames %u, capSlots %u, threads %u, endpointQueue %u, "
	    "kernelMemory %lu",
	    label, q->frames, q->cap_slots, q->threads, q->endpoint_queue,
	    (unsigned long)q->kernel_memory);
}

/* The caller's ledger is back to base (one check). */
static inline void ledger_back(const struct ledger *base, const char *what)
{
	struct ledger now;
	bool ok = ledger_get(&now) && quotas_eq(&now.lim, &base->lim) &&
	          quotas_eq(&now.used, &base->used);

	if (!ok) {
		say_quotas("ledger used, before", &base->used);
		say_quotas("ledger used, now", &now.used);
	}
	check(ok, "%s: the ledger is back where it started", what);
}

#endif
