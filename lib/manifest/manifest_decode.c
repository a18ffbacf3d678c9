/*
 * manifest_decode.c - see manifest_decode.h. Every field is read through
 * the accessors generated from schema/capos.capnp, so the layout lives in
 * one place (the schema) and defaults (Quotas, RestartPolicy) come with
 * it.
 */
#include "manifest_decode.h"

#include <format.h>
#include <string.h>

struct ctx {
	char *msg;
	size_t msg_size;
	struct manifest_storage *st;
	size_t ngrants, nexports;
};

static enum manifest_decode_error fail(struct ctx *c,
                                       enum manifest_decode_error e,
                                       const char *field, enum capnp_err ce)
{
	format_snprintf(c->msg, c->msg_size, "%s: %s", field,
	                ce == CAPNP_OK ? "too many entries"
	                               : capnp_strerror(ce));
	return e;
}

static enum manifest_decode_error
init_config(struct ctx *c, const struct capos_system_manifest *root,
            struct manifest_graph *g)
{
	struct capos_init_config init;
	struct capos_list_of_kernel_grant caps;
	struct capos_kernel_grant kg;
	struct manifest_name *b = &g->init_binary;
	uint32_t n, len;
	enum capnp_err e;

	if ((e = capos_system_manifest_get_init(root, &init)) ||
	    (e = capos_init_config_get_binary(&init, &b->str, &len)) ||
	    (e = capos_init_config_get_caps(&init, &caps)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "init", e);
	b->len = len;
	n = capos_list_of_kernel_grant_len(&caps);
	if (n > MANIFEST_MAX_GRANTS)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "init.caps", CAPNP_OK);
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_kernel_grant *k = &c->st->init_caps[i];

		if ((e = capos_list_of_kernel_grant_get(&caps, i, &kg)) ||
		    (e = capos_kernel_grant_get_name(&kg, &k->name.str, &len)))
			return fail(c, MANIFEST_DECODE_STRUCTURE, "init.caps",
			            e);
		k->name.len = len;
		k->source = (uint16_t)capos_kernel_grant_get_source(&kg);
	}
	g->init_caps = c->st->init_caps;
	g->ninit_caps = n;
	return MANIFEST_DECODE_OK;
}

/* One CapGrant: its name and where it comes from. */
static enum capnp_err cap_grant(const struct capos_cap_grant *cg,
                                struct manifest_grant *gr)
{
	struct capos_cap_grant_source src = capos_cap_grant_get_source(cg);
	struct capos_service_ref ref;
	uint32_t len;
	enum capnp_err e;

	memset(gr, 0, sizeof(*gr));
	if ((e = capos_cap_grant_get_name(cg, &gr->name.str, &len)))
		return e;
	gr->name.len = len;
	gr->kind = (uint16_t)capos_cap_grant_source_which(&src);
	if (gr->kind == MANIFEST_GRANT_KERNEL) {
		gr->kernel = (uint16_t)capos_cap_grant_source_get_kernel(&src);
		return CAPNP_OK;
	}
	if ((e = capos_cap_grant_source_get_service(&src, &ref)) ||
	    (e = capos_service_ref_get_service(&ref, &gr->service.str, &len)))
		return e;
	gr->service.len = len;
	if ((e = capos_service_ref_get_export(&ref, &gr->export.str, &len)))
		return e;
	gr->export.len = len;
	return CAPNP_OK;
}

static enum manifest_decode_error
cap_grants(struct ctx *c, const struct capos_service_decl *svc,
           struct manifest_service *s)
{
	struct capos_list_of_cap_grant caps;
	struct capos_cap_grant cg;
	uint32_t n;
	enum capnp_err e;

	if ((e = capos_service_decl_get_caps(svc, &caps)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "services[].caps", e);
	n = capos_list_of_cap_grant_len(&caps);
	if (n > MANIFEST_MAX_GRANTS || n > MANIFEST_POOL_GRANTS - c->ngrants)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "services[].caps",
		            CAPNP_OK);
	s->caps = &c->st->grants[c->ngrants];
	s->ncaps = n;
	for (uint32_t i = 0; i < n; i++) {
		if ((e = capos_list_of_cap_grant_get(&caps, i, &cg)) ||
		    (e = cap_grant(&cg, &c->st->grants[c->ngrants++])))
			return fail(c, MANIFEST_DECODE_STRUCTURE,
			            "services[].caps[]", e);
	}
	return MANIFEST_DECODE_OK;
}

static enum manifest_decode_error exports(struct ctx *c,
                                          const struct capos_service_decl *svc,
                                          struct manifest_service *s)
{
	struct capos_list_of_export_decl ex;
	struct capos_export_decl ed;
	uint32_t n, len;
	enum capnp_err e;

