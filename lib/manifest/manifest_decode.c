/*
 * manifest_decode.c - see manifest_decode.h. Offsets below are the
 * schema's layout as capnp assigns it (byte offsets into data sections,
 * indices into pointer sections); the generated accessors will replace
 * them once gen/ exists.
 */
#include "manifest_decode.h"

#include <capnp/capnp.h>
#include <format.h>
#include <string.h>

/* SystemManifest: data 1 word, 4 pointers. */
#define SM_SCHEMA_VERSION 0 /* u32 */
#define SM_BINARIES       0 /* List(Text) */
#define SM_INIT           1 /* InitConfig */
#define SM_SERVICES       2 /* List(ServiceDecl) */
/* InitConfig: binary (ptr 0), caps (ptr 1: List(KernelGrant)). */
/* KernelGrant: name (ptr 0), source (u16 at byte 0). */
/* ServiceDecl: name, binary, caps, exports, quotas (ptrs 0-4). */
/* CapGrant: name (ptr 0); union source: discriminant u16 at byte 2,
 * kernel (u16 at byte 0) or service (ptr 1: ServiceRef). */
#define CAPGRANT_WHICH 2
/* ServiceRef: service (ptr 0), export (ptr 1). ExportDecl: name (ptr 0),
 * interfaceId (u64 at byte 0). Quotas: capSlots u32 at byte 4, default
 * 256. */
#define QUOTAS_CAP_SLOTS         4
#define QUOTAS_CAP_SLOTS_DEFAULT 256

#define MAX_SEGMENTS 16

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
	                capnp_strerror(ce));
	return e;
}

static int text(const struct capnp_struct *s, uint32_t idx,
                struct manifest_name *out)
{
	const char *p;
	uint32_t n;
	enum capnp_err e = capnp_struct_get_text(s, idx, &p, &n);

	out->str = p;
	out->len = n;
	return e;
}

static enum manifest_decode_error init_config(struct ctx *c,
                                              const struct capnp_struct *root,
                                              struct manifest_graph *g)
{
	struct capnp_struct init, kg;
	struct capnp_list caps;
	enum capnp_err e;

	if ((e = capnp_struct_get_struct(root, SM_INIT, &init)) ||
	    (e = text(&init, 0, &g->init_binary)) ||
	    (e = capnp_struct_get_list(&init, 1, CAPNP_ELEM_COMPOSITE, &caps)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "init", e);
	if (capnp_list_len(&caps) > MANIFEST_MAX_GRANTS)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "init.caps", CAPNP_OK);
	for (uint32_t i = 0; i < capnp_list_len(&caps); i++) {
		struct manifest_kernel_grant *k = &c->st->init_caps[i];
		struct manifest_name n;

		if ((e = capnp_list_get_struct(&caps, i, &kg)) ||
		    (e = text(&kg, 0, &n)))
			return fail(c, MANIFEST_DECODE_STRUCTURE, "init.caps",
			            e);
		k->name = n;
		k->source = capnp_struct_get_u16(&kg, 0, 0);
	}
	g->init_caps = c->st->init_caps;
	g->ninit_caps = capnp_list_len(&caps);
	return MANIFEST_DECODE_OK;
}

static enum manifest_decode_error cap_grants(struct ctx *c,
                                             const struct capnp_struct *svc,
                                             struct manifest_service *s)
{
	struct capnp_list caps;
	struct capnp_struct cg, ref;
	enum capnp_err e;

	if ((e = capnp_struct_get_list(svc, 2, CAPNP_ELEM_COMPOSITE, &caps)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "services[].caps", e);
	if (capnp_list_len(&caps) > MANIFEST_MAX_GRANTS ||
	    capnp_list_len(&caps) > MANIFEST_POOL_GRANTS - c->ngrants)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "services[].caps",
		            CAPNP_OK);
	s->caps = &c->st->grants[c->ngrants];
	s->ncaps = capnp_list_len(&caps);
	for (uint32_t i = 0; i < s->ncaps; i++) {
		struct manifest_grant *gr = &c->st->grants[c->ngrants++];

		memset(gr, 0, sizeof(*gr));
		if ((e = capnp_list_get_struct(&caps, i, &cg)) ||
		    (e = text(&cg, 0, &gr->name)))
			return fail(c, MANIFEST_DECODE_STRUCTURE,
			            "services[].caps[]", e);
		gr->kind = capnp_struct_get_u16(&cg, CAPGRANT_WHICH, 0);
		if (gr->kind == MANIFEST_GRANT_KERNEL) {
			gr->kernel = capnp_struct_get_u16(&cg, 0, 0);
		} else if ((e = capnp_struct_get_struct(&cg, 1, &ref)) ||
		           (e = text(&ref, 0, &gr->service)) ||
		           (e = text(&ref, 1, &gr->export))) {
			return fail(c, MANIFEST_DECODE_STRUCTURE,
			            "services[].caps[].source.service", e);
		}
	}
	return MANIFEST_DECODE_OK;
}

