/*
 * paging.c - x86_64 4-level page tables for the kernel's address space.
 *
 * Replaces boot.S's tables (everything RWX, identity mapped) with:
 * a direct map of RAM (RW, NX, 2 MiB pages where alignment allows), the
 * kernel's text (RX), rodata (R, NX) and data/bss (RW, NX) in 4 KiB pages,
 * and nothing in the lower half. docs/memory.md draws the result.
 */
#include <string.h>
#include <kernel/arch.h>
#include <kernel/printk.h>
#include <kernel/vm.h>
#include "cpu.h"
#include "pt.h"

#define SIZE_2M (2ull << 20)

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char boot_stack_guard[], boot_stack_bottom[];

static uint64_t *kernel_pml4;
static paddr_t kernel_pml4_phys;

uint64_t pt_flags(unsigned flags)
{
	uint64_t f = PTE_P;

	if (flags & VM_WRITE)
		f |= PTE_W;
	if (flags & VM_USER)
		f |= PTE_U;
	if (flags & VM_NOCACHE)
		f |= PTE_PCD | PTE_PWT;
	if ((flags & VM_GLOBAL) && arch_features.pge)
		f |= PTE_G;
	if (!(flags & VM_EXEC) && arch_features.nx)
		f |= PTE_NX;
	return f;
}

unsigned pt_vm_flags(uint64_t e)
{
	return ((e & PTE_W) ? VM_WRITE : 0) | ((e & PTE_U) ? VM_USER : 0) |
	       ((e & PTE_NX) ? 0 : VM_EXEC) | ((e & PTE_PCD) ? VM_NOCACHE : 0) |
	       ((e & PTE_G) ? VM_GLOBAL : 0);
}

uint64_t *pt_next(uint64_t *table, unsigned idx, bool create, uint64_t upper)
{
	paddr_t pa;

	if (!(table[idx] & PTE_P)) {
		if (!create)
			return NULL;
		pa = frame_alloc();
		if (pa == FRAME_NONE)
			return NULL;
		table[idx] = pa | PTE_P | PTE_W | upper;
	}
	if (table[idx] & PTE_PS)
		return NULL;
	return pt_table(table[idx]);
}

uint64_t *pt_leaf(uint64_t *pml4, uint64_t va, bool create, uint64_t upper)
{
	uint64_t *t = pml4;

	for (int level = 3; level >= 1; level--) {
		t = pt_next(t, pt_index(va, level), create, upper);
		if (!t)
			return NULL;
	}
	return &t[pt_index(va, 0)];
}

/* Maps one page of 4 KiB (large = false) or 2 MiB. Returns 0 or -1. */
static int map_one(uint64_t *pml4, uint64_t va, paddr_t pa, uint64_t flags,
                   bool large)
{
	uint64_t *pdpt, *pd, *pte;

	if (!large) {
		pte = pt_leaf(pml4, va, true, 0);
		if (!pte || (*pte & PTE_P))
			return -1;
		*pte = pa | flags;
		return 0;
	}
	pdpt = pt_next(pml4, pt_index(va, 3), true, 0);
	pd = pdpt ? pt_next(pdpt, pt_index(va, 2), true, 0) : NULL;
	if (!pd || (pd[pt_index(va, 1)] & PTE_P))
		return -1;
	pd[pt_index(va, 1)] = pa | flags | PTE_PS;
	return 0;
}

static int map_range(uint64_t *pml4, uint64_t va, paddr_t pa, size_t len,
                     unsigned flags)
{
	uint64_t f = pt_flags(flags);
	uint64_t end = va + len;

	while (va < end) {
		bool large =
		    !((va | pa) & (SIZE_2M - 1)) && end - va >= SIZE_2M;

		if (map_one(pml4, va, pa, f, large) != 0)
			return -1;
		if (pml4 == kernel_pml4)
			invlpg(va);
		va += large ? SIZE_2M : PAGE_SIZE;
		pa += large ? SIZE_2M : PAGE_SIZE;
	}
	return 0;
}

