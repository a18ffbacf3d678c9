/*
 * rt.h - the capOS C runtime: the ring client, initial capabilities, and
 * typed clients for the kernel's interfaces.
 *
 * A program gets its first thread's ring and its CapSet from _start. Calls
 * are SQEs; completions are matched by user_data, so they may arrive in
 * any order. Every thread has its own ring and its own runtime state
 * (struct rt_thread): each function here works on the calling thread's
 * ring, and the typed clients may be called from any thread at once
 * (capos/rt_thread.h starts threads; docs/threads.md).
 */
#ifndef CAPOS_RT_H
#define CAPOS_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <capos/capid.h>
#include <capos/capset.h>
#include <capos/errors.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <capos/transfer.h>
#include <capos.capnp.h>

/* System calls. */
long capos_cap_enter(uint64_t min_complete, uint64_t timeout_ns);
__attribute__((noreturn)) void capos_exit(int64_t code);

/* What _start was given: the FIRST thread's ring and id (rt_self() for
 * the calling thread's), and the process's CapSet. */
extern struct capos_ring *rt_ring;
extern uint64_t rt_thread_id;
extern const struct capos_capset_header *rt_capset;

/* A CapException as read back from a result buffer (rt_endpoint.h). */
struct rt_exception {
	enum capos_exception_type type;
	char reason[96]; /* NUL-terminated, cut to fit */
};

#define RT_HELD_MAX 64 /* completions kept for later waiters, per thread */

/*
 * One thread's runtime state. `self` is first: once threads are on, each
 * thread's FS base points at its own struct, so FS:0 finds it. The first
 * thread's is static (rt_main_thread); a spawned thread's sits at the top
 * of its stack (thread.c). ring and tid are for programs to read; the
 * rest belongs to the runtime.
 */
struct rt_thread {
	struct rt_thread *self;
	struct capos_ring *ring;
	uint64_t tid;
	uint64_t next_user_data;
	uint32_t nheld;
	struct capos_cqe held[RT_HELD_MAX]; /* read, not yet asked for */
	struct rt_exception exception;      /* rt_exception_last() */
	void *serving;                      /* serve.c: the rt_serve running */
	/* Set by rt_thread_spawn for the thread and its joiner. */
	int64_t (*fn)(void *arg);
	void *arg;
	capos_cap_t handle; /* its ThreadHandle */
	uint64_t stack_base, stack_len;
};

extern struct rt_thread rt_main_thread;
/* Nonzero once every thread's FS:0 holds its struct rt_thread (set before
 * the first thread is spawned; musl programs never set it). */
extern int rt_fs_self;

/* The calling thread's runtime state. */
static inline struct rt_thread *rt_self(void)
{
	struct rt_thread *t;

	if (!__atomic_load_n(&rt_fs_self, __ATOMIC_RELAXED))
		return &rt_main_thread;
	/* volatile: never hoisted above the check (FS is 0 before it). */
	__asm__ volatile("mov %%fs:0, %0" : "=r"(t));
	return t;
}

/* The program's main; its return value is the exit code. */
int main(void);

/*
 * Finds the initial capability called `name` whose interface is
 * `interface_id`. Returns its CapId, or CAPOS_CAP_NULL if there is none
 * or its interface differs (no typed client for the wrong type).
 */
capos_cap_t rt_capset_find(const char *name, uint64_t interface_id);

/*
 * Queues an SQE on thread t's ring; user_data 0 gets a fresh value.
 * Returns its user_data, or 0 when the SQ is full (flush and retry).
 * Inline: a caller's SQE is usually built in place, and the compiler
 * then writes its fields straight into the ring's slot.
 */
static inline uint64_t rt_submit_on(struct rt_thread *t,
                                    const struct capos_sqe *sqe)
{
	struct capos_ring *r = t->ring;
	uint32_t tail = r->hdr.sq_tail;
	uint64_t user_data = sqe->user_data;
	struct capos_sqe *slot;

	if (tail - __atomic_load_n(&r->hdr.sq_head, __ATOMIC_ACQUIRE) >=
	    CAPOS_RING_SQ_ENTRIES)
		return 0;
	slot = &r->sq[tail & (CAPOS_RING_SQ_ENTRIES - 1)];
	*slot = *sqe;
	if (!user_data)
		slot->user_data = user_data = t->next_user_data++;
	__atomic_store_n(&r->hdr.sq_tail, tail + 1, __ATOMIC_RELEASE);
	return user_data;
}

/* rt_submit_on for the calling thread. */
static inline uint64_t rt_submit(const struct capos_sqe *sqe)
{
	return rt_submit_on(rt_self(), sqe);
}

/* Submits everything queued; never blocks. Returns cap_enter's result. */
long rt_flush(void);

/*
 * Waits for the completion with this user_data (submitting queued SQEs
 * first). Completions for other user_data that arrive meanwhile are kept
 * for their own waiters. Returns 0 with *cqe, or a negative cap_enter
 * error.
 */
int rt_wait(uint64_t user_data, struct capos_cqe *cqe);

/* rt_wait for thread t (the calling one). */
int rt_wait_on(struct rt_thread *t, uint64_t user_data, struct capos_cqe *cqe);

