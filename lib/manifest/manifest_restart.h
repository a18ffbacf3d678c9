/*
 * manifest_restart.h - init's restart rules: when a service ends, whether
 * its RestartPolicy (schema/capos.capnp) restarts it, leaves it down, or
 * has run out of restarts.
 *
 * Pure logic on times the caller reads from its clock, so the rules are
 * tested on the host. The rules and init's messages: docs/init.md.
 */
#ifndef CAPOS_LIB_MANIFEST_RESTART_H
#define CAPOS_LIB_MANIFEST_RESTART_H

#include <stdbool.h>
#include <stdint.h>
#include "manifest_graph.h"

/* One service's restarts so far. Zero it before the first start. */
struct manifest_restart_log {
	/* When the most recent restarts happened (ns): a ring, newest at
	 * (total - 1) % MANIFEST_MAX_RESTARTS. */
	uint64_t at_ns[MANIFEST_MAX_RESTARTS];
	uint32_t total; /* restarts since boot */
};

enum manifest_verdict {
	MANIFEST_STAY_DOWN, /* the policy does not restart this ending */
	MANIFEST_RESTART,   /* start it again (recorded in the log) */
	MANIFEST_GIVE_UP,   /* it would exceed maxRestarts in windowMs */
};

/*
 * Decides what follows a service's end under policy p (a checked one:
 * mode known, max_restarts <= MANIFEST_MAX_RESTARTS). clean: it exited
 * with code 0. now_ns: a clock that never goes backwards.
 *
 * never stays down; onFailure stays down after a clean exit; otherwise it
 * restarts unless the service already had max_restarts restarts in the
 * last window_ms (then MANIFEST_GIVE_UP). On MANIFEST_RESTART the restart
 * is recorded at now_ns and log->total is its number (1 for the first).
 * *recent (may be NULL) gets how many restarts fall in the window.
 */
enum manifest_verdict manifest_restart_decide(const struct manifest_restart *p,
                                              struct manifest_restart_log *log,
                                              bool clean, uint64_t now_ns,
                                              uint32_t *recent);

#endif
