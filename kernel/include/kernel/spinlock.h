/*
 * spinlock.h - the kernel's one lock primitive for shared state between
 * CPUs (kernel/lib/spinlock.c).
 *
 * A test-and-test-and-set lock, not a ticket lock, on purpose: an
 * interrupt handler may spin for a lock that the code it interrupted on
 * the same CPU is itself waiting for (the big kernel lock, taken on the
 * way in from user mode), and with tickets the inner waiter would queue
 * behind the outer one forever. Every lock is taken with interrupts off
 * on this CPU, so a holder is never interrupted into taking it again.
 *
 * A spinning CPU keeps answering TLB shootdown requests
 * (arch_cpu_relax): the holder of a lock may be waiting for exactly that
 * answer. After SPIN_BEFORE_SLEEP rounds a waiter stops spinning: it
 * notes itself in the lock's `sleepers` and halts with interrupts on
 * until the holder, giving the lock back, wakes it by IPI (or any other
 * interrupt comes). Under an emulator, with more virtual CPUs than host
 * cores, spinning CPUs would otherwise eat the time the holder needs.
 * The lock order is in docs/threads.md.
 */
#ifndef CAPOS_KERNEL_SPINLOCK_H
#define CAPOS_KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	uint32_t locked;
	uint32_t holder;   /* holder's CPU id + 1; 0 when free (asserts) */
	uint64_t sleepers; /* CPU ids (bits) halted waiting for it */
	const char *name;
};

#define SPINLOCK_INIT(n)    \
	{                   \
		.name = (n) \
	}

/* Returns true if it took the lock. Interrupts must be off. */
bool spin_trylock(struct spinlock *l);
/* Spins until it has the lock. Interrupts must be off. */
void spin_lock(struct spinlock *l);
/* Releases a lock this CPU holds. */
void spin_unlock(struct spinlock *l);
/* Returns true if this CPU holds l. */
bool spin_held(const struct spinlock *l);

/* Arch: one iteration of a spin-wait (pause, answer shootdowns). */
void arch_cpu_relax(void);
/* Arch: halts with interrupts on until one comes; returns with them off. */
void arch_cpu_sleep(void);
/* Arch: wakes CPU `id` out of arch_cpu_sleep. */
void arch_cpu_wake(uint32_t id);

#endif
