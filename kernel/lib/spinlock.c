/*
 * spinlock.c - test-and-test-and-set spinlocks (kernel/spinlock.h).
 *
 * The waiter reads until the lock looks free and only then tries the
 * atomic exchange, so spinning CPUs share the line instead of bouncing
 * it. Acquire on taking, release on giving back: everything written
 * under the lock is visible to the next holder. A waiter that has spun
 * long enough sleeps (kernel/spinlock.h); it sets its bit in `sleepers`
 * before it looks at the lock a last time, and the holder looks at
 * `sleepers` after it let go, so one of them always sees the other.
 */
#include <kernel/arch.h>
#include <kernel/cpu.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

bool spin_trylock(struct spinlock *l)
{
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		return false;
	l->holder = spin_self();
	return true;
}

void spin_misuse(const struct spinlock *l, const char *what)
{
	panic("spinlock %s: %s (holder %u, cpu %u)", l->name, what, l->holder,
	      spin_self());
}

#define SPIN_BEFORE_SLEEP 200

static bool is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_SEQ_CST);
}

/* Halts until woken, unless the lock was given back meanwhile. */
static void sleep_on(struct spinlock *l)
{
	uint64_t bit = 1ull << this_cpu()->id;

	__atomic_fetch_or(&l->sleepers, bit, __ATOMIC_SEQ_CST);
	if (is_locked(l))
		arch_cpu_sleep();
	__atomic_fetch_and(&l->sleepers, ~bit, __ATOMIC_SEQ_CST);
}

void spin_lock_contended(struct spinlock *l)
{
	do {
		uint32_t spins = 0;

		while (is_locked(l)) {
			if (++spins < SPIN_BEFORE_SLEEP) {
				arch_cpu_relax();
			} else {
				sleep_on(l);
				spins = 0;
			}
		}
	} while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
}

void spin_wake_sleepers(struct spinlock *l)
{
	uint64_t sleepers = __atomic_load_n(&l->sleepers, __ATOMIC_SEQ_CST);

	while (sleepers) {
		uint32_t id = (uint32_t)__builtin_ctzll(sleepers);

		sleepers &= sleepers - 1;
		arch_cpu_wake(id);
	}
}