static void map_section(const char *start, const char *end, unsigned flags)
{
	uint64_t va = (uint64_t)start;

	if (map_range(kernel_pml4, va, va - KERNEL_VIRT_BASE,
	              PAGE_ROUND_UP((uint64_t)end) - va, flags | VM_GLOBAL))
		panic("vm: cannot map kernel section at %#lx", va);
}

void vm_init(paddr_t ram_end, const struct boot_info *bi)
{
	kernel_pml4_phys = frame_alloc();
	if (kernel_pml4_phys == FRAME_NONE)
		panic("vm: no frame for the kernel PML4");
	kernel_pml4 = phys_to_virt(kernel_pml4_phys);

	/* Pre-create every upper-half PDPT so that address spaces made later
	 * can share the kernel half by copying 256 PML4 entries. */
	for (unsigned i = 256; i < 512; i++) {
		if (!pt_next(kernel_pml4, i, true, 0))
			panic("vm: no frame for kernel PDPT %u", i);
	}
	if (map_range(kernel_pml4, DIRECT_MAP_BASE, 0, PAGE_ROUND_UP(ram_end),
	              VM_WRITE | VM_GLOBAL))
		panic("vm: cannot build the direct map");
	/* ACPI tables can sit above the last RAM region. */
	for (uint32_t i = 0; i < bi->nregions; i++) {
		const struct boot_region *r = &bi->regions[i];
		paddr_t s = PAGE_ROUND_DOWN(r->base);
		paddr_t e = PAGE_ROUND_UP(r->base + r->len);

		if ((r->type == MB2_MEM_ACPI || r->type == MB2_MEM_NVS) &&
		    s >= PAGE_ROUND_UP(ram_end))
			map_range(kernel_pml4, DIRECT_MAP_BASE + s, s, e - s,
			          VM_GLOBAL);
	}
	map_section(__text_start, __text_end, VM_EXEC);
	map_section(__rodata_start, __rodata_end, VM_READ);
	map_section(__data_start, boot_stack_guard, VM_WRITE);
	map_section(boot_stack_bottom, __data_end, VM_WRITE);
	write_cr3(kernel_pml4_phys);
}

uint64_t *pt_kernel_pml4(void)
{
	return kernel_pml4;
}

int vm_map_kernel(uint64_t va, paddr_t pa, size_t len, unsigned flags)
{
	return map_range(kernel_pml4, PAGE_ROUND_DOWN(va), PAGE_ROUND_DOWN(pa),
	                 PAGE_ROUND_UP(len + (va & (PAGE_SIZE - 1))), flags);
}

void *vm_map_mmio(paddr_t pa, size_t len)
{
	uint64_t va = DIRECT_MAP_BASE + pa;
	paddr_t have;
	unsigned flags;

	/* Already mapped uncached by an earlier call: share it. */
	if (vm_query(va, &have, &flags) && (flags & VM_NOCACHE))
		return (void *)va;
	if (vm_map_kernel(va, pa, len, VM_WRITE | VM_NOCACHE | VM_GLOBAL))
		return NULL;
	return (void *)va;
}

bool vm_query(uint64_t va, paddr_t *pa, unsigned *flags)
{
	/* The live tables, so this also works on boot.S's before vm_init. */
	uint64_t *table = phys_to_virt(read_cr3() & PTE_ADDR), e = 0;
	int level;

	for (level = 3; level >= 0; level--) {
		e = table[pt_index(va, level)];
		if (!(e & PTE_P))
			return false;
		if (level == 0 || (level <= 2 && (e & PTE_PS)))
			break;
		table = phys_to_virt(e & PTE_ADDR);
	}
	*pa = (e & PTE_ADDR & ~((1ull << (12 + 9 * level)) - 1)) +
	      (va & ((1ull << (12 + 9 * level)) - 1));
	*flags = ((e & PTE_W) ? VM_WRITE : 0) | ((e & PTE_U) ? VM_USER : 0) |
	         ((e & PTE_NX) ? 0 : VM_EXEC) |
	         ((e & PTE_PCD) ? VM_NOCACHE : 0) |
	         ((e & PTE_G) ? VM_GLOBAL : 0);
	return true;
}
