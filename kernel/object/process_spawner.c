/*
 * process_spawner.c - the ProcessSpawner capability: starting a boot
 * binary as a new process with exactly the capabilities the caller hands
 * over, and quotas carved out of the caller's own ledger.
 *
 * A spawn is one transaction. Every check that needs no side effect runs
 * first (result room, names, grants, the binary, the caller's table);
 * then the child is built but not started (its ledger carved from the
 * caller's, its image loaded); then the grants' transfer is prepared, the
 * CapSet page and first thread made; only then does the transfer commit
 * and the child run. Any failure before the commit takes the child apart
 * and leaves the caller exactly as it was: its caps, its ledger.
 */
#include <string.h>
#include <capos/capset.h>
#include <capos/errors.h>
#include <capos/transfer.h>
#include <elf.h>
#include <format.h>
#include <transfer.h>
#include <kernel/boot_modules.h>
#include <kernel/call.h>
#include <kernel/endpoint.h>
#include <kernel/loader.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

/* The result message (a process CapIndex and the clients list of n
 * CapIndexes), then the CapIds of the handle and the n client facets. */
#define SPAWN_RESULT_NEED(n) (32 + (((n)*4 + 7) & ~7u) + 4 * (1 + (n)))
#define SPAWN_MAX_EXPORTS    16

/* Why a spawn's params were refused: an invalidArgument reason. */
struct spawn_args {
	char name[PROC_NAME_MAX];
	char binary[PROC_NAME_MAX];
	const struct boot_module *module;
	uint32_t ngrants;
	char grant_name[CAPOS_XFER_MAX][PROC_NAME_MAX];
	uint32_t grant_index[CAPOS_XFER_MAX]; /* into the transfer list */
	uint32_t nexports;
	char export_name[SPAWN_MAX_EXPORTS][PROC_NAME_MAX];
	uint64_t export_iface[SPAWN_MAX_EXPORTS];
	struct kobject *server[SPAWN_MAX_EXPORTS], *client[SPAWN_MAX_EXPORTS];
	uint64_t limits[LEDGER_COUNT];
	uint64_t session;
};

/* Copies a Text into a name field. Returns NULL, or why it is unfit. */
static const char *take_name(char *dst, const char *s, uint32_t len)
{
	if (len == 0)
		return "a name is empty";
	if (len > CAPOS_CAPSET_NAME_MAX - 1)
		return "a name is longer than 31 bytes";
	for (uint32_t i = 0; i < len; i++) {
		if (s[i] == 0)
			return "a name holds a NUL byte";
	}
	memcpy(dst, s, len);
	dst[len] = 0;
	return NULL;
}

static const char *
read_names(const struct capos_process_spawner_spawn_params *p,
           struct spawn_args *a)
{
	const char *s, *why;
	uint32_t len;

	if (capos_process_spawner_spawn_params_get_name(p, &s, &len))
		return "name is not text";
	why = take_name(a->name, s, len);
	if (why)
		return why;
	if (capos_process_spawner_spawn_params_get_binary(p, &s, &len))
		return "binary is not text";
	why = take_name(a->binary, s, len);
	if (why)
		return why;
	a->module = boot_module_find(s, len);
	return a->module ? NULL : "no boot binary has that name";
}

/* Each grant names a distinct transfer descriptor, and each descriptor
 * is named: the CapSet is exactly what was handed over. */
static const char *
read_grants(const struct capos_process_spawner_spawn_params *p,
            const struct call *c, struct spawn_args *a)
{
	struct capos_list_of_spawn_grant list;
	uint32_t used = 0;

	if (capos_process_spawner_spawn_params_get_grants(p, &list))
		return "grants is not a list of SpawnGrant";
	a->ngrants = capos_list_of_spawn_grant_len(&list);
	if (a->ngrants != c->nxfer)
		return "grants and transfer descriptors differ in number";
	for (uint32_t i = 0; i < a->ngrants; i++) {
		struct capos_spawn_grant g;
		const char *s, *why;
		uint32_t len, idx;

		if (capos_list_of_spawn_grant_get(&list, i, &g) ||
		    capos_spawn_grant_get_name(&g, &s, &len))
			return "a grant is malformed";
		why = take_name(a->grant_name[i], s, len);
		if (why)
			return why;
		for (uint32_t j = 0; j < i; j++) {
			if (!strcmp(a->grant_name[j], a->grant_name[i]))
				return "two grants have the same name";
		}
		idx = capos_spawn_grant_get_cap(&g);
		if (idx >= c->nxfer || (used & (1u << idx)))
			return "a grant's cap is not a distinct transfer index";
		used |= 1u << idx;
		a->grant_index[i] = idx;
	}
	return NULL;
}

/* Exports: names unique among grants and exports, a real interface. */
static const char *
read_exports(const struct capos_process_spawner_spawn_params *p,
             struct spawn_args *a)
{
	struct capos_list_of_export_decl list;

