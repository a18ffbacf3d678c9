/*
 * check.h - the report format of the process tests (spawntest, shmtest,
 * storm): one line per check, "<prog>: ok   <what>" or "<prog>: FAIL
 * <what>", and a last line "<prog>: N passed, M failed" that the system
 * tests match. Also the ledger helpers they share.
 */
#ifndef CAPOS_USER_CHECK_H
#define CAPOS_USER_CHECK_H

#include <stdarg.h>
#include <format.h>
#include <capos/rt.h>
#include <capos/rt_process.h>

static const char *chk_prog;
static capos_cap_t chk_con;
static int chk_passed, chk_failed;

/* Prints "<prog>: " and the formatted text as one line. */
static inline void chk_vsay(const char *tag, const char *fmt, va_list ap)
{
	char line[240];
	size_t n = format_snprintf(line, sizeof(line), "%s: %s", chk_prog, tag);

	if (n < sizeof(line))
		format_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	rt_console_write_line(chk_con, line);
}

static inline __attribute__((format(printf, 1, 2))) void say(const char *fmt,
                                                             ...)
{
	va_list ap;

	va_start(ap, fmt);
	chk_vsay("", fmt, ap);
	va_end(ap);
}

/* Counts and prints one check. Returns ok. */
static inline __attribute__((format(printf, 2, 3))) bool
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	chk_vsay(ok ? "ok   " : "FAIL ", fmt, ap);
	va_end(ap);
	if (ok)
		chk_passed++;
	else
		chk_failed++;
	return ok;
}

/* The closing line. Returns the exit code: the number of failures. */
static inline int chk_finish(void)
{
	say("%d passed, %d failed", chk_passed, chk_failed);
	return chk_failed;
}

/* A transport error's name, for the reports. */
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

	_Static_assert(sizeof(names) / sizeof(names[0]) == 1 - CAPOS_ERROR_MIN,
	               "a name for every error");
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

#endif
