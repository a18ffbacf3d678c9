/*
 * shmchild - the other side of shmtest: maps the "memory" it was granted,
 * checks the parent's pattern, writes its reply, and then sees a second
 * pattern the parent writes while both run. The layout and values are
 * shmtest's (user/shmtest/shm.h). Exits 0 if every check held, else the
 * number of failures.
 */
#include <format.h>
#include <capos/rt.h>
#include "../shmtest/shm.h"

#define ONE_MS (1000ull * 1000)

static capos_cap_t con, timer;
static int failed;

static void check(const char *what, bool ok)
{
	char line[200];

	/* One write: a line the kernel or another program prints
	 * meanwhile cannot split it. */
	format_snprintf(line, sizeof(line), "shmchild: %s%s",
	                ok ? "ok   " : "FAIL ", what);
	rt_console_write_line(con, line);
	failed += !ok;
}

/* Returns true once *flag == want, false after SHM_WAIT_MS. */
static bool wait_for(volatile uint64_t *flag, uint64_t want)
{
	for (uint32_t i = 0; i < SHM_WAIT_MS; i++) {
		if (*flag == want)
			return true;
		rt_timer_sleep(timer, ONE_MS);
	}
	return *flag == want;
}

int main(void)
{
	capos_cap_t mem = rt_capset_find("memory", RT_IFACE_MEMORY_OBJECT);
	uint32_t pages = 0;
	uint64_t addr = 0;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	if (!con || !timer || !mem)
		return 100;
	check("the granted MemoryObject has the parent's size",
	      rt_memory_pages(mem, &pages) == 0 && pages == SHM_PAGES);
	if (rt_memory_map(mem, 0, 0, SHM_BYTES, RT_PROT_READ_WRITE, &addr)) {
		check("map it read-write", false);
		return failed;
	}
	struct shm *s = (struct shm *)addr;

	check("the parent's pattern is there", shm_has(s->parent, SHM_FIRST));
	shm_fill(s->child, SHM_REPLY);
	__atomic_store_n(&s->child_done, 1, __ATOMIC_RELEASE);
	check("the parent acknowledged the reply", wait_for(&s->parent_ack, 1));
	check("the parent's second pattern, written while both run",
	      shm_has(s->parent, SHM_SECOND));
	return failed;
}
