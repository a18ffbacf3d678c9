/*
 * thread.c - x86_64 side of threads: per-CPU data through GS, the
 * syscall MSRs, kernel stack preparation and the switch between threads
 * (kernel stack, FPU/SSE state, FS base, TSS.rsp0).
 */
#include <string.h>
#include <kernel/cpu.h>
#include <kernel/thread.h>
#include "cpu.h"
#include "gdt.h"

#define MSR_STAR           0xC0000081
#define MSR_LSTAR          0xC0000082
#define MSR_SFMASK         0xC0000084
#define MSR_FS_BASE        0xC0000100
#define MSR_GS_BASE        0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define EFER_SCE           (1u << 0)

extern void syscall_entry(void);
extern void arch_thread_trampoline(void);
extern void arch_context_switch(uint64_t *save_rsp, uint64_t new_rsp);

/* A clean FPU image (FNINIT state, SSE exceptions masked) for new threads. */
static uint8_t fpu_initial[512] __attribute__((aligned(16)));

/* This CPU's GS base and syscall MSRs: everything per CPU but the FPU
 * template, which the boot CPU makes once for all. */
static void cpu_setup_msrs(struct cpu *c, uint32_t id)
{
	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	/* SYSRET loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8. */
	wrmsr(MSR_STAR,
	      ((uint64_t)(GDT_UDATA - 8) << 48) | ((uint64_t)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Entry with IF, TF, DF and AC clear: AC clear keeps SMAP armed. */
	wrmsr(MSR_SFMASK, RFLAGS_IF | (1u << 8) | (1u << 10) | (1u << 18));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

void cpu_init_this(struct cpu *c, uint32_t id)
{
	cpu_setup_msrs(c, id);
	c->arch_tss = gdt_boot_tss();
	asm volatile("fninit; fxsave %0" : "=m"(fpu_initial));
	/* MXCSR: all SIMD exceptions masked, round to nearest. */
	*(uint32_t *)(fpu_initial + 24) = 0x1F80;
}

void cpu_init_ap(struct cpu *c, uint32_t id, void *gdt_tables)
{
	cpu_setup_msrs(c, id);
	c->arch_tss = gdt_tables_tss(gdt_tables);
}

void arch_thread_init(struct thread *t, void (*fn)(void *), void *arg)
{
	uint64_t *sp = (uint64_t *)((uint8_t *)t->kstack + KSTACK_SIZE);

	/* arch_context_switch pops r15 r14 r13 r12 rbx rbp, then returns. */
	*--sp = 0; /* keeps the trampoline's stack 16-byte aligned */
	*--sp = (uint64_t)arch_thread_trampoline;
	*--sp = 0;             /* rbp */
	*--sp = (uint64_t)fn;  /* rbx */
	*--sp = (uint64_t)arg; /* r12 */
	*--sp = 0;             /* r13 */
	*--sp = 0;             /* r14 */
	*--sp = 0;             /* r15 */
	t->arch.rsp = (uint64_t)sp;
	t->arch.fs_base = 0;
	memcpy(t->arch.fpu, fpu_initial, sizeof(t->arch.fpu));
}

/* The switch itself; inlined into both ways in below. */
static inline __attribute__((always_inline)) void
thread_switch(struct cpu *c, struct thread *prev, struct thread *next)
{
	uint64_t top = (uint64_t)next->kstack + KSTACK_SIZE;

	asm volatile("fxsave %0" : "=m"(prev->arch.fpu));
	/* prev's FS base is its arch.fs_base: only arch_thread_set_tls
	 * changes it (CR4.FSGSBASE is off, so user code cannot). */
	asm volatile("fxrstor %0" : : "m"(next->arch.fpu));
	if (next->arch.fs_base != prev->arch.fs_base)
		wrmsr(MSR_FS_BASE, next->arch.fs_base);
	tss_set_kernel_stack(c->arch_tss, top);
	c->kernel_rsp = top;
	c->current = next;
	arch_context_switch(&prev->arch.rsp, next->arch.rsp);
}

void arch_thread_switch(struct thread *prev, struct thread *next)
{
	thread_switch(this_cpu(), prev, next);
}

void arch_thread_switch_as(struct thread *prev, struct thread *next,
                           const struct addr_space *as)
{
	struct cpu *c = this_cpu();

	cpu_load_root(&c->active_root, as->root);
	thread_switch(c, prev, next);
}

void arch_thread_set_tls(struct thread *t, uint64_t base)
{
	t->arch.fs_base = base;
	if (this_cpu()->current == t)
		wrmsr(MSR_FS_BASE, base);
}
