/*
 * endpoint_life.c - an endpoint's making and ending: endpoint_create,
 * its facets (the server's Endpoint, the clients' ClientEndpoint), and
 * closing when the last server facet goes (every queued and received
 * call and waiting RECV completes CAPOS_E_PEER_CLOSED). The calls
 * themselves are endpoint.c's.
 */
#include <capos/errors.h>
#include <kernel/arch.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include "endpoint_impl.h"

static uint64_t next_endpoint_id = 1;

static int server_call(struct kobject *o, struct call *c)
{
	(void)o;
	(void)c;
	return CAPOS_E_NOT_ALLOWED; /* a server facet takes RECV/RETURN */
}

/* ---- closing ----------------------------------------------------------- */

static void endpoint_close(struct endpoint *ep)
{
	ep->closed = true;
	while (ep->queue)
		call_fail(ep->queue, CAPOS_E_PEER_CLOSED);
	while (ep->inflight) {
		struct ep_call *call = ep->inflight;

		ep->inflight = call->next;
		if (call->state != EP_ORPHANED)
			pending_complete(&call->pc, CAPOS_E_PEER_CLOSED, NULL,
			                 0, 0);
		call_free(call);
	}
	while (ep->receivers) {
		struct ep_recv *r = ep->receivers;

		ep->receivers = r->next;
		pending_complete(&r->pc, CAPOS_E_PEER_CLOSED, NULL, 0, 0);
		recv_free(ep, r);
		ep_put(ep);
	}
	ep->receivers_tail = &ep->receivers;
}

static void facet_destroy(struct kobject *o)
{
	struct ep_facet *f = (struct ep_facet *)o;
	struct endpoint *ep = f->ep;
	uint64_t irq = arch_irq_save();

	if (o->ops == &endpoint_server_ops && --ep->servers == 0)
		endpoint_close(ep);
	ledger_refund_kmem(ep->charged, sizeof(*f));
	kfree(f);
	ep_put(ep);
	arch_irq_restore(irq);
}

const struct kobject_ops endpoint_server_ops = {
    .name = "Endpoint",
    .interface_id = CAPOS_ENDPOINT_INTERFACE_ID,
    .xfer_allow = CAPOS_XFER_ALLOW_MOVE,
    .call = server_call,
    .destroy = facet_destroy,
    .endpoint_facet = true,
};

const struct kobject_ops endpoint_client_ops = {
    .name = "ClientEndpoint",
    .interface_id = CAPOS_CLIENT_ENDPOINT_INTERFACE_ID,
    .xfer_allow = CAPOS_XFER_ALLOW_COPY | CAPOS_XFER_ALLOW_MOVE,
    .takes_transfers = true,
    .route = endpoint_client_route,
    .destroy = facet_destroy,
    .endpoint_facet = true,
};

static struct kobject *new_facet(struct endpoint *ep, bool server)
{
	struct ep_facet *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->obj = (struct kobject){
	    .ops = server ? &endpoint_server_ops : &endpoint_client_ops,
	    .refs = 1,
	    .interface_id = server ? 0 : ep->interface_id};
	f->ep = ep;
	ep->refs++;
	if (server)
		ep->servers++;
	return &f->obj;
}

int endpoint_create(struct process *owner, uint64_t interface_id,
                    struct kobject **server, struct kobject **client)
{
	uint64_t size = sizeof(struct endpoint) + 2 * sizeof(struct ep_facet);
	struct endpoint *ep;

	if (ledger_charge_kmem(owner, size))
		return CAPOS_E_QUOTA;
	ep = kzalloc(sizeof(*ep));
	if (!ep) {
		ledger_refund_kmem(owner, size);
		return CAPOS_E_QUOTA;
	}
	ep->refs = 1; /* dropped below, once the facets hold it */
	ep->interface_id = interface_id;
	ep->id = next_endpoint_id++;
	ep->charged = owner;
	process_get(owner);
	ep->queue_tail = &ep->queue;
	ep->receivers_tail = &ep->receivers;
	*server = new_facet(ep, true);
	*client = *server ? new_facet(ep, false) : NULL;
	if (!*client) {
		if (*server)
			kobject_put(*server);
		else
			ledger_refund_kmem(owner, sizeof(struct ep_facet));
		ledger_refund_kmem(owner, sizeof(struct ep_facet));
		ep_put(ep);
		return CAPOS_E_QUOTA;
	}
	ep_put(ep);
	return 0;
}
