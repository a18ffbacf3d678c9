/*
 * vmtest - VirtualMemory and MemoryObject.protect from a program: reserve,
 * commit, decommit, map, unmap and protect of its own anonymous memory;
 * every bad input refused with invalidArgument and nothing changed; the
 * frames quota error and recovery after it. Faults (touching what is not
 * accessible) are user/vmfault's, since a fault ends the process.
 *
 * Whether a page is there is asked of the kernel without touching it: a
 * call whose params (or result) buffer is the page fails with
 * CAPOS_E_BAD_POINTER exactly when the page is not readable (writable)
 * user memory. The probe calls an unknown method, so it never has any
 * other effect.
 */
#include <format.h>
#include <capos/rt.h>
#include <capos/rt_memory.h>

#define PG             4096ull
#define INVALID        RT_REFUSED(CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT)
#define NO_SUCH_METHOD 999
#define RWX            ((enum capos_protection)4) /* not a Protection: no rwx */
#define CHUNK          1024u                      /* pages per quota step */

static capos_cap_t con, vm, frames;
static int passed, failed;

static void say(const char *s)
{
	rt_console_write_line(con, s);
}

static void check(const char *what, bool ok)
{
	char line[160];

	format_snprintf(line, sizeof(line), "vmtest: %s %s",
	                ok ? "ok  " : "FAIL", what);
	say(line);
	passed += ok;
	failed += !ok;
}

/* True if the kernel takes [a, a+16) as readable user memory. */
static bool readable(uint64_t a)
{
	uint8_t res[16];
	bool exc;

	return rt_call(vm, NO_SUCH_METHOD, (const void *)a, 16, res,
	               sizeof(res), &exc) != CAPOS_E_BAD_POINTER;
}

/* True if the kernel takes [a, a+16) as writable user memory. */
static bool writable(uint64_t a)
{
	bool exc;

	return rt_call(vm, NO_SUCH_METHOD, NULL, 0, (void *)a, 16, &exc) !=
	       CAPOS_E_BAD_POINTER;
}

static volatile uint64_t *word(uint64_t a)
{
	return (volatile uint64_t *)a;
}

/* Fills pages [a, a+n*PG) with a pattern seeded by `seed`. */
static void fill(uint64_t a, uint64_t n, uint64_t seed)
{
	for (uint64_t off = 0; off < n * PG; off += 8)
		*word(a + off) = seed ^ off;
}

static bool holds(uint64_t a, uint64_t n, uint64_t seed)
{
	for (uint64_t off = 0; off < n * PG; off += 8) {
		if (*word(a + off) != (seed ^ off))
			return false;
	}
	return true;
}

static bool zeroed(uint64_t a, uint64_t n)
{
	for (uint64_t off = 0; off < n * PG; off += 8) {
		if (*word(a + off))
			return false;
	}
	return true;
}

/* True if the reserved page at a is committed: committing it again is
 * refused (the probe's own commit is undone). */
static bool committed(uint64_t a)
{
	int rc = rt_vm_commit(vm, a, PG, CAPOS_PROTECTION_READ_WRITE);

	if (rc == 0)
		rt_vm_decommit(vm, a, PG);
	return rc == INVALID;
}

/* True if the reserved page at a is not committed: committing it works
 * (and is undone). Any other answer (the quota error) is false. */
static bool uncommitted(uint64_t a)
{
	int rc = rt_vm_commit(vm, a, PG, CAPOS_PROTECTION_READ_WRITE);

	if (rc == 0)
		rt_vm_decommit(vm, a, PG);
	return rc == 0;
}

