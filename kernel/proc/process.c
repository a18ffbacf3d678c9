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
#include <kernel/arch.h>
#include <kernel/kobject.h>
#include <kernel/loader.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/thread.h>

static uint32_t next_pid = 1;
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

void process_activate(struct process *p)
{
	as_activate(&p->as);
}

/* Maps `pages` fresh zeroed frames at va, owned by the address space.
 * Returns 0 or a CAPOS_E_* code (pages mapped so far stay: the caller's
 * teardown frees them). */
int process_map_fresh(struct process *p, uint64_t va, uint64_t pages,
                      unsigned flags, void **first_kview)
{
	for (uint64_t i = 0; i < pages; i++) {
		paddr_t pa = frame_alloc();

		if (pa == FRAME_NONE)
			return CAPOS_E_QUOTA;
		if (as_map(&p->as, va + i * PAGE_SIZE, pa, flags | AS_OWNED)) {
			frame_free(pa);
			return CAPOS_E_QUOTA;
		}
		if (i == 0 && first_kview)
			*first_kview = phys_to_virt(pa);
	}
	return 0;
}

static int build_capset(struct process *p, const struct proc_grant *grants,
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
		struct kobject *o = grants[i].obj;
		capos_cap_t id;

		rc = cap_table_insert(&p->caps, o, o->ops->interface_id,
		                      o->ops->xfer_allow, 0, &id);
		if (rc)
			return rc;
		kobject_get(o);
		strncpy_capset(e[i].name, grants[i].name);
		e[i].cap = id;
		e[i].interface_id = o->ops->interface_id;
	}
	return 0;
}

static void user_thread_start(void *arg)
{
	struct thread *t = current_thread();

	(void)arg;
	arch_enter_user(t->proc->entry, USER_STACK_TOP, t->ring_user, t->tid,
	                USER_CAPSET_ADDR);
}

/* Creates a user thread of p with its own ring page. */
struct thread *process_add_thread(struct process *p, int *err)
{
	struct thread *t = thread_create_kernel(user_thread_start, NULL);
	uint64_t ring_va;
	void *kview;

	if (!t) {
		*err = CAPOS_E_QUOTA;
		return NULL;
	}
	ring_va = USER_RING_BASE + (uint64_t)p->ring_slots++ * PAGE_SIZE;
	*err = process_map_fresh(p, ring_va, 1, VM_WRITE, &kview);
	if (*err) {
		thread_free(t);
		return NULL;
	}
	t->proc = p;
	ring_init(t, kview, ring_va);
	t->proc_next = p->threads;
	p->threads = t;
	p->nthreads++;
	return t;
}

int ledger_charge_frames(struct process *p, uint64_t n)
{
	if (n > p->frames_quota - p->frames_used)
		return -1;
	p->frames_used += n;
	return 0;
}

void ledger_refund_frames(struct process *p, uint64_t n)
{
	KASSERT(n <= p->frames_used);
	p->frames_used -= n;
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
	m = kmalloc(sizeof(*m));
	if (!m)
		return -2;
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
	while (p->mappings) {
		struct mapping *m = p->mappings;

		p->mappings = m->next;
		unmap_pages(p, m->va, m->pages);
		kobject_put(m->obj);
		kfree(m);
	}
	if (p->cap_slots) {
		while (cap_table_next(&p->caps, &pos, &id, &slot)) {
			void *obj;

			if (cap_table_remove(&p->caps, id, &obj) == 0)
				kobject_put(obj);
		}
		kfree(p->cap_slots);
		p->cap_slots = NULL;
	}
	as_destroy(&p->as);
}

void process_get(struct process *p)
{
	p->refs++;
}

void process_put(struct process *p)
{
	if (--p->refs == 0)
		kfree(p);
}

void process_wait_dead(struct process *p)
{
	uint64_t s = arch_irq_save();

	while (p->state != PROC_DEAD) {
		p->waiter = current_thread();
		sched_block(0);
	}
	p->waiter = NULL;
	arch_irq_restore(s);
}

struct process *process_spawn(const char *name, const void *elf, size_t len,
                              const struct proc_grant *grants, uint32_t ngrants,
                              int *err)
{
	struct process *p = kzalloc(sizeof(*p));
	struct thread *t;

	if (!p) {
		*err = CAPOS_E_QUOTA;
		return NULL;
	}
	strncpy_capset(p->name, name);
	p->pid = next_pid++;
	p->refs = 1;
	p->frames_quota = PROC_FRAMES_QUOTA_DEFAULT;
	p->cap_slots =
	    kzalloc(CAPOS_CAP_SLOTS_DEFAULT * sizeof(struct cap_slot));
	if (!p->cap_slots || as_create(&p->as)) {
		*err = CAPOS_E_QUOTA;
		goto fail;
	}
	cap_table_init(&p->caps, p->cap_slots, CAPOS_CAP_SLOTS_DEFAULT,
	               CAPOS_CAP_SLOTS_DEFAULT);
	*err = loader_load(p, elf, len);
	if (*err)
		goto fail;
	*err =
	    process_map_fresh(p, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
	                      USER_STACK_PAGES, VM_WRITE, NULL);
	if (*err)
		goto fail;
	*err = build_capset(p, grants, ngrants);
	if (*err)
		goto fail;
	t = process_add_thread(p, err);
	if (!t)
		goto fail;
	live_processes++;
	sched_make_runnable(t);
	return p;
fail:
	process_release_resources(p);
	process_put(p);
	return NULL;
}

void process_kill(struct process *p, enum exit_kind kind, int code)
{
	uint64_t s = arch_irq_save();

	if (p->state == PROC_ALIVE) {
		p->state = PROC_EXITING;
		p->exit_kind = kind;
		p->exit_code = code;
	}
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		t->killed = true;
		sched_wake(t);
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
	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
		if (*pp == t) {
			*pp = t->proc_next;
			break;
		}
	}
	t->proc = NULL;
	if (--p->nthreads == 0) {
		if (p->state == PROC_ALIVE) {
			p->state = PROC_EXITING;
			p->exit_kind = EXIT_NORMAL;
		}
		kprintf("[kernel] process %s (pid %u) %s, code %d\n", p->name,
		        p->pid, exit_kind_name(p->exit_kind), p->exit_code);
		process_release_resources(p);
		p->state = PROC_DEAD;
		live_processes--;
		if (p->waiter)
			sched_wake(p->waiter);
		process_put(p);
	}
	sched_exit_current();
}

void process_exit(int code)
{
	struct process *p = current_process();

	process_kill(p, EXIT_NORMAL, code);
	thread_exit_current();
}

void process_fault(const char *what, uint64_t error, uint64_t addr, uint64_t ip)
{
	struct process *p = current_process();

	kprintf("[kernel] process %s (pid %u): %s at ip %#lx, address %#lx, "
	        "error %#lx; killing it\n",
	        p->name, p->pid, what, ip, addr, error);
	process_kill(p, EXIT_FAULT, -1);
}

int process_cap_lookup(struct process *p, uint32_t cap, struct kobject **obj)
{
	struct cap_slot *slot;

	if (cap_table_lookup(&p->caps, cap, &slot))
		return CAPOS_E_BAD_CAP;
	*obj = slot->object;
	return 0;
}

int process_cap_release(struct process *p, uint32_t cap)
{
	void *obj;

	if (cap_table_remove(&p->caps, cap, &obj))
		return CAPOS_E_BAD_CAP;
	kobject_put(obj);
	return 0;
}
