/*
 * spawn.c - starting one service: its kernel-source caps are copies of
 * init's own, its imports copies of init's client facet of the exporter's
 * endpoint, its exports new endpoints whose client facets init keeps
 * (for importers), and its quotas come from the manifest.
 */
#include <format.h>
#include <string.h>

#include "init.h"

#define N(n) (int)(n).len, (n).str

/* NUL-terminated copies of the names the spawn call reads. */
struct spawn_names {
	char svc[MANIFEST_MAX_NAME + 1];
	char bin[MANIFEST_MAX_NAME + 1];
	char caps[MANIFEST_MAX_GRANTS][MANIFEST_MAX_NAME + 1];
	char exports[MANIFEST_MAX_EXPORTS][MANIFEST_MAX_NAME + 1];
};

static void copy_name(char *dst, struct manifest_name n)
{
	size_t len = n.len > MANIFEST_MAX_NAME ? MANIFEST_MAX_NAME : n.len;

	memcpy(dst, n.str, len);
	dst[len] = '\0';
}

/*
 * The cap init grants for caps[c] of service si, or CAPOS_CAP_NULL
 * (reported: the service cannot start).
 */
static capos_cap_t grant_cap(const struct system *sys, size_t si, size_t c)
{
	const struct manifest_service *s = &sys->g->services[si];
	const struct manifest_grant *gr = &s->caps[c];
	capos_cap_t cap;

	if (gr->kind == MANIFEST_GRANT_SERVICE) {
		/* The graph check resolved every import (plan). */
		const struct service *p =
		    &sys->svcs[sys->plan->provider[si][c]];

		cap = p->clients[sys->plan->export_index[si][c]];
		if (!cap)
			say("init: cannot start %.*s: cap %.*s: %.*s is not "
			    "running",
			    N(s->name), N(gr->name), N(gr->service));
		return cap;
	}
	cap = source_cap(sys->g, gr->kernel);
	if (!cap)
		say("init: cannot start %.*s: cap %.*s: init has no %s "
		    "capability (the kernel left it out)",
		    N(s->name), N(gr->name),
		    manifest_kernel_source_name(gr->kernel));
	return cap;
}

/*
 * Fills grants[] from the caps of service si: every one a copy (init
 * keeps its own for restarts and other importers). Returns how many, or
 * -1 (reported) when one cannot be had.
 */
static int build_grants(const struct system *sys, size_t si,
                        struct spawn_names *nm, struct rt_grant *grants)
{
	const struct manifest_service *s = &sys->g->services[si];
	int n = 0;

	for (size_t i = 0; i < s->ncaps && i < MANIFEST_MAX_GRANTS; i++) {
		capos_cap_t cap = grant_cap(sys, si, i);

		if (!cap)
			return -1;
		copy_name(nm->caps[n], s->caps[i].name);
		grants[n] =
		    (struct rt_grant){nm->caps[n], cap, CAPOS_XFER_COPY};
		n++;
	}
	return n;
}

/* Fills exports[] from s->exports; returns how many. */
static uint32_t build_exports(const struct manifest_service *s,
                              struct spawn_names *nm, struct rt_export *exports)
{
	uint32_t n = 0;

	for (size_t i = 0; i < s->nexports && i < MANIFEST_MAX_EXPORTS; i++) {
		copy_name(nm->exports[n], s->exports[i].name);
		exports[n] = (struct rt_export){nm->exports[n],
		                                s->exports[i].interface_id};
		n++;
	}
	return n;
}

static struct rt_quotas quotas_of(const struct manifest_service *s)
{
	return (struct rt_quotas){
	    .frames = s->quotas.frames,
	    .cap_slots = s->quotas.cap_slots,
	    .threads = s->quotas.threads,
	    .endpoint_queue = s->quotas.endpoint_queue,
	    .kernel_memory = s->quotas.kernel_memory,
	};
}

/* What is left of a ledger account (0 if it is overdrawn). */
static uint64_t left_of(uint64_t limit, uint64_t used)
{
	return used < limit ? limit - used : 0;
}

/*
 * The spawner answers the quota error both when init cannot pay the
 * service's quotas and when they are too small for its program; init's
 * own ledger tells which. Writes the reason into why.
 */
