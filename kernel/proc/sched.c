/*
 * sched.c - a preemptive round-robin scheduler, one run queue per CPU.
 *
 * Each CPU runs its own FIFO run queue; blocked threads sit on no queue
 * (or, with a deadline, on the global sleep list ordered by deadline),
 * so they cost nothing. Placement: a thread that becomes runnable goes
 * to an idle CPU, the one it last ran on if that one is idle, and is
 * queued behind the running thread only when no CPU is idle (then it
 * waits at most a tick: the timer ends the running thread's slice). A
 * CPU that finds its own queue empty steals the oldest thread of the
 * busiest queue; idle CPUs look again at every tick of their own.
 *
 * Preemption happens only on the way back to user mode: kernel code is
 * never switched out in the middle. Everything here runs with
 * interrupts off and the big kernel lock held (kernel/biglock.h); the
 * lock goes along through arch_thread_switch to the next thread.
 */
#include <string.h>
#include <kernel/arch.h>
#include <kernel/as.h>
#include <kernel/biglock.h>
#include <kernel/cpu.h>
#include <kernel/ktimer.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/thread.h>

struct cpu *cpu_by_id[MAX_CPUS];
uint32_t cpu_id_limit;

static struct cpu boot_cpu;
static struct thread *sleepers; /* ordered by deadline_ns */
static uint32_t next_tid = 1;

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

static void run_enqueue(struct cpu *c, struct thread *t)
{
	KASSERT(t->state == THREAD_RUNNABLE);
	t->next = NULL;
	if (c->run_tail)
		c->run_tail->next = t;
	else
		c->run_head = t;
	c->run_tail = t;
	c->nr_queued++;
}

static struct thread *run_dequeue(struct cpu *c)
{
	struct thread *t = c->run_head;

	if (t) {
		c->run_head = t->next;
		if (!c->run_head)
			c->run_tail = NULL;
		t->next = NULL;
		c->nr_queued--;
	}
	return t;
}

/* The oldest thread of the busiest other queue, or NULL. */
static struct thread *steal(struct cpu *self)
{
	struct cpu *victim = NULL;

	for (uint32_t i = 0; i < cpu_id_limit; i++) {
		struct cpu *v = cpu_by_id[i];

		if (v && v != self && v->nr_queued &&
		    (!victim || v->nr_queued > victim->nr_queued))
			victim = v;
	}
	return victim ? run_dequeue(victim) : NULL;
}

static struct cpu *idle_cpu(void)
{
	for (uint32_t i = 0; i < cpu_id_limit; i++) {
		struct cpu *c = cpu_by_id[i];

		if (c && c->idling)
			return c;
	}
	return NULL;
}

/*
 * Queues a runnable t: on `prefer` if it is idle, else on any idle CPU,
 * else here. An idle CPU other than this one is kicked (and marked no
 * longer idle, so one kick is enough); this CPU, if idle, is in an
 * interrupt and its idle loop looks at its queue next.
 */
static void place(struct thread *t, struct cpu *prefer)
{
	struct cpu *self = this_cpu(), *c = prefer;

	if (!c || !c->idling)
		c = self->current == self->idle ? self : idle_cpu();
	if (!c)
		c = self;
	run_enqueue(c, t);
	if (c != self && c->idling) {
		c->idling = false;
		smp_kick(c);
	}
}

/* The first sleeper's deadline, for a look without the big lock
 * (sched_tick_due). */
static uint64_t first_wake = UINT64_MAX;

static void note_first_wake(void)
{
	__atomic_store_n(&first_wake,
	                 sleepers ? sleepers->deadline_ns : UINT64_MAX,
	                 __ATOMIC_RELAXED);
}

static void sleep_remove(struct thread *t)
{
	for (struct thread **p = &sleepers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			t->next = NULL;
			break;
		}
	}
	note_first_wake();
}

static void sleep_insert(struct thread *t)
{
	struct thread **p = &sleepers;

	while (*p && (*p)->deadline_ns <= t->deadline_ns)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	note_first_wake();
}

