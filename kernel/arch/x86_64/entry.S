/*
 * entry.S - the ways into and out of the kernel besides interrupts:
 * the syscall instruction, the first entry of a thread into user mode,
 * and the kernel-stack switch between threads.
 */
#include "gdt.h"

#define CPU_KERNEL_RSP	8
#define CPU_USER_RSP	16

#include "frame.inc"

	.text

/*
 * syscall: rip in rcx, rflags in r11, interrupts masked by SFMASK.
 * Builds a struct trap_frame on the thread's kernel stack (vector 256
 * marks a system call) so the rest of the kernel sees one frame shape.
 * The big kernel lock is taken inside only if the call needs it
 * (kernel/biglock.h); it is given back after interrupts are off again
 * on the way out.
 */
	.global syscall_entry
syscall_entry:
	swapgs
	mov	%rsp, %gs:CPU_USER_RSP
	mov	%gs:CPU_KERNEL_RSP, %rsp
	pushq	$(GDT_UDATA | 3)
	pushq	%gs:CPU_USER_RSP
	pushq	%r11
	pushq	$(GDT_UCODE | 3)
	pushq	%rcx
	pushq	$0
	pushq	$256
	push_gprs
	xor	%ebp, %ebp
	mov	%rsp, %rdi
	sti
	call	syscall_dispatch
	cli
	call	kernel_lock_leave
	pop_gprs
	add	$16, %rsp
	popq	%rcx		/* user rip */
	add	$8, %rsp
	popq	%r11		/* user rflags */
	popq	%rsp		/* user rsp; the ss slot is left behind */
	swapgs
	sysretq

/*
 * void arch_context_switch(uint64_t *save_rsp, uint64_t new_rsp)
 * Saves the callee-saved registers on the current stack, parks its
 * pointer in *save_rsp, and resumes the thread whose stack is new_rsp.
 */
	.global arch_context_switch
arch_context_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* A new thread's first switch lands here: rbx = fn, r12 = arg. */
	.global arch_thread_trampoline
arch_thread_trampoline:
	call	sched_first_run
	mov	%r12, %rdi
	xor	%ebp, %ebp
	call	*%rbx
	call	sched_exit_current
1:	hlt
	jmp	1b

/*
 * void arch_enter_user(entry, stack, a0, a1, a2): the first entry of a
 * thread into user mode. No register but the three arguments carries
 * anything: the kernel's values must not leak.
 */
	.global arch_enter_user
arch_enter_user:
	cli
	pushq	$(GDT_UDATA | 3)
	pushq	%rsi
	pushq	$0x202
	pushq	$(GDT_UCODE | 3)
	pushq	%rdi
	mov	%rdx, %rdi
	mov	%rcx, %rsi
	mov	%r8, %rdx
	xor	%eax, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	swapgs
	iretq
