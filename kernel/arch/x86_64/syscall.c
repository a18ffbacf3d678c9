/*
 * syscall.c - the system calls besides cap_enter, called from
 * syscall_entry (entry.S), which calls cap_enter (ring_enter in
 * kernel/cap/ring_enter.c) itself.
 *
 * Exactly two numbers mean anything; every other number returns
 * CAPOS_E_BAD_SYSCALL and changes nothing. entry.S saves no trap frame:
 * the arguments come in as C arguments, the result goes back in rax.
 * Like ring_enter, these are entered with interrupts off and return
 * with them off and without the big lock, ready for sysret.
 */
#include <capos/errors.h>
#include <capos/syscall.h>
#include <kernel/arch.h>
#include <kernel/biglock.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

long syscall_other(uint64_t a0, uint64_t a1, uint64_t nr);
__attribute__((noreturn)) void syscall_bad_rip(void);

long syscall_other(uint64_t a0, uint64_t a1, uint64_t nr)
{
	(void)a1;
	if (nr == CAPOS_SYS_EXIT) {
		arch_irq_enable();
		kernel_lock_ensure();
		process_exit((int64_t)a0);
	}
	sched_return_to_user();
	kernel_lock_leave();
	return CAPOS_E_BAD_SYSCALL;
}

/* sysret would fault in ring 0 on the non-canonical return address of a
 * syscall at the very top of the user half: that process ends. Entered
 * with interrupts on. */
void syscall_bad_rip(void)
{
	kernel_lock_ensure();
	process_kill(current_thread()->proc, EXIT_FAULT, -1);
	sched_return_to_user();
	panic("syscall: a killed thread returned to user mode");
}
