/*
 * probe.S - memory accesses that may fault, for the paging self-tests.
 *
 * Each probe records where to resume; trap.c, seeing a fault while a probe
 * is armed, resumes there with the probe's stack pointer, and the probe
 * returns 1. No fault: it returns 0.
 */
	.text

.macro probe_begin
	mov	%rsp, probe_rsp(%rip)
	lea	probe_faulted(%rip), %rax
	mov	%rax, probe_resume(%rip)
	movb	$1, probe_armed(%rip)
.endm

	.global arch_probe_read
arch_probe_read:
	probe_begin
	movb	(%rdi), %al
	jmp	probe_ok

	.global arch_probe_write
arch_probe_write:
	probe_begin
	movb	(%rdi), %al
	movb	%al, (%rdi)
	jmp	probe_ok

	.global arch_probe_exec
arch_probe_exec:
	probe_begin
	call	*%rdi
	jmp	probe_ok

probe_ok:
	movb	$0, probe_armed(%rip)
	xor	%eax, %eax
	ret

probe_faulted:
	movb	$0, probe_armed(%rip)
	mov	$1, %eax
	ret

	.bss
	.global probe_armed, probe_rsp, probe_resume
probe_armed:	.byte 0
	.balign 8
probe_rsp:	.quad 0
probe_resume:	.quad 0
