/*
 * process_handle.c - the ProcessHandle capability: one child process,
 * for the process that spawned it. Not transferable (schema): whoever
 * started a process is the one who supervises it.
 *
 * The handle keeps the child's struct (not its resources) alive, so wait
 * and info work after the child is gone. Releasing the handle does not
 * stop the child. A wait on a running child is a pending call that the
 * child's death completes; a waiter whose own thread dies first is
 * unlinked and freed, and the child never hears of it.
 */
#include <string.h>
#include <capos/errors.h>
#include <capos/transfer.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

/* The wait results: root (one pointer), ExitStatus (2 data words, one
 * pointer) and a Fault (4 data words), after the 16-byte framing. */
#define WAIT_RESULT_SIZE 80
#define INFO_RESULT_SIZE 168

struct process_handle {
	struct kobject obj;
	struct process *proc;  /* the child (a struct reference) */
	struct process *owner; /* whose kernel memory the handle is */
};

struct exit_wait {
	struct pending_call pc;
	struct exit_waiter ew;
	struct process *proc;
};

static const struct kobject_ops handle_ops;

static void handle_destroy(struct kobject *o)
{
	struct process_handle *h = (struct process_handle *)o;
	struct process *owner = h->owner;

	if (h->proc)
		process_put(h->proc);
	kfree(h);
	ledger_refund_kmem(owner, sizeof(*h));
	process_put(owner);
}

struct kobject *process_handle_create(struct process *owner, int *err)
{
	struct process_handle *h;

	if (ledger_charge_kmem(owner, sizeof(*h))) {
		*err = CAPOS_E_QUOTA;
		return NULL;
	}
	h = kzalloc(sizeof(*h));
	if (!h) {
		ledger_refund_kmem(owner, sizeof(*h));
		*err = CAPOS_E_QUOTA;
		return NULL;
	}
	h->obj = (struct kobject){.ops = &handle_ops, .refs = 1};
	h->owner = owner;
	process_get(owner);
	return &h->obj;
}

void process_handle_attach(struct kobject *handle, struct process *child)
{
	struct process_handle *h = (struct process_handle *)handle;

	KASSERT(handle->ops == &handle_ops && !h->proc);
	h->proc = child;
	process_get(child);
}

/* Fills an ExitStatus from a DEAD process. */
static int fill_status(const struct process *p,
                       struct capos_process_handle_wait_results_builder *r)
{
	struct capos_exit_status_builder st;
	struct capos_fault_builder f;

	if (capos_process_handle_wait_results_init_status(r, &st))
		return CAPNPC_DISPATCH_RESULTS_TOO_SMALL;
	switch (p->exit_kind) {
	case EXIT_NORMAL:
		capos_exit_status_set_exited(&st, p->exit_code);
		break;
	case EXIT_KILLED:
		capos_exit_status_set_killed(&st);
		break;
	case EXIT_FAULT:
		if (capos_exit_status_init_faulted(&st, &f))
			return CAPNPC_DISPATCH_RESULTS_TOO_SMALL;
		capos_fault_set_vector(&f, p->fault.vector);
		capos_fault_set_error_code(&f, p->fault.error);
		capos_fault_set_address(&f, p->fault.address);
		capos_fault_set_ip(&f, p->fault.ip);
		break;
	}
	return 0;
}

/* The child died: complete the pending wait with its status. */
static void exit_wait_notify(struct exit_waiter *w, struct process *p)
{
	struct exit_wait *ew =
	    (struct exit_wait *)((uint8_t *)w -
	                         __builtin_offsetof(struct exit_wait, ew));
	uint8_t buf[WAIT_RESULT_SIZE] __attribute__((aligned(8)));
	struct capnp_builder b;
	struct capos_process_handle_wait_results_builder r;
	const uint8_t *bytes;
	size_t len = 0;

	capnp_builder_init(&b, buf, sizeof(buf));
	capos_process_handle_wait_results_init_root(&b, &r);
	fill_status(p, &r);
	capnp_builder_finish(&b, &bytes, &len);
	pending_complete(&ew->pc, 0, bytes, (uint32_t)len, 0);
	process_put(ew->proc);
	kfree(ew);
}

