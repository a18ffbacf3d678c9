/*
 * vm.h - the kernel's address space: building it at boot, mapping into
 * it, and asking what a virtual address maps to.
 *
 * Flags are architecture-neutral; the arch code turns them into page table
 * bits. A mapping without VM_EXEC is never executable (NX).
 */
#ifndef CAPOS_KERNEL_VM_H
#define CAPOS_KERNEL_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kernel/mm.h>

#define VM_READ    0x0 /* every mapping is readable */
#define VM_WRITE   0x1
#define VM_EXEC    0x2
#define VM_USER    0x4
#define VM_NOCACHE 0x8
#define VM_GLOBAL  0x10

/*
 * Builds the kernel's page tables (direct map of RAM up to `ram_end`, each
 * kernel section with its own permissions) and switches to them. The boot
 * identity map is gone afterwards.
 */
void vm_init(paddr_t ram_end, const struct boot_info *bi);

/* Maps [va, va+len) to [pa, pa+len) in the kernel's tables. Returns 0, or
 * -1 if a page table could not be allocated or va is already mapped. */
int vm_map_kernel(uint64_t va, paddr_t pa, size_t len, unsigned flags);

/* Maps device registers uncached in the direct map; returns their
 * virtual address or NULL. */
void *vm_map_mmio(paddr_t pa, size_t len);

/* Returns true if va is mapped in the kernel's tables, with the physical
 * address and VM_* flags of the mapping. */
bool vm_query(uint64_t va, paddr_t *pa, unsigned *flags);

#endif
