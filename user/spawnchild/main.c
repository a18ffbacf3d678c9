/*
 * spawnchild - spawned by spawntest with only a "console": checks from
 * the inside that this is all it has (its CapSet lists one entry, no
 * other name resolves, every other CapId is a bad cap) and exits with
 * SPAWNCHILD_OK (42) if every check held, 100 + the failures otherwise.
 */
#include <format.h>
#include <capos/rt.h>

#define SPAWNCHILD_OK 42
#define PROBE_SLOTS   64 /* slots probed: more than any child of the test */
#define PROBE_GENS    3  /* generations probed per slot */

static capos_cap_t con;
static int failed;

static void check(const char *what, bool ok)
{
	char line[200];

	/* One write: a line the kernel or another program prints
	 * meanwhile cannot split it. */
	format_snprintf(line, sizeof(line), "spawnchild: %s%s",
	                ok ? "ok   " : "FAIL ", what);
	rt_console_write_line(con, line);
	failed += !ok;
}

/* Returns true if every CapId but `mine` is refused as a bad cap. */
static bool only_cap_is(capos_cap_t mine)
{
	uint8_t res[128];
	bool exc;

	for (uint32_t slot = 0; slot < PROBE_SLOTS; slot++) {
		for (uint32_t gen = 1; gen <= PROBE_GENS; gen++) {
			capos_cap_t id = CAPOS_CAPID_MAKE(slot, gen);

			if (id == mine)
				continue;
			if (rt_call(id, 0, 0, 0, res, sizeof(res), &exc) !=
			    CAPOS_E_BAD_CAP)
				return false;
		}
	}
	return true;
}

int main(void)
{
	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	if (!con)
		return 100; /* nothing to report through */
	check("CapSet lists exactly one capability", rt_capset->count == 1);
	check("no timer, frames, spawner or boot package",
	      !rt_capset_find("timer", RT_IFACE_TIMER) &&
	          !rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR) &&
	          !rt_capset_find("spawner",
	                          CAPOS_PROCESS_SPAWNER_INTERFACE_ID) &&
	          !rt_capset_find("boot", CAPOS_BOOT_PACKAGE_INTERFACE_ID));
	check("every other CapId is a bad cap", only_cap_is(con));
	check("the console still writes",
	      rt_console_write_line(con, "spawnchild: (console line)") == 0);
	return failed ? 100 + failed : SPAWNCHILD_OK;
}
