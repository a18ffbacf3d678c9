/*
 * crash.c - deliberate kernel failures, selected at boot with
 * crash=<kind>, so the system tests can prove that each ends in a
 * readable report and a clean halt rather than a hang or a reboot.
 */
#include <kernel/crash.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <string.h>

static int overflow_stack(int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	if (depth > 1000000) /* never reached: the guard page is */
		return 0;
	return overflow_stack(depth + 1) + frame[0];
}

static void write_after_free(void)
{
	uint8_t *p = kmalloc(100);

	kfree(p);
	p[10] = 1;
	kfree(kmalloc(100)); /* the allocator sees the damage here */
}

static void double_free(void)
{
	void *p = kmalloc(100);

	kfree(p);
	kfree(p);
}

void crash_run(const char *kind)
{
	kprintf("crash: provoking '%s'\n", kind);
	if (!strcmp(kind, "panic"))
		panic("deliberate panic (crash=panic)");
	if (!strcmp(kind, "pagefault"))
		*(volatile uint64_t *)0xDEAD000 = 1;
	if (!strcmp(kind, "ud"))
		__builtin_trap();
	if (!strcmp(kind, "stack"))
		overflow_stack(0);
	if (!strcmp(kind, "heap-uaf"))
		write_after_free();
	if (!strcmp(kind, "double-free"))
		double_free();
	panic("crash: unknown kind '%s' or it did not crash", kind);
}
