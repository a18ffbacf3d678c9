/*
 * probe.S - one system call with every general register set to a known
 * pattern, and every register recorded right after it, for main.c to
 * check against the ABI (docs/abi.md "System calls").
 */
#define PAT(n) (0x5a5a5a5a00000000 + (n))

	.bss
	.balign 8
	.global regs_out, regs_rsp, regs_flags
regs_out:	.skip 16 * 8	/* rax rbx rcx rdx rsi rdi rbp r8-r15 rsp */
regs_rsp:	.skip 8		/* rsp at the syscall */
regs_flags:	.skip 8		/* rflags at the syscall */

	.text
/* long regs_probe(long nr, long a0, long a1): results in regs_out. */
	.global regs_probe, regs_after
regs_probe:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	movabs	$PAT(1), %rbx
	movabs	$PAT(2), %rcx
	movabs	$PAT(3), %rdx
	movabs	$PAT(6), %rbp
	movabs	$PAT(7), %r8
	movabs	$PAT(8), %r9
	movabs	$PAT(9), %r10
	movabs	$PAT(10), %r11
	movabs	$PAT(11), %r12
	movabs	$PAT(12), %r13
	movabs	$PAT(13), %r14
	movabs	$PAT(14), %r15
	mov	%rsp, regs_rsp(%rip)
	pushfq
	popq	regs_flags(%rip)
	syscall
regs_after:
	mov	%rax, regs_out + 0(%rip)
	mov	%rbx, regs_out + 8(%rip)
	mov	%rcx, regs_out + 16(%rip)
	mov	%rdx, regs_out + 24(%rip)
	mov	%rsi, regs_out + 32(%rip)
	mov	%rdi, regs_out + 40(%rip)
	mov	%rbp, regs_out + 48(%rip)
	mov	%r8, regs_out + 56(%rip)
	mov	%r9, regs_out + 64(%rip)
	mov	%r10, regs_out + 72(%rip)
	mov	%r11, regs_out + 80(%rip)
	mov	%r12, regs_out + 88(%rip)
	mov	%r13, regs_out + 96(%rip)
	mov	%r14, regs_out + 104(%rip)
	mov	%r15, regs_out + 112(%rip)
	mov	%rsp, regs_out + 120(%rip)
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
