/*
 * cpu.c - CPU identification and control-register policy for x86_64.
 *
 * Protection features are switched on whenever the CPU has them: WP (the
 * kernel honours read-only pages), NX (via EFER in boot.S), SMEP (the
 * kernel never executes user pages) and SMAP (the kernel touches user
 * memory only inside explicit user-copy windows).
 */
#include <string.h>
#include <capos/boot_layout.h>
#include <kernel/arch.h>
#include <kernel/vm.h>
#include "cpu.h"
#include "gdt.h"
#include "trap.h"

struct arch_features arch_features;

static void detect_features(void)
{
	uint32_t a, b, c, d, max, max_ext;
	struct arch_features *f = &arch_features;

	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(f->vendor + 0, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	f->vendor[12] = 0;
	cpuid(1, 0, &a, &b, &c, &d);
	f->pge = d & (1u << 13);
	f->xsave = c & (1u << 26);
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		f->smep = b & (1u << 7);
		f->smap = b & (1u << 20);
	}
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->nx = d & (1u << 20);
		f->pdpe1gb = d & (1u << 26);
	}
	if (max_ext >= 0x80000004) {
		uint32_t *brand = (uint32_t *)f->brand;

		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[i * 4],
			      &brand[i * 4 + 1], &brand[i * 4 + 2],
			      &brand[i * 4 + 3]);
		f->brand[48] = 0;
	}
	if (max_ext >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		f->invariant_tsc = d & (1u << 8);
	}
}

/* CR0, CR4 and EFER as arch_features asks; every CPU runs this. */
static void setup_control_registers(void)
{
	uint64_t cr4;

	write_cr0((read_cr0() | CR0_WP | (1ul << 1)) &
	          ~(1ul << 2)); /* MP, !EM */
	cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (arch_features.pge)
		cr4 |= CR4_PGE;
	if (arch_features.smep)
		cr4 |= CR4_SMEP;
	if (arch_features.smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	if (!arch_features.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_NXE);
}

void arch_cpu_init(void)
{
	detect_features();
	gdt_init();
	idt_init();
	setup_control_registers();
}

void cpu_init_ap_tables(void *gdt_tables, const struct idtr_image *idtr)
{
	gdt_init_cpu(gdt_tables);
	asm volatile("lidt %0" : : "m"(*idtr));
	setup_control_registers();
}

unsigned arch_active_protections(void)
{
	unsigned on = 0;
	uint64_t cr4 = read_cr4();

	if (read_cr0() & CR0_WP)
		on |= ARCH_PROT_WP;
	if (rdmsr(MSR_EFER) & EFER_NXE)
		on |= ARCH_PROT_NX;
	if (cr4 & CR4_SMEP)
		on |= ARCH_PROT_SMEP;
	if (cr4 & CR4_SMAP)
		on |= ARCH_PROT_SMAP;
	return on;
}

void arch_wait_for_interrupt(void)
{
	/* sti;hlt is atomic: an interrupt between them still wakes the hlt. */
	asm volatile("sti; hlt" ::: "memory");
}

void arch_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

void arch_qemu_exit(uint32_t code)
{
	outl(0xF4, code);
}

/* A frame pointer is followed only while it stays inside kernel memory
 * that is mapped: the boot stack, the IST stacks, or the direct map. */
static bool frame_ok(uint64_t fp)
{
	paddr_t pa;
	unsigned flags;

	if (fp & 7 || fp < DIRECT_MAP_BASE)
		return false;
	return vm_query(fp, &pa, &flags) && vm_query(fp + 8, &pa, &flags);
}

void arch_backtrace(uint64_t frame, void (*fn)(uint64_t pc, void *ctx),
                    void *ctx)
{
	uint64_t fp = frame ? frame : read_rbp();

	for (int depth = 0; depth < 32 && frame_ok(fp); depth++) {
		uint64_t *f = (uint64_t *)fp;
		uint64_t pc = f[1];

		if (pc < KERNEL_VIRT_BASE)
			break;
		fn(pc, ctx);
		if (f[0] <= fp) /* stacks grow down: callers sit higher */
			break;
		fp = f[0];
	}
}
