/*
 * quotahog - asks for more memory than its frames quota allows, expects
 * the quota error (and nothing allocated), then allocates within its quota,
 * uses the memory and exits 0: the manifest "quota" test's service.
 */
#include <capos/rt.h>
#include <format.h>

#define TOO_MANY_PAGES 100000 /* above any quota a manifest gives it */
#define FEW_PAGES      4

static capos_cap_t con;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[128];
	va_list ap;

	va_start(ap, fmt);
	format_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rt_console_write_line(con, line);
}

/* Maps mem, writes every page and reads it back; returns true if intact. */
static bool use(capos_cap_t mem, uint32_t pages)
{
	uint64_t addr;

	if (rt_memory_map(mem, 0, 0, pages * 4096ull, RT_PROT_READ_WRITE,
	                  &addr))
		return false;
	for (uint32_t i = 0; i < pages; i++)
		*(volatile uint64_t *)(addr + i * 4096ull) = 0x9e9e0000u + i;
	for (uint32_t i = 0; i < pages; i++)
		if (*(volatile uint64_t *)(addr + i * 4096ull) !=
		    0x9e9e0000u + i)
			return false;
	return rt_memory_unmap(mem, addr, pages * 4096ull) == 0;
}

int main(void)
{
	capos_cap_t frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	capos_cap_t mem = CAPOS_CAP_NULL;
	int rc;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	if (!con)
		return 1;
	if (!frames) {
		say("quotahog: no frames capability");
		return 2;
	}
	rc = rt_frames_alloc(frames, TOO_MANY_PAGES, false, &mem);
	say("quotahog: alloc %d pages: %s (%d)", TOO_MANY_PAGES,
	    rc == CAPOS_E_QUOTA ? "quota error"
	    : rc                ? "other error"
	                        : "ok",
	    rc);
	if (rc != CAPOS_E_QUOTA || mem != CAPOS_CAP_NULL)
		return 3;
	rc = rt_frames_alloc(frames, FEW_PAGES, false, &mem);
	say("quotahog: alloc %d pages: %s (%d)", FEW_PAGES, rc ? "error" : "ok",
	    rc);
	if (rc)
		return 4;
	if (!use(mem, FEW_PAGES)) {
		say("quotahog: the memory does not work");
		return 5;
	}
	say("quotahog: used %d pages; exiting with code 0", FEW_PAGES);
	return 0;
}