static void basics(void)
{
	uint64_t r = 0, again = 0;

	check("reserve 16 pages anywhere",
	      rt_vm_reserve(vm, 0, 16 * PG, &r) == 0 && r && !(r % PG));
	check("a reserved page is not memory yet", !readable(r));
	check("commit 4 pages read-write",
	      rt_vm_commit(vm, r, 4 * PG, CAPOS_PROTECTION_READ_WRITE) == 0);
	check("committed pages are zeroed", zeroed(r, 4));
	fill(r, 4, 0x1111);
	check("written pages read back", holds(r, 4, 0x1111));
	check("committing committed pages again is invalidArgument",
	      rt_vm_commit(vm, r, 4 * PG, CAPOS_PROTECTION_READ_WRITE) ==
	              INVALID &&
	          holds(r, 4, 0x1111));
	check("a commit overlapping committed pages is refused whole",
	      rt_vm_commit(vm, r + 3 * PG, 2 * PG,
	                   CAPOS_PROTECTION_READ_WRITE) == INVALID &&
	          !readable(r + 4 * PG) && holds(r, 4, 0x1111));
	check("decommit pages 2-3",
	      rt_vm_decommit(vm, r + 2 * PG, 2 * PG) == 0 &&
	          !readable(r + 2 * PG) && !readable(r + 3 * PG) &&
	          holds(r, 2, 0x1111));
	check("decommit of uncommitted pages is allowed (idempotent)",
	      rt_vm_decommit(vm, r + 2 * PG, 14 * PG) == 0 &&
	          holds(r, 2, 0x1111));
	check("a recommitted page is zeroed again",
	      rt_vm_commit(vm, r + 2 * PG, PG, CAPOS_PROTECTION_READ_WRITE) ==
	              0 &&
	          zeroed(r + 2 * PG, 1));
	check("the reserved range is not offered again",
	      rt_vm_reserve(vm, 0, 16 * PG, &again) == 0 &&
	          (again >= r + 16 * PG || again + 16 * PG <= r) &&
	          rt_vm_unmap(vm, again, 16 * PG) == 0);
	check("unmap the whole reservation", rt_vm_unmap(vm, r, 16 * PG) == 0 &&
	                                         !readable(r) &&
	                                         !readable(r + 2 * PG));
	check("its range is free again: reserve exactly there",
	      rt_vm_reserve(vm, r, 16 * PG, &again) == 0 && again == r &&
	          rt_vm_unmap(vm, r, 16 * PG) == 0);
}

static void protections(void)
{
	uint64_t r = 0, other = 0;
	void (*fn)(void);

	check("map 4 pages read-write",
	      rt_vm_map(vm, 0, 4 * PG, CAPOS_PROTECTION_READ_WRITE, &r) == 0 &&
	          writable(r) && writable(r + 3 * PG));
	fill(r, 4, 0x2222);
	check("protect to read: readable, not writable, contents kept",
	      rt_vm_protect(vm, r, 2 * PG, CAPOS_PROTECTION_READ) == 0 &&
	          readable(r) && !writable(r) && !writable(r + PG) &&
	          writable(r + 2 * PG) && holds(r, 4, 0x2222));
	check("protect back to read-write",
	      rt_vm_protect(vm, r, 2 * PG, CAPOS_PROTECTION_READ_WRITE) == 0 &&
	          writable(r));
	*word(r) = 0x2222;
	check("protect to none: a guard, not accessible",
	      rt_vm_protect(vm, r + PG, PG, CAPOS_PROTECTION_NONE) == 0 &&
	          !readable(r + PG) && readable(r));
	check("a guard keeps its frame: back to read, same contents",
	      rt_vm_protect(vm, r + PG, PG, CAPOS_PROTECTION_READ) == 0 &&
	          holds(r, 2, 0x2222));
	check("commit with protection none makes a guard",
	      rt_vm_decommit(vm, r + 3 * PG, PG) == 0 &&
	          rt_vm_commit(vm, r + 3 * PG, PG, CAPOS_PROTECTION_NONE) ==
	              0 &&
	          !readable(r + 3 * PG) && committed(r + 3 * PG));
	/* A JIT's path under W^X: write code, then make it executable. */
	*(volatile uint8_t *)(r + 2 * PG) = 0xC3; /* ret */
	check("protect to readExecute: runs, not writable",
	      rt_vm_protect(vm, r + 2 * PG, PG,
	                    CAPOS_PROTECTION_READ_EXECUTE) == 0 &&
	          !writable(r + 2 * PG) && readable(r + 2 * PG));
	fn = (void (*)(void))(r + 2 * PG);
	fn();
	check("the code in it ran", true);
	check("W^X: commit with read+write+execute is invalidArgument",
	      rt_vm_decommit(vm, r + 3 * PG, PG) == 0 &&
	          rt_vm_commit(vm, r + 3 * PG, PG, RWX) == INVALID &&
	          uncommitted(r + 3 * PG));
	check("W^X: protect to read+write+execute is invalidArgument",
	      rt_vm_protect(vm, r, PG, RWX) == INVALID && writable(r) &&
	          rt_vm_protect(vm, r + 2 * PG, PG,
	                        (enum capos_protection)0xFFFF) == INVALID &&
	          !writable(r + 2 * PG));
	check("W^X: map with read+write+execute is invalidArgument",
	      rt_vm_map(vm, 0, PG, RWX, &other) == INVALID);
	rt_vm_unmap(vm, r, 4 * PG);
}

