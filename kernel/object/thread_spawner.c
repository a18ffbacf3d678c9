/*
 * thread_spawner.c - ThreadSpawner and ThreadHandle: more threads in the
 * caller's own process, each with its own ring (docs/threads.md).
 *
 * A ThreadHandle outlives its thread: the thread's exit stores its code in
 * the handle and completes every pending join. Releasing the handle
 * detaches the thread (it runs on; nobody can join it). Not transferable:
 * a thread belongs to its process.
 */
#include <capos/errors.h>
#include <capos/transfer.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

#define SPAWN_RESULT_NEED 32 /* message (24) + the handle's CapId */
#define JOIN_RESULT_SIZE  24

struct thread_handle {
	struct kobject obj;
	struct thread *thread; /* NULL once it has exited */
	struct process *owner; /* whose kernel memory the handle is */
	int64_t code;          /* once it has exited */
	struct join_wait *joins;
};

struct join_wait {
	struct pending_call pc;
	struct thread_handle *h;
	struct join_wait *next;
};

static const struct kobject_ops handle_ops;

static void complete_join(struct join_wait *j)
{
	uint8_t buf[JOIN_RESULT_SIZE] __attribute__((aligned(8)));
	struct capnp_builder b;
	struct capos_thread_handle_join_results_builder r;
	const uint8_t *bytes;
	size_t len = 0;

	capnp_builder_init(&b, buf, sizeof(buf));
	capos_thread_handle_join_results_init_root(&b, &r);
	capos_thread_handle_join_results_set_code(&r, j->h->code);
	capnp_builder_finish(&b, &bytes, &len);
	pending_complete(&j->pc, 0, bytes, (uint32_t)len, 0);
}

void thread_handle_exited(struct thread *t)
{
	struct thread_handle *h = (struct thread_handle *)t->handle;

	if (!h)
		return;
	t->handle = NULL;
	h->thread = NULL;
	h->code = t->exit_code;
	while (h->joins) {
		struct join_wait *j = h->joins;

		h->joins = j->next;
		complete_join(j);
		kfree(j);
		kobject_put(&h->obj);
	}
}

static void join_cancel(struct pending_call *pc)
{
	struct join_wait *j = (struct join_wait *)pc;
	struct thread_handle *h = j->h;

	for (struct join_wait **pp = &h->joins; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	kfree(j);
	kobject_put(&h->obj);
}

static void handle_destroy(struct kobject *o)
{
	struct thread_handle *h = (struct thread_handle *)o;
	struct process *owner = h->owner;

	KASSERT(!h->joins); /* each holds a reference */
	if (h->thread)
		h->thread->handle = NULL; /* detached */
	kfree(h);
	ledger_refund_kmem(owner, sizeof(*h));
	process_put(owner);
}

static int handle_join(void *ctx,
                       const struct capos_thread_handle_join_params *p,
                       struct capos_thread_handle_join_results_builder *r)
{
	struct call *c = ctx;
	struct thread_handle *h = (struct thread_handle *)c->target;
	struct join_wait *j;

	(void)p;
	if (!h->thread) {
		capos_thread_handle_join_results_set_code(r, h->code);
		return 0;
	}
	if (h->thread == c->caller)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "a thread cannot join itself");
	if (c->result_cap < JOIN_RESULT_SIZE) {
		c->needed = JOIN_RESULT_SIZE;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	j = kzalloc(sizeof(*j));
	if (!j)
		return CAPOS_E_QUOTA;
	j->h = h;
	kobject_get(&h->obj);
	call_make_pending(c, &j->pc, join_cancel);
	j->next = h->joins;
	h->joins = j;
	return CALL_PENDING;
}

static const struct capos_thread_handle_server_ops handle_server = {
    .join = handle_join,
};

static int handle_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	c->target = obj;
	c->needed = JOIN_RESULT_SIZE;
	rc = capos_thread_handle_dispatch(&handle_server, c, c->method,
	                                  c->params, c->params_len, c->result,
	                                  c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops handle_ops = {
    .name = "ThreadHandle",
    .interface_id = CAPOS_THREAD_HANDLE_INTERFACE_ID,
    .xfer_allow = CAPOS_XFER_ALLOW_NONE,
    .call = handle_call,
    .destroy = handle_destroy,
};

static int spawner_spawn(void *ctx,
                         const struct capos_thread_spawner_spawn_params *p,
                         struct capos_thread_spawner_spawn_results_builder *r)
{
	struct call *c = ctx;
	struct process *proc = c->caller->proc;
	uint64_t entry = capos_thread_spawner_spawn_params_get_entry(p);
	uint64_t stack = capos_thread_spawner_spawn_params_get_stack(p);
	uint64_t arg = capos_thread_spawner_spawn_params_get_arg(p);
	struct thread_handle *h;
	struct thread *t;
	int rc, idx;

	if (!entry || entry >= USER_SPACE_END || !stack ||
	    stack > USER_SPACE_END || (stack & 15))
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "entry or stack is not a user address "
		                      "(the stack 16-byte aligned)");
	if (c->result_cap < SPAWN_RESULT_NEED) {
		c->needed = SPAWN_RESULT_NEED;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	if (cap_table_available(&proc->caps) < 1 ||
	    ledger_charge_kmem(proc, sizeof(*h)))
		return CAPOS_E_QUOTA;
	h = kzalloc(sizeof(*h));
	if (!h) {
		ledger_refund_kmem(proc, sizeof(*h));
		return CAPOS_E_QUOTA;
	}
	t = process_add_thread(proc, entry, stack, arg, &rc);
	if (!t) {
		kfree(h);
		ledger_refund_kmem(proc, sizeof(*h));
		return rc;
	}
	h->obj = (struct kobject){.ops = &handle_ops, .refs = 1};
	h->owner = proc;
	process_get(proc);
	h->thread = t;
	t->handle = &h->obj;
	sched_make_runnable(t);
	idx = call_return_cap(c, &h->obj);
	capos_thread_spawner_spawn_results_set_thread(r, (uint32_t)idx);
	capos_thread_spawner_spawn_results_set_thread_id(r, t->tid);
	return 0;
}

static const struct capos_thread_spawner_server_ops spawner_server = {
    .spawn = spawner_spawn,
};

static int spawner_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	c->needed = SPAWN_RESULT_NEED;
	rc = capos_thread_spawner_dispatch(&spawner_server, c, c->method,
	                                   c->params, c->params_len, c->result,
	                                   c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops spawner_ops = {
    .name = "ThreadSpawner",
    .interface_id = CAPOS_THREAD_SPAWNER_INTERFACE_ID,
    .xfer_allow = CAPOS_XFER_ALLOW_COPY | CAPOS_XFER_ALLOW_MOVE,
    .call = spawner_call,
};

struct kobject thread_spawner_object = {.ops = &spawner_ops, .refs = 1};
