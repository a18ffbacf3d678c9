/*
 * thread_control.c - the ThreadControl capability: acts on the calling
 * thread, whoever holds it (so passing it on grants nothing over the
 * giver's threads). Served through the generated dispatch table.
 */
#include <capos/errors.h>
#include <kernel/call.h>
#include <kernel/objects.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

static int thread_exit(void *ctx,
                       const struct capos_thread_control_exit_params *p,
                       struct capos_thread_control_exit_results_builder *r)
{
	struct call *c = ctx;
	struct process *proc = c->caller->proc;

	(void)r;
	/* The last thread's code becomes the process's. */
	if (proc->nthreads == 1 && proc->state == PROC_ALIVE)
		proc->exit_code = capos_thread_control_exit_params_get_code(p);
	c->caller->exit_code = capos_thread_control_exit_params_get_code(p);
	c->caller->killed = true; /* leaves at the return to user mode */
	return CALL_PENDING;      /* never completes */
}

static int
thread_set_tls_base(void *ctx,
                    const struct capos_thread_control_set_tls_base_params *p,
                    struct capos_thread_control_set_tls_base_results_builder *r)
{
	struct call *c = ctx;
	uint64_t base = capos_thread_control_set_tls_base_params_get_addr(p);

	(void)r;
	if (base >= USER_SPACE_END)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "TLS base is not a user address");
	arch_thread_set_tls(c->caller, base);
	return 0;
}

static const struct capos_thread_control_server_ops thread_control_server = {
    .exit = thread_exit,
    .set_tls_base = thread_set_tls_base,
};

static int thread_control_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	rc = capos_thread_control_dispatch(&thread_control_server, c, c->method,
	                                   c->params, c->params_len, c->result,
	                                   c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops thread_control_ops = {
    .name = "ThreadControl",
    .interface_id = IFACE_THREAD_CONTROL,
    .xfer_allow = 1 | 2,
    .call = thread_control_call,
};

struct kobject thread_control_object = {.ops = &thread_control_ops, .refs = 1};
