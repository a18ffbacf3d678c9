/*
 * sched.c - a preemptive round-robin scheduler for one CPU.
 *
 * One FIFO run queue; blocked threads sit on no queue (or, with a
 * deadline, on the sleep list ordered by deadline), so they cost nothing.
 * Preemption happens only on the way back to user mode: kernel code is
 * never switched out in the middle, which keeps its invariants simple.
 * Every function here runs with interrupts off.
 */
#include <string.h>
#include <kernel/arch.h>
#include <kernel/cpu.h>
#include <kernel/ktimer.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

static struct cpu boot_cpu;
static struct thread *run_head, *run_tail;
static struct thread *sleepers; /* ordered by deadline_ns */
static struct thread *to_reap;  /* dead, its stack still in use */
static uint32_t next_tid = 1;

struct thread *current_thread(void)
{
	return this_cpu()->current;
}

/* ns = cycles * (1e9 / hz), with the factor in 32.32 fixed point so the
 * hot path multiplies and shifts but never divides. */
uint64_t time_now_ns(void)
{
	static uint64_t mult;
	uint64_t hz;

	if (!mult) {
		hz = arch_cycles_per_second();
		if (!hz)
			return 0;
		mult = (1000000000ull << 32) / hz;
	}
	return (uint64_t)(((unsigned __int128)arch_cycles() * mult) >> 32);
}

static void run_enqueue(struct thread *t)
{
	KASSERT(t->state == THREAD_RUNNABLE);
	t->next = NULL;
	if (run_tail)
		run_tail->next = t;
	else
		run_head = t;
	run_tail = t;
}

static struct thread *run_dequeue(void)
{
	struct thread *t = run_head;

	if (t) {
		run_head = t->next;
		if (!run_head)
			run_tail = NULL;
		t->next = NULL;
	}
	return t;
}

static void sleep_remove(struct thread *t)
{
	for (struct thread **p = &sleepers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			t->next = NULL;
			return;
		}
	}
}

static void sleep_insert(struct thread *t)
{
	struct thread **p = &sleepers;

	while (*p && (*p)->deadline_ns <= t->deadline_ns)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

static void reap(void)
{
	if (to_reap && to_reap != current_thread()) {
		thread_free(to_reap);
		to_reap = NULL;
	}
}

/* Picks the next thread and switches to it. Interrupts are off. */
static void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current, *next;

	c->need_resched = false;
	if (prev->state == THREAD_RUNNING && prev != c->idle) {
		prev->state = THREAD_RUNNABLE;
		run_enqueue(prev);
	}
	next = run_dequeue();
	if (!next)
		next = c->idle;
	if (prev->state == THREAD_DEAD) {
		KASSERT(!to_reap);
		to_reap = prev;
	}
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		return;
	}
	next->state = THREAD_RUNNING;
	if (next->proc)
		process_activate(next->proc);
	arch_thread_switch(prev, next);
	reap();
}

/* Called by a new thread's first instructions (arch trampoline). */
void sched_first_run(void)
{
	reap();
	arch_irq_enable();
}

void sched_make_runnable(struct thread *t)
{
	uint64_t s = arch_irq_save();

	KASSERT(t->state == THREAD_NEW);
	t->state = THREAD_RUNNABLE;
	run_enqueue(t);
	arch_irq_restore(s);
}

void sched_wake(struct thread *t)
{
	uint64_t s = arch_irq_save();

	if (t->state == THREAD_BLOCKED) {
		if (t->deadline_ns)
			sleep_remove(t);
		t->timed_out = false;
		t->state = THREAD_RUNNABLE;
		run_enqueue(t);
	}
	arch_irq_restore(s);
}

bool sched_block(uint64_t deadline_ns)
{
	uint64_t s = arch_irq_save();
	struct thread *t = current_thread();

	KASSERT(t->state == THREAD_RUNNING && t != this_cpu()->idle);
	t->state = THREAD_BLOCKED;
	t->timed_out = false;
	t->deadline_ns = deadline_ns;
	if (deadline_ns)
		sleep_insert(t);
	schedule();
	t->deadline_ns = 0;
	arch_irq_restore(s);
	return !t->timed_out;
}

void sched_yield(void)
{
	uint64_t s = arch_irq_save();

	schedule();
	arch_irq_restore(s);
}

/* Timer interrupt: wake threads whose deadline passed; end the slice. */
void sched_tick(void)
{
	uint64_t now = time_now_ns();

	while (sleepers && sleepers->deadline_ns <= now) {
		struct thread *t = sleepers;

		sleepers = t->next;
		t->next = NULL;
		t->deadline_ns = 0;
		t->timed_out = true;
		t->state = THREAD_RUNNABLE;
		run_enqueue(t);
	}
	timers_fire(now);
	if (run_head)
		this_cpu()->need_resched = true;
}

void sched_return_to_user(void)
{
	struct thread *t = current_thread();

	if (t->killed)
		thread_exit_current();
	if (this_cpu()->need_resched)
		sched_yield();
	if (t->killed)
		thread_exit_current();
}

void sched_exit_current(void)
{
	arch_irq_disable();
	current_thread()->state = THREAD_DEAD;
	schedule();
	panic("sched: a dead thread ran again");
}

static void idle_loop(void *arg)
{
	(void)arg;
	for (;;) {
		kernel_idle();
		arch_wait_for_interrupt();
		if (run_head)
			sched_yield();
	}
}

static uint8_t boot_fpu_area[sizeof(struct thread)]
    __attribute__((aligned(16)));

void sched_init(void)
{
	cpu_init_this(&boot_cpu, 0);
	boot_cpu.idle = thread_create_kernel(idle_loop, NULL);
	if (!boot_cpu.idle)
		panic("sched: no memory for the idle thread");
	/* The boot context becomes a thread that will never be resumed. */
	boot_cpu.current = (struct thread *)boot_fpu_area;
	boot_cpu.current->state = THREAD_RUNNING;
}

void sched_start(void)
{
	arch_irq_disable();
	boot_cpu.current->state = THREAD_DEAD;
	schedule();
	panic("sched: boot context resumed");
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->kstack = kmalloc(KSTACK_SIZE);
	if (!t->kstack) {
		kfree(t);
		return NULL;
	}
	t->tid = next_tid++;
	t->state = THREAD_NEW;
	arch_thread_init(t, fn, arg);
	return t;
}

void thread_free(struct thread *t)
{
	/* The boot context is not heap memory: never free it. */
	if ((uint8_t *)t == boot_fpu_area)
		return;
	kfree(t->kstack);
	kfree(t);
}
