/*
 * sync.c - park/unpark (the ring's PARK and UNPARK opcodes) and the mutex
 * and condition variable built on them (rt_thread.h).
 *
 * The mutex is the classic three-state futex mutex: 0 free, 1 held, 2
 * held with possible sleepers. Only a locker that finds it held parks,
 * and only an unlock that finds 2 calls UNPARK, so the uncontended path
 * makes no system call. The atomics are real locked instructions even on
 * one CPU: preemption can fall between any two, and SMP comes next.
 */
#include <capos/rt.h>
#include <capos/rt_thread.h>

int rt_park(const uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct capos_sqe sqe = {
	    .opcode = CAPOS_OP_PARK,
	    .params_addr = (uint64_t)word,
	    .params_len = expected,
	    .result_addr = timeout_ns,
	};

	return rt_submit_wait(&sqe, NULL);
}

int rt_unpark(const uint32_t *word, uint32_t n)
{
	struct capos_sqe sqe = {
	    .opcode = CAPOS_OP_UNPARK,
	    .params_addr = (uint64_t)word,
	    .params_len = n,
	};

	return rt_submit_wait(&sqe, NULL);
}

/* Takes m, leaving it marked contended (2): whoever unlocks next wakes a
 * sleeper, which is right whenever we may not be the only one. c is the
 * value last seen in it. */
static void lock_contended(struct rt_mutex *m, uint32_t c)
{
	if (c != 2)
		c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		/* Returns at once if it is no longer 2 (CAPOS_E_CHANGED). */
		rt_park(&m->state, 2, 0);
		c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
	}
}

void rt_mutex_lock(struct rt_mutex *m)
{
	uint32_t c = 0;

	if (__atomic_compare_exchange_n(&m->state, &c, 1, false,
	                                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	lock_contended(m, c);
}

bool rt_mutex_trylock(struct rt_mutex *m)
{
	uint32_t c = 0;

	return __atomic_compare_exchange_n(&m->state, &c, 1, false,
	                                   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void rt_mutex_unlock(struct rt_mutex *m)
{
	if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2)
		rt_unpark(&m->state, 1);
}

/*
 * A waiter counts itself and reads seq before it unlocks; a signaller
 * advances seq and then reads the count (all sequentially consistent).
 * So either the signaller sees the waiter and wakes it (or its PARK finds
 * seq changed), or the signal came before the waiter read seq: before it
 * started waiting, where a condition variable owes it nothing.
 */
int rt_cond_timedwait(struct rt_cond *c, struct rt_mutex *m,
                      uint64_t timeout_ns)
{
	uint32_t seq;
	int rc;

	__atomic_add_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&c->seq, __ATOMIC_SEQ_CST);
	rt_mutex_unlock(m);
	rc = rt_park(&c->seq, seq, timeout_ns);
	__atomic_sub_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
	/* Others woken with us (broadcast) queue on the mutex: take it as
	 * contended so that our unlock passes it on. */
	lock_contended(m, 1);
	return rc == CAPOS_E_TIMED_OUT ? rc : 0;
}

void rt_cond_wait(struct rt_cond *c, struct rt_mutex *m)
{
	rt_cond_timedwait(c, m, 0);
}

static void cond_wake(struct rt_cond *c, uint32_t n)
{
	__atomic_add_fetch(&c->seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->waiters, __ATOMIC_SEQ_CST))
		rt_unpark(&c->seq, n);
}

void rt_cond_signal(struct rt_cond *c)
{
	cond_wake(c, 1);
}

void rt_cond_broadcast(struct rt_cond *c)
{
	cond_wake(c, RT_UNPARK_ALL);
}
