/*
 * process.c - creating processes, and taking them apart again.
 *
 * Everything a process holds hangs off struct process: its address space
 * (which owns every frame mapped into it: code, data, stack, CapSet, ring
 * pages), its cap table, and its threads (each with a kernel stack). When
 * the last thread leaves, all of it is returned; the struct itself lives
 * on while anyone still holds a reference (a ProcessHandle, later).
 */
#include <string.h>
#include <capos/capset.h>
#include <capos/errors.h>
#include <capos/transfer.h>
#include <transfer.h>
#include <kernel/biglock.h>
#include <kernel/endpoint.h>
#include <kernel/arch.h>
#include <kernel/kobject.h>
#include <kernel/objects.h>
#include <kernel/loader.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/thread.h>
#include <kernel/vm_region.h>

static uint32_t next_pid = 1;
bool process_log_exits = true;
static uint32_t live_processes;

uint32_t process_count(void)
{
	return live_processes;
}

struct process *current_process(void)
{
	struct thread *t = current_thread();

	return t ? t->proc : NULL;
}

const uint64_t proc_default_limits[LEDGER_COUNT] = {
    [LEDGER_FRAMES] = PROC_FRAMES_QUOTA_DEFAULT,
    [LEDGER_CAP_SLOTS] = CAPOS_CAP_SLOTS_DEFAULT,
    [LEDGER_THREADS] = 64,
    [LEDGER_ENDPOINT_QUEUE] = 128,
    [LEDGER_KERNEL_MEMORY] = 262144,
};

/* Kernel memory a thread costs its process: the struct, its stack and
 * its own endpoint call record (made at its first call: thread.h). */
#define THREAD_KMEM \
	(sizeof(struct thread) + KSTACK_SIZE + endpoint_call_record_kmem)

/* Maps `pages` fresh zeroed frames at va, owned by the address space
 * (which charges them to p's ledger). Returns 0 or a CAPOS_E_* code
 * (pages mapped so far stay: the caller's teardown frees them). */
int process_map_fresh(struct process *p, uint64_t va, uint64_t pages,
                      unsigned flags, void **first_kview)
{
	paddr_t first;
	int rc = as_map_fresh(&p->as, va, pages, flags, &first);

	if (rc)
		return rc == -2 ? CAPOS_E_QUOTA : CAPOS_E_BAD_POINTER;
	if (first_kview)
		*first_kview = phys_to_virt(first);
	return 0;
}

static int build_capset(struct process *p, const struct capset_desc *d,
                        uint32_t n)
{
	struct capos_capset_header *h;
	struct capos_capset_entry *e;
	void *page;
	int rc;

	if (n > CAPOS_CAPSET_MAX_ENTRIES)
		return CAPOS_E_TOO_LARGE;
	rc = process_map_fresh(p, USER_CAPSET_ADDR, 1, VM_READ, &page);
	if (rc)
		return rc;
	h = page;
	e = (struct capos_capset_entry *)(h + 1);
	h->magic = CAPOS_CAPSET_MAGIC;
	h->version = CAPOS_CAPSET_VERSION;
	h->count = (uint16_t)n;
	for (uint32_t i = 0; i < n; i++) {
		strncpy_capset(e[i].name, d[i].name);
		e[i].cap = d[i].cap;
		e[i].interface_id = d[i].interface_id;
	}
	return 0;
}

static void user_thread_start(void *arg)
{
	struct thread *t = current_thread();

	(void)arg;
	arch_irq_disable();
	kernel_unlock(); /* taken over from the thread that switched to us */
	arch_enter_user(t->user_entry, t->user_stack, t->ring_user, t->tid,
	                t->user_arg);
}

/* A free ring page slot of p, or -1 (as many threads as slots). */
static int ring_slot_take(struct process *p)
{
	for (int i = 0; i < PROC_RING_SLOTS; i++) {
		uint64_t bit = 1ull << (i % 64);

		if (!(p->ring_slots_used[i / 64] & bit)) {
			p->ring_slots_used[i / 64] |= bit;
			return i;
		}
	}
	return -1;
}

static void ring_slot_give(struct process *p, uint32_t slot)
{
	p->ring_slots_used[slot / 64] &= ~(1ull << (slot % 64));
}

struct thread *process_add_thread(struct process *p, uint64_t entry,
                                  uint64_t stack, uint64_t arg, int *err)
{
	struct thread *t;
	uint64_t ring_va;
	void *kview;
	int slot;

	*err = CAPOS_E_QUOTA;
	if (ledger_charge(&p->ledger, LEDGER_THREADS, 1))
		return NULL;
	if (ledger_charge_kmem(p, THREAD_KMEM))
		goto refund_thread;
	slot = ring_slot_take(p);
	if (slot < 0)
		goto refund_kmem;
	t = thread_create_kernel(user_thread_start, NULL);
	if (!t)
		goto give_slot;
	ring_va = USER_RING_BASE + (uint64_t)slot * PAGE_SIZE;
	*err = process_map_fresh(p, ring_va, 1, VM_WRITE, &kview);
	if (*err) {
		as_unmap(&p->as, ring_va); /* if mapped before failing */
		thread_free(t);
		goto give_slot;
	}
	t->proc = p;
	t->user_entry = entry;
	t->user_stack = stack;
	t->user_arg = arg;
	t->ring_slot = (uint32_t)slot;
	t->exit_code = -1;
	ring_init(t, kview, ring_va);
	t->proc_next = p->threads;
	p->threads = t;
	p->nthreads++;
	return t;
give_slot:
	ring_slot_give(p, (uint32_t)slot);
refund_kmem:
	ledger_refund_kmem(p, THREAD_KMEM);
refund_thread:
	KASSERT(ledger_refund(&p->ledger, LEDGER_THREADS, 1) == 0);
	return NULL;
}

int ledger_charge_frames(struct process *p, uint64_t n)
{
	return ledger_charge(&p->ledger, LEDGER_FRAMES, n);
}

void ledger_refund_frames(struct process *p, uint64_t n)
{
	KASSERT(ledger_refund(&p->ledger, LEDGER_FRAMES, n) == 0);
	ledger_settle(p);
}

uint32_t process_cap_slots_used(const struct process *p)
{
	return p->cap_slots ? cap_table_used(&p->caps) : 0;
}

static bool range_free(struct process *p, uint64_t va, uint64_t len)
{
	paddr_t pa;
	unsigned f;

	if ((va | len) & (PAGE_SIZE - 1) || len == 0 ||
	    !as_check_user(&p->as, va, 0, false) ||
	    len > USER_STACK_LIMIT - va || va < USER_RING_BASE + 0x100000)
		return false;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		if (as_query(&p->as, va + off, &pa, &f))
			return false;
	}
	for (struct mapping *m = p->mappings; m; m = m->next) {
		if (va < m->va + m->pages * PAGE_SIZE && m->va < va + len)
			return false;
	}
	return true;
}

uint64_t process_find_free_range(struct process *p, uint64_t base, uint64_t len)
{
	uint64_t va = p->map_next > base ? p->map_next : base;

	/* A bump pointer with a guard page between mappings; the address
	 * space is far larger than anything a process can be given. */
	for (int tries = 0; tries < 64; tries++) {
		if (range_free(p, va, len)) {
			p->map_next = va + len + PAGE_SIZE;
			return va;
		}
		va += len + PAGE_SIZE;
	}
	return 0;
}

int process_add_mapping(struct process *p, struct kobject *obj, uint64_t va,
                        uint64_t pages)
{
	struct mapping *m;

	if (!range_free(p, va, pages * PAGE_SIZE))
		return -1;
	if (ledger_charge_kmem(p, sizeof(*m)))
		return -2;
	m = kmalloc(sizeof(*m));
	if (!m) {
		ledger_refund_kmem(p, sizeof(*m));
		return -2;
	}
	*m = (struct mapping){kobject_get(obj), va, pages, p->mappings};
	p->mappings = m;
	return 0;
}

static void unmap_pages(struct process *p, uint64_t va, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++)
		as_unmap(&p->as, va + i * PAGE_SIZE);
}

int process_remove_mapping(struct process *p, struct kobject *obj, uint64_t va,
                           uint64_t pages)
{
	for (struct mapping **pp = &p->mappings; *pp; pp = &(*pp)->next) {
		struct mapping *m = *pp;

		if (m->obj != obj || m->va != va || m->pages != pages)
			continue;
		*pp = m->next;
		unmap_pages(p, va, pages);
		kobject_put(obj);
		kfree(m);
		ledger_refund_kmem(p, sizeof(*m));
		return 0;
	}
	return -1;
}

