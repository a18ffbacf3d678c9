/*
 * capstest - CapabilityManager from the inside: list shows exactly the
 * caller's own table (CapSet, then what calls hand back), with interface
 * ids and transfer policies; revoke removes a cap before the next SQE of
 * the same batch runs; bad CapIds are refused and change nothing; a
 * RELEASE is done when cap_enter returns (risks.md R6); the manager can
 * revoke itself. With a "spawner" cap it also checks that a
 * ProcessHandle is listed as not transferable.
 */
#include <string.h>
#include <capos/rt.h>
#include <capos/rt_caps.h>
#include <capos/rt_process.h>
#include <format.h>

#define MAX_CAPS 32

static capos_cap_t con, caps;
static int passed, failed;

static void check(const char *what, bool ok)
{
	char line[200];

	/* One write: a line the kernel or another program prints
	 * meanwhile cannot split it. */
	format_snprintf(line, sizeof(line), "capstest: %s%s",
	                ok ? "ok   " : "FAIL ", what);
	rt_console_write_line(con, line);
	if (ok)
		passed++;
	else
		failed++;
}

/* The current table, as list reports it. */
struct table {
	struct rt_cap_info e[MAX_CAPS];
	uint32_t n;
	int rc;
};

static void snapshot(struct table *t)
{
	memset(t, 0, sizeof(*t));
	t->rc = rt_caps_list(caps, t->e, MAX_CAPS, &t->n);
}

static bool same_table(const struct table *a, const struct table *b)
{
	if (a->rc || b->rc || a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++) {
		if (a->e[i].cap != b->e[i].cap ||
		    a->e[i].transfer != b->e[i].transfer ||
		    a->e[i].interface_id != b->e[i].interface_id)
			return false;
	}
	return true;
}

/* The entry for cap, or NULL. */
static const struct rt_cap_info *find(const struct table *t, capos_cap_t cap)
{
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->e[i].cap == cap)
			return &t->e[i];
	}
	return NULL;
}

/* Every CapSet entry is listed with its interface id and copyOrMove (all
 * kernel singletons), nothing else is, in ascending slot order. */
static bool table_is_capset(const struct table *t)
{
	const struct capos_capset_entry *cs =
	    (const struct capos_capset_entry *)(rt_capset + 1);

	if (t->rc || t->n != rt_capset->count)
		return false;
	for (uint32_t i = 0; i < rt_capset->count; i++) {
		const struct rt_cap_info *e = find(t, cs[i].cap);

		if (!e || e->interface_id != cs[i].interface_id ||
		    e->transfer != CAPOS_TRANSFER_POLICY_COPY_OR_MOVE)
			return false;
	}
	for (uint32_t i = 1; i < t->n; i++) {
		if (CAPOS_CAPID_INDEX(t->e[i].cap) <=
		    CAPOS_CAPID_INDEX(t->e[i - 1].cap))
			return false;
	}
	return true;
}

/* list with a raw result buffer of len bytes; returns the CQE. */
static struct capos_cqe raw_list(uint32_t len)
{
	static uint8_t res[1024] __attribute__((aligned(8)));
	uint8_t arena[64] __attribute__((aligned(8)));
	struct capos_cqe cqe = {.result = CAPOS_E_BAD_SQE};
	const uint8_t *msg;
	size_t mlen;

	capos_capability_manager_list_encode_params(arena, sizeof(arena), &msg,
	                                            &mlen);
	rt_call_xfer(caps, CAPOS_CAPABILITY_MANAGER_METHOD_LIST, msg,
	             (uint32_t)mlen, res, len, NULL, 0, &cqe);
	return cqe;
}

static void test_list_sizes(const struct table *t)
{
	uint32_t need = 32 + 16 * t->n, n = 0;
	struct rt_cap_info few[2];
	struct capos_cqe c;

	c = raw_list(need - 1);
	check("list into a buffer one byte short: too small, needed exact",
	      c.result == CAPOS_E_BUFFER_TOO_SMALL && c.needed == need);
	c = raw_list(8);
	check("list into a buffer smaller than any message: needed exact",
	      c.result == CAPOS_E_BUFFER_TOO_SMALL && c.needed == need);
	c = raw_list(need);
	check("list into exactly the needed size works",
	      c.result == (int)need && !(c.flags & CAPOS_CQE_EXCEPTION));
	check("rt_caps_list with too few entries says how many there are",
	      rt_caps_list(caps, few, 2, &n) == CAPOS_E_BUFFER_TOO_SMALL &&
	          n == t->n);
}

/* Submits a revoke of `victim` and a MemoryObject.info on it in one
 * cap_enter. Returns the two CQEs. */
