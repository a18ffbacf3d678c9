/*
 * vmfault - touches memory it may not touch, so the CPU faults and the
 * kernel kills it (tests/system/vmfault.test). One fault per process, so
 * the test starts it several times; until programs get arguments, the
 * capability it gets besides console and vm picks what it tries:
 *
 *   (none)   read a page that is reserved but not committed
 *   timer    write a page protected to read
 *   thread   read a page protected to none (a guard)
 *   boot     read a page after decommit
 *   frames   write a MemoryObject mapping protected to read
 *
 * Before the access it prints what it will do and where; if it is still
 * alive afterwards it says so (the test rejects that line).
 */
#include <format.h>
#include <capos/rt.h>
#include <capos/rt_memory.h>

#define PG 4096ull

static capos_cap_t con;

static void say(const char *what, uint64_t addr)
{
	char line[120];

	format_snprintf(line, sizeof(line), "vmfault: about to %s at %#lx",
	                what, (unsigned long)addr);
	rt_console_write_line(con, line);
}

/* Maps one read-write page, writes it, and protects it to prot. */
static uint64_t page_with(capos_cap_t vm, enum capos_protection prot)
{
	uint64_t a = 0;

	if (rt_vm_map(vm, 0, PG, CAPOS_PROTECTION_READ_WRITE, &a) ||
	    (*(volatile uint64_t *)a = 42, rt_vm_protect(vm, a, PG, prot) != 0))
		return 0;
	return a;
}

int main(void)
{
	capos_cap_t vm = rt_capset_find("vm", RT_IFACE_VIRTUAL_MEMORY);
	capos_cap_t frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	capos_cap_t mem = 0;
	uint64_t a = 0;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	if (!con || !vm)
		return 2;
	if (rt_capset_find("timer", RT_IFACE_TIMER)) {
		a = page_with(vm, CAPOS_PROTECTION_READ);
		if (!a || *(volatile uint64_t *)a != 42)
			return 3;
		say("write a read-only page", a);
		*(volatile uint64_t *)a = 1;
	} else if (rt_capset_find("thread", RT_IFACE_THREAD_CONTROL)) {
		a = page_with(vm, CAPOS_PROTECTION_NONE);
		if (!a)
			return 3;
		say("read a guard page", a);
		(void)*(volatile uint64_t *)a;
	} else if (rt_capset_find("boot", CAPOS_BOOT_PACKAGE_INTERFACE_ID)) {
		if (rt_vm_map(vm, 0, PG, CAPOS_PROTECTION_READ_WRITE, &a))
			return 3;
		*(volatile uint64_t *)a = 42;
		if (rt_vm_decommit(vm, a, PG))
			return 3;
		say("read a decommitted page", a);
		(void)*(volatile uint64_t *)a;
	} else if (frames) {
		if (rt_frames_alloc(frames, 1, false, &mem) ||
		    rt_memory_map(mem, 0, 0, PG, RT_PROT_READ_WRITE, &a) ||
		    rt_memory_protect(mem, a, PG, CAPOS_PROTECTION_READ))
			return 3;
		say("write a MemoryObject page protected to read", a);
		*(volatile uint64_t *)a = 1;
	} else {
		if (rt_vm_reserve(vm, 0, PG, &a))
			return 3;
		say("read a reserved, uncommitted page", a);
		(void)*(volatile uint64_t *)a;
	}
	rt_console_write_line(con, "vmfault: still alive");
	return 1;
}
