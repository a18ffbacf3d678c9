/*
 * arch/irq.h - this CPU's interrupt flag, inline: every ring batch, lock
 * and completion saves and restores it.
 */
#ifndef CAPOS_ARCH_IRQ_H
#define CAPOS_ARCH_IRQ_H

#include <stdint.h>

#define ARCH_RFLAGS_IF (1ull << 9)

static inline void arch_irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void arch_irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

/* Turns interrupts off; returns whether they were on. */
static inline uint64_t arch_irq_save(void)
{
	uint64_t flags;

	asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags & ARCH_RFLAGS_IF;
}

static inline void arch_irq_restore(uint64_t state)
{
	if (state)
		arch_irq_enable();
}

#endif