static void revoke_then_call(capos_cap_t victim, struct capos_cqe *rev,
                             struct capos_cqe *call)
{
	static uint8_t rarena[64] __attribute__((aligned(8)));
	static uint8_t iarena[64] __attribute__((aligned(8)));
	static uint8_t rres[128] __attribute__((aligned(8)));
	static uint8_t ires[128] __attribute__((aligned(8)));
	const uint8_t *rmsg, *imsg;
	size_t rlen, ilen;
	uint64_t ud1, ud2;

	capos_capability_manager_revoke_encode_params(rarena, sizeof(rarena),
	                                              victim, &rmsg, &rlen);
	capos_memory_object_info_encode_params(iarena, sizeof(iarena), &imsg,
	                                       &ilen);
	rt_flush(); /* an empty SQ: both go in the same cap_enter */
	ud1 = rt_submit(&(struct capos_sqe){
	    .opcode = CAPOS_OP_CALL,
	    .method = CAPOS_CAPABILITY_MANAGER_METHOD_REVOKE,
	    .cap = caps,
	    .params_addr = (uint64_t)rmsg,
	    .params_len = (uint32_t)rlen,
	    .result_addr = (uint64_t)rres,
	    .result_len = sizeof(rres),
	});
	ud2 = rt_submit(&(struct capos_sqe){
	    .opcode = CAPOS_OP_CALL,
	    .method = CAPOS_MEMORY_OBJECT_METHOD_INFO,
	    .cap = victim,
	    .params_addr = (uint64_t)imsg,
	    .params_len = (uint32_t)ilen,
	    .result_addr = (uint64_t)ires,
	    .result_len = sizeof(ires),
	});
	rev->result = call->result = CAPOS_E_BAD_SQE;
	if (!ud1 || !ud2)
		return;
	rt_wait(ud1, rev);
	rt_wait(ud2, call);
}

static void test_alloc_and_revoke(const struct table *start, capos_cap_t fa)
{
	struct table t, after;
	const struct rt_cap_info *e;
	struct capos_cqe rev, call;
	capos_cap_t mem = 0;
	uint32_t pages = 0;

	check("alloc a MemoryObject",
	      rt_frames_alloc(fa, 1, false, &mem) == 0 && mem);
	snapshot(&t);
	e = find(&t, mem);
	check("the new MemoryObject is listed, copyOrMove",
	      t.rc == 0 && t.n == start->n + 1 && e &&
	          e->interface_id == RT_IFACE_MEMORY_OBJECT &&
	          e->transfer == CAPOS_TRANSFER_POLICY_COPY_OR_MOVE);
	check("it answers before the revoke",
	      rt_memory_pages(mem, &pages) == 0 && pages == 1);
	revoke_then_call(mem, &rev, &call);
	check("revoke succeeds",
	      rev.result >= 0 && !(rev.flags & CAPOS_CQE_EXCEPTION));
	check("a call on it in the same batch, after the revoke: bad cap",
	      call.result == CAPOS_E_BAD_CAP);
	snapshot(&after);
	check("the list is back to the CapSet", same_table(&after, start));
}

