/*
 * pt.h - x86_64 page table entries and walking, shared by the kernel's
 * tables (paging.c) and user address spaces (user_pages.c).
 */
#ifndef CAPOS_ARCH_PT_H
#define CAPOS_ARCH_PT_H

#include <stdbool.h>
#include <stdint.h>
#include <kernel/mm.h>

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS  (1ull << 7)
#define PTE_G   (1ull << 8)
#define PTE_OWNED                                                  \
	(1ull << 9) /* software: the frame belongs to this mapping \
	             */
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

static inline unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static inline uint64_t *pt_table(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* PTE bits for VM_* flags (kernel/include/kernel/vm.h). */
uint64_t pt_flags(unsigned vm_flags);
/* VM_* flags for a leaf entry. */
unsigned pt_vm_flags(uint64_t entry);

/*
 * Returns the table below table[idx], allocating a zeroed one when absent
 * and `create` (with `upper` bits, e.g. PTE_U for user tables). NULL if
 * absent and not created, out of frames, or a large page.
 */
uint64_t *pt_next(uint64_t *table, unsigned idx, bool create, uint64_t upper);

/* Returns the leaf PTE slot for a 4 KiB page at va, creating tables if
 * asked; NULL if it cannot. */
uint64_t *pt_leaf(uint64_t *pml4, uint64_t va, bool create, uint64_t upper);

/* The kernel's PML4 (its upper half is shared by every address space). */
uint64_t *pt_kernel_pml4(void);
#endif
