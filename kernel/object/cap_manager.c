/*
 * cap_manager.c - the CapabilityManager capability: lists and revokes
 * capabilities in the CALLER's own table, whoever holds it (so passing it
 * on grants nothing over the giver's table). Served through the generated
 * dispatch table. docs/transfer-modes.md describes list and revoke.
 *
 * Both methods run inside the caller's cap_enter with interrupts off, so
 * the table cannot change under them, and no transfer is half done: its
 * reserved and pending slots exist only inside one SQE.
 */
#include <capos/errors.h>
#include <capos/transfer.h>
#include <kernel/call.h>
#include <kernel/objects.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

/*
 * Bytes list's results take for n capabilities: framing (16), the results
 * struct (one pointer, 8), the composite list's tag word (8, present even
 * for an empty list) and n CapInfo structs of two data words.
 */
static uint32_t list_size(uint32_t n)
{
	return 16 +
	       8 * (CAPOS_CAPABILITY_MANAGER_LIST_RESULTS_DATA_WORDS +
	            CAPOS_CAPABILITY_MANAGER_LIST_RESULTS_PTR_WORDS) +
	       8 +
	       n * 8 * (CAPOS_CAP_INFO_DATA_WORDS + CAPOS_CAP_INFO_PTR_WORDS);
}

/* Live capabilities in t: what list reports. */
static uint32_t live_count(struct cap_table *t)
{
	uint32_t pos = 0, n = 0;
	capos_cap_t id;

	while (cap_table_next(t, &pos, &id, NULL))
		n++;
	return n;
}

/*
 * The schema's TransferPolicy for a slot's CAPOS_XFER_ALLOW_* bits. The
 * schema has no "copy only": no object allows copy without move, and if
 * one did it is reported as copyOrMove, because its holder can always
 * reach the effect of a move (copy, then release its own). Unknown bits
 * are ignored.
 */
static enum capos_transfer_policy policy_of(uint8_t allow)
{
	if (allow & CAPOS_XFER_ALLOW_COPY)
		return CAPOS_TRANSFER_POLICY_COPY_OR_MOVE;
	if (allow & CAPOS_XFER_ALLOW_MOVE)
		return CAPOS_TRANSFER_POLICY_MOVE_ONLY;
	return CAPOS_TRANSFER_POLICY_NONE;
}

static int
cap_manager_list(void *ctx,
                 const struct capos_capability_manager_list_params *p,
                 struct capos_capability_manager_list_results_builder *r)
{
	struct call *c = ctx;
	struct cap_table *t = &c->caller->proc->caps;
	struct capos_list_of_cap_info_builder list;
	uint32_t n = live_count(t), pos = 0, i = 0;
	struct cap_slot *s;
	capos_cap_t id;

	(void)p;
	if (c->result_cap < list_size(n))
		return CAPOS_E_BUFFER_TOO_SMALL; /* c->needed says how much */
	if (capos_capability_manager_list_results_init_caps(r, n, &list))
		return CAPNPC_DISPATCH_RESULTS_TOO_SMALL;
	while (i < n && cap_table_next(t, &pos, &id, &s)) {
		struct capos_cap_info_builder e;

		capos_list_of_cap_info_builder_get(&list, i++, &e);
		capos_cap_info_set_cap_id(&e, id);
		capos_cap_info_set_transfer(&e, policy_of(s->xfer_allow));
		capos_cap_info_set_interface_id(&e, s->interface_id);
	}
	return 0;
}

/*
 * Removes the cap now, exactly as RELEASE does (generation bumped, the
 * slot's reference dropped), but a bad CapId is the caller's argument
 * error, answered as a CapException rather than a transport error.
 * Revoking the CapabilityManager cap this call came through is allowed:
 * the ring no longer needs it, and the object is static.
 */
static int
cap_manager_revoke(void *ctx,
                   const struct capos_capability_manager_revoke_params *p,
                   struct capos_capability_manager_revoke_results_builder *r)
{
	struct call *c = ctx;
	capos_cap_t cap = capos_capability_manager_revoke_params_get_cap(p);

	(void)r;
	if (process_cap_release(c->caller->proc, cap))
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "no such capability");
	return 0;
}

static const struct capos_capability_manager_server_ops cap_manager_server = {
    .list = cap_manager_list,
    .revoke = cap_manager_revoke,
};

static int cap_manager_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	/* What a too-small buffer is told, exact even when the buffer cannot
	 * hold the results' root and the method never runs. */
	c->needed = c->method == CAPOS_CAPABILITY_MANAGER_METHOD_LIST
	                ? list_size(live_count(&c->caller->proc->caps))
	                : 16;
	rc = capos_capability_manager_dispatch(
	    &cap_manager_server, c, c->method, c->params, c->params_len,
	    c->result, c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops cap_manager_ops = {
    .name = "CapabilityManager",
    .interface_id = IFACE_CAPABILITY_MANAGER,
    .xfer_allow = CAPOS_XFER_ALLOW_COPY | CAPOS_XFER_ALLOW_MOVE,
    .call = cap_manager_call,
};

struct kobject capability_manager_object = {.ops = &cap_manager_ops, .refs = 1};
