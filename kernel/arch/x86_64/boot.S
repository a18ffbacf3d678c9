/*
 * boot.S - from GRUB's Multiboot2 hand-off (32-bit protected mode, paging
 * off) to the 64-bit higher-half C kernel.
 *
 * The boot page tables map the first 4 GiB three times with 2 MiB pages:
 * identity (for the jump), the direct map at 0xFFFF800000000000 (so early
 * C code reads the Multiboot2 information and modules), and the kernel
 * window at 0xFFFFFFFF80000000. paging.c replaces them with
 * tables that give each kernel section its own permissions.
 */
#include <capos/boot_layout.h>

#define MB2_MAGIC	0xE85250D6
#define MB2_ARCH_I386	0

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* information request: cmdline(1), modules(3), mmap(6), ACPI(14,15) */
	.balign 8
	.short 1, 0
	.long 8 + 4 * 5
	.long 1, 3, 6, 14, 15
	.balign 8
	/* modules page aligned (tag 6) */
	.short 6, 0
	.long 8
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.data, "aw"
	.balign 4096
boot_pml4:	.space 4096
boot_pdpt_low:	.space 4096	/* 0..4 GiB, shared by identity and direct map */
boot_pdpt_high:	.space 4096	/* -2 GiB window */
boot_pd:	.space 4096 * 4
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF	/* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF	/* 0x10: data */
boot_gdt_end:
boot_gdtr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
boot_mb_magic:	.long 0
boot_mb_info:	.long 0

	.section .boot.text, "ax"
	.code32
	.global boot_entry32
boot_entry32:
	cli
	cld
	mov	%eax, boot_mb_magic
	mov	%ebx, boot_mb_info

	/* Long mode needs CPUID leaf 0x80000001 bit 29; say so on COM1. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	no_long_mode

	/* 2048 2 MiB pages covering 0..4 GiB, present + writable + large. */
	mov	$boot_pd, %edi
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax
	mov	%eax, (%edi,%ecx,8)
	mov	%ecx, %eax
	shr	$11, %eax		/* high dword: bits 32+ of the address */
	mov	%eax, 4(%edi,%ecx,8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	1b

	/* PDPT low: four PDs. PDPT high: entry 510 -> first PD (0..1 GiB). */
	mov	$boot_pdpt_low, %edi
	mov	$boot_pd + 0x003, %eax
	mov	%eax, 0(%edi)
	add	$4096, %eax
	mov	%eax, 8(%edi)
	add	$4096, %eax
	mov	%eax, 16(%edi)
	add	$4096, %eax
	mov	%eax, 24(%edi)
	mov	$boot_pd + 0x003, %eax
	mov	%eax, boot_pdpt_high + 510 * 8

	mov	$boot_pdpt_low + 0x003, %eax
	mov	%eax, boot_pml4 + 0 * 8
	mov	%eax, boot_pml4 + 256 * 8
	mov	$boot_pdpt_high + 0x003, %eax
	mov	%eax, boot_pml4 + 511 * 8

	/* CR4.PAE, CR3, EFER.LME (+NXE if present), CR0.PG|WP. */
	mov	%cr4, %eax
	or	$(1 << 5), %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$0x80000001, %eax
	cpuid
	mov	%edx, %esi
	mov	$0xC0000080, %ecx
	rdmsr
	or	$(1 << 8), %eax
	bt	$20, %esi
	jnc	2f
	or	$(1 << 11), %eax
2:	wrmsr
	mov	%cr0, %eax
	or	$0x80010001, %eax
	mov	%eax, %cr0

	lgdt	boot_gdtr
	ljmp	$0x08, $boot_entry64

no_long_mode:
	mov	$no_lm_msg, %esi
3:	lodsb
	test	%al, %al
	jz	4f
	mov	$0x3F8, %dx
	out	%al, %dx
	jmp	3b
4:	hlt
	jmp	4b
no_lm_msg:
	.asciz "capOS: this CPU has no long mode; halted.\r\n"

	.code64
boot_entry64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%ax, %ax
	mov	%ax, %fs
	mov	%ax, %gs
	movabs	$boot_stack_top, %rsp
	xor	%ebp, %ebp
	mov	boot_mb_magic, %edi
	mov	boot_mb_info, %esi
	movabs	$kmain, %rax
	call	*%rax
5:	cli
	hlt
	jmp	5b

	/* The boot stack, with a guard page below it that paging.c leaves
	 * unmapped: an overflow faults (and lands on the IST stack) instead of
	 * silently overwriting .bss. */
	.section .bss
	.balign 4096
	.global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
	.space 4096
boot_stack_bottom:
	.space BOOT_STACK_SIZE
boot_stack_top:
