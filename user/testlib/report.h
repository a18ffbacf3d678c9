/*
 * report.h - the report format every user-mode test program shares: one
 * line per check, "<prog>: ok   <what>" or "<prog>: FAIL <what>", and a
 * last line "<prog>: N passed, M failed" that the system tests match;
 * safe to call from any thread. Also the names of results and the ledger
 * printing the tests use in their lines.
 *
 * Header only: user/testlib has no .c file, so it is not a program.
 */
#ifndef CAPOS_USER_TESTLIB_REPORT_H
#define CAPOS_USER_TESTLIB_REPORT_H

#include <stdarg.h>
#include <format.h>
#include <capos/rt.h>
#include <capos/rt_memory.h>
#include <capos/rt_process.h>

static const char *report_prog;
static capos_cap_t report_con;
static capos_cap_t report_spawner; /* for the ledger helpers below */
static uint32_t report_passed, report_failed;

/* Prints "<prog>: <tag>" and the formatted text as one line (one write,
 * so lines of other threads and programs stay whole). */
static inline void report_vsay(const char *tag, const char *fmt, va_list ap)
{
	char line[240];
	size_t n =
	    format_snprintf(line, sizeof(line), "%s: %s", report_prog, tag);

	if (n < sizeof(line))
		format_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	rt_console_write_line(report_con, line);
}

static inline __attribute__((format(printf, 1, 2))) void say(const char *fmt,
                                                             ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_vsay("", fmt, ap);
	va_end(ap);
}

/* Counts and prints one check. Returns ok. */
static inline __attribute__((format(printf, 2, 3))) bool
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_vsay(ok ? "ok   " : "FAIL ", fmt, ap);
	va_end(ap);
	__atomic_add_fetch(ok ? &report_passed : &report_failed, 1,
	                   __ATOMIC_RELAXED);
	return ok;
}

/* The closing line. Returns the exit code: the number of failures. */
static inline int report_finish(void)
{
	say("%u passed, %u failed", report_passed, report_failed);
	return (int)report_failed;
}

/* A result's name, for the reports: a transport error, or a CapException
 * as the runtime's RT_REFUSED(type). */
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

	_Static_assert(sizeof(names) / sizeof(names[0]) == 1 - CAPOS_ERROR_MIN,
	               "a name for every error");
	if (rc >= RT_REFUSED(0) && rc <= RT_REFUSED(4))
		return refused[rc - RT_REFUSED(0)];
	if (rc > 0)
		return "positive";
	if (rc < CAPOS_ERROR_MIN)
		return "unknown error";
	return names[-rc];
}

static inline bool quotas_eq(const struct rt_quotas *a,
                             const struct rt_quotas *b)
{
	return a->frames == b->frames && a->cap_slots == b->cap_slots &&
	       a->threads == b->threads &&
	       a->endpoint_queue == b->endpoint_queue &&
	       a->kernel_memory == b->kernel_memory;
}

/* Prints a ledger's five counts after a label. */
static inline void say_quotas(const char *label, const struct rt_quotas *q)
{
	say("%s: frames %u, capSlots %u, threads %u, endpointQueue %u, "
	    "kernelMemory %lu",
	    label, q->frames, q->cap_slots, q->threads, q->endpoint_queue,
	    (unsigned long)q->kernel_memory);
}

/* A process's own ledger (ProcessSpawner.ledger through report_spawner). */
struct ledger {
	struct rt_quotas lim, used;
};

static inline bool ledger_get(struct ledger *l)
{
	int rc = rt_spawner_ledger(report_spawner, &l->lim, &l->used);

	if (rc)
		say("ledger: %s", err_name(rc));
	return rc == 0;
}

/* True if `now` is `before`; prints both when not. */
static inline bool ledger_eq(const struct ledger *now,
                             const struct ledger *before)
{
	if (quotas_eq(&now->lim, &before->lim) &&
	    quotas_eq(&now->used, &before->used))
		return true;
	say_quotas("ledger used, before", &before->used);
	say_quotas("ledger used, now", &now->used);
	return false;
}

/* The caller's ledger is back to base (one check). */
static inline void ledger_back(const struct ledger *base, const char *what)
{
	struct ledger now;

	check(ledger_get(&now) && ledger_eq(&now, base),
	      "%s: the ledger is back where it started", what);
}

#endif
