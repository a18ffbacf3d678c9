/*
 * threadexit - a process ending while its threads are blocked (child
 * user/threadexitc): capos_exit from the first thread, and from another
 * thread, while one thread sleeps in cap_enter (a 10 s Timer.sleep) and
 * one is parked; each time the process ends at once with its code, our
 * wait reports it, and our ledger comes back whole. Also the last
 * thread's ThreadControl.exit code becoming the process's. Started by
 * tests/system/threadexit.test.
 */
#include "../thrlib/thr.h"

static const struct rt_quotas child_q = {.frames = 512,
                                         .cap_slots = 16,
                                         .threads = 8,
                                         .endpoint_queue = 0,
                                         .kernel_memory = 192 * 1024};

/* Runs threadexitc in `mode` (NULL: none) and checks how it ended. */
static void run(const char *mode, int64_t want, const char *what)
{
	struct rt_grant g[] = {
	    {"console", con, CAPOS_XFER_COPY},
	    {"timer", timer, CAPOS_XFER_COPY},
	    {"threads", threads, CAPOS_XFER_COPY},
	    {"thread", tctl, CAPOS_XFER_COPY},
	    {"vm", vm, CAPOS_XFER_COPY},
	    {mode, timer, CAPOS_XFER_COPY},
	};
	struct rt_exit_status st = {0};
	struct ledger before;
	capos_cap_t h;
	uint64_t t0, dt;
	char why[96] = "";
	int rc;

	ledger_get(&before);
	t0 = now_ns();
	rc = rt_spawn(spawner, "threadexitc", "threadexitc", g, mode ? 6 : 5,
	              &child_q, &h, why, sizeof(why));
	if (!check(rc == 0, "spawn threadexitc: %s %s", err_name(rc), why))
		return;
	rc = rt_process_wait(h, &st);
	dt = now_ns() - t0;
	check(rc == 0 && st.kind == RT_EXITED && st.code == want &&
	          dt < 5000 * THR_MS,
	      "%s: it exited with %ld after %lu ms (kind %d, %s)", what,
	      (long)st.code, (unsigned long)(dt / THR_MS), st.kind,
	      err_name(rc));
	rt_release_now(h);
	ledger_back(&before, what);
}

int main(void)
{
	if (!thr_init("threadexit"))
		return 100;
	if (!check(timer && vm && threads && tctl && spawner,
	           "granted timer, vm, threads, thread and spawner"))
		return report_finish();
	run(NULL, 33, "capos_exit by the first thread, others blocked");
	run("mode-worker", 44,
	    "capos_exit by another thread, the first one blocked too");
	run("mode-last", 66, "the last thread's exit code is the process's");
	return report_finish();
}