static void test_bad_revokes(const struct table *start, capos_cap_t fa)
{
	const int refused = RT_REFUSED(CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
	struct table t;
	capos_cap_t mem = 0, stale;

	/* A CapId that was valid once: allocate, release, keep the id. */
	check("alloc and release a MemoryObject, keeping its CapId",
	      rt_frames_alloc(fa, 1, false, &mem) == 0 && mem &&
	          rt_release_now(mem) == 0);
	stale = mem;
	check("revoke of a stale CapId: invalidArgument",
	      rt_caps_revoke(caps, stale) == refused);
	snapshot(&t);
	check("  ... and the table is unchanged", same_table(&t, start));
	check("revoke of CapId 0: invalidArgument",
	      rt_caps_revoke(caps, 0) == refused);
	snapshot(&t);
	check("  ... and the table is unchanged", same_table(&t, start));
	check("revoke of a slot past the table: invalidArgument",
	      rt_caps_revoke(caps, CAPOS_CAPID_MAKE(4000, 1)) == refused);
	check("revoke of a live slot with the wrong generation: "
	      "invalidArgument",
	      rt_caps_revoke(caps, CAPOS_CAPID_MAKE(CAPOS_CAPID_INDEX(caps),
	                                            CAPOS_CAPID_GEN(caps) +
	                                                1)) == refused);
	snapshot(&t);
	check("  ... and the table is unchanged", same_table(&t, start));
}

/* R6: a RELEASE is processed inside the cap_enter it was submitted to. */
static void test_release_is_immediate(const struct table *start, capos_cap_t fa)
{
	struct capos_sqe sqe = {.opcode = CAPOS_OP_RELEASE};
	struct capos_cqe cqe = {.result = CAPOS_E_BAD_SQE};
	struct table t;
	capos_cap_t mem = 0;
	uint32_t pages;
	uint64_t ud;
	long n;

	rt_frames_alloc(fa, 1, false, &mem);
	snapshot(&t);
	check("a second MemoryObject is listed",
	      t.n == start->n + 1 && find(&t, mem) != NULL);
	rt_flush();
	sqe.cap = mem;
	ud = rt_submit(&sqe);
	n = capos_cap_enter(0, 0); /* never blocks */
	check("RELEASE's CQE is posted when that cap_enter returns",
	      ud && n >= 1 && rt_wait(ud, &cqe) == 0 && cqe.result == 0);
	snapshot(&t);
	check("  ... and list no longer shows it", same_table(&t, start));
	check("  ... and a call on it is a bad cap",
	      rt_memory_pages(mem, &pages) == CAPOS_E_BAD_CAP);
}

/* With a spawner: a ProcessHandle is listed as not transferable. */
static void test_process_handle(capos_cap_t spawner)
{
	struct rt_exit_status st;
	const struct rt_cap_info *e;
	struct table t;
	capos_cap_t h = 0;

	/* Small enough to fit our own (default) ledger. */
	static const struct rt_quotas q = {
	    .frames = 64,
	    .cap_slots = 4,
	    .threads = 1,
	    .kernel_memory = 65536,
	};

	check("spawn minimal", rt_spawn(spawner, "minimal", "minimal", NULL, 0,
	                                &q, &h, NULL, 0) == 0);
	snapshot(&t);
	e = find(&t, h);
	check("its ProcessHandle is listed as not transferable (none)",
	      e && e->interface_id == RT_IFACE_PROCESS_HANDLE &&
	          e->transfer == CAPOS_TRANSFER_POLICY_NONE);
	check("wait for it", rt_process_wait(h, &st) == 0 &&
	                         st.kind == RT_EXITED && st.code == 0);
	check("revoke the handle", rt_caps_revoke(caps, h) == 0);
	snapshot(&t);
	check("  ... and it is gone", t.rc == 0 && h && !find(&t, h));
}

static void test_revoke_capset_cap(capos_cap_t timer)
{
	struct table t;
	uint64_t ns;

	check("revoke the timer from the CapSet",
	      rt_caps_revoke(caps, timer) == 0);
	snapshot(&t);
	check("  ... list no longer shows it", t.rc == 0 && !find(&t, timer));
	check("  ... a call on it is a bad cap",
	      rt_timer_now(timer, &ns) == CAPOS_E_BAD_CAP);
}

static void test_revoke_self(void)
{
	struct table t;

	check("the manager revokes its own cap",
	      rt_caps_revoke(caps, caps) == 0);
	snapshot(&t);
	check("  ... after which list on it is a bad cap",
	      t.rc == CAPOS_E_BAD_CAP);
	check("  ... and so is revoke",
	      rt_caps_revoke(caps, caps) == CAPOS_E_BAD_CAP);
}

static void report(void)
{
	char line[64];

	format_snprintf(line, sizeof(line), "capstest: %d passed, %d failed",
	                passed, failed);
	rt_console_write_line(con, line);
}

int main(void)
{
	capos_cap_t timer = rt_capset_find("timer", RT_IFACE_TIMER);
	capos_cap_t fa = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	capos_cap_t spawner =
	    rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	struct table start;
	uint16_t huh = CAPOS_CAPABILITY_MANAGER_METHOD_COUNT;
	uint8_t res[64] __attribute__((aligned(8)));

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	caps = rt_capset_find("caps", RT_IFACE_CAPABILITY_MANAGER);
	if (!con)
		return 2;
	if (!caps || !timer || !fa) {
		rt_console_write_line(con, "capstest: FAIL missing caps");
		return 2;
	}
	snapshot(&start);
	check("list shows exactly the CapSet, ids, interfaces, copyOrMove",
	      table_is_capset(&start));
	check("an unknown method is the unknown-method error",
	      rt_call(caps, huh, NULL, 0, res, sizeof(res), NULL) ==
	          CAPOS_E_UNKNOWN_METHOD);
	test_list_sizes(&start);
	test_alloc_and_revoke(&start, fa);
	test_bad_revokes(&start, fa);
	test_release_is_immediate(&start, fa);
	if (spawner)
		test_process_handle(spawner);
	test_revoke_capset_cap(timer);
	test_revoke_self();
	report();
	return failed;
}
