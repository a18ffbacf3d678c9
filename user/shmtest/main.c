/*
 * shmtest - shared memory between two processes through one MemoryObject:
 * the parent allocates and maps it, writes a pattern, and spawns
 * shmchild with a copy of it (plus console and timer). The child checks
 * the pattern and writes a reply; the parent sees the reply while the
 * child runs, answers with a second pattern the child must see, then
 * waits for the child and reads the reply again through its own mapping.
 * The layout is shm.h. Started by tests/system/shmtest.test.
 */
#include "../testlib/report.h"
#include "shm.h"

#define ONE_MS (1000ull * 1000)

static capos_cap_t timer;

/* Returns true once *flag == want, false after SHM_WAIT_MS. */
static bool wait_flag(volatile uint64_t *flag, uint64_t want)
{
	for (uint32_t i = 0; i < SHM_WAIT_MS; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == want)
			return true;
		rt_timer_sleep(timer, ONE_MS);
	}
	return *flag == want;
}

/*
 * Maps and unmaps an object like the real one first: the page tables
 * behind the mapping area stay (and stay charged) until we exit, so only
 * after this does the ledger show the object's own frames alone.
 */
static void warm_up(capos_cap_t frames)
{
	capos_cap_t mem = 0;
	uint64_t addr = 0;

	check(rt_frames_alloc(frames, SHM_PAGES, false, &mem) == 0 &&
	          rt_memory_map(mem, 0, 0, SHM_BYTES, RT_PROT_READ_WRITE,
	                        &addr) == 0 &&
	          rt_memory_unmap(mem, addr, SHM_BYTES) == 0 &&
	          rt_release_now(mem) == 0,
	      "warm-up: map and unmap an object of the same size");
}

static void run(capos_cap_t frames, capos_cap_t spawner)
{
	static const struct rt_quotas q = {128, 8, 2, 0, 65536};
	struct rt_quotas lim, used0 = {0}, used1 = {0};
	struct rt_exit_status st = {0};
	capos_cap_t mem = 0, h = 0;
	uint64_t addr = 0;
	char why[96] = "";
	int rc;

	warm_up(frames);
	rt_spawner_ledger(spawner, &lim, &used0);
	if (!check(rt_frames_alloc(frames, SHM_PAGES, false, &mem) == 0,
	           "alloc a %u-page MemoryObject", SHM_PAGES) ||
	    !check(rt_memory_map(mem, 0, 0, SHM_BYTES, RT_PROT_READ_WRITE,
	                         &addr) == 0,
	           "map it read-write"))
		return;
	struct shm *s = (struct shm *)addr;
	check(rt_spawner_ledger(spawner, &lim, &used1) == 0 &&
	          used1.frames == used0.frames + SHM_PAGES,
	      "its %u frames are charged to us (frames %u -> %u)", SHM_PAGES,
	      used0.frames, used1.frames);

	shm_fill(s->parent, SHM_FIRST);
	struct rt_grant g[3] = {{"console", report_con, CAPOS_XFER_COPY},
	                        {"timer", timer, CAPOS_XFER_COPY},
	                        {"memory", mem, CAPOS_XFER_COPY}};

	rc = rt_spawn(spawner, "shmchild", "shmchild", g, 3, &q, &h, why,
	              sizeof(why));
	if (!check(rc == 0, "spawn shmchild with a copy of it (%s %s)",
	           err_name(rc), why))
		return;
	check(wait_flag(&s->child_done, 1),
	      "the child's done flag appears in our mapping");
	check(shm_has(s->child, SHM_REPLY),
	      "the child's reply is in our mapping while it runs");
	shm_fill(s->parent, SHM_SECOND);
	__atomic_store_n(&s->parent_ack, 1, __ATOMIC_RELEASE);
	check(rt_process_wait(h, &st) == 0 && st.kind == RT_EXITED &&
	          st.code == 0,
	      "the child saw both patterns and exited 0 (kind %d code %ld)",
	      st.kind, (long)st.code);
	rt_release_now(h);
	check(shm_has(s->child, SHM_REPLY),
	      "the reply is still there after the child is gone");
	check(rt_memory_unmap(mem, addr, SHM_BYTES) == 0 &&
	          rt_release_now(mem) == 0,
	      "unmap and release it");
	rc = rt_spawner_ledger(spawner, &lim, &used1);
	check(rc == 0 && quotas_eq(&used0, &used1),
	      "the ledger is back where it started (%s, frames %u -> %u)",
	      err_name(rc), used0.frames, used1.frames);
	if (rc == 0 && !quotas_eq(&used0, &used1)) {
		say_quotas("used before", &used0);
		say_quotas("used after", &used1);
	}
}

int main(void)
{
	capos_cap_t frames, spawner;

	report_prog = "shmtest";
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	report_spawner = spawner =
	    rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	if (!report_con)
		return 100;
	if (check(timer && frames && spawner,
	          "granted timer, frames and spawner"))
		run(frames, spawner);
	return report_finish();
}