/* Returns every resource p holds; p must have no threads left. */
static void process_release_resources(struct process *p)
{
	uint32_t pos = 0;
	capos_cap_t id;
	struct cap_slot *slot;

	KASSERT(p->nthreads == 0);
	vm_regions_release(p);
	while (p->mappings) {
		struct mapping *m = p->mappings;

		p->mappings = m->next;
		unmap_pages(p, m->va, m->pages);
		kobject_put(m->obj);
		kfree(m);
		ledger_refund_kmem(p, sizeof(*m));
	}
	if (p->cap_slots) {
		/* Its queued calls were cancelled (their moves rolled back)
		 * before this: teardown walks live slots only. */
		KASSERT(!xfer_first_in_flight(&p->caps));
		while (cap_table_next(&p->caps, &pos, &id, &slot)) {
			void *obj;

			if (cap_table_remove(&p->caps, id, &obj) == 0)
				kobject_put(obj);
		}
		kfree(p->cap_slots);
		p->cap_slots = NULL;
		ledger_refund_kmem(p, p->ledger.r[LEDGER_CAP_SLOTS].limit *
		                          sizeof(struct cap_slot));
	}
	as_destroy(&p->as);
}

/* A process's table may hold its capSlots limit less what its children
 * took. */
static void sync_cap_quota(struct process *p)
{
	const struct ledger_account *a = &p->ledger.r[LEDGER_CAP_SLOTS];

	if (p->cap_slots)
		cap_table_set_quota(&p->caps, (uint32_t)(a->limit - a->used));
}

/* Once p is DEAD and everything it paid for is gone, its quotas go back
 * to the ledger they were carved from. Objects it paid for may outlive it
 * (a MemoryObject it gave away): then the last of their refunds does it. */
void ledger_settle(struct process *p)
{
	struct process *parent = p->ledger_parent;

	if (p->state != PROC_DEAD || !ledger_empty(&p->ledger) || !parent)
		return;
	p->ledger_parent = NULL;
	KASSERT(ledger_return(&parent->ledger, &p->ledger) == 0);
	sync_cap_quota(parent);
	ledger_settle(parent); /* a dead parent waiting for its children */
	process_put(parent);
}

/* p is DEAD: its struct no longer counts, and its quotas may go back. */
static void process_return_ledger(struct process *p)
{
	KASSERT(p->state == PROC_DEAD);
	ledger_refund_kmem(p, sizeof(*p));
	ledger_settle(p);
}

void process_add_exit_waiter(struct process *p, struct exit_waiter *w)
{
	w->next = p->exit_waiters;
	p->exit_waiters = w;
}

