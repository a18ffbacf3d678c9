/*
 * spawntest - ProcessSpawner and ProcessHandle from a parent's side:
 * exit codes, kill, info, the caller's ledger while a child lives and
 * after, confinement of a child to its grants, and every hostile spawn
 * (each must fail with its error and leave the caller's ledger and cap
 * table exactly as they were). Started by tests/system/spawntest.test
 * with console, timer, frames and spawner.
 */
#include <string.h>
#include <capnp/capnp.h>
#include "../testlib/report.h"

#define ONE_MS          (1000ull * 1000)
#define SPAWNCHILD_OK   42 /* user/spawnchild: every check held */
#define NOCAP_OK        42 /* user/nocap: every check held */
#define BOGUS_CAP       CAPOS_CAPID_MAKE(250, 9)
#define ECHO_IFACE      0x892179ca0968c1e2ull /* schema echoInterfaceId */
#define RAW_RESULT_SIZE 256

static capos_cap_t timer, frames, spawner;

/* What each child gets: enough for a small program, little enough that
 * many fit the parent's ledger. */
static const struct rt_quotas child_q = {
    .frames = 128,
    .cap_slots = 16,
    .threads = 4,
    .endpoint_queue = 0,
    .kernel_memory = 65536,
};

/* Spawns binary with grants; returns the handle or 0 (reported). */
static capos_cap_t spawn(const char *name, const char *binary,
                         const struct rt_grant *g, uint32_t n)
{
	capos_cap_t h = 0;
	char why[96] = "";
	int rc = rt_spawn(spawner, name, binary, g, n, &child_q, &h, why,
	                  sizeof(why));

	if (rc)
		check(false, "spawn %s: %s %s", binary, err_name(rc), why);
	return rc ? 0 : h;
}

/* Waits for h; returns true with *st. */
static bool wait_for(capos_cap_t h, struct rt_exit_status *st)
{
	int rc = rt_process_wait(h, st);

	if (rc)
		check(false, "wait: %s", err_name(rc));
	return rc == 0;
}

static bool exited_with(capos_cap_t h, int64_t code)
{
	struct rt_exit_status st;

	return wait_for(h, &st) && st.kind == RT_EXITED && st.code == code;
}

/* Ends a child that should not have started, and waits until it is dead
 * (its limits return only then), then drops the handle. */
static void reap(capos_cap_t h)
{
	struct rt_exit_status st;

	rt_process_kill(h);
	rt_process_wait(h, &st);
	rt_release_now(h);
}

/* The caller's own caps still answer (after a refused spawn). */
static bool caps_work(void)
{
	uint64_t ns;

	return rt_timer_now(timer, &ns) == 0 &&
	       rt_console_write(report_con, "", 0) == 0;
}

/* After a refused spawn: nothing was charged, nothing gained or lost. */
static void check_unchanged(const char *what, const struct ledger *before)
{
	struct ledger now;

	check(ledger_get(&now) && ledger_eq(&now, before) && caps_work(),
	      "%s: ledger and cap table unchanged", what);
}

/* rt_spawn that must fail with want; then nothing may have changed. */
static void refused(const char *what, const char *binary,
                    const struct rt_grant *g, uint32_t n,
                    const struct rt_quotas *q, int want)
{
	struct ledger before;
	capos_cap_t h = 0;
	char why[96] = "";
	int rc;

	ledger_get(&before);
	rc =
	    rt_spawn(spawner, "hostile", binary, g, n, q, &h, why, sizeof(why));
	check(rc == want, "%s: %s (%s)", what, err_name(rc),
	      why[0] ? why : "no reason");
	if (rc == 0) /* it ran after all: do not leave it behind */
		reap(h);
	check_unchanged(what, &before);
}

/* --- exit codes and confinement ------------------------------------ */

