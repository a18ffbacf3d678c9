/*
 * supervise.c - init's main loop: one asynchronous wait per running
 * service, and when one ends, say how and apply its RestartPolicy
 * (lib/manifest/manifest_restart.c decides). When nothing runs and
 * nothing will be restarted, init says so and idles.
 */
#include "init.h"

#define N(n) (int)(n).len, (n).str

/* Queues a wait for every running service that has none pending. */
static void submit_waits(struct service *svcs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct service *sv = &svcs[i];

		while (sv->handle && !sv->wait_ud) {
			sv->wait_ud =
			    rt_process_wait_submit(sv->handle, sv->wait_res);
			if (!sv->wait_ud)
				rt_flush(); /* SQ full: make room */
		}
	}
}

/* Prints how the service ended; returns true if it exited with 0. */
static bool report_end(const struct service *sv, int rc,
                       const struct rt_exit_status *es)
{
	const struct manifest_service *s = sv->decl;

	if (rc < 0) {
		/* Cannot tell how it ended: count it as a failure. */
		say("init: %.*s: wait failed: %s (%d)", N(s->name),
		    init_strerror(rc), rc);
		return false;
	}
	switch (es->kind) {
	case RT_EXITED:
		say("init: %.*s exited with code %lld", N(s->name),
		    (long long)es->code);
		return es->code == 0;
	case RT_KILLED:
		say("init: %.*s was killed", N(s->name));
		return false;
	case RT_FAULTED:
		say("init: %.*s faulted (vector %u at ip 0x%llx)", N(s->name),
		    (unsigned)es->vector, (unsigned long long)es->ip);
		return false;
	}
	say("init: %.*s ended in an unknown way (%d)", N(s->name),
	    (int)es->kind);
	return false;
}

static uint64_t now_ns(void)
{
	uint64_t t = 0;

	/* No clock: every restart counts as recent (docs/init.md). */
	if (init_timer && rt_timer_now(init_timer, &t))
		t = 0;
	return t;
}

/* Applies service i's restart policy after it ended. */
static void after_end(const struct system *sys, size_t i, bool clean)
{
	struct service *sv = &sys->svcs[i];
	const struct manifest_service *s = sv->decl;
	uint32_t recent = 0;

	switch (manifest_restart_decide(&s->restart, &sv->restarts, clean,
	                                now_ns(), &recent)) {
	case MANIFEST_STAY_DOWN:
		break;
	case MANIFEST_GIVE_UP:
		say("init: giving up on %.*s: %u restarts in %u ms", N(s->name),
		    (unsigned)recent, (unsigned)s->restart.window_ms);
		break;
	case MANIFEST_RESTART:
		say("init: restarting %.*s (restart %u)", N(s->name),
		    (unsigned)sv->restarts.total);
		service_start(sys, i);
		break;
	}
}

void supervise(const struct system *sys)
{
	struct service *svcs = sys->svcs;
	size_t n = sys->g->nservices;
	uint64_t uds[MANIFEST_MAX_SERVICES];

	for (;;) {
		struct rt_exit_status es = {0};
		struct capos_cqe cqe;
		struct service *sv;
		size_t running = 0;
		bool clean;
		int i, rc;

		submit_waits(svcs, n);
		for (size_t k = 0; k < n; k++) {
			uds[k] = svcs[k].handle ? svcs[k].wait_ud : 0;
			running += svcs[k].handle != CAPOS_CAP_NULL;
		}
		if (!running) {
			say("init: all services ended");
			idle_forever();
		}
		i = rt_wait_any(uds, (uint32_t)n, &cqe);
		if (i < 0) {
			say("init: waiting failed: %s (%d)", init_strerror(i),
			    i);
			idle_forever();
		}
		sv = &svcs[i];
		rc = rt_process_wait_decode(&cqe, sv->wait_res, &es);
		clean = report_end(sv, rc, &es);
		/* A failed wait says nothing about the process: end it, so a
		 * restart never runs two copies. */
		if (rc < 0)
			rt_process_kill(sv->handle);
		/* An ended process's handle is of no further use. */
		rt_release_now(sv->handle);
		sv->handle = CAPOS_CAP_NULL;
		sv->wait_ud = 0;
		/* Its endpoints died with it: importers started from now on
		 * get the next instance's, or cannot start. */
		service_drop_clients(sv);
		after_end(sys, (size_t)i, clean);
	}
}
