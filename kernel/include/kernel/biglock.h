/*
 * biglock.h - the big kernel lock (kernel/proc/biglock.c).
 *
 * Kernel code that touches shared state runs on one CPU at a time; user
 * code, and the kernel's lock-free paths, on all of them. The lock
 * belongs to a CPU, not a thread: it is taken on the way in from user
 * mode (interrupts, exceptions, the exit system call, and cap_enter as
 * soon as an SQE needs it), kept across thread switches inside the
 * kernel (the next thread goes on with it) and given back on the way
 * out to user mode or when a CPU halts in its idle loop. cap_enter's
 * ring work for NOPs and for calls to lock-free methods of static
 * objects runs without it (kernel/cap/ring.c). docs/threads.md has the
 * rules and the locks that nest inside it.
 */
#ifndef CAPOS_KERNEL_BIGLOCK_H
#define CAPOS_KERNEL_BIGLOCK_H

#include <stdbool.h>
#include <kernel/spinlock.h>

extern struct spinlock kernel_big_lock;

/* Takes the lock. Interrupts must be off; this CPU must not hold it. */
static inline __attribute__((always_inline)) void kernel_lock(void)
{
	spin_lock(&kernel_big_lock);
}

/* Gives it back. Interrupts must be off; this CPU must hold it. */
static inline __attribute__((always_inline)) void kernel_unlock(void)
{
	spin_unlock(&kernel_big_lock);
}

/* Returns true if this CPU holds the lock. */
static inline bool kernel_lock_held(void)
{
	return spin_held(&kernel_big_lock);
}

void kernel_lock_take(void);

/* Takes the lock unless this CPU holds it already; interrupts may be on
 * (they are off while it waits). For paths that start without it; the
 * check is inline since most calls find it held. */
static inline void kernel_lock_ensure(void)
{
	if (!kernel_lock_held()) /* only this CPU can change the answer */
		kernel_lock_take();
}

/* On the way out to user mode (interrupts off): gives the lock back if
 * this CPU holds it. */
void kernel_lock_leave(void);

/*
 * For interrupt and exception entry (interrupts are off): takes the lock
 * unless this CPU already holds it (the interrupted kernel code does).
 * Returns true if it took it, for kernel_lock_trap_exit.
 */
bool kernel_lock_trap_enter(void);
void kernel_lock_trap_exit(bool taken);

#endif
