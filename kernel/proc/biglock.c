/*
 * biglock.c - the big kernel lock (kernel/biglock.h): one spinlock,
 * and the ways in and out of the kernel that take it on demand.
 */
#include <kernel/arch.h>
#include <kernel/biglock.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

struct spinlock kernel_big_lock = SPINLOCK_INIT("kernel");

/* kernel_lock_ensure's slow half: this CPU does not hold the lock. */
void kernel_lock_take(void)
{
	uint64_t s = arch_irq_save();

	kernel_lock();
	arch_irq_restore(s);
}

void kernel_lock_leave(void)
{
	if (kernel_lock_held())
		kernel_unlock();
}

bool kernel_lock_trap_enter(void)
{
	if (kernel_lock_held())
		return false;
	kernel_lock();
	return true;
}

void kernel_lock_trap_exit(bool taken)
{
	if (taken)
		kernel_unlock();
}