static void test_exit_codes(void)
{
	struct rt_grant con_only = {"console", report_con, CAPOS_XFER_COPY};
	struct rt_grant timer_only = {"timer", timer, CAPOS_XFER_COPY};
	capos_cap_t h;

	h = spawn("confined", "spawnchild", &con_only, 1);
	check(h && exited_with(h, SPAWNCHILD_OK),
	      "a child granted only console can use nothing else (exit %d)",
	      SPAWNCHILD_OK);
	rt_release_now(h);
	h = spawn("nocap", "nocap", &timer_only, 1);
	check(h && exited_with(h, NOCAP_OK),
	      "a child without console has none, guessed CapIds are bad "
	      "(exit %d)",
	      NOCAP_OK);
	rt_release_now(h);
}

/* --- kill, info, wait, and the ledger while a child lives ---------- */

static bool info_of(capos_cap_t h, struct rt_process_info *in)
{
	int rc = rt_process_info(h, in);

	if (rc)
		check(false, "info: %s", err_name(rc));
	return rc == 0;
}

/* Submits Timer.sleep(ns) without waiting. Returns its user_data. */
static uint64_t sleep_submit(uint64_t ns, uint8_t *res, uint32_t res_len)
{
	static uint8_t arena[64];
	const uint8_t *msg;
	size_t len;
	struct capos_sqe sqe = {.opcode = CAPOS_OP_CALL,
	                        .cap = timer,
	                        .method = CAPOS_TIMER_METHOD_SLEEP,
	                        .result_addr = (uint64_t)res,
	                        .result_len = res_len};
	uint64_t ud;

	if (capos_timer_sleep_encode_params(arena, sizeof(arena), ns, &msg,
	                                    &len))
		return 0;
	sqe.params_addr = (uint64_t)msg;
	sqe.params_len = (uint32_t)len;
	while (!(ud = rt_submit(&sqe)))
		rt_flush();
	return ud;
}

static void check_live_ledger(const struct ledger *base)
{
	struct ledger l;
	const struct rt_quotas *u = &l.used, *b = &base->used;

	if (!ledger_get(&l))
		return;
	say_quotas("ledger used, one child alive", u);
	check(u->frames == b->frames + child_q.frames &&
	          u->threads == b->threads + child_q.threads &&
	          u->endpoint_queue ==
	              b->endpoint_queue + child_q.endpoint_queue,
	      "while the child lives, used frames/threads/endpointQueue "
	      "grow by exactly its limits");
	check(u->cap_slots == b->cap_slots + child_q.cap_slots + 1,
	      "used capSlots grow by its limit plus the handle (+%u)",
	      u->cap_slots - b->cap_slots);
	check(u->kernel_memory >= b->kernel_memory + child_q.kernel_memory,
	      "used kernelMemory grows by at least its limit (+%lu)",
	      (unsigned long)(u->kernel_memory - b->kernel_memory));
	check(quotas_eq(&l.lim, &base->lim), "the caller's limits stay");
}

static void check_running_info(capos_cap_t h)
{
	struct rt_process_info in;

	if (!info_of(h, &in))
		return;
	say_quotas("info used, sleeper running", &in.used);
	check(in.running && !strcmp(in.name, "sleepy") &&
	          !strcmp(in.binary, "sleeper"),
	      "info: running, name \"%s\", binary \"%s\"", in.name, in.binary);
	check(quotas_eq(&in.limits, &child_q), "info: limits as spawned");
	check(in.used.frames > 0 && in.used.frames <= child_q.frames &&
	          in.used.threads == 1 && in.used.cap_slots >= 1,
	      "info: it uses %u frames (> 0), 1 thread, %u cap slots",
	      in.used.frames, in.used.cap_slots);
}

static bool wait_result(uint64_t ud, const void *res, enum rt_exit_kind want)
{
	struct capos_cqe cqe;
	struct rt_exit_status st;

	return ud && rt_wait(ud, &cqe) == 0 &&
	       rt_process_wait_decode(&cqe, res, &st) == 0 && st.kind == want;
}

static void test_kill(const struct ledger *base)
{
	static uint8_t w1[RT_WAIT_RESULT_SIZE] __attribute__((aligned(8)));
	static uint8_t w2[RT_WAIT_RESULT_SIZE] __attribute__((aligned(8)));
	static uint8_t sres[64] __attribute__((aligned(8)));
	struct rt_grant g = {"timer", timer, CAPOS_XFER_COPY};
	struct rt_process_info in = {0};
	struct rt_exit_status st;
	struct capos_cqe cqe;
	struct ledger l;
	uint64_t ud[2];
	capos_cap_t h = spawn("sleepy", "sleeper", &g, 1);

	if (!h)
		return;
	check_live_ledger(base);
	check_running_info(h);
	/* Two waits outstanding at once; neither may finish before the
	 * kill, which a 20 ms sleep submitted after them shows. */
	while (!(ud[0] = rt_process_wait_submit(h, w1)))
		rt_flush();
	while (!(ud[1] = rt_process_wait_submit(h, w2)))
		rt_flush();
	uint64_t sl = sleep_submit(20 * ONE_MS, sres, sizeof(sres));
	uint64_t first[3] = {ud[0], ud[1], sl};

	int idx = rt_wait_any(first, 3, &cqe);

	check(idx == 2, "two waits stay pending while the child runs");
	if (idx == 0 || idx == 1)
		ud[idx] = 0; /* taken: its check below fails */
	check(rt_process_kill(h) == 0, "kill a sleeping child");
	check(wait_result(ud[0], w1, RT_KILLED) &&
	          wait_result(ud[1], w2, RT_KILLED),
	      "both outstanding waits report killed");
	check(info_of(h, &in) && !in.running,
	      "info after: not running (used frames %u)", in.used.frames);
	check(in.used.frames == 0 && in.used.threads == 0,
	      "info after: it uses no frames and no threads");
	check(ledger_get(&l) && l.used.frames == base->used.frames &&
	          l.used.threads == base->used.threads &&
	          l.used.endpoint_queue == base->used.endpoint_queue &&
	          l.used.cap_slots == base->used.cap_slots + 1,
	      "dead child, handle held: its limits are back, the handle "
	      "keeps one slot");
	check(rt_process_kill(h) == 0 && wait_for(h, &st) &&
	          st.kind == RT_KILLED,
	      "a second kill does nothing; wait still says killed");
	check(rt_release_now(h) == 0 && ledger_get(&l) && ledger_eq(&l, base),
	      "handle released: the ledger is exactly as before the spawn");
	check(rt_process_info(h, &in) == CAPOS_E_BAD_CAP,
	      "the released handle is a bad cap");
}

static void test_kill_ended(void)
{
	struct rt_process_info in;
	struct rt_exit_status st;
	capos_cap_t h = spawn("ended", "minimal", NULL, 0);

	if (!h)
		return;
	check(exited_with(h, 0), "minimal exits with code 0");
	check(rt_process_kill(h) == 0, "kill an ended process: no error");
	check(wait_for(h, &st) && st.kind == RT_EXITED && st.code == 0,
	      "its status stays exited 0");
	check(info_of(h, &in) && !in.running, "info: not running");
	rt_release_now(h);
}

/* --- hostile spawns ------------------------------------------------ */

struct raw_grant {
	const char *name;
	uint32_t cap;
};

/*
 * ProcessSpawner.spawn built by hand, for what rt_spawn cannot express:
 * grant indices that do not match the descriptors, and exports. Returns
 * the CQE's result (CAPOS_E_NOT_ALLOWED for an exception, its type in
 * *exc); a handle that came back anyway is killed and released.
 */
