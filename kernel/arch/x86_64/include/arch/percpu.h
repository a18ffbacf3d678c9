/*
 * arch/percpu.h - where this CPU's struct cpu is found: the GS base
 * points at it, and its first field points at itself, so one load from
 * %gs:0 finds it. Inline because the lock and ring fast paths ask for it
 * on every entry.
 */
#ifndef CAPOS_ARCH_PERCPU_H
#define CAPOS_ARCH_PERCPU_H

#include <stdint.h>

struct cpu;
struct thread;

static inline struct cpu *arch_this_cpu(void)
{
	struct cpu *c;

	asm volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* struct cpu's `id` (offset 40, asserted in kernel/cpu.h): one load,
 * for the lock's holder mark. */
static inline uint32_t arch_this_cpu_id(void)
{
	uint32_t id;

	asm volatile("movl %%gs:40, %0" : "=r"(id));
	return id;
}

/* struct cpu's `current` (offset 24, asserted in kernel/cpu.h). */
static inline struct thread *arch_this_thread(void)
{
	struct thread *t;

	asm volatile("mov %%gs:24, %0" : "=r"(t));
	return t;
}

#endif
