/*
 * gdt.h - segment selectors and IST slots (x86_64 only).
 */
#ifndef CAPOS_ARCH_GDT_H
#define CAPOS_ARCH_GDT_H

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x18 /* used with RPL 3 */
#define GDT_UCODE 0x20 /* used with RPL 3 */
#define GDT_TSS   0x28

/* IST slots (1-based in the IDT, 0-based in the TSS array). */
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3
#define IST_COUNT         3

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The boot CPU's GDT, TSS and IST stacks (static storage). */
void gdt_init(void);
/* An application processor's: `tables` is gdt_cpu_tables_size() bytes,
 * 16-byte aligned, owned by that CPU for good. */
size_t gdt_cpu_tables_size(void);
void gdt_init_cpu(void *tables);
/* The boot CPU's TSS, and the one in an AP's tables. */
void *gdt_boot_tss(void);
void *gdt_tables_tss(void *tables);
/* Where the CPU owning cpu_tss enters the kernel from user mode: its
 * TSS's rsp0, at TSS_RSP0 (gdt.c checks it; unaligned, as the TSS
 * layout has it). Inline: every switch to another thread sets it. */
#define TSS_RSP0 4
static inline void tss_set_kernel_stack(void *cpu_tss, uint64_t top)
{
	__builtin_memcpy((uint8_t *)cpu_tss + TSS_RSP0, &top, sizeof(top));
}
bool ist_stack_contains(uint64_t addr);
#endif

#endif