static int raw_spawn(const char *binary, const struct raw_grant *g, uint32_t ng,
                     const struct capos_xfer *x, uint16_t nx, uint32_t nexports,
                     int *exc)
{
	static uint8_t arena[1024] __attribute__((aligned(8)));
	static uint8_t res[RAW_RESULT_SIZE] __attribute__((aligned(8)));
	struct capnp_builder b;
	struct capos_process_spawner_spawn_params_builder p;
	struct capos_list_of_spawn_grant_builder gl;
	struct capos_list_of_export_decl_builder el;
	struct capos_spawn_grant_builder gb;
	struct capos_export_decl_builder eb;
	struct capos_quotas_builder q;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	*exc = -1;
	capnp_builder_init(&b, arena, sizeof(arena));
	capos_process_spawner_spawn_params_init_root(&b, &p);
	capos_process_spawner_spawn_params_set_name(&p, "raw", 3);
	capos_process_spawner_spawn_params_set_binary(&p, binary,
	                                              (uint32_t)strlen(binary));
	if (ng)
		capos_process_spawner_spawn_params_init_grants(&p, ng, &gl);
	for (uint32_t i = 0; i < ng; i++) {
		capos_list_of_spawn_grant_builder_get(&gl, i, &gb);
		capos_spawn_grant_set_name(&gb, g[i].name,
		                           (uint32_t)strlen(g[i].name));
		capos_spawn_grant_set_cap(&gb, g[i].cap);
	}
	if (nexports)
		capos_process_spawner_spawn_params_init_exports(&p, nexports,
		                                                &el);
	for (uint32_t i = 0; i < nexports; i++) {
		capos_list_of_export_decl_builder_get(&el, i, &eb);
		capos_export_decl_set_name(&eb, "echo", 4);
		capos_export_decl_set_interface_id(&eb, ECHO_IFACE);
	}
	capos_process_spawner_spawn_params_init_quotas(&p, &q);
	capos_quotas_set_frames(&q, child_q.frames);
	capos_quotas_set_cap_slots(&q, child_q.cap_slots);
	capos_quotas_set_threads(&q, child_q.threads);
	capos_quotas_set_endpoint_queue(&q, child_q.endpoint_queue);
	capos_quotas_set_kernel_memory(&q, child_q.kernel_memory);
	if (capnp_builder_finish(&b, &msg, &len))
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(spawner, CAPOS_PROCESS_SPAWNER_METHOD_SPAWN, msg,
	                  (uint32_t)len, res, sizeof(res), x, nx, &cqe);
	if (rc >= 0 && (cqe.flags & CAPOS_CQE_EXCEPTION)) {
		struct capnpc_msg m;
		struct capos_cap_exception e;

		if (!capos_cap_exception_decode(res, (size_t)rc, &m, &e))
			*exc = (int)capos_cap_exception_get_type(&e);
		return CAPOS_E_NOT_ALLOWED;
	}
	if (rc >= 0 && cqe.caps >= 1) {
		capos_cap_t h;

		memcpy(&h, res + (((uint32_t)rc + 7) & ~7u), sizeof(h));
		reap(h);
	}
	return rc;
}

static const char *exc_name(int type)
{
	static const char *const names[] = {"failed", "overloaded",
	                                    "disconnected", "unimplemented",
	                                    "invalidArgument"};

	return type >= 0 && type <= 4 ? names[type] : "none";
}

/* A raw spawn that must be refused with exception type want. */
static void raw_refused(const char *what, const struct raw_grant *g,
                        uint32_t ng, const struct capos_xfer *x, uint16_t nx,
                        uint32_t nexports, int want)
{
	struct ledger before;
	int exc, rc;

	ledger_get(&before);
	rc = raw_spawn("minimal", g, ng, x, nx, nexports, &exc);
	check(rc == CAPOS_E_NOT_ALLOWED && exc == want, "%s: %s, %s", what,
	      err_name(rc), exc_name(exc));
	check_unchanged(what, &before);
}

