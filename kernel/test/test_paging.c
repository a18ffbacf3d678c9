/*
 * test_paging.c - the kernel's page permissions are the ones claimed in
 * docs/memory.md, checked both by walking the tables and by touching
 * memory and watching it fault.
 */
#include <kernel/arch.h>
#include <kernel/as.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/vm.h>

extern char __text_start[], __rodata_start[], __data_start[];
extern char boot_stack_guard[];

static void text_function(void)
{
}

static const uint32_t rodata_word = 0x12345678;
static uint8_t data_code[16] __attribute__((aligned(16))) = {0xC3}; /* ret */

KTEST(paging_tables)
{
	paddr_t pa;
	unsigned f;

	KEXPECT(vm_query((uint64_t)text_function, &pa, &f));
	KEXPECT((f & VM_EXEC) && !(f & VM_WRITE) && !(f & VM_USER));
	KEXPECT(vm_query((uint64_t)&rodata_word, &pa, &f));
	KEXPECT(!(f & VM_WRITE) && !(f & VM_USER));
	KEXPECT(!arch_features.nx || !(f & VM_EXEC));
	KEXPECT(vm_query((uint64_t)data_code, &pa, &f));
	KEXPECT((f & VM_WRITE) && !(f & VM_USER));
	KEXPECT(!arch_features.nx || !(f & VM_EXEC));
	KEXPECT(pa == (uint64_t)data_code - KERNEL_VIRT_BASE);
	/* The direct map reaches RAM, RW and never executable. */
	KEXPECT(vm_query(DIRECT_MAP_BASE + 0x100000, &pa, &f));
	KEXPECT(pa == 0x100000 && (f & VM_WRITE));
	KEXPECT(!arch_features.nx || !(f & VM_EXEC));
	/* Nothing in the lower half: the boot identity map is gone. */
	KEXPECT(!vm_query(0x200000, &pa, &f));
	KEXPECT(!vm_query(0, &pa, &f));
	/* The boot stack's guard page is unmapped. */
	KEXPECT(!vm_query((uint64_t)boot_stack_guard, &pa, &f));
}

KTEST(paging_faults)
{
	volatile uint32_t *ro = (volatile uint32_t *)&rodata_word;

	KEXPECT(arch_probe_read(ro) == 0);
	KEXPECT(arch_probe_write((volatile void *)ro) == 1); /* W^X: rodata */
	KEXPECT(*ro == 0x12345678);
	KEXPECT(arch_probe_write((volatile void *)__text_start) == 1);
	KEXPECT(arch_probe_write(data_code + 8) == 0);
	if (arch_features.nx)
		KEXPECT(arch_probe_exec(data_code) == 1); /* NX: data */
	KEXPECT(arch_probe_read((const volatile void *)0x200000) == 1);
	KEXPECT(arch_probe_read((const volatile void *)boot_stack_guard) == 1);
	KEXPECT(arch_probe_exec((const void *)text_function) == 0);
}

/* Every protection the CPU offers is switched on. */
KTEST(cpu_protections)
{
	unsigned on = arch_active_protections();

	KEXPECT(on & ARCH_PROT_WP);
	KEXPECT(!arch_features.nx || (on & ARCH_PROT_NX));
	KEXPECT(!arch_features.smep || (on & ARCH_PROT_SMEP));
	KEXPECT(!arch_features.smap || (on & ARCH_PROT_SMAP));
}

/*
 * A user address space with pages scattered over more places than it
 * keeps spans for (so some are joined), unmapped again in part, with
 * ranges mapped at once (one of them failing half way), is torn down to
 * the last frame and charge: teardown walks only the spans, and they must
 * cover every table and page.
 */
KTEST(as_teardown)
{
	static const uint64_t where[] = {
	    0x1000,         0x100000,       0x200000,       0x201000,
	    0x400000,       0x5FF000,       0x600000,       0x40000000,
	    0x7FC0001000,   0x8000000000,   0x10000000000,  0x10000200000,
	    0x3FFFFFFFF000, 0x400000000000, 0x7FFFFFEFF000, 0x7FFFFFFFF000,
	};
	struct ledger_account acct = {.limit = 1000, .used = 0};
	struct addr_space as;
	uint64_t free0 = frames_free_count();
	paddr_t pa;
	unsigned f;

	KEXPECT(as_create(&as, &acct) == 0);
	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		paddr_t frame = frame_alloc();

		KEXPECT(frame != FRAME_NONE);
		KEXPECT(as_map(&as, where[i], frame, VM_WRITE | AS_OWNED) == 0);
	}
	KEXPECT(as.mapped.n <= VA_SPANS_MAX);
	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		KEXPECT(as_query(&as, where[i], &pa, &f) && (f & VM_USER));
		KEXPECT(as_map(&as, where[i], 0x1000, VM_WRITE) == -1);
	}
	KEXPECT(as_unmap(&as, 0x201000) == 0);
	KEXPECT(as_unmap(&as, 0x201000) == -1);
	/* A fresh range across a page-table boundary: zeroed, owned. */
	KEXPECT(as_map_fresh(&as, 0x9FE000, 4, VM_WRITE, &pa) == 0);
	KEXPECT(((const uint64_t *)phys_to_virt(pa))[511] == 0);
	for (uint64_t va = 0x9FE000; va < 0xA02000; va += 0x1000)
		KEXPECT(as_query(&as, va, &pa, &f) && (f & VM_WRITE));
	/* Running into a mapped page stops there; what it mapped stays. */
	KEXPECT(as_map_fresh(&as, 0x9FC000, 3, VM_WRITE, NULL) == -1);
	KEXPECT(as_query(&as, 0x9FD000, &pa, &f));
	KEXPECT(as_map_fresh(&as, 0x7FFFFFFFF000, 2, 0, NULL) == -1);
	KEXPECT(as_map_fresh(&as, 0xA02001, 1, 0, NULL) == -1);
	KEXPECT(acct.used == 1 + as.table_frames + as.owned_frames);
	as_destroy(&as);
	KEXPECT(acct.used == 0);
	KEXPECT(frames_free_count() == free0);
}
