/*
 * thread_control.c - the ThreadControl capability: acts on the calling
 * thread, whoever holds it (so passing it on grants nothing over the
 * giver's threads).
 */
#include <capos/errors.h>
#include <kernel/call.h>
#include <kernel/objects.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

enum { THREAD_CONTROL_EXIT, THREAD_CONTROL_SET_TLS_BASE };

static int thread_control_call(struct kobject *obj, struct call *c)
{
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capnp_struct root;
	uint64_t v;

	(void)obj;
	if (c->method > THREAD_CONTROL_SET_TLS_BASE)
		return CAPOS_E_UNKNOWN_METHOD;
	if (call_params(c, &msg, segs, 4, &root))
		return CAPOS_E_BAD_MESSAGE;
	v = capnp_struct_get_u64(&root, 0, 0);
	if (c->method == THREAD_CONTROL_EXIT) {
		struct process *p = c->caller->proc;

		/* The last thread's code becomes the process's. */
		if (p->nthreads == 1 && p->state == PROC_ALIVE)
			p->exit_code = (int)v;
		c->caller->killed = true; /* leaves at the return to user */
		return CALL_PENDING;      /* never completes */
	}
	if (v >= USER_SPACE_END)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "TLS base is not a user address");
	arch_thread_set_tls(c->caller, v);
	return call_reply_empty(c);
}

static const struct kobject_ops thread_control_ops = {
    .name = "ThreadControl",
    .interface_id = IFACE_THREAD_CONTROL,
    .xfer_allow = 1 | 2,
    .call = thread_control_call,
};

struct kobject thread_control_object = {.ops = &thread_control_ops, .refs = 1};