/* The waiting thread died first. */
static void exit_wait_cancel(struct pending_call *pc)
{
	struct exit_wait *ew = (struct exit_wait *)pc;

	process_remove_exit_waiter(ew->proc, &ew->ew);
	process_put(ew->proc);
	kfree(ew);
}

static int handle_wait(void *ctx,
                       const struct capos_process_handle_wait_params *p,
                       struct capos_process_handle_wait_results_builder *r)
{
	struct call *c = ctx;
	struct process_handle *h = (struct process_handle *)c->target;
	struct exit_wait *ew;

	(void)p;
	if (h->proc->state == PROC_DEAD)
		return fill_status(h->proc, r);
	if (c->result_cap < WAIT_RESULT_SIZE) {
		c->needed = WAIT_RESULT_SIZE;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	ew = kzalloc(sizeof(*ew));
	if (!ew)
		return CAPOS_E_QUOTA;
	ew->proc = h->proc;
	process_get(ew->proc);
	ew->ew.notify = exit_wait_notify;
	call_make_pending(c, &ew->pc, exit_wait_cancel);
	process_add_exit_waiter(ew->proc, &ew->ew);
	return CALL_PENDING;
}

static int handle_kill(void *ctx,
                       const struct capos_process_handle_kill_params *p,
                       struct capos_process_handle_kill_results_builder *r)
{
	struct call *c = ctx;
	struct process_handle *h = (struct process_handle *)c->target;

	(void)p;
	(void)r;
	if (h->proc->state == PROC_ALIVE)
		process_kill(h->proc, EXIT_KILLED, 0);
	return 0;
}

static void fill_quotas(struct capos_quotas_builder *q, const uint64_t v[])
{
	capos_quotas_set_frames(q, (uint32_t)v[LEDGER_FRAMES]);
	capos_quotas_set_cap_slots(q, (uint32_t)v[LEDGER_CAP_SLOTS]);
	capos_quotas_set_threads(q, (uint32_t)v[LEDGER_THREADS]);
	capos_quotas_set_endpoint_queue(q, (uint32_t)v[LEDGER_ENDPOINT_QUEUE]);
	capos_quotas_set_kernel_memory(q, v[LEDGER_KERNEL_MEMORY]);
}

void process_ledger_fill(const struct process *p,
                         struct capos_quotas_builder *limits,
                         struct capos_quotas_builder *used)
{
	uint64_t l[LEDGER_COUNT], u[LEDGER_COUNT];

	process_ledger_values(p, l, u);
	fill_quotas(limits, l);
	fill_quotas(used, u);
}

static int handle_info(void *ctx,
                       const struct capos_process_handle_info_params *p,
                       struct capos_process_handle_info_results_builder *r)
{
	struct call *c = ctx;
	struct process_handle *h = (struct process_handle *)c->target;
	struct process *child = h->proc;
	struct capos_quotas_builder limits, used;

	(void)p;
	if (capos_process_handle_info_results_set_name(
	        r, child->name, (uint32_t)strlen(child->name)) ||
	    capos_process_handle_info_results_set_binary(
	        r, child->binary, (uint32_t)strlen(child->binary)) ||
	    capos_process_handle_info_results_init_limits(r, &limits) ||
	    capos_process_handle_info_results_init_used(r, &used))
		return CAPNPC_DISPATCH_RESULTS_TOO_SMALL;
	capos_process_handle_info_results_set_running(r, child->state !=
	                                                     PROC_DEAD);
	process_ledger_fill(child, &limits, &used);
	return 0;
}

static const struct capos_process_handle_server_ops handle_server = {
    .wait = handle_wait,
    .kill = handle_kill,
    .info = handle_info,
};

static int handle_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	c->target = obj;
	c->needed =
	    c->method == CAPOS_PROCESS_HANDLE_METHOD_WAIT   ? WAIT_RESULT_SIZE
	    : c->method == CAPOS_PROCESS_HANDLE_METHOD_INFO ? INFO_RESULT_SIZE
	                                                    : 16;
	rc = capos_process_handle_dispatch(&handle_server, c, c->method,
	                                   c->params, c->params_len, c->result,
	                                   c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops handle_ops = {
    .name = "ProcessHandle",
    .interface_id = CAPOS_PROCESS_HANDLE_INTERFACE_ID,
    .xfer_allow = CAPOS_XFER_ALLOW_NONE,
    .call = handle_call,
    .destroy = handle_destroy,
};
