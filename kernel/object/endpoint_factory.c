/*
 * endpoint_factory.c - the EndpointFactory capability: making a new
 * endpoint (kernel/object/endpoint.c) whose server and client facets go
 * to the caller. Its memory is charged to the caller's kernel memory.
 */
#include <capos/errors.h>
#include <capos/transfer.h>
#include <kernel/call.h>
#include <kernel/endpoint.h>
#include <kernel/objects.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

/* The result message (24 bytes) and two CapIds after it. */
#define CREATE_RESULT_NEED 32

static int
factory_create(void *ctx, const struct capos_endpoint_factory_create_params *p,
               struct capos_endpoint_factory_create_results_builder *r)
{
	struct call *c = ctx;
	struct process *caller = c->caller->proc;
	uint64_t iface =
	    capos_endpoint_factory_create_params_get_interface_id(p);
	struct kobject *server, *client;
	int rc;

	if (iface == 0)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "interfaceId 0 names no interface");
	if (c->result_cap < CREATE_RESULT_NEED) {
		c->needed = CREATE_RESULT_NEED;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	if (cap_table_available(&caller->caps) < 2)
		return CAPOS_E_QUOTA;
	rc = endpoint_create(caller, iface, &server, &client);
	if (rc)
		return rc;
	capos_endpoint_factory_create_results_set_server(
	    r, (uint32_t)call_return_cap(c, server));
	capos_endpoint_factory_create_results_set_client(
	    r, (uint32_t)call_return_cap(c, client));
	return 0;
}

static const struct capos_endpoint_factory_server_ops factory_server = {
    .create = factory_create,
};

static int factory_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	c->needed = CREATE_RESULT_NEED;
	rc = capos_endpoint_factory_dispatch(&factory_server, c, c->method,
	                                     c->params, c->params_len,
	                                     c->result, c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops factory_ops = {
    .name = "EndpointFactory",
    .interface_id = CAPOS_ENDPOINT_FACTORY_INTERFACE_ID,
    .xfer_allow = CAPOS_XFER_ALLOW_COPY | CAPOS_XFER_ALLOW_MOVE,
    .call = factory_call,
};

struct kobject endpoint_factory_object = {.ops = &factory_ops, .refs = 1};