static void bad_reserve(uint64_t code)
{
	uint64_t r = 0, a = 0, free_at;

	/* A free place to aim at: reserved once, then given back. */
	rt_vm_reserve(vm, 0, 4 * PG, &free_at);
	rt_vm_unmap(vm, free_at, 4 * PG);
	check("reserve of length 0 is invalidArgument",
	      rt_vm_reserve(vm, free_at, 0, &a) == INVALID);
	check("reserve of an unaligned length is invalidArgument",
	      rt_vm_reserve(vm, free_at, PG + 1, &a) == INVALID &&
	          rt_vm_reserve(vm, 0, 100, &a) == INVALID);
	check("reserve at an unaligned hint is invalidArgument",
	      rt_vm_reserve(vm, free_at + 8, PG, &a) == INVALID);
	check("reserve above 1 GiB is invalidArgument",
	      rt_vm_reserve(vm, 0, (1ull << 30) + PG, &a) == INVALID);
	check("reserve in kernel space is invalidArgument",
	      rt_vm_reserve(vm, 0xFFFF800000000000ull, PG, &a) == INVALID);
	check("reserve that wraps around is invalidArgument",
	      rt_vm_reserve(vm, 0xFFFFFFFFFFFFF000ull, 2 * PG, &a) == INVALID);
	check("reserve past the end of user space is invalidArgument",
	      rt_vm_reserve(vm, 0x00007FFFFFFFF000ull, 2 * PG, &a) == INVALID);
	check("reserve at the CapSet page is invalidArgument",
	      rt_vm_reserve(vm, 0x100000, PG, &a) == INVALID);
	check("reserve over the program's code is invalidArgument",
	      rt_vm_reserve(vm, code & ~(PG - 1), PG, &a) == INVALID);
	check("reserve over the stack is invalidArgument",
	      rt_vm_reserve(vm, ((uint64_t)&r & ~(PG - 1)), PG, &a) == INVALID);
	check("the refused reserves changed nothing: reserve there works",
	      rt_vm_reserve(vm, free_at, 4 * PG, &r) == 0 && r == free_at);
	check("reserve overlapping a reservation is invalidArgument",
	      rt_vm_reserve(vm, r + 3 * PG, 2 * PG, &a) == INVALID &&
	          rt_vm_reserve(vm, r - PG, 2 * PG, &a) == INVALID &&
	          rt_vm_reserve(vm, r, 4 * PG, &a) == INVALID);
	check("map over a reservation is invalidArgument",
	      rt_vm_map(vm, r, PG, CAPOS_PROTECTION_READ_WRITE, &a) ==
	              INVALID &&
	          uncommitted(r));
	rt_vm_unmap(vm, r, 4 * PG);
}

