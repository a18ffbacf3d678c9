/*
 * ap_trampoline.S - where an application processor starts: real mode at
 * the startup IPI's page, to protected mode, to long mode, to the kernel.
 *
 * The code below is not run where it is linked: smp.c copies it, with its
 * data block filled in, to the fixed low page AP_TRAMPOLINE_PHYS (a SIPI
 * can only name a page below 1 MiB), so every address inside it is
 * computed against that page (TR()). Paging starts on small tables smp.c
 * builds next to it: the kernel's upper half plus an identity map of the
 * first 2 MiB, which keeps this code reachable the moment paging is on.
 * ap_entry64, in the kernel's own text, then switches to the kernel's
 * page tables and calls ap_main(cpu index) on the AP's own stack.
 */
#include "smp.h"

#define TR(x) (AP_TRAMPOLINE_PHYS + (x) - ap_trampoline_start)

	.section .rodata.ap_trampoline, "a"
	.global ap_trampoline_start, ap_trampoline_data, ap_trampoline_end
	.balign 16
	.code16
ap_trampoline_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TR(tramp_gdtr)
	movl	%cr0, %eax
	orl	$1, %eax		/* PE */
	movl	%eax, %cr0
	ljmpl	$0x08, $TR(tramp32)

	.code32
tramp32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$(1 << 5), %eax		/* PAE */
	movl	%eax, %cr4
	movl	TR(td_cr3), %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx	/* EFER: LME, and NXE if the BSP has it */
	rdmsr
	orl	TR(td_efer), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax	/* PG, WP, PE */
	movl	%eax, %cr0
	ljmpl	$0x18, $TR(tramp64)

	.code64
tramp64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	TR(td_stack), %rsp
	movq	TR(td_cpu), %rdi
	movq	TR(td_kernel_cr3), %rcx
	movq	TR(td_entry), %rax
	jmp	*%rax

	/* Filled in by smp.c before each start (struct ap_trampoline_data). */
	.balign 8
ap_trampoline_data:
td_cr3:		.long 0
td_efer:	.long 0
td_kernel_cr3:	.quad 0
td_stack:	.quad 0
td_cpu:		.quad 0
td_entry:	.quad 0
tramp_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF	/* 0x08: 32-bit code */
	.quad 0x00CF92000000FFFF	/* 0x10: data */
	.quad 0x00AF9A000000FFFF	/* 0x18: 64-bit code */
tramp_gdtr:
	.short 4 * 8 - 1
	.long TR(tramp_gdt)
ap_trampoline_end:

	/* Runs in the kernel's text, still on the trampoline's tables. */
	.text
	.global ap_entry64
ap_entry64:
	movq	%rcx, %cr3
	xorl	%ebp, %ebp
	call	ap_main
1:	cli
	hlt
	jmp	1b
