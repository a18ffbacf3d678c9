/*
 * storm - the spawn/exit storm: STORM_CYCLES spawns of user/minimal
 * through ProcessSpawner, each waited for and its handle released, one
 * after another. The caller's own ledger (frames, cap slots, threads,
 * endpoint queue, kernel memory) must come back exactly to where it was
 * after a warm-up spawn. Started by tests/system/storm.test.
 */
#include "../testlib/report.h"

#define STORM_CYCLES 10000
#define STORM_REPORT 1000 /* a progress line every this many cycles */

static capos_cap_t timer, spawner;

static const struct rt_quotas child_q = {64, 8, 1, 0, 32768};

/* One spawn, wait, release. Returns 0 or why not (reported once). */
static const char *cycle(void)
{
	struct rt_exit_status st;
	capos_cap_t h = 0;
	int rc;

	rc = rt_spawn(spawner, "minimal", "minimal", NULL, 0, &child_q, &h,
	              NULL, 0);
	if (rc)
		return err_name(rc);
	rc = rt_process_wait(h, &st);
	if (rt_release_now(h))
		return "release";
	if (rc)
		return "wait";
	if (st.kind != RT_EXITED || st.code != 0)
		return "not exited 0";
	return NULL;
}

static uint64_t now_ms(void)
{
	uint64_t ns = 0;

	rt_timer_now(timer, &ns);
	return ns / 1000000;
}

static void storm(void)
{
	struct rt_quotas lim0, used0, lim1, used1;
	const char *why, *first = NULL;
	uint32_t failures = 0;
	uint64_t t0;

	why = cycle();
	if (!check(!why, "warm-up spawn of minimal (%s)", why ? why : "ok") ||
	    !check(rt_spawner_ledger(spawner, &lim0, &used0) == 0,
	           "ledger before"))
		return;
	say_quotas("ledger used before", &used0);
	t0 = now_ms();
	for (uint32_t i = 1; i <= STORM_CYCLES; i++) {
		why = cycle();
		if (why) {
			failures++;
			if (!first)
				first = why;
		}
		if (i % STORM_REPORT == 0)
			say("%u cycles, %lu ms", i,
			    (unsigned long)(now_ms() - t0));
	}
	say("%u cycles took %lu ms of guest time", STORM_CYCLES,
	    (unsigned long)(now_ms() - t0));
	check(!failures, "%u spawn/wait/release cycles, %u failed%s%s",
	      STORM_CYCLES, failures, first ? ": first " : "",
	      first ? first : "");
	if (!check(rt_spawner_ledger(spawner, &lim1, &used1) == 0,
	           "ledger after"))
		return;
	say_quotas("ledger used after", &used1);
	check(used1.frames == used0.frames, "frames used %u -> %u",
	      used0.frames, used1.frames);
	check(used1.cap_slots == used0.cap_slots, "capSlots used %u -> %u",
	      used0.cap_slots, used1.cap_slots);
	check(used1.threads == used0.threads, "threads used %u -> %u",
	      used0.threads, used1.threads);
	check(used1.endpoint_queue == used0.endpoint_queue,
	      "endpointQueue used %u -> %u", used0.endpoint_queue,
	      used1.endpoint_queue);
	check(used1.kernel_memory == used0.kernel_memory,
	      "kernelMemory used %lu -> %lu",
	      (unsigned long)used0.kernel_memory,
	      (unsigned long)used1.kernel_memory);
	check(quotas_eq(&lim0, &lim1), "limits unchanged");
}

int main(void)
{
	report_prog = "storm";
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	spawner = rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	if (!report_con)
		return 100;
	if (check(timer && spawner, "granted timer and spawner"))
		storm();
	return report_finish();
}
