/*
 * isr.S - interrupt entry stubs for all 256 vectors.
 *
 * Each stub makes the stack look the same whatever the vector: a zero
 * error code where the CPU pushes none, then the vector number. The common
 * path saves every general register into a struct trap_frame (trap.h) and
 * calls trap_dispatch(frame).
 */
#include "frame.inc"

	.text


.macro isr_stub v
	.balign 16
isr_stub_\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq	$0
	.endif
	pushq	$\v
	jmp	isr_common
.endm

.altmacro
.set vec, 0
.rept 256
	isr_stub %vec
	.set vec, vec + 1
.endr

isr_common:
	/* From user mode (CS RPL 3 at 24(%rsp)): switch to the kernel's GS. */
	testb	$3, 24(%rsp)
	jz	1f
	swapgs
1:	push_gprs
	cld
	mov	%rsp, %rdi
	call	trap_dispatch
	pop_gprs
	add	$16, %rsp
	testb	$3, 8(%rsp)
	jz	2f
	swapgs
2:	iretq

.macro isr_entry v
	.quad isr_stub_\v
.endm

	.section .rodata
	.balign 8
	.global isr_stub_table
isr_stub_table:
.set vec, 0
.rept 256
	isr_entry %vec
	.set vec, vec + 1
.endr
