/*
 * spawn.c - starting one service: its kernel-source caps are copies of
 * init's own, its quotas come from the manifest, and what needs endpoints
 * (imports of other services' exports, its own exports) is left out and
 * said so until endpoints exist (issue 6).
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
};

static void copy_name(char *dst, struct manifest_name n)
{
	size_t len = n.len > MANIFEST_MAX_NAME ? MANIFEST_MAX_NAME : n.len;

	memcpy(dst, n.str, len);
	dst[len] = '\0';
}

/*
 * Fills grants[] from s->caps. Returns how many, or -1 (reported) when a
 * kernel source init does not hold makes the service unstartable.
 */
static int build_grants(const struct manifest_graph *g,
                        const struct manifest_service *s,
                        struct spawn_names *nm, struct rt_grant *grants)
{
	int n = 0;

	for (size_t i = 0; i < s->ncaps && i < MANIFEST_MAX_GRANTS; i++) {
		const struct manifest_grant *c = &s->caps[i];
		capos_cap_t cap;

		if (c->kind == MANIFEST_GRANT_SERVICE) {
			say("init: %.*s: cap %.*s from %.*s.%.*s not "
			    "available yet; left out",
			    N(s->name), N(c->name), N(c->service),
			    N(c->export));
			continue;
		}
		cap = source_cap(g, c->kernel);
		if (!cap) {
			say("init: cannot start %.*s: cap %.*s: init has no "
			    "%s capability (the kernel left it out)",
			    N(s->name), N(c->name),
			    manifest_kernel_source_name(c->kernel));
			return -1;
		}
		copy_name(nm->caps[n], c->name);
		grants[n] =
		    (struct rt_grant){nm->caps[n], cap, CAPOS_XFER_COPY};
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

int service_start(const struct manifest_graph *g, struct service *sv)
{
	const struct manifest_service *s = sv->decl;
	static struct spawn_names nm;
	struct rt_grant grants[MANIFEST_MAX_GRANTS];
	struct rt_quotas q = quotas_of(s);
	capos_cap_t handle = CAPOS_CAP_NULL;
	char why[128];
	int n, rc;

	sv->handle = CAPOS_CAP_NULL;
	sv->wait_ud = 0;
	if (!init_spawner) {
		say("init: cannot start %.*s: init has no processSpawner "
		    "capability",
		    N(s->name));
		return -1;
	}
	n = build_grants(g, s, &nm, grants);
	if (n < 0)
		return -1;
	for (size_t i = 0; i < s->nexports; i++)
		say("init: %.*s: export %.*s not available yet; left out",
		    N(s->name), N(s->exports[i].name));
	copy_name(nm.svc, s->name);
	copy_name(nm.bin, s->binary);
	why[0] = '\0';
	rc = rt_spawn(init_spawner, nm.svc, nm.bin, grants, (uint32_t)n, &q,
	              &handle, why, sizeof(why));
	if (rc == CAPOS_E_NOT_ALLOWED && why[0]) {
		say("init: cannot start %s: %s", nm.svc, why);
		return -1;
	}
	if (rc == CAPOS_E_QUOTA) {
		quota_reason(&q, why, sizeof(why));
		say("init: cannot start %s: %s", nm.svc, why);
		return -1;
	}
	if (rc < 0) {
		say("init: cannot start %s: %s (%d)", nm.svc, init_strerror(rc),
		    rc);
		return -1;
	}
	sv->handle = handle;
	say("init: started %s", nm.svc);
	return 0;
}