static void bad_ranges(void)
{
	uint64_t r = 0, s = 0;

	rt_vm_reserve(vm, 0, 8 * PG, &r);
	/* s right after r: a range over both is inside neither. */
	check("reserve right after another reservation",
	      rt_vm_reserve(vm, r + 8 * PG, 4 * PG, &s) == 0 &&
	          s == r + 8 * PG);
	rt_vm_commit(vm, r, 2 * PG, CAPOS_PROTECTION_READ_WRITE);
	fill(r, 2, 0x3333);
	check("commit past the reservation's end is invalidArgument",
	      rt_vm_commit(vm, r + 6 * PG, 6 * PG,
	                   CAPOS_PROTECTION_READ_WRITE) == INVALID &&
	          uncommitted(r + 6 * PG) && uncommitted(s));
	check("commit outside any reservation is invalidArgument",
	      rt_vm_commit(vm, s + 4 * PG, PG, CAPOS_PROTECTION_READ_WRITE) ==
	          INVALID);
	check("commit at an unaligned address is invalidArgument",
	      rt_vm_commit(vm, r + 2 * PG + 8, PG,
	                   CAPOS_PROTECTION_READ_WRITE) == INVALID);
	check("commit of length 0 or unaligned is invalidArgument",
	      rt_vm_commit(vm, r + 2 * PG, 0, CAPOS_PROTECTION_READ_WRITE) ==
	              INVALID &&
	          rt_vm_commit(vm, r + 2 * PG, 10,
	                       CAPOS_PROTECTION_READ_WRITE) == INVALID);
	check("commit whose length wraps around is invalidArgument",
	      rt_vm_commit(vm, r + 2 * PG, 0xFFFFFFFFFFFFF000ull,
	                   CAPOS_PROTECTION_READ_WRITE) == INVALID);
	check("commit with an unknown protection is invalidArgument",
	      rt_vm_commit(vm, r + 2 * PG, PG, (enum capos_protection)7) ==
	              INVALID &&
	          uncommitted(r + 2 * PG) && holds(r, 2, 0x3333));
	check("decommit past the reservation's end is invalidArgument",
	      rt_vm_decommit(vm, r, 9 * PG) == INVALID && holds(r, 2, 0x3333));
	check("decommit over two reservations is invalidArgument",
	      rt_vm_decommit(vm, r, 12 * PG) == INVALID && holds(r, 2, 0x3333));
	check("decommit unaligned, empty or wrapping is invalidArgument",
	      rt_vm_decommit(vm, r + 8, PG) == INVALID &&
	          rt_vm_decommit(vm, r, 0) == INVALID &&
	          rt_vm_decommit(vm, r, PG + 8) == INVALID &&
	          rt_vm_decommit(vm, r + PG, 0xFFFFFFFFFFFFF000ull) ==
	              INVALID &&
	          holds(r, 2, 0x3333));
	check("decommit outside any reservation is invalidArgument",
	      rt_vm_decommit(vm, s + 4 * PG, PG) == INVALID);
	check("protect of uncommitted pages is invalidArgument",
	      rt_vm_protect(vm, r, 3 * PG, CAPOS_PROTECTION_READ) == INVALID &&
	          writable(r) && writable(r + PG));
	check("protect past the end, unaligned or empty is invalidArgument",
	      rt_vm_protect(vm, r, 9 * PG, CAPOS_PROTECTION_READ) == INVALID &&
	          rt_vm_protect(vm, r + 8, PG, CAPOS_PROTECTION_READ) ==
	              INVALID &&
	          rt_vm_protect(vm, r, 0, CAPOS_PROTECTION_READ) == INVALID &&
	          writable(r));
	check("protect with an unknown protection is invalidArgument",
	      rt_vm_protect(vm, r, PG, (enum capos_protection)9) == INVALID &&
	          writable(r));
	check("unmap over two reservations is invalidArgument",
	      rt_vm_unmap(vm, r, 12 * PG) == INVALID && holds(r, 2, 0x3333) &&
	          uncommitted(s));
	check("unmap unaligned, empty, wrapping or outside is invalidArgument",
	      rt_vm_unmap(vm, r + 8, PG) == INVALID &&
	          rt_vm_unmap(vm, r, 0) == INVALID &&
	          rt_vm_unmap(vm, r, PG - 1) == INVALID &&
	          rt_vm_unmap(vm, r, 0xFFFFFFFFFFFFF000ull) == INVALID &&
	          rt_vm_unmap(vm, s + 4 * PG, PG) == INVALID &&
	          holds(r, 2, 0x3333));
	/* Parts of a reservation: the middle splits it in two. */
	check("unmap the middle of a reservation",
	      rt_vm_unmap(vm, r + PG, 3 * PG) == 0 && holds(r, 1, 0x3333) &&
	          !readable(r + PG));
	check("the middle is free, both sides stay reserved",
	      rt_vm_commit(vm, r + 2 * PG, PG, CAPOS_PROTECTION_READ) ==
	              INVALID &&
	          rt_vm_reserve(vm, r + PG, 3 * PG, &s) == 0 &&
	          rt_vm_unmap(vm, r + PG, 3 * PG) == 0 &&
	          rt_vm_commit(vm, r + 4 * PG, 4 * PG, CAPOS_PROTECTION_READ) ==
	              0);
	check("unmap the front and the back of a reservation",
	      rt_vm_unmap(vm, r + 4 * PG, PG) == 0 &&
	          rt_vm_unmap(vm, r + 7 * PG, PG) == 0 &&
	          readable(r + 5 * PG) && !readable(r + 7 * PG) &&
	          rt_vm_commit(vm, r + 7 * PG, PG, CAPOS_PROTECTION_READ) ==
	              INVALID);
	check("the pieces unmap whole",
	      rt_vm_unmap(vm, r, PG) == 0 &&
	          rt_vm_unmap(vm, r + 5 * PG, 2 * PG) == 0 &&
	          rt_vm_unmap(vm, r + 8 * PG, 4 * PG) == 0 &&
	          rt_vm_reserve(vm, r, 12 * PG, &s) == 0 && s == r &&
	          rt_vm_unmap(vm, r, 12 * PG) == 0);
}