static enum manifest_decode_error exports(struct ctx *c,
                                          const struct capnp_struct *svc,
                                          struct manifest_service *s)
{
	struct capnp_list ex;
	struct capnp_struct ed;
	enum capnp_err e;

	if ((e = capnp_struct_get_list(svc, 3, CAPNP_ELEM_COMPOSITE, &ex)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "services[].exports",
		            e);
	if (capnp_list_len(&ex) > MANIFEST_MAX_EXPORTS ||
	    capnp_list_len(&ex) > MANIFEST_POOL_EXPORTS - c->nexports)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "services[].exports",
		            CAPNP_OK);
	s->exports = &c->st->exports[c->nexports];
	s->nexports = capnp_list_len(&ex);
	for (uint32_t i = 0; i < s->nexports; i++) {
		struct manifest_export *x = &c->st->exports[c->nexports++];

		if ((e = capnp_list_get_struct(&ex, i, &ed)) ||
		    (e = text(&ed, 0, &x->name)))
			return fail(c, MANIFEST_DECODE_STRUCTURE,
			            "services[].exports[]", e);
		x->interface_id = capnp_struct_get_u64(&ed, 0, 0);
	}
	return MANIFEST_DECODE_OK;
}

static enum manifest_decode_error services(struct ctx *c,
                                           const struct capnp_struct *root,
                                           struct manifest_graph *g)
{
	struct capnp_list list;
	struct capnp_struct svc, q;
	enum manifest_decode_error r;
	enum capnp_err e;

	if ((e = capnp_struct_get_list(root, SM_SERVICES, CAPNP_ELEM_COMPOSITE,
	                               &list)))
		return fail(c, MANIFEST_DECODE_STRUCTURE, "services", e);
	if (capnp_list_len(&list) > MANIFEST_MAX_SERVICES)
		return fail(c, MANIFEST_DECODE_TOO_MANY, "services", CAPNP_OK);
	for (uint32_t i = 0; i < capnp_list_len(&list); i++) {
		struct manifest_service *s = &c->st->services[i];

		memset(s, 0, sizeof(*s));
		if ((e = capnp_list_get_struct(&list, i, &svc)) ||
		    (e = text(&svc, 0, &s->name)) ||
		    (e = text(&svc, 1, &s->binary)) ||
		    (e = capnp_struct_get_struct(&svc, 4, &q)))
			return fail(c, MANIFEST_DECODE_STRUCTURE, "services[]",
			            e);
		/* Quotas.capSlots has a schema default: stored XORed. */
		s->cap_slots = capnp_struct_get_u32(&q, QUOTAS_CAP_SLOTS,
		                                    QUOTAS_CAP_SLOTS_DEFAULT);
		if ((r = cap_grants(c, &svc, s)) || (r = exports(c, &svc, s)))
			return r;
	}
	g->services = c->st->services;
	g->nservices = capnp_list_len(&list);
	return MANIFEST_DECODE_OK;
}

enum manifest_decode_error manifest_decode(const void *bytes, size_t len,
                                           struct manifest_storage *st,
                                           struct manifest_graph *g, char *msg,
                                           size_t msg_size)
{
	struct capnp_msg *m = &st->msg;
	struct ctx c = {msg, msg_size, st, 0, 0};
	struct capnp_struct root;
	struct capnp_list bins;
	enum manifest_decode_error r;
	enum capnp_err e;

	memset(g, 0, sizeof(*g));
	if (msg_size)
		msg[0] = 0;
	if ((e = capnp_msg_init_stream(m, bytes, len, st->segs,
	                               MAX_SEGMENTS)) ||
	    (e = capnp_root(m, &root)))
		return fail(&c, MANIFEST_DECODE_FRAMING, "message", e);
	g->schema_version = capnp_struct_get_u32(&root, SM_SCHEMA_VERSION, 0);
	if ((e = capnp_struct_get_list(&root, SM_BINARIES, CAPNP_ELEM_POINTER,
	                               &bins)))
		return fail(&c, MANIFEST_DECODE_STRUCTURE, "binaries", e);
	if (capnp_list_len(&bins) > MANIFEST_MAX_BINARIES)
		return fail(&c, MANIFEST_DECODE_TOO_MANY, "binaries", CAPNP_OK);
	for (uint32_t i = 0; i < capnp_list_len(&bins); i++) {
		const char *p;
		uint32_t n;

		if ((e = capnp_list_get_text(&bins, i, &p, &n)))
			return fail(&c, MANIFEST_DECODE_STRUCTURE, "binaries[]",
			            e);
		st->binaries[i] = (struct manifest_name){p, n};
	}
	g->binaries = st->binaries;
	g->nbinaries = capnp_list_len(&bins);
	if ((r = init_config(&c, &root, g)) || (r = services(&c, &root, g)))
		return r;
	return MANIFEST_DECODE_OK;
}
