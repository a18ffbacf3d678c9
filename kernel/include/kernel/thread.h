/*
 * thread.h - threads, the scheduler's unit. Each user thread has its own
 * kernel stack and its own ring page (R1: one ring per thread).
 *
 * State machine (asserted in sched.c):
 *   NEW -> RUNNABLE -> RUNNING -> (RUNNABLE | BLOCKED | DEAD)
 *   BLOCKED -> RUNNABLE (woken, or its deadline passed)
 * A DEAD thread never runs again; its stack is freed by the next thread
 * that runs (never by itself, since it still stands on it).
 */
#ifndef CAPOS_KERNEL_THREAD_H
#define CAPOS_KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/percpu.h>
#include <arch/thread.h>
#include <capos/ring.h>
#include <kernel/as.h>
#include <kernel/spinlock.h>

struct process;
struct pending_call;
struct ep_call;

enum thread_state {
	THREAD_NEW,
	THREAD_RUNNABLE,
	THREAD_RUNNING,
	THREAD_BLOCKED,
	THREAD_DEAD,
};

#define KSTACK_SIZE (16 * 1024)

struct thread {
	struct arch_thread arch;
	enum thread_state state;
	uint32_t tid;
	struct process *proc;     /* NULL for kernel threads (idle) */
	struct thread *next;      /* run queue or sleep list link */
	struct thread *proc_next; /* the process's list of threads */
	void *kstack;             /* KSTACK_SIZE bytes */

	/* Scheduling: the CPU it runs or last ran on. */
	struct cpu *cpu;

	/* Blocking: a wake-up deadline (ns, 0 = none) and why it woke. */
	uint64_t deadline_ns;
	bool timed_out;

	/* The ring: user address, kernel view, private indices. */
	uint64_t ring_user;
	struct capos_ring *ring;
	uint32_t sq_head;      /* next SQE the kernel reads */
	uint64_t sqe_seq;      /* SQEs taken ever: transfer keys (R5) */
	uint32_t cq_tail;      /* next CQE slot the kernel writes */
	uint32_t cq_reserved;  /* CQEs promised to calls still in flight */
	uint32_t cq_head_seen; /* user's cq_head as read at cap_enter */
	uint32_t wait_min;     /* blocked in cap_enter until this many CQEs */
	/* Guards the CQ side (cq_tail, cq_reserved, cq_head_seen, the CQEs):
	 * the thread posts its own completions without the big lock, other
	 * threads and the timer post theirs with it. A leaf lock. */
	struct spinlock ring_lock;
	bool waiting_cq;
	/* Blocked in a CQ wait that one more CQE ends, without a deadline:
	 * what the endpoint's direct path looks for (call.h,
	 * ring_wakes_on_one). Set as it blocks, cleared as it resumes or is
	 * killed; meaningful only while the thread is BLOCKED. */
	bool wait_direct;
	/* The hand-off (sched_wake_handoff): set while this thread, in
	 * cap_enter, means to block; `handoff` is the thread it woke to run
	 * in its place, RUNNABLE but on no queue. */
	bool may_handoff;
	struct thread *handoff;
	struct pending_call *pending; /* calls that will complete later */
	/* Its buffers as last resolved (as.h): the RECV, result and RETURN
	 * buffers of an endpoint loop. Under the big lock only. */
	struct as_span_cache ucache;
	/* Its own endpoint call record (kernel/object/endpoint.c), made at
	 * its first call and charged to its process once: a synchronous
	 * caller's calls need no record of their own. call_own is the
	 * record once made; call_record is it too, but NULL while a call
	 * uses it. That call's pending record is not on `pending`: the
	 * thread's exit finds it here (endpoint_thread_exit). Under the big
	 * lock only. */
	struct ep_call *call_record, *call_own;
	bool killed; /* exit at the next return to user mode */

	/* A user thread: where it starts, and how it ended. */
	uint64_t user_entry, user_stack, user_arg;
	uint32_t ring_slot;     /* its ring page among the process's */
	int64_t exit_code;      /* ThreadControl.exit's; -1 if none */
	struct kobject *handle; /* its ThreadHandle, if not detached */
};

/* Creates a thread that will start by calling fn(arg) in kernel mode. */
struct thread *thread_create_kernel(void (*fn)(void *), void *arg);
void thread_free(struct thread *t);

/* Arch: prepares t's kernel stack so the first switch calls fn(arg). */
void arch_thread_init(struct thread *t, void (*fn)(void *), void *arg);
/* Arch: switches from prev to next (saves and restores FPU and FS). */
void arch_thread_switch(struct thread *prev, struct thread *next);
/* Arch: the same, loading address space `as` first (as_activate) - one
 * call where a switch between processes would make two. */
void arch_thread_switch_as(struct thread *prev, struct thread *next,
                           const struct addr_space *as);
/* Arch: enters user mode at entry with the ABI's three arguments. */
__attribute__((noreturn)) void arch_enter_user(uint64_t entry, uint64_t stack,
                                               uint64_t a0, uint64_t a1,
                                               uint64_t a2);
void arch_thread_set_tls(struct thread *t, uint64_t base);

/* Scheduler (kernel/proc/sched.c). */
struct cpu;
/* The boot CPU's per-CPU data, then the big kernel lock: first thing. */
void sched_early_init(void);
void sched_init(void);
/* Before an AP starts: its idle thread (returns false if no memory);
 * and the undo, for an AP that did not come up. */
bool sched_prepare_cpu(struct cpu *c);
void sched_unprepare_cpu(struct cpu *c);
/* An AP joins the scheduler (big lock held); never returns. */
__attribute__((noreturn)) void sched_ap_start(struct cpu *c);
/* Makes a thread running on another CPU pass through the kernel soon. */
void sched_kick(struct thread *t);
void sched_make_runnable(struct thread *t);
void sched_wake(struct thread *t);
/*
 * A direct hand-off from the current thread to one it wakes (an
 * endpoint's caller to its server and back). While the current thread's
 * may_handoff is set (it means to block after the kernel work at hand),
 * the first thread sched_wake_handoff() wakes is kept in its `handoff`
 * and runs on this CPU as soon as it blocks: not placed on a queue, no
 * idle CPU looked for or kicked. Any other wake is sched_wake's. A
 * thread that does not block after all clears may_handoff and, if it
 * kept one, calls sched_handoff_place() (the kept thread is placed as
 * sched_wake would).
 */
void sched_wake_handoff(struct thread *t);
void sched_handoff_place(struct thread *cur);
/* Frees the thread that died on this CPU, if any (sched.c's reap; for
 * sched_switch_direct in kernel/sched_direct.h). */
void sched_reap(void);
/* Blocks the current thread until woken or until deadline_ns (0: none).
 * Returns false if it woke because the deadline passed. */
bool sched_block(uint64_t deadline_ns);
void sched_yield(void);
/* The tick's shared work (sleepers, kernel timers): big lock held. */
void sched_tick(void);
/* True if sched_tick has something to do now; no lock needed. */
bool sched_tick_due(void);
/* The tick's per-CPU part (end of the time slice); no lock needed. */
void sched_tick_local(void);
/* Runs the scheduler loop on this CPU; never returns. */
__attribute__((noreturn)) void sched_start(void);
/* At every return to user mode: reschedule or die if asked. */
void sched_return_to_user(void);
__attribute__((noreturn)) void sched_exit_current(void);
static inline struct thread *current_thread(void)
{
	return arch_this_thread();
}

/* Monotonic time in ns since boot (TSC based). */
uint64_t time_now_ns(void);

/* Called by the idle thread each time it has nothing to run (main.c). */
void kernel_idle(void);

#endif
