/*
 * rt_thread.h - threads of the caller's own process and what they
 * synchronize with: park/unpark on a 32-bit word (the ring's PARK and
 * UNPARK opcodes), a mutex and a condition variable built on them
 * (docs/threads.md "Runtime").
 *
 * Threads are for programs on the runtime's own _start: a musl program's
 * FS base holds musl's thread pointer, and rt_thread_spawn refuses there.
 *
 * Functions returning int give 0 on success, a transport error (< 0) or
 * RT_REFUSED(type) (> 0) when the kernel answered with a CapException of
 * that ExceptionType (rt_memory.h).
 */
#ifndef CAPOS_RT_THREAD_H
#define CAPOS_RT_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <capos/capid.h>
#include <capos/rt.h>
#include <capos/rt_memory.h> /* RT_REFUSED */
#include <capos.capnp.h>

#define RT_IFACE_THREAD_SPAWNER CAPOS_THREAD_SPAWNER_INTERFACE_ID
#define RT_IFACE_THREAD_HANDLE  CAPOS_THREAD_HANDLE_INTERFACE_ID

#define RT_STACK_DEFAULT (64 * 1024) /* stack_size 0 */
#define RT_STACK_MIN     (16 * 1024) /* smaller sizes are rounded up */

/* A spawned thread, from its spawner's side (until rt_thread_join). */
typedef struct rt_thread *rt_thread_t;

/*
 * Starts fn(arg) in a new thread of this process, through `spawner` (a
 * ThreadSpawner). Its stack (stack_size bytes rounded up to pages, 0:
 * RT_STACK_DEFAULT) is mapped from the "vm" VirtualMemory of the CapSet,
 * with an unmapped guard page below it; its runtime state sits at the
 * top. The thread sets its FS base (the CapSet's "thread" ThreadControl)
 * and ends with ThreadControl.exit(fn's return value). Returns 0 with
 * *out; CAPOS_E_QUOTA (the threads quota, or kernel memory, or frames for
 * the stack); CAPOS_E_BAD_CAP when "vm" or "thread" is missing;
 * CAPOS_E_NOT_SUPPORTED in a musl program. On an error nothing is left.
 */
int rt_thread_spawn(capos_cap_t spawner, int64_t (*fn)(void *arg), void *arg,
                    size_t stack_size, rt_thread_t *out);

/* The spawned thread's kernel thread id. */
uint64_t rt_thread_id_of(rt_thread_t t);

/*
 * Waits for t to end, then frees its handle and stack: t is gone. Returns
 * 0 with *code (its exit code; -1 if it was killed or could not set its
 * FS base), or an error (t is then still joinable: e.g.
 * RT_REFUSED(invalidArgument) for a thread joining itself).
 */
int rt_thread_join(rt_thread_t t, int64_t *code);

/*
 * Ends the calling thread with `code` (the process's exit code if it is
 * the last). capos_exit ends every thread instead.
 */
__attribute__((noreturn)) void rt_thread_exit(int64_t code);

/* ThreadControl.setTlsBase on the calling thread (used by the runtime;
 * a program that moves FS loses rt_self()). */
int rt_thread_set_tls_base(uint64_t addr);

/* ---- park and unpark ---- */

/*
 * Sleeps while *word == expected (checked atomically with going to
 * sleep), for at most timeout_ns (0: no limit). Returns 0 when an
 * rt_unpark woke it, CAPOS_E_CHANGED at once if *word held another value,
 * CAPOS_E_TIMED_OUT, or another transport error (CAPOS_E_BAD_SQE: word
 * not 4-byte aligned; CAPOS_E_BAD_POINTER: not mapped).
 */
int rt_park(const uint32_t *word, uint32_t expected, uint64_t timeout_ns);

/* Wakes up to n threads parked on word, oldest first (RT_UNPARK_ALL:
 * every one). Returns how many it woke, or a transport error. */
#define RT_UNPARK_ALL CAPOS_UNPARK_ALL
int rt_unpark(const uint32_t *word, uint32_t n);

/* ---- mutex ---- */

/*
 * A mutex of one word: 0 free, 1 held, 2 held and someone may be parked
 * on it. Uncontended lock and unlock are one atomic instruction each and
 * no system call. Zero is unlocked (RT_MUTEX_INIT).
 */
struct rt_mutex {
	uint32_t state;
};

#define RT_MUTEX_INIT \
	{             \
		0     \
	}

void rt_mutex_lock(struct rt_mutex *m);
/* Returns true if it took the mutex (never waits). */
bool rt_mutex_trylock(struct rt_mutex *m);
void rt_mutex_unlock(struct rt_mutex *m);

/* ---- condition variable ---- */

/*
 * A condition variable: a sequence word every signal advances (a waiter
 * parks on the value it saw, so a signal between its unlock and its park
 * is never lost) and a count of waiters (no UNPARK when there are none).
 * Zero is ready (RT_COND_INIT). Wake-ups may be spurious: wait in a loop.
 */
struct rt_cond {
	uint32_t seq;
	uint32_t waiters;
};

#define RT_COND_INIT \
	{            \
		0, 0 \
	}

/* Unlocks m, sleeps until a signal (or spuriously), locks m again. */
void rt_cond_wait(struct rt_cond *c, struct rt_mutex *m);
/* As rt_cond_wait for at most timeout_ns (0: no limit). Returns 0, or
 * CAPOS_E_TIMED_OUT (m is held again either way). */
int rt_cond_timedwait(struct rt_cond *c, struct rt_mutex *m,
                      uint64_t timeout_ns);
void rt_cond_signal(struct rt_cond *c);
void rt_cond_broadcast(struct rt_cond *c);

#endif