static void test_raw(void)
{
	struct capos_xfer tcopy = {timer, CAPOS_XFER_COPY, 0};
	struct capos_xfer tmove = {timer, CAPOS_XFER_MOVE, 0};
	struct capos_xfer two[2] = {{timer, CAPOS_XFER_MOVE, 0},
	                            {report_con, CAPOS_XFER_COPY, 0}};
	struct raw_grant one = {"timer", 0}, past = {"timer", 1};
	struct raw_grant twice[2] = {{"a", 0}, {"b", 0}};
	struct ledger before, after;
	int exc, rc;

	ledger_get(&before);
	rc = raw_spawn("minimal", &one, 1, &tcopy, 1, 0, &exc);
	check(rc >= 0 && exc < 0 && ledger_get(&after) &&
	          ledger_eq(&after, &before),
	      "a well-formed hand-built spawn works (%s)", err_name(rc));
	raw_refused("grant index past the descriptors (timer moved)", &past, 1,
	            &tmove, 1, 0, CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
	raw_refused("two grants name one descriptor", twice, 2, &tmove, 1, 0,
	            CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
	raw_refused("a descriptor no grant names", &one, 1, two, 2, 0,
	            CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
	raw_refused("a grant without descriptors", &one, 1, NULL, 0, 0,
	            CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
	raw_refused("two exports with one name", NULL, 0, NULL, 0, 2,
	            CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT);
}

static void test_hostile(const struct ledger *base)
{
	static const char name31[] = "abcdefghijklmnopqrstuvwxyz01234";
	static const char name32[] = "abcdefghijklmnopqrstuvwxyz012345";
	struct rt_grant t = {"timer", timer, CAPOS_XFER_COPY};
	struct rt_grant con_move = {"", report_con, CAPOS_XFER_MOVE};
	struct rt_grant long_name = {name32, timer, CAPOS_XFER_COPY};
	struct rt_grant dup[2] = {{"x", timer, CAPOS_XFER_COPY},
	                          {"x", report_con, CAPOS_XFER_COPY}};
	struct rt_grant bad[2] = {{"timer", timer, CAPOS_XFER_MOVE},
	                          {"bogus", BOGUS_CAP, CAPOS_XFER_COPY}};
	struct rt_grant odd_mode = {"timer", timer, 3};
	struct rt_grant twice[2] = {{"a", timer, CAPOS_XFER_MOVE},
	                            {"b", timer, CAPOS_XFER_COPY}};
	struct rt_quotas q = child_q;
	capos_cap_t h, stale = 0;

	refused("unknown binary", "nosuchprog", &t, 1, &child_q,
	        CAPOS_E_NOT_ALLOWED);
	refused("empty binary name", "", &t, 1, &child_q, CAPOS_E_NOT_ALLOWED);
	refused("not an ELF (kernel.sym)", "kernel.sym", &t, 1, &child_q,
	        CAPOS_E_NOT_ALLOWED);
	refused("empty grant name (console moved)", "minimal", &con_move, 1,
	        &child_q, CAPOS_E_NOT_ALLOWED);
	check(rt_console_write_line(report_con,
	                            "spawntest: (console still "
	                            "here after the refused move)") == 0,
	      "a cap moved into a refused spawn stays the caller's");
	refused("32-byte grant name", "minimal", &long_name, 1, &child_q,
	        CAPOS_E_NOT_ALLOWED);
	refused("duplicate grant names", "minimal", dup, 2, &child_q,
	        CAPOS_E_NOT_ALLOWED);
	refused("bad CapId in a descriptor (timer moved beside it)", "minimal",
	        bad, 2, &child_q, CAPOS_E_BAD_CAP);
	if (rt_frames_alloc(frames, 1, false, &stale) == 0)
		rt_release_now(stale);
	bad[1].cap = stale;
	refused("released CapId in a descriptor", "minimal", bad, 2, &child_q,
	        CAPOS_E_BAD_CAP);
	refused("transfer mode 3", "minimal", &odd_mode, 1, &child_q,
	        CAPOS_E_BAD_SQE);
	refused("one cap moved and copied in one batch", "minimal", twice, 2,
	        &child_q, CAPOS_E_TRANSFER_REFUSED);

	/* A 31-byte name is the longest allowed. */
	t.name = name31;
	h = spawn("name31", "minimal", &t, 1);
	check(h && exited_with(h, 0), "a 31-byte grant name is accepted");
	rt_release_now(h);
	t.name = "timer";

	/* ProcessHandle is not transferable, by move or copy. */
	h = spawn("held", "minimal", NULL, 0);
	if (h) {
		struct rt_grant hm = {"proc", h, CAPOS_XFER_MOVE};
		struct rt_process_info in;

		/* Let it end first: its ledger returning to ours in the
		 * middle would look like a change. */
		exited_with(h, 0);
		refused("move a ProcessHandle", "minimal", &hm, 1, &child_q,
		        CAPOS_E_TRANSFER_REFUSED);
		hm.mode = CAPOS_XFER_COPY;
		refused("copy a ProcessHandle", "minimal", &hm, 1, &child_q,
		        CAPOS_E_TRANSFER_REFUSED);
		check(info_of(h, &in), "the handle still works after both");
		rt_release_now(h);
	}

	/* Quotas that do not fit what the caller has left. */
	q.frames = base->lim.frames - base->used.frames + 1;
	refused("frames beyond the caller's ledger", "minimal", &t, 1, &q,
	        CAPOS_E_QUOTA);
	q = child_q;
	q.cap_slots = base->lim.cap_slots - base->used.cap_slots + 1;
	refused("capSlots beyond the caller's ledger", "minimal", &t, 1, &q,
	        CAPOS_E_QUOTA);
	q = child_q;
	q.kernel_memory =
	    base->lim.kernel_memory - base->used.kernel_memory + 1;
	refused("kernelMemory beyond the caller's ledger", "minimal", &t, 1, &q,
	        CAPOS_E_QUOTA);
	test_raw();
}

/* --- quotas too small for the child itself -------------------------- */

static void too_small(const char *what, const struct rt_quotas *q)
{
	struct rt_grant t = {"timer", timer, CAPOS_XFER_COPY};
	struct ledger before;
	capos_cap_t h = 0;
	char why[96] = "";
	int rc;

	ledger_get(&before);
	rc = rt_spawn(spawner, "tiny", "minimal", &t, 1, q, &h, why,
	              sizeof(why));
	check(rc < 0, "%s: refused with %s %s", what, err_name(rc), why);
	if (rc == 0)
		reap(h);
	check_unchanged(what, &before);
}

static void test_small_quotas(void)
{
	struct rt_quotas q = child_q;

	q.frames = 2;
	too_small("quotas.frames 2, too few to load", &q);
	q = child_q;
	q.threads = 0;
	too_small("quotas.threads 0", &q);
	q = child_q;
	q.cap_slots = 0;
	too_small("quotas.capSlots 0 for a child granted one cap", &q);
	q = child_q;
	q.kernel_memory = 64;
	too_small("quotas.kernelMemory 64 bytes", &q);
}

/* --- transfer of a MemoryObject by move and by copy ----------------- */

static void test_memory_grant(uint32_t mode, const char *how)
{
	struct ledger before, after;
	capos_cap_t mem = 0, h;
	uint32_t pages = 0;

	ledger_get(&before);
	if (!check(rt_frames_alloc(frames, 1, false, &mem) == 0,
	           "%s: alloc a page", how))
		return;
	struct rt_grant g = {"memory", mem, mode};

	h = spawn("holder", "minimal", &g, 1);
	check(h && exited_with(h, 0), "%s: a child granted a MemoryObject",
	      how);
	rt_release_now(h);
	if (mode == CAPOS_XFER_MOVE) {
		check(rt_memory_pages(mem, &pages) == CAPOS_E_BAD_CAP,
		      "%s: the moved cap left the caller's table", how);
	} else {
		check(rt_memory_pages(mem, &pages) == 0 && pages == 1,
		      "%s: the caller keeps its copy", how);
		rt_release_now(mem);
	}
	check(ledger_get(&after) && ledger_eq(&after, &before),
	      "%s: child gone, object released: the ledger is as before", how);
}

int main(void)
{
	struct ledger base, end;
	capos_cap_t mem = 0;

	report_prog = "spawntest";
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	report_spawner = spawner =
	    rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	if (!report_con)
		return 100;
	if (!check(timer && frames && spawner,
	           "granted timer, frames and spawner") ||
	    !check(ledger_get(&base), "read the caller's own ledger"))
		return report_finish();
	say_quotas("ledger limits", &base.lim);
	say_quotas("ledger used", &base.used);

	test_exit_codes();
	test_kill(&base);
	test_kill_ended();
	test_hostile(&base);
	test_small_quotas();
	test_memory_grant(CAPOS_XFER_COPY, "copy");
	test_memory_grant(CAPOS_XFER_MOVE, "move");

	check(rt_frames_alloc(frames, 1, false, &mem) == 0 &&
	          rt_release_now(mem) == 0,
	      "frames still allocates");
	check(ledger_get(&end) && ledger_eq(&end, &base),
	      "after everything the ledger is exactly where it started");
	say_quotas("ledger used at the end", &end.used);
	return report_finish();
}
