/*
 * vm_region.h - a process's reservations of its own address space
 * (VirtualMemory, kernel/object/virtual_memory.c), what keeps them apart
 * from memory-object mappings, and the page-protection hook both
 * VirtualMemory and MemoryObject use.
 *
 * Reservations are records only: whether a page is committed is read
 * from the page tables (a committed page is always mapped, even with
 * protection none), so there is one source of truth for it.
 */
#ifndef CAPOS_KERNEL_VM_REGION_H
#define CAPOS_KERNEL_VM_REGION_H

#include <stdbool.h>
#include <stdint.h>
#include <region_list.h>
#include <kernel/as.h>

struct process;

/* Where hint-0 mappings and reservations go (far above any program). */
#define VM_MAP_BASE 0x0000010000000000ull
/* Lowest address a reservation or mapping may use: above the CapSet and
 * the ring pages (the same bound process.c keeps for mappings). */
#define VM_USER_LOW 0x0000000000300000ull
/* Largest reservation or memory object: 1 GiB, so a walk over its
 * pages stays short. */
#define VM_MAX_PAGES (1u << 18)

/* Frees p's reservation records and refunds their kernel memory. The
 * committed frames stay mapped: the address space frees them. */
void vm_regions_release(struct process *p);

/*
 * Returns true if [va, va+len) is a page-aligned, non-empty range of
 * p's user space that nothing uses: no page mapped, no memory-object
 * mapping, no reservation.
 */
bool vm_range_free(struct process *p, uint64_t va, uint64_t len);

/* Returns a free range (as vm_range_free) of len bytes for a hint-0
 * mapping or reservation, or 0 if none was found. */
uint64_t vm_find_free(struct process *p, uint64_t len);

/*
 * Changes the access of the mapped page at va (its frame and ownership
 * stay) to `flags` (VM_WRITE, VM_EXEC, VM_USER). Without VM_USER the
 * page is a guard: every user access faults and the kernel's user-copy
 * checks refuse it. Returns 0, or -1 if va is not a mapped user page.
 * (kernel/arch/x86_64/user_protect.c)
 */
int as_protect(struct addr_space *as, uint64_t va, unsigned flags);

#endif
