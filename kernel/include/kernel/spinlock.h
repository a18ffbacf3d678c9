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
#include <kernel/cpu.h>

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

/* The holder's mark: this CPU's id + 1 (0 means free). */
static inline uint32_t spin_self(void)
{
	return arch_this_cpu_id() + 1;
}

/* Returns true if it took the lock. Interrupts must be off. */
bool spin_trylock(struct spinlock *l);
/* Spins until it has the lock (spin_lock's contended path). */
void spin_lock_contended(struct spinlock *l);
/* Wakes the CPUs halted waiting for l (spin_unlock's slow path). */
void spin_wake_sleepers(struct spinlock *l);
/* Asserts about locks; out of line to keep the fast paths short. */
__attribute__((noreturn)) void spin_misuse(const struct spinlock *l,
                                           const char *what);

/* Spins until it has the lock. Interrupts must be off; this CPU must
 * not hold it (locks are not recursive: checked in debug builds, as
 * spin_unlock's holder). The uncontended path is one exchange. */
static inline __attribute__((always_inline)) void spin_lock(struct spinlock *l)
{
	uint32_t self = spin_self();

	if (CAPOS_DEBUG && __builtin_expect(l->holder == self, 0))
		spin_misuse(l, "taken twice");
	if (__builtin_expect(
	        __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE), 0))
		spin_lock_contended(l);
	l->holder = self;
}

/* Releases a lock this CPU holds. The exchange is a full barrier: a
 * waiter that noted itself in `sleepers` before its last look at
 * `locked` is seen here (spinlock.c). Who releases is checked in debug
 * builds only (as DASSERT, printk.h): a third of the release, taken on
 * every way out of the kernel, for a kernel bug no process can cause. */
static inline __attribute__((always_inline)) void
spin_unlock(struct spinlock *l)
{
	if (CAPOS_DEBUG && __builtin_expect(l->holder != spin_self(), 0))
		spin_misuse(l, "released by a CPU that does not hold it");
	l->holder = 0;
	__atomic_exchange_n(&l->locked, 0, __ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&l->sleepers, __ATOMIC_SEQ_CST),
	                     0))
		spin_wake_sleepers(l);
}

/* Returns true if this CPU holds l. */
static inline bool spin_held(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) &&
	       l->holder == spin_self();
}

/* Arch: one iteration of a spin-wait (pause, answer shootdowns). */
void arch_cpu_relax(void);
/* Arch: halts with interrupts on until one comes; returns with them off. */
void arch_cpu_sleep(void);
/* Arch: wakes CPU `id` out of arch_cpu_sleep. */
void arch_cpu_wake(uint32_t id);

#endif