	if (capos_process_spawner_spawn_params_get_exports(p, &list))
		return "exports is not a list of ExportDecl";
	a->nexports = capos_list_of_export_decl_len(&list);
	if (a->nexports > SPAWN_MAX_EXPORTS)
		return "more than 16 exports";
	for (uint32_t i = 0; i < a->nexports; i++) {
		struct capos_export_decl e;
		const char *s, *why;
		uint32_t len;

		if (capos_list_of_export_decl_get(&list, i, &e) ||
		    capos_export_decl_get_name(&e, &s, &len))
			return "an export is malformed";
		why = take_name(a->export_name[i], s, len);
		if (why)
			return why;
		for (uint32_t j = 0; j < a->ngrants; j++) {
			if (!strcmp(a->grant_name[j], a->export_name[i]))
				return "an export has a grant's name";
		}
		for (uint32_t j = 0; j < i; j++) {
			if (!strcmp(a->export_name[j], a->export_name[i]))
				return "two exports have the same name";
		}
		a->export_iface[i] = capos_export_decl_get_interface_id(&e);
		if (!a->export_iface[i])
			return "an export's interfaceId is 0";
	}
	return NULL;
}

static const char *
read_quotas(const struct capos_process_spawner_spawn_params *p,
            struct spawn_args *a)
{
	struct capos_quotas q;

	if (capos_process_spawner_spawn_params_get_quotas(p, &q))
		return "quotas is not a Quotas";
	a->limits[LEDGER_FRAMES] = capos_quotas_get_frames(&q);
	a->limits[LEDGER_CAP_SLOTS] = capos_quotas_get_cap_slots(&q);
	a->limits[LEDGER_THREADS] = capos_quotas_get_threads(&q);
	a->limits[LEDGER_ENDPOINT_QUEUE] = capos_quotas_get_endpoint_queue(&q);
	a->limits[LEDGER_KERNEL_MEMORY] = capos_quotas_get_kernel_memory(&q);
	if (a->limits[LEDGER_CAP_SLOTS] > PROC_CAP_SLOTS_MAX)
		return "quotas.capSlots is over 4096";
	if (a->limits[LEDGER_CAP_SLOTS] < a->ngrants + a->nexports)
		return "quotas.capSlots is below its grants and exports";
	if (a->limits[LEDGER_THREADS] == 0)
		return "quotas.threads is 0: the process needs one";
	return NULL;
}

static void on_copy(void *ctx, void *object)
{
	(void)ctx;
	kobject_get(object);
}

/* Makes each export's endpoint (charged to the caller), its server facet
 * in the child's table. Returns 0 or CAPOS_E_QUOTA; what was made stays
 * in a->server/client for the caller to hand out or drop. */
static int make_exports(struct process *caller, struct process *child,
                        struct spawn_args *a, struct capset_desc *d)
{
	for (uint32_t i = 0; i < a->nexports; i++) {
		int rc = endpoint_create(caller, a->export_iface[i],
		                         &a->server[i], &a->client[i]);

		if (rc)
			return rc;
		rc = cap_table_insert(
		    &child->caps, a->server[i], CAPOS_ENDPOINT_INTERFACE_ID,
		    a->server[i]->ops->xfer_allow,
		    kobject_cap_kind(a->server[i]), &d[i].cap);
		if (rc)
			return rc;
		/* The child's table holds that reference now. */
		a->server[i] = NULL;
		d[i].name = a->export_name[i];
		d[i].interface_id = CAPOS_ENDPOINT_INTERFACE_ID;
	}
	return 0;
}

/* Drops export facets a failed spawn made (the child's table drops the
 * server facets it took). */
static void drop_exports(struct spawn_args *a)
{
	for (uint32_t i = 0; i < a->nexports; i++) {
		if (a->server[i])
			kobject_put(a->server[i]);
		if (a->client[i])
			kobject_put(a->client[i]);
		a->server[i] = a->client[i] = NULL;
	}
}

/* Builds, fills and starts the child; the transfer commits last. Returns
 * 0 with *out, or a transport error with nothing changed. */
static int build_child(struct call *c, struct spawn_args *a,
                       struct process **out)
{
	struct process *caller = c->caller->proc, *child;
	struct capset_desc d[CAPOS_XFER_MAX + SPAWN_MAX_EXPORTS];
	const struct xfer_ops ops = {.on_copy = on_copy};
	struct xfer_txn tx;
	int err;

