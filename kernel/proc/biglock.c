/*
 * biglock.c - the big kernel lock (kernel/biglock.h): one spinlock,
 * with the asserts that keep its use honest.
 */
#include <kernel/arch.h>
#include <kernel/biglock.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

static struct spinlock big_lock = SPINLOCK_INIT("kernel");

void kernel_lock(void)
{
	spin_lock(&big_lock);
}

void kernel_unlock(void)
{
	spin_unlock(&big_lock);
}

bool kernel_lock_held(void)
{
	return spin_held(&big_lock);
}

bool kernel_lock_trap_enter(void)
{
	if (spin_held(&big_lock))
		return false;
	spin_lock(&big_lock);
	return true;
}

void kernel_lock_trap_exit(bool taken)
{
	if (taken)
		spin_unlock(&big_lock);
}