/*
 * rt_wait for an SQE queued since this thread last entered the kernel
 * (as after rt_submit): it cannot have completed, so this enters the
 * kernel first and then takes the answer, usually the one completion
 * posted, without the held table. Correct for any user_data (only
 * slower if it had completed). Returns as rt_wait. Inline: it is every
 * synchronous call's wait, and the call was a tenth of the user side of
 * an endpoint round trip.
 */
static inline int rt_enter_wait_on(struct rt_thread *t, uint64_t user_data,
                                   struct capos_cqe *cqe)
{
	struct capos_ring_header *h = &t->ring->hdr;
	long rc = capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
	uint32_t head;

	if (rc < 0)
		return (int)rc;
	/* The oldest completion is usually the one: a synchronous call's
	 * answer, alone in the CQ. Anything else takes the long way. */
	head = h->cq_head;
	if (head != __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE)) {
		const struct capos_cqe *c =
		    &t->ring->cq[head & (CAPOS_RING_CQ_ENTRIES - 1)];

		if (c->user_data == user_data) {
			*cqe = *c;
			__atomic_store_n(&h->cq_head, head + 1,
			                 __ATOMIC_RELEASE);
			return 0;
		}
	}
	return rt_wait_on(t, user_data, cqe);
}

/* rt_enter_wait_on for the calling thread. */
static inline int rt_enter_wait(uint64_t user_data, struct capos_cqe *cqe)
{
	return rt_enter_wait_on(rt_self(), user_data, cqe);
}

/*
 * Submits one SQE (flushing while the SQ is full) and waits for its
 * completion. Returns the CQE's result (with *cqe if not NULL), or a
 * negative cap_enter error.
 */
int rt_submit_wait(const struct capos_sqe *sqe, struct capos_cqe *cqe);

/*
 * Waits for the first completion among user_data[0..n) (0 entries are
 * skipped). Returns its index with *cqe, or a negative cap_enter error.
 */
int rt_wait_any(const uint64_t *user_data, uint32_t n, struct capos_cqe *cqe);

/*
 * One synchronous call that also transfers xfer[0..nxfer) (copy or move,
 * docs/abi.md "Transfer"). Returns the CQE's result with *cqe (its flags
 * say EXCEPTION, its caps how many CapIds follow the result message).
 */
int rt_call_xfer(capos_cap_t cap, uint16_t method, const void *params,
                 uint32_t params_len, void *result, uint32_t result_len,
                 const struct capos_xfer *xfer, uint16_t nxfer,
                 struct capos_cqe *cqe);

/*
 * One synchronous call. Returns the CQE's result: >= 0 the result length
 * (with *exception set if the buffer holds a CapException), < 0 a
 * transport error.
 */
int rt_call(capos_cap_t cap, uint16_t method, const void *params,
            uint32_t params_len, void *result, uint32_t result_len,
            bool *exception);

/* A user_data whose completion the runtime drops unread (rt_release). */
#define RT_USER_DATA_DISCARD UINT64_MAX

/* Release: queued for the next flush (rt_release; its completion is
 * dropped, errors included) or done now (rt_release_now: its result). */
void rt_release(capos_cap_t cap);
int rt_release_now(capos_cap_t cap);

/* Typed clients (kernel interfaces). */
#define RT_IFACE_CONSOLE        CAPOS_CONSOLE_INTERFACE_ID
#define RT_IFACE_TIMER          CAPOS_TIMER_INTERFACE_ID
#define RT_IFACE_THREAD_CONTROL CAPOS_THREAD_CONTROL_INTERFACE_ID

int rt_console_write(capos_cap_t console, const void *data, uint32_t len);
int rt_console_write_line(capos_cap_t console, const char *text);
/* Returns bytes read (>= 1) or a negative error. */
int rt_console_read(capos_cap_t console, void *buf, uint32_t max);
/* Returns 0 with *ns, or a negative error. */
int rt_timer_now(capos_cap_t timer, uint64_t *ns);
int rt_timer_sleep(capos_cap_t timer, uint64_t ns);

#define RT_IFACE_FRAME_ALLOCATOR CAPOS_FRAME_ALLOCATOR_INTERFACE_ID
#define RT_IFACE_MEMORY_OBJECT   CAPOS_MEMORY_OBJECT_INTERFACE_ID
#define RT_PROT_READ             1
#define RT_PROT_READ_WRITE       2

/* Allocates pages of memory; *memory is the new MemoryObject's CapId.
 * Over quota: CAPOS_E_QUOTA. */
int rt_frames_alloc(capos_cap_t frames, uint32_t pages, bool contiguous,
                    capos_cap_t *memory);
/* Maps [offset, offset+length) of it (hint 0: anywhere) at *addr. */
int rt_memory_map(capos_cap_t memory, uint64_t hint, uint64_t offset,
                  uint64_t length, uint16_t prot, uint64_t *addr);
int rt_memory_unmap(capos_cap_t memory, uint64_t addr, uint64_t length);
int rt_memory_pages(capos_cap_t memory, uint32_t *pages);

#endif
