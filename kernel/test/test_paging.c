/*
 * test_paging.c - the kernel's page permissions are the ones claimed in
 * docs/memory.md, checked both by walking the tables and by touching
 * memory and watching it fault.
 */
#include <kernel/arch.h>
#include <kernel/ktest.h>
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