/* Frees the thread that died on this CPU, once we are off its stack. */
static void reap(void)
{
	struct cpu *c = this_cpu();

	if (c->to_reap && c->to_reap != c->current) {
		thread_free(c->to_reap);
		c->to_reap = NULL;
	}
}

/* Picks the next thread and switches to it. Interrupts are off. */
static void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current, *next;

	KASSERT(kernel_lock_held());
	c->need_resched = false;
	if (prev->state == THREAD_RUNNING && prev != c->idle) {
		prev->state = THREAD_RUNNABLE;
		run_enqueue(c, prev);
	}
	prev->may_handoff = false;
	next = prev->handoff;
	if (next)
		prev->handoff = NULL; /* ahead of the queue: see below */
	else if (!(next = run_dequeue(c)) && !(next = steal(c)))
		next = c->idle;
	if (prev->state == THREAD_DEAD) {
		KASSERT(!c->to_reap);
		c->to_reap = prev;
	}
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		return;
	}
	next->state = THREAD_RUNNING;
	next->cpu = c;
	if (next->proc)
		process_activate(next->proc);
	arch_thread_switch(prev, next);
	/* Possibly on another CPU now: `c` is stale. */
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
	place(t, NULL);
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
		place(t, t->cpu);
	}
	arch_irq_restore(s);
}

/*
 * The hand-off runs the woken thread on the waker's CPU in the waker's
 * place, ahead of any thread queued here: a synchronous call's server
 * (and then its caller) goes on at once instead of behind the queue or
 * on another CPU woken by an IPI. The queue waits at most until the tick
 * ends the slice of the chain of hand-offs, as behind any thread.
 */
void sched_wake_handoff(struct thread *t)
{
	uint64_t s = arch_irq_save();
	struct thread *cur = current_thread();

	if (cur->may_handoff && !cur->handoff && t->state == THREAD_BLOCKED) {
		if (t->deadline_ns)
			sleep_remove(t);
		t->timed_out = false;
		t->state = THREAD_RUNNABLE;
		cur->handoff = t;
	} else {
		sched_wake(t);
	}
	arch_irq_restore(s);
}

void sched_handoff_place(struct thread *cur)
{
	struct thread *t = cur->handoff;
	uint64_t s;

	cur->may_handoff = false;
	if (!t)
		return;
	s = arch_irq_save();
	cur->handoff = NULL;
	place(t, t->cpu);
	arch_irq_restore(s);
}

/*
 * The direct path's switch (kernel/cap/ring_enter.c): the current
 * thread blocks, its wait already noted in its ring, and `next`, blocked
 * without a deadline and just given what it waited for, runs here at
 * once. What schedule() does for a hand-off, without the queues: the
 * hand-off's fairness holds (the tick ends the chain's slice). Returns
 * when the current thread runs again, woken like any blocked thread.
 */
/* reap for sched_direct.h, out of line; reap itself stays static so
 * that schedule's calls inline it. */
void sched_reap(void)
{
	reap();
}

void sched_kick(struct thread *t)
{
	if (t->state == THREAD_RUNNING && t->cpu && t->cpu != this_cpu())
		smp_kick(t->cpu);
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

bool sched_tick_due(void)
{
	uint64_t first = __atomic_load_n(&first_wake, __ATOMIC_RELAXED);
	uint64_t timer = ktimer_first_deadline();

	return time_now_ns() >= (first < timer ? first : timer);
}

void sched_tick_local(void)
{
	struct cpu *c = this_cpu();

	/* A racy look at our own queue: a thread queued just after it is
	 * seen at the next tick (or was kicked here anyway). */
	if (__atomic_load_n(&c->nr_queued, __ATOMIC_RELAXED))
		c->need_resched = true;
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
		place(t, t->cpu);
	}
	note_first_wake();
	timers_fire(now);
}