void process_remove_exit_waiter(struct process *p, struct exit_waiter *w)
{
	for (struct exit_waiter **pp = &p->exit_waiters; *pp;
	     pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
}

/* Each waiter is unlinked before its notify runs (which may free it). */
static void notify_exit_waiters(struct process *p)
{
	while (p->exit_waiters) {
		struct exit_waiter *w = p->exit_waiters;

		p->exit_waiters = w->next;
		w->notify(w, p);
	}
}

void process_free(struct process *p)
{
	kfree(p);
}

/* A kernel thread blocked in process_wait_dead. */
struct dead_wait {
	struct exit_waiter ew;
	struct thread *thread;
};

static void dead_wait_notify(struct exit_waiter *w, struct process *p)
{
	(void)p;
	sched_wake(((struct dead_wait *)w)->thread);
}

void process_wait_dead(struct process *p)
{
	uint64_t s = arch_irq_save();
	struct dead_wait w = {.ew.notify = dead_wait_notify,
	                      .thread = current_thread()};

	if (p->state != PROC_DEAD) {
		process_add_exit_waiter(p, &w.ew);
		while (p->state != PROC_DEAD)
			sched_block(0);
		/* Unlinked already by the notify; w must not outlive us. */
		process_remove_exit_waiter(p, &w.ew);
	}
	arch_irq_restore(s);
}

void process_root_limits(uint64_t limits[LEDGER_COUNT])
{
	/* init may hand out nearly all of memory; the kernel keeps an eighth
	 * of what is free for its heap, which kernelMemory bounds. */
	limits[LEDGER_FRAMES] = frames_free_count() / 8 * 7;
	limits[LEDGER_CAP_SLOTS] = PROC_CAP_SLOTS_MAX;
	limits[LEDGER_THREADS] = 4096;
	limits[LEDGER_ENDPOINT_QUEUE] = 65536;
	limits[LEDGER_KERNEL_MEMORY] = frames_free_count() / 8 * PAGE_SIZE;
}

struct process *process_create(const char *name, const char *binary,
                               const void *elf, size_t len,
                               struct process *parent,
                               const uint64_t limits[LEDGER_COUNT], int *err)
{
	struct ledger ledger;
	struct process *p;
	uint64_t slots = limits[LEDGER_CAP_SLOTS];

	*err = CAPOS_E_QUOTA;
	if (slots > PROC_CAP_SLOTS_MAX)
		return NULL;
	if (parent) {
		/* Slots a child takes leave the parent's own table. */
		if (slots > cap_table_available(&parent->caps) ||
		    ledger_carve(&parent->ledger, &ledger, limits))
			return NULL;
		sync_cap_quota(parent);
	} else {
		ledger_init(&ledger, limits);
	}
	if (ledger_charge(&ledger, LEDGER_KERNEL_MEMORY,
	                  sizeof(*p) + slots * sizeof(struct cap_slot)) ||
	    !(p = kzalloc(sizeof(*p)))) {
		if (parent) {
			KASSERT(ledger_return(&parent->ledger, &ledger) == 0);
			sync_cap_quota(parent);
		}
		return NULL;
	}
	p->ledger = ledger;
	if (parent) {
		p->ledger_parent = parent;
		process_get(parent);
	}
	strncpy_capset(p->name, name);
	strncpy_capset(p->binary, binary);
	p->pid = next_pid++;
	p->refs = 1;
	p->cap_slots = slots ? kzalloc(slots * sizeof(struct cap_slot)) : NULL;
	if ((slots && !p->cap_slots) ||
	    as_create(&p->as, &p->ledger.r[LEDGER_FRAMES]))
		goto fail;
	cap_table_init(&p->caps, p->cap_slots, (uint32_t)slots,
	               (uint32_t)slots);
	*err = loader_load(p, elf, len);
	if (*err)
		goto fail;
	*err =
	    process_map_fresh(p, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
	                      USER_STACK_PAGES, VM_WRITE, NULL);
	if (*err)
		goto fail;
	return p;
fail:
	process_abort(p);
	return NULL;
}

void process_abort(struct process *p)
{
	KASSERT(p->state == PROC_ALIVE);
	while (p->threads) { /* made by process_start_prepare, never run */
		struct thread *t = p->threads;

		p->threads = t->proc_next;
		p->nthreads--;
		thread_free(t);
		KASSERT(ledger_refund(&p->ledger, LEDGER_THREADS, 1) == 0);
		ledger_refund_kmem(p, THREAD_KMEM);
	}
	if (!p->cap_slots) /* never allocated: nothing charged for it */
		ledger_refund_kmem(p, p->ledger.r[LEDGER_CAP_SLOTS].limit *
		                          sizeof(struct cap_slot));
	process_release_resources(p);
	p->state = PROC_DEAD;
	process_return_ledger(p);
	process_put(p);
}

int process_start_prepare(struct process *p, const struct capset_desc *entries,
                          uint32_t n)
{
	int err = build_capset(p, entries, n);

	if (err)
		return err;
	return process_add_thread(p, p->entry, USER_STACK_TOP, USER_CAPSET_ADDR,
	                          &err)
	           ? 0
	           : err;
}

void process_start_commit(struct process *p)
{
	KASSERT(p->nthreads == 1);
	live_processes++;
	sched_make_runnable(p->threads);
}

int process_start(struct process *p, const struct capset_desc *entries,
                  uint32_t n)
{
	int err = process_start_prepare(p, entries, n);

	if (!err)
		process_start_commit(p);
	return err;
}

void process_ledger_values(const struct process *p, uint64_t limits[],
                           uint64_t used[])
{
	for (int i = 0; i < LEDGER_COUNT; i++) {
		limits[i] = p->ledger.r[i].limit;
		used[i] = p->ledger.r[i].used;
	}
	used[LEDGER_CAP_SLOTS] += process_cap_slots_used(p);
}

struct process *process_spawn(const char *name, const void *elf, size_t len,
                              const struct proc_grant *grants, uint32_t ngrants,
                              const uint64_t *limits, int *err)
{
	struct capset_desc d[CAPOS_CAPSET_MAX_ENTRIES];
	struct process *p;

	if (!limits)
		limits = proc_default_limits;
	if (ngrants > CAPOS_CAPSET_MAX_ENTRIES) {
		*err = CAPOS_E_TOO_LARGE;
		return NULL;
	}
	p = process_create(name, name, elf, len, NULL, limits, err);
	if (!p)
		return NULL;
	for (uint32_t i = 0; i < ngrants; i++) {
		struct kobject *o = grants[i].obj;

		*err = cap_table_insert(&p->caps, o, kobject_interface(o),
		                        o->ops->xfer_allow, kobject_cap_kind(o),
		                        &d[i].cap);
		if (*err)
			goto fail;
		kobject_get(o);
		d[i].name = grants[i].name;
		d[i].interface_id = kobject_interface(o);
	}
	*err = process_start(p, d, ngrants);
	if (*err)
		goto fail;
	return p;
fail:
	process_abort(p);
	return NULL;
}

void process_kill(struct process *p, enum exit_kind kind, int64_t code)
{
	uint64_t s = arch_irq_save();

	if (p->state == PROC_ALIVE) {
		p->state = PROC_EXITING;
		p->exit_kind = kind;
		p->exit_code = code;
	}
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		t->killed = true;
		t->wait_direct = false; /* call.h, ring_wakes_on_one */
		sched_wake(t);
		sched_kick(t); /* running on another CPU: come in and die */
	}
	arch_irq_restore(s);
}