	if ((e = capos_service_decl_get_exports(svc, &ex)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "services[].exports",
		            e);
	n = capos_list_of_export_decl_len(&ex);
	if (n > MANIFEST_MAX_EXPORTS || n > MANIFEST_POOL_EXPORTS - c->nexports)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "services[].exports",
		            CAPNP_OK);
	s->exports = &c->st->exports[c->nexports];
	s->nexports = n;
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_export *x = &c->st->exports[c->nexports++];

		if ((e = capos_list_of_export_decl_get(&ex, i, &ed)) ||
		    (e = capos_export_decl_get_name(&ed, &x->name.str, &len)))
			return fail(c, MANIFEST_DECODE_STRUCTURE,
			            "services[].exports[]", e);
		x->name.len = len;
		x->interface_id = capos_export_decl_get_interface_id(&ed);
	}
	return MANIFEST_DECODE_OK;
}

/* An absent Quotas or RestartPolicy reads as all defaults. */
static void quotas(const struct capos_quotas *q, struct manifest_quotas *out)
{
	out->frames = capos_quotas_get_frames(q);
	out->cap_slots = capos_quotas_get_cap_slots(q);
	out->threads = capos_quotas_get_threads(q);
	out->endpoint_queue = capos_quotas_get_endpoint_queue(q);
	out->kernel_memory = capos_quotas_get_kernel_memory(q);
}

static void restart(const struct capos_restart_policy *rp,
                    struct manifest_restart *out)
{
	out->mode = (uint16_t)capos_restart_policy_get_mode(rp);
	out->max_restarts = capos_restart_policy_get_max_restarts(rp);
	out->window_ms = capos_restart_policy_get_window_ms(rp);
}

static enum manifest_decode_error
services(struct ctx *c, const struct capos_system_manifest *root,
         struct manifest_graph *g)
{
	struct capos_list_of_service_decl list;
	struct capos_service_decl svc;
	struct capos_quotas q;
	struct capos_restart_policy rp;
	enum manifest_decode_error r;
	uint32_t n, len;
	enum capnp_err e;

	if ((e = capos_system_manifest_get_services(root, &list)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "services", e);
	n = capos_list_of_service_decl_len(&list);
	if (n > MANIFEST_MAX_SERVICES)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "services", CAPNP_OK);
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_service *s = &c->st->services[i];

		memset(s, 0, sizeof(*s));
		if ((e = capos_list_of_service_decl_get(&list, i, &svc)) ||
		    (e = capos_service_decl_get_name(&svc, &s->name.str, &len)))
			return fail(c, MANIFEST_DECODE_STRUCTURE, "services[]",
			            e);
		s->name.len = len;
		if ((e = capos_service_decl_get_binary(&svc, &s->binary.str,
		                                       &len)) ||
		    (e = capos_service_decl_get_quotas(&svc, &q)))
			return fail(c, MANIFEST_DECODE_STRUCTURE, "services[]",
			            e);
		s->binary.len = len;
		if ((e = capos_service_decl_get_restart(&svc, &rp)))
			return fail(c, MANIFEST_DECODE_STRUCTURE, "services[]",
			            e);
		quotas(&q, &s->quotas);
		restart(&rp, &s->restart);
		if ((r = cap_grants(c, &svc, s)) || (r = exports(c, &svc, s)))
			return r;
	}
	g->services = c->st->services;
	g->nservices = n;
	return MANIFEST_DECODE_OK;
}

enum manifest_decode_error manifest_decode(const void *bytes, size_t len,
                                           struct manifest_storage *st,
                                           struct manifest_graph *g, char *msg,
                                           size_t msg_size)
{
	struct ctx c = {msg, msg_size, st, 0, 0};
	struct capos_system_manifest root;
	struct capnpc_list_of_text bins;
	enum manifest_decode_error r;
	enum capnp_err e;
	uint32_t n;

	memset(g, 0, sizeof(*g));
	if (msg_size)
		msg[0] = 0;
	if ((e = capos_system_manifest_decode(bytes, len, &st->msg, &root)))
		return fail(&c, MANIFEST_DECODE_FRAMING, "message", e);
	g->schema_version = capos_system_manifest_get_schema_version(&root);
	if ((e = capos_system_manifest_get_binaries(&root, &bins)))
		return fail(&c, MANIFEST_DECODE_STRUCTURE, "binaries", e);
	n = capnpc_list_of_text_len(&bins);
	if (n > MANIFEST_MAX_BINARIES)
		return fail(&c, MANIFEST_DECODE_TOO_MANY, "binaries", CAPNP_OK);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t l;

		if ((e = capnpc_list_of_text_get(&bins, i, &st->binaries[i].str,
		                                 &l)))
			return fail(&c, MANIFEST_DECODE_STRUCTURE, "binaries[]",
			            e);
		st->binaries[i].len = l;
	}
	g->binaries = st->binaries;
	g->nbinaries = n;
	if ((r = init_config(&c, &root, g)) || (r = services(&c, &root, g)))
		return r;
	return MANIFEST_DECODE_OK;
}