void sched_return_to_user(void)
{
	struct thread *t = current_thread();

	/* The common case leaves without the big lock (cap_enter's
	 * lock-free path). `killed` comes from other CPUs with a kick,
	 * need_resched from this CPU's interrupts: one set after this look
	 * is seen at the next tick or kick. */
	if (!t->killed && !this_cpu()->need_resched)
		return;
	kernel_lock_ensure();
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

/*
 * A CPU's idle thread: runs what it can find (its queue, or stolen),
 * then gives the big lock back and halts until an interrupt: its timer
 * tick (a chance to steal again) or a kick from a CPU that queued work
 * for it. It first leaves every process's page tables, so shootdowns
 * never need to wait for a halted CPU.
 */
static void idle_loop(void *arg)
{
	struct cpu *c = this_cpu(); /* an idle thread never moves */

	(void)arg;
	arch_irq_disable();
	for (;;) {
		kernel_idle();
		schedule();
		if (c->nr_queued)
			continue;
		c->idling = true;
		as_activate_kernel();
		kernel_unlock();
		arch_wait_for_interrupt();
		arch_irq_disable();
		kernel_lock();
		c->idling = false;
	}
}

static void cpu_register(struct cpu *c)
{
	KASSERT(c->id < MAX_CPUS && !cpu_by_id[c->id]);
	cpu_by_id[c->id] = c;
	if (c->id >= cpu_id_limit)
		cpu_id_limit = c->id + 1;
}

/* Boot contexts become threads that are never resumed; static, so that
 * the heap looks the same before and after the CPUs join. */
static uint8_t boot_fpu_area[sizeof(struct thread)]
    __attribute__((aligned(16)));
static struct thread ap_boot_context[MAX_CPUS];

void sched_early_init(void)
{
	cpu_init_this(&boot_cpu, 0);
	/* The boot context is the first thread; it will never be resumed. */
	boot_cpu.current = (struct thread *)boot_fpu_area;
	boot_cpu.current->state = THREAD_RUNNING;
	cpu_register(&boot_cpu);
	kernel_lock();
}

void sched_init(void)
{
	boot_cpu.idle = thread_create_kernel(idle_loop, NULL);
	if (!boot_cpu.idle)
		panic("sched: no memory for the idle thread");
}

void sched_start(void)
{
	arch_irq_disable();
	smp_release_aps();
	boot_cpu.current->state = THREAD_DEAD;
	schedule();
	panic("sched: boot context resumed");
}

/* Registered before it starts, so that it can be woken while it waits
 * for the big lock; it has no queue and is never idle until it joins. */
bool sched_prepare_cpu(struct cpu *c)
{
	KASSERT(c->id < MAX_CPUS);
	c->idle = thread_create_kernel(idle_loop, NULL);
	if (!c->idle)
		return false;
	cpu_register(c);
	return true;
}

void sched_unprepare_cpu(struct cpu *c)
{
	if (c->idle)
		thread_free(c->idle);
	c->idle = NULL;
	cpu_by_id[c->id] = NULL;
}

void sched_ap_start(struct cpu *c)
{
	struct thread *boot = &ap_boot_context[c->id];

	KASSERT(kernel_lock_held() && c == this_cpu() && c->idle);
	boot->state = THREAD_RUNNING;
	c->current = boot;
	boot->state = THREAD_DEAD;
	schedule();
	panic("sched: an AP's boot context resumed");
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg)
{
	struct thread *t = kzalloc(sizeof(*t));
	paddr_t pa;

	if (!t)
		return NULL;
	/* Whole frames, not the heap: a heap header would make it five. */
	pa = frame_alloc_run(KSTACK_SIZE / PAGE_SIZE);
	if (pa == FRAME_NONE) {
		kfree(t);
		return NULL;
	}
	t->kstack = phys_to_virt(pa);
	t->tid = next_tid++;
	t->state = THREAD_NEW;
	arch_thread_init(t, fn, arg);
	return t;
}

void thread_free(struct thread *t)
{
	/* Boot contexts are not heap memory: never free them. */
	if ((uint8_t *)t == boot_fpu_area ||
	    (t >= ap_boot_context && t < ap_boot_context + MAX_CPUS))
		return;
	frame_free_run(virt_to_phys(t->kstack), KSTACK_SIZE / PAGE_SIZE);
	kfree(t);
}
