/*
 * biglock.h - the big kernel lock (kernel/proc/biglock.c).
 *
 * The first step of SMP: kernel code runs on one CPU at a time, user
 * code on all of them. The lock belongs to a CPU, not a thread: it is
 * taken on every way in from user mode (system call, interrupt,
 * exception), kept across thread switches inside the kernel (the next
 * thread goes on with it) and given back on the way out to user mode or
 * when a CPU halts in its idle loop. Everything the kernel kept correct
 * on one CPU by turning interrupts off stays correct, because no other
 * CPU is in the kernel at the same time. docs/threads.md has the rules
 * and the locks that nest inside it.
 */
#ifndef CAPOS_KERNEL_BIGLOCK_H
#define CAPOS_KERNEL_BIGLOCK_H

#include <stdbool.h>

/* Takes the lock. Interrupts must be off; this CPU must not hold it. */
void kernel_lock(void);
/* Gives it back. Interrupts must be off; this CPU must hold it. */
void kernel_unlock(void);
/* Returns true if this CPU holds the lock. */
bool kernel_lock_held(void);

/*
 * For interrupt and exception entry (interrupts are off): takes the lock
 * unless this CPU already holds it (the interrupted kernel code does).
 * Returns true if it took it, for kernel_lock_trap_exit.
 */
bool kernel_lock_trap_enter(void);
void kernel_lock_trap_exit(bool taken);

#endif
