/*
 * user_protect.c - changing the access bits of one user page in place
 * (VirtualMemory.protect, MemoryObject.protect). The frame, and whether
 * the address space owns it, never change, so no ledger is touched.
 */
#include <kernel/as.h>
#include <kernel/cpu.h>
#include <kernel/smp.h>
#include <kernel/vm_region.h>
#include "cpu.h"
#include "pt.h"

int as_protect(struct addr_space *as, uint64_t va, unsigned flags)
{
	uint64_t *pte;

	if ((va & (PAGE_SIZE - 1)) || va >= USER_SPACE_END)
		return -1;
	pte = pt_leaf(phys_to_virt(as->root), va, false, 0);
	if (!pte || !(*pte & PTE_P))
		return -1;
	*pte = (*pte & (PTE_ADDR | PTE_OWNED)) |
	       pt_flags(flags & (VM_WRITE | VM_EXEC | VM_USER));
	as->gen = as_gen_next(); /* spans reaching this page are stale */
	if (pt_table(read_cr3()) == phys_to_virt(as->root))
		invlpg(va);
	smp_tlb_shootdown(as->root, va, SMP_TLB_PAGE);
	return 0;
}
