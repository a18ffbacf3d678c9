/*
 * tlbtest - a change to a mapping that threads on other CPUs are using
 * takes effect everywhere before the call that made it returns (TLB
 * shootdown). Each round is a fresh user/tlbchild (see tlb.h): three of
 * its threads keep touching a page while its first thread unmaps,
 * decommits or protects it, then they touch it once more. A good kernel
 * kills the child with a page fault (vector 14) at that page; a kernel
 * that left a stale translation on another CPU lets a touch through,
 * which the child records in the page we share with it and reports with
 * exit code 99. Many rounds per mode, since a missing shootdown is a
 * race. After every round our ledger must be back where it was.
 * Started by tests/system/tlbtest.test (smp: 4).
 */
#include "../testlib/report.h"
#include <capos/rt_thread.h>
#include <string.h>
#include "tlb.h"

static capos_cap_t vm, threads, tctl, frames, spawner, shared;
static struct tlb_shared *sh;

/* The child's quotas: 4 threads (its first and TLB_THREADS touchers). */
static const struct rt_quotas child_q = {.frames = 256,
                                         .cap_slots = 16,
                                         .threads = TLB_THREADS + 1,
                                         .endpoint_queue = 0,
                                         .kernel_memory = 160 * 1024};

static const struct {
	uint32_t mode;
	uint32_t rounds;
	const char *what;
} plan[] = {
    {TLB_VM_UNMAP, 100, "VirtualMemory.unmap, then a read"},
    {TLB_VM_DECOMMIT, 20, "VirtualMemory.decommit, then a read"},
    {TLB_VM_PROTECT_R, 20, "VirtualMemory.protect to read, then a write"},
    {TLB_VM_PROTECT_N, 20, "VirtualMemory.protect to none, then a read"},
    {TLB_MEM_UNMAP, 20, "MemoryObject.unmap, then a read"},
    {TLB_MEM_PROTECT_R, 20, "MemoryObject.protect to read, then a write"},
};

/* One round in `mode`. Returns NULL if it ended as it must, else why
 * not, in `why` (and the child's numbers are printed). */
static const char *round_once(uint32_t mode, char *why, size_t len)
{
	struct rt_grant g[] = {
	    {"console", report_con, CAPOS_XFER_COPY},
	    {"vm", vm, CAPOS_XFER_COPY},
	    {"threads", threads, CAPOS_XFER_COPY},
	    {"thread", tctl, CAPOS_XFER_COPY},
	    {"frames", frames, CAPOS_XFER_COPY},
	    {"shared", shared, CAPOS_XFER_COPY},
	};
	struct rt_exit_status st = {0};
	capos_cap_t h = 0;
	char spawn_why[96] = "";
	uint64_t page;
	int rc, wrc;

	memset(sh, 0, sizeof(*sh));
	sh->mode = mode;
	rc = rt_spawn(spawner, "tlbchild", "tlbchild", g,
	              sizeof(g) / sizeof(g[0]), &child_q, &h, spawn_why,
	              sizeof(spawn_why));
	if (rc) {
		format_snprintf(why, len, "spawn: %s %s", err_name(rc),
		                spawn_why);
		return why;
	}
	wrc = rt_process_wait(h, &st);
	rc = rt_release_now(h);
	page = __atomic_load_n(&sh->page, __ATOMIC_ACQUIRE);
	if (wrc || rc) {
		format_snprintf(why, len, "wait %s, release %s", err_name(wrc),
		                err_name(rc));
		return why;
	}
	if (sh->stale) {
		format_snprintf(why, len,
		                "%u touches after the change went through "
		                "(first at %#lx): a stale TLB entry",
		                sh->stale, (unsigned long)sh->stale_addr);
	} else if (sh->bad_read) {
		format_snprintf(why, len, "%u reads saw wrong data",
		                sh->bad_read);
	} else if (st.kind != RT_FAULTED) {
		format_snprintf(why, len,
		                "the child did not fault: kind %d, code %ld",
		                st.kind, (long)st.code);
	} else if (st.vector != 14 || !page || st.address < page ||
	           st.address >= page + TLB_PAGE) {
		format_snprintf(why, len,
		                "fault vector %u at %#lx (ip %#lx), not a page "
		                "fault in the test page %#lx",
		                st.vector, (unsigned long)st.address,
		                (unsigned long)st.ip, (unsigned long)page);
	} else if (sh->ready != TLB_THREADS || sh->stage < TLB_STAGE_CHANGING) {
		format_snprintf(why, len,
		                "faulted before the change was made (stage %u, "
		                "%u threads ready)",
		                sh->stage, sh->ready);
	} else {
		return NULL;
	}
	say("round failed: stage %u, ready %u, change rc %d, spins at the "
	    "change %lu/%lu/%lu, exit kind %d code %ld vector %u address "
	    "%#lx",
	    sh->stage, sh->ready, sh->change_rc, (unsigned long)sh->spins_at[0],
	    (unsigned long)sh->spins_at[1], (unsigned long)sh->spins_at[2],
	    st.kind, (long)st.code, st.vector, (unsigned long)st.address);
	return why;
}

static void run_mode(uint32_t mode, uint32_t rounds, const char *what)
{
	char why[200] = "", first[200] = "";
	uint32_t failed = 0, leaks = 0;
	struct ledger before, after;

	for (uint32_t r = 0; r < rounds; r++) {
		bool got = ledger_get(&before);

		if (round_once(mode, why, sizeof(why))) {
			if (!failed++)
				memcpy(first, why, sizeof(first));
		}
		if (!got || !ledger_get(&after) || !ledger_eq(&after, &before))
			leaks++;
	}
	check(!failed,
	      "%s: %u rounds, every one ended in a #PF at the page (%u "
	      "failed%s%s)",
	      what, rounds, failed, failed ? ": first " : "", first);
	check(!leaks, "%s: the ledger came back after every round (%u not)",
	      what, leaks);
}

int main(void)
{
	struct ledger base;
	uint64_t a = 0;

	report_prog = "tlbtest";
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	vm = rt_capset_find("vm", RT_IFACE_VIRTUAL_MEMORY);
	threads = rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	tctl = rt_capset_find("thread", RT_IFACE_THREAD_CONTROL);
	frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	report_spawner = spawner =
	    rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	if (!report_con)
		return 100;
	if (!check(vm && threads && tctl && frames && spawner,
	           "granted vm, threads, thread, frames and spawner"))
		return report_finish();
	if (!check(rt_frames_alloc(frames, 1, false, &shared) == 0 &&
	               rt_memory_map(shared, 0, 0, TLB_PAGE, RT_PROT_READ_WRITE,
	                             &a) == 0,
	           "a page to share with the children"))
		return report_finish();
	sh = (struct tlb_shared *)a;
	if (!ledger_get(&base))
		return report_finish();
	for (uint32_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++)
		run_mode(plan[i].mode, plan[i].rounds, plan[i].what);
	ledger_back(&base, "after every round");
	return report_finish();
}
