/*
 * start.S - firstinsn's whole program: its first instructions read the
 * TSC and exit with its low 32 bits as the exit code, so a parent that
 * read the TSC just before spawning gets spawn-to-first-instruction
 * (user/bench). It replaces the runtime's _start; nothing else runs.
 */
	.section .text.start, "ax"
	.global _start
_start:
	rdtsc
	mov	%eax, %edi	/* exit(code): the low half is enough */
	mov	$1, %eax	/* system call 1: exit */
	syscall
	ud2

/* The loader refuses empty segments; user.ld always emits these two. */
	.section .rodata
	.asciz "firstinsn"
	.data
	.quad 0