static void quota_reason(const struct rt_quotas *q, char *why, size_t len)
{
	static const char *const names[] = {"frames", "capSlots", "threads",
	                                    "endpointQueue", "kernelMemory"};
	struct rt_quotas lim, used;
	uint64_t want[5], left[5];

	if (rt_spawner_ledger(init_spawner, &lim, &used)) {
		format_snprintf(why, len, "over quota");
		return;
	}
	want[0] = q->frames;
	want[1] = q->cap_slots + 1ull; /* and a slot for its handle */
	want[2] = q->threads;
	want[3] = q->endpoint_queue;
	want[4] = q->kernel_memory;
	left[0] = left_of(lim.frames, used.frames);
	left[1] = left_of(lim.cap_slots, used.cap_slots);
	left[2] = left_of(lim.threads, used.threads);
	left[3] = left_of(lim.endpoint_queue, used.endpoint_queue);
	left[4] = left_of(lim.kernel_memory, used.kernel_memory);
	for (int i = 0; i < 5; i++) {
		if (want[i] > left[i]) {
			format_snprintf(why, len,
			                "over quota: init cannot pay "
			                "quotas.%s (it has %llu left)",
			                names[i], (unsigned long long)left[i]);
			return;
		}
	}
	format_snprintf(why, len,
	                "over quota: its quotas (frames %u, capSlots %u, "
	                "threads %u) are too small for its program",
	                (unsigned)q->frames, (unsigned)q->cap_slots,
	                (unsigned)q->threads);
}

void service_drop_clients(struct service *sv)
{
	for (size_t i = 0; i < MANIFEST_MAX_EXPORTS; i++) {
		if (sv->clients[i])
			rt_release(sv->clients[i]);
		sv->clients[i] = CAPOS_CAP_NULL;
	}
}

/* Says why the spawn of service nm->svc with quotas q failed (rc). */
static void spawn_failed(const struct spawn_names *nm,
                         const struct rt_quotas *q, int rc, char *why,
                         size_t why_len)
{
	if (rc == CAPOS_E_NOT_ALLOWED && why[0]) {
		say("init: cannot start %s: %s", nm->svc, why);
	} else if (rc == CAPOS_E_QUOTA) {
		quota_reason(q, why, why_len);
		say("init: cannot start %s: %s", nm->svc, why);
	} else {
		say("init: cannot start %s: %s (%d)", nm->svc,
		    init_strerror(rc), rc);
	}
}

int service_start(const struct system *sys, size_t i)
{
	struct service *sv = &sys->svcs[i];
	const struct manifest_service *s = sv->decl;
	static struct spawn_names nm;
	struct rt_grant grants[MANIFEST_MAX_GRANTS];
	struct rt_export exports[MANIFEST_MAX_EXPORTS];
	struct rt_quotas q = quotas_of(s);
	capos_cap_t handle = CAPOS_CAP_NULL;
	uint32_t nexp;
	char why[128];
	int n, rc;

	sv->handle = CAPOS_CAP_NULL;
	sv->wait_ud = 0;
	service_drop_clients(sv);
	if (!init_spawner) {
		say("init: cannot start %.*s: init has no processSpawner "
		    "capability",
		    N(s->name));
		return -1;
	}
	n = build_grants(sys, i, &nm, grants);
	if (n < 0)
		return -1;
	nexp = build_exports(s, &nm, exports);
	copy_name(nm.svc, s->name);
	copy_name(nm.bin, s->binary);
	why[0] = '\0';
	rc = rt_spawn_exports(init_spawner, nm.svc, nm.bin, grants, (uint32_t)n,
	                      exports, nexp, &q, &handle, sv->clients, why,
	                      sizeof(why));
	if (rc < 0) {
		/* rt_spawn_exports gave no client facet: none to keep. */
		for (uint32_t k = 0; k < nexp; k++)
			sv->clients[k] = CAPOS_CAP_NULL;
		spawn_failed(&nm, &q, rc, why, sizeof(why));
		return -1;
	}
	sv->handle = handle;
	say("init: started %s", nm.svc);
	return 0;
}
