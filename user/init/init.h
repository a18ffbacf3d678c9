/*
 * init.h - what the parts of init share: its capabilities, the decoded
 * manifest, and one record per service it supervises.
 *
 * init reads the manifest (manifest_read.c), finds its own capabilities by
 * the names InitConfig.caps gives them (caps.c), starts each service
 * (spawn.c) and then waits for them and restarts them by their policy
 * (supervise.c). docs/init.md has the rules and every message.
 */
#ifndef CAPOS_USER_INIT_H
#define CAPOS_USER_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <capos/rt.h>
#include <capos/rt_process.h>
#include <manifest/manifest_decode.h>
#include <manifest/manifest_restart.h>

/* One service as init sees it. */
struct service {
	const struct manifest_service *decl;
	capos_cap_t handle; /* its ProcessHandle; CAPOS_CAP_NULL: not running */
	uint64_t wait_ud;   /* the pending wait's user_data; 0: none */
	uint8_t wait_res[RT_WAIT_RESULT_SIZE] __attribute__((aligned(8)));
	struct manifest_restart_log restarts;
	/* init's client facet of each of its exports (decl->exports[i]),
	 * from the spawn of the instance running now; CAPOS_CAP_NULL while
	 * it does not run. Importers get copies. */
	capos_cap_t clients[MANIFEST_MAX_EXPORTS];
};

/* The system init runs: the checked manifest and its services, indexed
 * as g->services. */
struct system {
	const struct manifest_graph *g;
	const struct manifest_plan *plan;
	struct service *svcs;
};

/* init's own capabilities (CAPOS_CAP_NULL where it has none). */
extern capos_cap_t init_console, init_timer, init_spawner;

/* Prints one line on init's console (printf format, cut at 200 bytes). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A short text for a transport error (CAPOS_E_*). */
const char *init_strerror(int rc);

/* Waits forever: init never exits. */
__attribute__((noreturn)) void idle_forever(void);

/*
 * Reads the whole manifest through BootPackage into buf[0..max). Returns
 * its size, or a negative transport error (CAPOS_E_TOO_LARGE if it does
 * not fit).
 */
long manifest_read(capos_cap_t boot, uint8_t *buf, size_t max);

/* The first CapSet entry whose interface is iface, or CAPOS_CAP_NULL. */
capos_cap_t capset_by_interface(uint64_t iface);

/*
 * init's own capability of kernel source `source`: the CapSet entry that
 * InitConfig.caps names for it, if the kernel put it there with the
 * source's interface. Returns CAPOS_CAP_NULL if init has none.
 */
capos_cap_t source_cap(const struct manifest_graph *g, uint16_t source);

/*
 * Starts service i of sys with the caps, exports, quotas and name its
 * declaration gives; an import is a copy of init's client facet of the
 * exporter's running instance. On success sets its handle and clients and
 * returns 0; otherwise prints "init: cannot start <name>: <reason>" and
 * returns -1.
 */
int service_start(const struct system *sys, size_t i);

/* Releases init's client facets of sv's exports (its instance ended). */
void service_drop_clients(struct service *sv);

/* Waits for the running services and restarts them by their policies;
 * never returns. */
__attribute__((noreturn)) void supervise(const struct system *sys);

#endif