/* Commits CHUNK pages at a time into [r, ...) until the quota error;
 * returns the chunks that fitted, or -1 on any other answer. */
static int commit_until_quota(uint64_t r, uint64_t max_chunks)
{
	for (uint64_t i = 0; i < max_chunks; i++) {
		int rc = rt_vm_commit(vm, r + i * CHUNK * PG, CHUNK * PG,
		                      CAPOS_PROTECTION_READ_WRITE);

		if (rc == CAPOS_E_QUOTA)
			return (int)i;
		if (rc)
			return -1;
		*word(r + i * CHUNK * PG) = i + 1; /* touch: really there */
	}
	return -1;
}

static void quota(void)
{
	const uint64_t pages = 1ull << 18; /* 1 GiB: more than any quota */
	uint64_t r = 0, a = 0;
	uint64_t h = 0;
	int n1;
	char line[120];
	bool cycles_ok = true;

	check("reserve 1 GiB", rt_vm_reserve(vm, 0, pages * PG, &r) == 0);
	check("commit of all of it is the quota error",
	      rt_vm_commit(vm, r, pages * PG, CAPOS_PROTECTION_READ_WRITE) ==
	          CAPOS_E_QUOTA);
	check("the failed commit left nothing committed",
	      uncommitted(r) && uncommitted(r + (pages - 1) * PG));
	n1 = commit_until_quota(r, pages / CHUNK);
	check("commit in chunks until the quota error", n1 > 0);
	check("the chunk that failed left nothing committed",
	      n1 > 0 && uncommitted(r + (uint64_t)n1 * CHUNK * PG) &&
	          uncommitted(r + ((uint64_t)n1 + 1) * CHUNK * PG - PG));
	check("decommit gives every frame back: the same chunks fit again",
	      rt_vm_decommit(vm, r, pages * PG) == 0 &&
	          commit_until_quota(r, pages / CHUNK) == n1);
	format_snprintf(line, sizeof(line),
	                "vmtest: quota reached after %d chunks of %u pages, "
	                "twice",
	                n1, CHUNK);
	say(line);
	rt_vm_decommit(vm, r, pages * PG);
	for (int i = 0; i < 3 && cycles_ok; i++) {
		cycles_ok = rt_vm_commit(vm, r, (uint64_t)n1 * CHUNK * PG,
		                         CAPOS_PROTECTION_READ_WRITE) == 0 &&
		            rt_vm_decommit(vm, r, pages * PG) == 0;
	}
	check("3 more cycles of commit and decommit up to the quota",
	      cycles_ok);
	/* A free place for the map below: reserved once, given back. */
	rt_vm_reserve(vm, 0, 2 * CHUNK * PG, &h);
	rt_vm_unmap(vm, h, 2 * CHUNK * PG);
	check("map over the quota is the quota error and reserves nothing",
	      rt_vm_commit(vm, r, (uint64_t)n1 * CHUNK * PG,
	                   CAPOS_PROTECTION_READ_WRITE) == 0 &&
	          rt_vm_map(vm, h, 2 * CHUNK * PG, CAPOS_PROTECTION_READ_WRITE,
	                    &a) == CAPOS_E_QUOTA &&
	          rt_vm_decommit(vm, r, pages * PG) == 0 &&
	          rt_vm_reserve(vm, h, 2 * CHUNK * PG, &a) == 0 && a == h &&
	          rt_vm_unmap(vm, h, 2 * CHUNK * PG) == 0);
	check("unmap of the 1 GiB reservation",
	      rt_vm_unmap(vm, r, pages * PG) == 0);
	check("after the quota error the program still works",
	      rt_vm_map(vm, 0, 2 * PG, CAPOS_PROTECTION_READ_WRITE, &a) == 0 &&
	          (fill(a, 2, 0x4444), holds(a, 2, 0x4444)) &&
	          rt_vm_unmap(vm, a, 2 * PG) == 0);
}

