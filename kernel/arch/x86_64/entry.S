/*
 * entry.S - the ways into and out of the kernel besides interrupts:
 * the syscall instruction, the first entry of a thread into user mode,
 * and the kernel-stack switch between threads.
 */
#include "gdt.h"

#define CPU_KERNEL_RSP	8
#define CPU_USER_RSP	16

	.text

/*
 * syscall: rip in rcx, rflags in r11, interrupts masked by SFMASK.
 * Saves only what the C code below does not: the user's rsp, rip,
 * rflags and rbp (rbp is zeroed so kernel backtraces end here; C keeps
 * rbx and r12-r15 itself). The ABI (docs/abi.md) lets a system call
 * clobber the other System V caller-saved registers; they are zeroed
 * on the way out so no kernel value reaches user mode. Interrupts stay
 * off (SFMASK) into the C side, which turns them on only to wait or for
 * long work, and returns with them off and without the big lock.
 */
	.global syscall_entry
syscall_entry:
	swapgs
	mov	%rsp, %gs:CPU_USER_RSP
	mov	%gs:CPU_KERNEL_RSP, %rsp
	pushq	%gs:CPU_USER_RSP
	pushq	%rcx		/* user rip */
	pushq	%r11		/* user rflags */
	pushq	%rbp
	xor	%ebp, %ebp
	/* sysret faults in ring 0 on a non-canonical rip: only a syscall
	 * in the last two bytes below the hole gets one. */
	bt	$47, %rcx
	jc	1f
	test	%rax, %rax
	jnz	2f
	call	ring_enter		/* (rdi, rsi): kernel/cap/ring_enter.c */
3:	popq	%rbp
	popq	%r11
	popq	%rcx
	popq	%rsp		/* user rsp */
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	swapgs
	sysretq
2:	mov	%rax, %rdx
	call	syscall_other		/* (rdi, rsi, nr): syscall.c */
	jmp	3b
1:	sti
	call	syscall_bad_rip		/* does not return */
	ud2

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