	child = process_create(a->name, a->binary, boot_module_bytes(a->module),
	                       a->module->end - a->module->start, caller,
	                       a->limits, &err);
	if (!child)
		return err;
	child->session = a->session ? a->session : caller->session;
	err = xfer_prepare(&tx, &caller->caps, &child->caps, &c->xfer_key,
	                   c->xfer, c->nxfer);
	if (err)
		goto abort;
	for (uint32_t i = 0; i < a->ngrants; i++) {
		uint32_t k = a->grant_index[i];

		d[i].name = a->grant_name[i];
		d[i].cap = tx.item[k].dst;
		d[i].interface_id = tx.item[k].interface_id;
	}
	err = make_exports(caller, child, a, d + a->ngrants);
	if (!err)
		err = process_start_prepare(child, d, a->ngrants + a->nexports);
	if (err) {
		xfer_abort(&tx);
		goto abort;
	}
	xfer_commit(&tx, &ops, NULL);
	process_start_commit(child);
	*out = child;
	return 0;
abort:
	process_abort(child);
	drop_exports(a);
	return err;
}

static int spawner_spawn(void *ctx,
                         const struct capos_process_spawner_spawn_params *p,
                         struct capos_process_spawner_spawn_results_builder *r)
{
	static struct spawn_args a; /* large; calls run one at a time */
	struct capnpc_list_of_u32_builder clients;
	struct call *c = ctx;
	struct process *caller = c->caller->proc, *child;
	struct kobject *handle;
	const char *why;
	int rc, idx;

	memset(&a, 0, sizeof(a));
	why = read_names(p, &a);
	if (!why)
		why = read_grants(p, c, &a);
	if (!why)
		why = read_exports(p, &a);
	if (!why)
		why = read_quotas(p, &a);
	if (why)
		return call_exception(c, CAPEX_INVALID_ARGUMENT, why);
	if (c->result_cap < SPAWN_RESULT_NEED(a.nexports)) {
		c->needed = SPAWN_RESULT_NEED(a.nexports);
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	a.session = capos_process_spawner_spawn_params_get_session(p);
	/* The handle and the client facets need slots in the caller's table
	 * (and the child's cap slots come out of it); checked before the
	 * child exists. */
	if (cap_table_available(&caller->caps) <
	    1 + a.nexports + a.limits[LEDGER_CAP_SLOTS])
		return CAPOS_E_QUOTA;
	handle = process_handle_create(caller, &rc);
	if (!handle)
		return rc;
	rc = build_child(c, &a, &child);
	if (rc) {
		kobject_put(handle);
		if (LOADER_IS_ELF_ERROR(rc)) {
			static char why_elf[96];

			format_snprintf(
			    why_elf, sizeof(why_elf),
			    "the binary is not a loadable program: %s",
			    elf_strerror(LOADER_ELF_ERROR(rc)));
			return call_exception(c, CAPEX_INVALID_ARGUMENT,
			                      why_elf);
		}
		return rc;
	}
	process_handle_attach(handle, child);
	idx = call_return_cap(c, handle);
	capos_process_spawner_spawn_results_set_process(r, (uint32_t)idx);
	if (capos_process_spawner_spawn_results_init_clients(r, a.nexports,
	                                                     &clients))
		return CAPNPC_DISPATCH_RESULTS_TOO_SMALL; /* sized above */
	for (uint32_t i = 0; i < a.nexports; i++) {
		idx = call_return_cap(c, a.client[i]);
		a.client[i] = NULL;
		capnpc_list_of_u32_builder_set(&clients, i, (uint32_t)idx);
	}
	return 0;
}

static int
spawner_ledger(void *ctx, const struct capos_process_spawner_ledger_params *p,
               struct capos_process_spawner_ledger_results_builder *r)
{
	struct call *c = ctx;
	struct process *caller = c->caller->proc;
	struct capos_quotas_builder limits, used;

	(void)p;
	if (capos_process_spawner_ledger_results_init_limits(r, &limits) ||
	    capos_process_spawner_ledger_results_init_used(r, &used))
		return CAPNPC_DISPATCH_RESULTS_TOO_SMALL;
	process_ledger_fill(caller, &limits, &used);
	return 0;
}

static const struct capos_process_spawner_server_ops spawner_server = {
    .spawn = spawner_spawn,
    .ledger = spawner_ledger,
};

static int spawner_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	c->needed = c->method == CAPOS_PROCESS_SPAWNER_METHOD_SPAWN
	                ? SPAWN_RESULT_NEED(0)
	                : 120;
	rc = capos_process_spawner_dispatch(&spawner_server, c, c->method,
	                                    c->params, c->params_len, c->result,
	                                    c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops spawner_ops = {
    .name = "ProcessSpawner",
    .interface_id = CAPOS_PROCESS_SPAWNER_INTERFACE_ID,
    .xfer_allow = CAPOS_XFER_ALLOW_COPY | CAPOS_XFER_ALLOW_MOVE,
    .takes_transfers = true,
    .call = spawner_call,
};

struct kobject process_spawner_object = {.ops = &spawner_ops, .refs = 1};