static void memory_objects(void)
{
	capos_cap_t mem = 0;
	uint64_t a = 0, b = 0, r = 0;

	if (!frames) {
		check("frames granted", false);
		return;
	}
	check("alloc and map a 2-page MemoryObject read-write",
	      rt_frames_alloc(frames, 2, false, &mem) == 0 &&
	          rt_memory_map(mem, 0, 0, 2 * PG, RT_PROT_READ_WRITE, &a) ==
	              0);
	fill(a, 2, 0x5555);
	check("MemoryObject.protect to read",
	      rt_memory_protect(mem, a, PG, CAPOS_PROTECTION_READ) == 0 &&
	          !writable(a) && readable(a) && writable(a + PG) &&
	          holds(a, 2, 0x5555));
	check("MemoryObject.protect to none, then back to read-write",
	      rt_memory_protect(mem, a, 2 * PG, CAPOS_PROTECTION_NONE) == 0 &&
	          !readable(a) && !readable(a + PG) &&
	          rt_memory_protect(mem, a, 2 * PG,
	                            CAPOS_PROTECTION_READ_WRITE) == 0 &&
	          writable(a) && holds(a, 2, 0x5555));
	check("MemoryObject.protect above maxProt is invalidArgument",
	      rt_memory_protect(mem, a, PG, CAPOS_PROTECTION_READ_EXECUTE) ==
	              INVALID &&
	          rt_memory_protect(mem, a, PG, RWX) == INVALID && writable(a));
	check("MemoryObject.protect outside its mapping is invalidArgument",
	      rt_memory_protect(mem, a, 3 * PG, CAPOS_PROTECTION_READ) ==
	              INVALID &&
	          rt_memory_protect(mem, a + 8, PG, CAPOS_PROTECTION_READ) ==
	              INVALID &&
	          rt_memory_protect(mem, a, 0, CAPOS_PROTECTION_READ) ==
	              INVALID &&
	          rt_memory_protect(mem, a - PG, PG, CAPOS_PROTECTION_READ) ==
	              INVALID &&
	          writable(a) && writable(a + PG));
	check("a reservation is not another object's mapping",
	      rt_vm_reserve(vm, 0, PG, &r) == 0 &&
	          rt_memory_protect(mem, r, PG, CAPOS_PROTECTION_READ) ==
	              INVALID &&
	          rt_vm_protect(vm, a, PG, CAPOS_PROTECTION_READ) == INVALID &&
	          writable(a));
	check("a MemoryObject cannot be mapped over a reservation",
	      rt_memory_map(mem, r, 0, PG, RT_PROT_READ_WRITE, &b) != 0 &&
	          !readable(r));
	check("a reservation cannot be made over a MemoryObject mapping",
	      rt_vm_reserve(vm, a, PG, &b) == INVALID &&
	          rt_vm_map(vm, a + PG, PG, CAPOS_PROTECTION_READ_WRITE, &b) ==
	              INVALID &&
	          holds(a, 2, 0x5555));
	rt_vm_unmap(vm, r, PG);
	check("MemoryObject.unmap with an unaligned length is refused and "
	      "keeps the mapping",
	      rt_memory_unmap(mem, a, 2 * PG + 1) != 0 && holds(a, 2, 0x5555));
	check("MemoryObject.unmap",
	      rt_memory_unmap(mem, a, 2 * PG) == 0 && !readable(a));
	rt_release_now(mem);
}

/* Reservations, committed pages and guards left for the kernel to take
 * apart at exit (tests/system/vmtest-leak.test counts what comes back). */
static void leave_behind(void)
{
	uint64_t r = 0, m = 0;

	check(
	    "leave a split reservation with committed pages and a guard",
	    rt_vm_reserve(vm, 0, 8 * PG, &r) == 0 &&
	        rt_vm_commit(vm, r, 8 * PG, CAPOS_PROTECTION_READ_WRITE) == 0 &&
	        rt_vm_unmap(vm, r + 2 * PG, PG) == 0 &&
	        rt_vm_protect(vm, r + 4 * PG, PG, CAPOS_PROTECTION_NONE) == 0 &&
	        rt_vm_map(vm, 0, 3 * PG, CAPOS_PROTECTION_READ, &m) == 0);
}

int main(void)
{
	char line[80];

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	vm = rt_capset_find("vm", RT_IFACE_VIRTUAL_MEMORY);
	frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	if (!con)
		return 100;
	if (!vm) {
		say("vmtest: no VirtualMemory capability");
		return 101;
	}
	basics();
	protections();
	bad_reserve((uint64_t)&main);
	bad_ranges();
	memory_objects();
	quota();
	leave_behind();
	format_snprintf(line, sizeof(line), "vmtest: %d passed, %d failed",
	                passed, failed);
	say(line);
	return failed;
}
