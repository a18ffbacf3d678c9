/*
 * syscall.c - the two system calls, from the frame entry.S built.
 *
 * Exactly two numbers mean anything; every other number returns
 * CAPOS_E_BAD_SYSCALL and changes nothing.
 */
#include <capos/errors.h>
#include <capos/syscall.h>
#include <kernel/biglock.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/thread.h>
#include "trap.h"

void syscall_dispatch(struct trap_frame *tf);

void syscall_dispatch(struct trap_frame *tf)
{
	struct thread *t = current_thread();

	switch (tf->rax) {
	case CAPOS_SYS_CAP_ENTER:
		tf->rax = (uint64_t)ring_enter(t, tf->rdi, tf->rsi);
		break;
	case CAPOS_SYS_EXIT:
		kernel_lock_ensure();
		process_exit((int64_t)tf->rdi);
	default:
		tf->rax = (uint64_t)(int64_t)CAPOS_E_BAD_SYSCALL;
		break;
	}
	/* sysret would fault in ring 0 on a non-canonical return address. */
	if (tf->rip >= USER_SPACE_END) {
		kernel_lock_ensure();
		process_kill(t->proc, EXIT_FAULT, -1);
	}
	sched_return_to_user();
}
