/*
 * smp.h - the application processor trampoline's fixed low pages and
 * the data block it reads (x86_64 only; shared with ap_trampoline.S).
 *
 * The first MiB never enters the frame allocator (kernel/mm/frames.c),
 * so these pages are free for the trampoline once smp.c has checked that
 * the Multiboot2 memory map calls them available RAM.
 */
#ifndef CAPOS_ARCH_SMP_H
#define CAPOS_ARCH_SMP_H

#define AP_TRAMPOLINE_PHYS 0x8000 /* code and data; SIPI vector 0x08 */
#define AP_TRAMPOLINE_PML4 0x9000 /* start-up page tables: PML4, */
#define AP_TRAMPOLINE_PDPT 0xA000 /* PDPT and PD identity-mapping */
#define AP_TRAMPOLINE_PD   0xB000 /* the first 2 MiB */
#define AP_TRAMPOLINE_END  0xC000

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Matches ap_trampoline_data in ap_trampoline.S, field for field. */
struct ap_trampoline_data {
	uint32_t cr3;        /* AP_TRAMPOLINE_PML4 */
	uint32_t efer;       /* EFER bits to set: LME, NXE */
	uint64_t kernel_cr3; /* the kernel's PML4, loaded in ap_entry64 */
	uint64_t stack;      /* top of this AP's stack */
	uint64_t cpu;        /* this AP's index, ap_main's argument */
	uint64_t entry;      /* ap_entry64 */
};

extern const char ap_trampoline_start[], ap_trampoline_data[],
    ap_trampoline_end[];
extern void ap_entry64(void);

/* Where an AP arrives in C, from ap_entry64; never returns. */
__attribute__((noreturn)) void ap_main(uint64_t index);
#endif

#endif
