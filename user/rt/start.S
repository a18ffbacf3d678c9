/*
 * start.S - a program's first instructions (ABI: docs/abi.md "Process
 * entry"): rdi = this thread's ring, rsi = thread id, rdx = CapSet page.
 * The stack is 16-byte aligned; no frame above this one.
 */
	.section .text.start, "ax"
	.global _start
_start:
	xor	%ebp, %ebp
	call	rt_start
	ud2

/* long capos_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
 * The kernel keeps the System V callee-saved registers and zeroes the
 * other argument registers (docs/abi.md), as a C callee may. */
	.text
	.global capos_cap_enter
capos_cap_enter:
	xor	%eax, %eax
	syscall
	ret

/* void capos_exit(int64_t code) */
	.global capos_exit
capos_exit:
	mov	$1, %eax
	syscall
	ud2

/* long capos_syscall_raw(long nr, long a0, long a1): tests only. */
	.global capos_syscall_raw
capos_syscall_raw:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	syscall
	ret

/* Every program has read-only data, so its rodata segment is never
 * empty (the loader refuses empty segments). */
	.section .rodata
	.global rt_program_tag
rt_program_tag:
	.asciz "capOS program"
