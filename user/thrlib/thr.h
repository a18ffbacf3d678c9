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

#include "../testlib/report.h"
#include <capos/rt_process.h>
#include <capos/rt_thread.h>

#define THR_MS (1000ull * 1000)

static capos_cap_t con, timer, vm, threads, tctl, spawner, factory;

/* Finds the capabilities a test needs (console first: it reports). */
static inline bool thr_init(const char *prog)
{
	report_prog = prog;
	report_con = con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	vm = rt_capset_find("vm", RT_IFACE_VIRTUAL_MEMORY);
	threads = rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	tctl = rt_capset_find("thread", RT_IFACE_THREAD_CONTROL);
	report_spawner = spawner =
	    rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
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

#endif
