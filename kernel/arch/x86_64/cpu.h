/*
 * cpu.h - thin wrappers over x86_64 instructions and registers.
 *
 * Only code under kernel/arch/x86_64/ includes this; the portable kernel
 * talks to the CPU through kernel/include/kernel/arch.h.
 */
#ifndef CAPOS_ARCH_CPU_H
#define CAPOS_ARCH_CPU_H

#include <stdint.h>

#define MSR_EFER       0xC0000080
#define MSR_APIC_BASE  0x1B
#define EFER_NXE       (1u << 11)
#define CR0_WP         (1ul << 16)
#define CR4_PGE        (1ul << 7)
#define CR4_OSFXSR     (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_SMEP       (1ul << 20)
#define CR4_SMAP       (1ul << 21)
#define RFLAGS_IF      (1ul << 9)

struct cpu;

/* What lidt loads and sidt stores. */
struct idtr_image {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/*
 * An application processor's own setup (smp.c), in order: its GDT, TSS
 * and IST stacks in `gdt_tables` (gdt.h), the shared IDT, the same
 * CR0/CR4/EFER policy as the boot CPU; then its per-CPU data in GS and
 * syscall MSRs (thread.c).
 */
void cpu_init_ap_tables(void *gdt_tables, const struct idtr_image *idtr);
void cpu_init_ap(struct cpu *c, uint32_t id, void *gdt_tables);

static inline void sidt(struct idtr_image *out)
{
	asm volatile("sidt %0" : "=m"(*out));
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"(v >> 32));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                         uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid"
	             : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
	             : "a"(leaf), "c"(sub));
}

#define DEFINE_CR(n)                                                   \
	static inline uint64_t read_cr##n(void)                        \
	{                                                              \
		uint64_t v;                                            \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                              \
	}                                                              \
	static inline void write_cr##n(uint64_t v)                     \
	{                                                              \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

/* Loads page-table root `root` and notes it in *active (the CPU's
 * active_root). A CR3 write flushes the TLB's non-global entries, so it
 * is skipped if the root is loaded already (a thread of the same
 * process, or the kernel's root again). */
static inline void cpu_load_root(uint64_t *active, uint64_t root)
{
	if (read_cr3() != root)
		write_cr3(root);
	*active = root;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void invlpg(uint64_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t read_rbp(void)
{
	uint64_t v;

	asm volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

static inline void cpu_pause(void)
{
	asm volatile("pause");
}

#endif
