/*
 * memtest - memory through capabilities: allocate a MemoryObject, map it
 * twice (the two views share frames), unmap, hit the frames quota, and
 * leave a mapping behind for the kernel to clean up at exit.
 */
#include <format.h>
#include <capos/rt.h>

static capos_cap_t con;
static int failed;

static void check(const char *what, bool ok)
{
	char line[200];

	/* One write: a line the kernel or another program prints
	 * meanwhile cannot split it. */
	format_snprintf(line, sizeof(line), "memtest: %s%s",
	                ok ? "ok   " : "FAIL ", what);
	rt_console_write_line(con, line);
	failed += !ok;
}

int main(void)
{
	capos_cap_t frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	capos_cap_t mem = 0, big = 0, run = 0;
	uint64_t a = 0, b = 0, c = 0;
	uint32_t pages = 0;
	bool quiet = rt_capset_find("console", RT_IFACE_CONSOLE) == 0;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	if (!frames)
		return 2;
	check("alloc 4 pages",
	      rt_frames_alloc(frames, 4, false, &mem) == 0 && mem != 0);
	check("info says 4 pages",
	      rt_memory_pages(mem, &pages) == 0 && pages == 4);
	check("map read-write anywhere",
	      rt_memory_map(mem, 0, 0, 4 * 4096, RT_PROT_READ_WRITE, &a) == 0);
	check("map again, second view",
	      rt_memory_map(mem, 0, 0, 4 * 4096, RT_PROT_READ_WRITE, &b) == 0 &&
	          b != a);
	for (int i = 0; i < 4 * 4096; i += 8)
		*(volatile uint64_t *)(a + i) = 0x5151000000000000ull + i;
	bool same = true;

	for (int i = 0; i < 4 * 4096; i += 8)
		same &=
		    *(volatile uint64_t *)(b + i) == 0x5151000000000000ull + i;
	check("writes through one view are seen through the other", same);
	check("unmap the first view", rt_memory_unmap(mem, a, 4 * 4096) == 0);
	check("unmap it again is refused",
	      rt_memory_unmap(mem, a, 4 * 4096) != 0);
	check("map with a bad length is refused",
	      rt_memory_map(mem, 0, 0, 5 * 4096, RT_PROT_READ_WRITE, &c) != 0);
	check("fresh memory is zeroed",
	      rt_frames_alloc(frames, 2, true, &run) == 0 &&
	          rt_memory_map(run, 0, 0, 8192, RT_PROT_READ, &c) == 0 &&
	          *(volatile uint64_t *)(c + 4096) == 0);
	check("over the frames quota: the quota error",
	      rt_frames_alloc(frames, 5000, false, &big) == CAPOS_E_QUOTA);
	check("release the object while still mapped",
	      rt_release_now(mem) == 0);
	check("the mapping still works after release",
	      *(volatile uint64_t *)(b + 8) == 0x5151000000000008ull);
	(void)quiet;
	/* b and c stay mapped: the kernel unmaps them at exit. */
	return failed;
}