static const char *exit_kind_name(enum exit_kind k)
{
	switch (k) {
	case EXIT_NORMAL:
		return "exited";
	case EXIT_FAULT:
		return "faulted";
	case EXIT_KILLED:
		return "was killed";
	}
	return "ended";
}

void thread_exit_current(void)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	arch_irq_disable();
	ring_cancel_pending(t);
	endpoint_thread_exit(t);
	thread_handle_exited(t);
	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
		if (*pp == t) {
			*pp = t->proc_next;
			break;
		}
	}
	/* Its ring page goes now: a long-lived process may make and end
	 * any number of threads. */
	as_unmap(&p->as, t->ring_user);
	ring_slot_give(p, t->ring_slot);
	t->ring = NULL;
	t->proc = NULL;
	/* The scheduler frees the stack we stand on once we are off it. */
	KASSERT(ledger_refund(&p->ledger, LEDGER_THREADS, 1) == 0);
	ledger_refund_kmem(p, THREAD_KMEM);
	if (--p->nthreads == 0) {
		if (p->state == PROC_ALIVE) {
			p->state = PROC_EXITING;
			p->exit_kind = EXIT_NORMAL;
		}
		if (process_log_exits || p->exit_kind == EXIT_FAULT)
			kprintf("[kernel] process %s (pid %u) %s, code %ld\n",
			        p->name, p->pid, exit_kind_name(p->exit_kind),
			        p->exit_code);
		process_release_resources(p);
		p->state = PROC_DEAD;
		live_processes--;
		process_return_ledger(p);
		notify_exit_waiters(p);
		process_put(p);
	}
	sched_exit_current();
}

void process_exit(int64_t code)
{
	struct process *p = current_process();

	process_kill(p, EXIT_NORMAL, code);
	thread_exit_current();
}

void process_fault(const char *what, uint8_t vector, uint64_t error,
                   uint64_t addr, uint64_t ip)
{
	struct process *p = current_process();

	if (p->state == PROC_ALIVE) {
		p->fault.vector = vector;
		p->fault.error = error;
		p->fault.address = addr;
		p->fault.ip = ip;
	}

	kprintf("[kernel] process %s (pid %u): %s at ip %#lx, address %#lx, "
	        "error %#lx; killing it\n",
	        p->name, p->pid, what, ip, addr, error);
	process_kill(p, EXIT_FAULT, -1);
}

int process_cap_release(struct process *p, uint32_t cap)
{
	void *obj;

	if (cap_table_remove(&p->caps, cap, &obj))
		return CAPOS_E_BAD_CAP;
	kobject_put(obj);
	return 0;
}
