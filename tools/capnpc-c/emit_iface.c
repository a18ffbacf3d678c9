/*
 * emit_iface.c - the C for one interface: its id and method ordinals, the
 * client stubs (params built into the caller's arena, results parsed from
 * the caller's bytes; no transport) and the server side (an ops table of
 * typed methods and a dispatch function from ordinal and bytes to them).
 * Param and result structs are ordinary structs, emitted by emit_struct.c.
 */
#include <inttypes.h>
#include <string.h>

#include "gen.h"

/* A method's params can be passed as plain C arguments. */
static bool flat_params(const struct node *p)
{
	if (p->disc_count)
		return false;
	for (uint32_t i = 0; i < p->nfields; i++) {
		const struct field *f = &p->fields[i];

		if (f->group || (!is_scalar(f->ty.k) && f->ty.k != TK_VOID &&
		                 f->ty.k != TK_TEXT && f->ty.k != TK_DATA &&
		                 f->ty.k != TK_IFACE))
			return false;
	}
	return true;
}

/* Local C names of one function: keywords and repeats get a '_'. */
struct locals {
	const char *v[256];
	uint32_t n;
};

static char *local(struct locals *l, const char *want)
{
	char *name = c_safe(want);

	for (uint32_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i], name)) {
			name = xsprintf("%s_", name);
			i = (uint32_t)-1; /* check again from the start */
		}
	}
	if (l->n == sizeof(l->v) / sizeof(l->v[0]))
		fatal("too many parameters in one method");
	l->v[l->n++] = name;
	return name;
}

static void encode_params(struct emit *e, struct node *n, struct method *m)
{
	struct node *p = m->params;
	struct locals loc = {
	    {"arena", "arena_size", "out_msg", "out_len", "b", "p"}, 6};
	struct out args = {0}, body = {0};
	char *name = xsprintf("%s_%s_encode_params", n->c, m->sn);

	claim_ident(name, xsprintf("%s.%s", n->path, m->name));
	for (uint32_t i = 0; i < p->nfields; i++) {
		struct field *f = &p->fields[i];
		char *a, *alen;

		if (f->ty.k == TK_VOID)
			continue;
		a = local(&loc, f->sn);
		switch (f->ty.k) {
		case TK_TEXT:
		case TK_DATA:
			alen = local(&loc, xsprintf("%s_len", f->sn));
			out_printf(&args, ", %s%s, uint32_t %s",
			           f->ty.k == TK_TEXT ? "const char *"
			                              : "const void *",
			           a, alen);
			out_printf(&body, "\t%s_set_%s(&p, %s, %s);\n", p->c,
			           f->sn, a, alen);
			break;
		case TK_IFACE:
			out_printf(&args, ", uint32_t %s", a);
			out_printf(&body, "\t%s_set_%s(&p, %s);\n", p->c, f->sn,
			           a);
			break;
		default:
			out_printf(
			    &args, ", %s %s",
			    f->ty.k == TK_ENUM
			        ? xsprintf("enum %s", type_cname(e, f->ty.n))
			        : scalar(f->ty.k)->ctype,
			    a);
			out_printf(&body, "\t%s_set_%s(&p, %s);\n", p->c, f->sn,
			           a);
			break;
		}
	}
	out_printf(
	    &e->ifaces,
	    "\n/*\n * %s.%s: the params as a message in the arena "
	    "(*out_msg, *out_len).\n * Returns CAPNP_OK or the first error "
	    "(ARENA_FULL: arena too small).\n */\nstatic inline enum capnp_err "
	    "%s(void *arena, size_t arena_size%s, const uint8_t "
	    "**out_msg, size_t *out_len)\n{\n\tstruct capnp_builder b;\n"
	    "\tstruct %s_builder p;\n\n"
	    "\t%s_%s_build_params(&b, arena, arena_size, &p);\n%s"
	    "\treturn capnp_builder_finish(&b, out_msg, out_len);\n}\n",
	    n->path, m->name, name, args.len ? args.p : "", p->c, n->c, m->sn,
	    body.len ? body.p : "");
	out_free(&args);
	out_free(&body);
}

static void client_stubs(struct emit *e, struct node *n, struct method *m)
{
	const char *owner = xsprintf("%s.%s", n->path, m->name);
	const char *pc = type_cname(e, m->params);
	const char *rc = type_cname(e, m->results);
	char *build = xsprintf("%s_%s_build_params", n->c, m->sn);
	char *decode = xsprintf("%s_%s_decode_results", n->c, m->sn);

	claim_ident(build, owner);
	claim_ident(decode, owner);
	out_printf(&e->ifaces, "\n/* ---- %s ---- */\n", owner);
	out_printf(
	    &e->ifaces,
	    "\n/*\n * %s: starts the params in arena[0..arena_size); fill "
	    "*params,\n * then capnp_builder_finish(b, ...). Returns CAPNP_OK "
	    "or ARENA_FULL\n * (*params is then empty and its setters "
	    "fail).\n */\n"
	    "static inline enum capnp_err %s(struct capnp_builder *b, "
	    "void *arena, size_t arena_size, struct %s_builder *params)"
	    "\n{\n\tenum capnp_err e = capnp_builder_init(b, arena, "
	    "arena_size);\n\tenum capnp_err e2 = %s_init_root(b, params);"
	    "\n\n\treturn e != CAPNP_OK ? e : e2;\n}\n",
	    owner, build, pc, pc);
	if (flat_params(m->params))
		encode_params(e, n, m);
	out_printf(&e->ifaces,
	           "\n/*\n * %s: reads the results from bytes[0..len); m "
	           "holds the message.\n */\nstatic inline enum capnp_err "
	           "%s(const void "
	           "*bytes, size_t len, struct capnpc_msg *m, struct %s "
	           "*results)\n{\n\treturn %s_decode(bytes, len, m, results);"
	           "\n}\n",
	           owner, decode, rc, rc);
}

static void serve(struct emit *e, struct node *n, struct method *m,
                  const char *member)
{
	const char *pc = type_cname(e, m->params);
	const char *rc = type_cname(e, m->results);
	const struct node *r = m->results;
	char *name = xsprintf("%s_%s_serve", n->c, m->sn);

	claim_ident(name, xsprintf("%s.%s", n->path, m->name));
	out_printf(
	    &e->ifaces,
	    "\nstatic inline int %s(const struct %s_server_ops *ops, "
	    "void *ctx, const void *params, size_t params_len, void "
	    "*result_arena, size_t result_size, size_t *result_len)\n{\n"
	    "\tstruct capnpc_call c;\n\tstruct %s p;\n"
	    "\tstruct %s_builder r;\n\tint rc;\n\n"
	    "\tif (!ops->%s)\n\t\treturn CAPNPC_DISPATCH_UNIMPLEMENTED;\n"
	    "\trc = capnpc_call_begin(&c, params, params_len, "
	    "result_arena, result_size, %s_DATA_WORDS, %s_PTR_WORDS);\n"
	    "\tif (rc != CAPNPC_DISPATCH_OK)\n\t\treturn rc;\n"
	    "\tp.s = c.params;\n\tr.s = c.results;\n"
	    "\treturn capnpc_call_end(&c, ops->%s(ctx, &p, &r), "
	    "result_len);\n}\n",
	    name, n->c, pc, rc, member, r->up, r->up, member);
}

static void server(struct emit *e, struct node *n)
{
	struct locals loc = {{NULL}, 0};
	char **members = xmalloc(n->nmethods * sizeof(*members));
	char *ops = xsprintf("%s_server_ops", n->c);
	char *dispatch = xsprintf("%s_dispatch", n->c);

	claim_tag(ops, n->path);
	claim_ident(dispatch, n->path);
	out_printf(
	    &e->ifaces,
	    "\n/*\n * A %s server: one method per entry, NULL for one it "
	    "does not\n * implement. Each gets the caller's ctx, its "
	    "params and a builder for\n * its results (see "
	    "CAPNPC_DISPATCH_* in capnpc_c.h for what to return).\n"
	    " */\nstruct %s {\n",
	    n->path, ops);
	for (uint32_t i = 0; i < n->nmethods; i++) {
		struct method *m = &n->methods[i];

		members[i] = local(&loc, m->sn);
		out_printf(&e->ifaces,
		           "\tint (*%s)(void *ctx, const struct %s *params, "
		           "struct %s_builder *results);\n",
		           members[i], type_cname(e, m->params),
		           type_cname(e, m->results));
	}
	out_printf(&e->ifaces, "};\n");
	for (uint32_t i = 0; i < n->nmethods; i++)
		serve(e, n, &n->methods[i], members[i]);
	out_printf(&e->ifaces,
	           "\n/*\n * Serves one %s call: parses params[0..params_len), "
	           "calls the\n * method's entry in ops and builds its results "
	           "in\n * result_arena[0..result_size). Returns "
	           "CAPNPC_DISPATCH_OK with *result_len\n * set, another "
	           "CAPNPC_DISPATCH_* code, or the method's own nonzero\n"
	           " * return value unchanged.\n */\n"
	           "static inline int %s(const struct %s *ops, void *ctx, "
	           "uint16_t method, const void *params, size_t params_len, "
	           "void *result_arena, size_t result_size, size_t "
	           "*result_len)\n{\n\tswitch (method) {\n",
	           n->path, dispatch, ops);
	for (uint32_t i = 0; i < n->nmethods; i++) {
		struct method *m = &n->methods[i];

		out_printf(
		    &e->ifaces,
		    "\tcase %s_METHOD_%s:\n\t\treturn %s_%s_serve(ops, "
		    "ctx, params, params_len, result_arena, result_size, "
		    "result_len);\n",
		    n->up, m->up, n->c, m->sn);
	}
	out_printf(&e->ifaces,
	           "\t}\n\treturn CAPNPC_DISPATCH_UNKNOWN_METHOD;\n}\n");
}

void emit_iface(struct emit *e, struct node *n)
{
	char *id = xsprintf("%s_INTERFACE_ID", n->up);
	char *count = xsprintf("%s_METHOD_COUNT", n->up);

	claim_ident(id, n->path);
	claim_ident(count, n->path);
	out_printf(&e->defs, "#define %s 0x%016" PRIx64 "ull\n", id, n->id);
	out_printf(&e->defs, "#define %s %u\n", count, n->nmethods);
	if (!n->nmethods)
		return;
	claim_tag(xsprintf("%s_method", n->c), n->path);
	out_printf(&e->enums,
	           "\n/* Method ordinals of %s. */\nenum %s_method {\n",
	           n->path, n->c);
	for (uint32_t i = 0; i < n->nmethods; i++) {
		char *name = xsprintf("%s_METHOD_%s", n->up, n->methods[i].up);

		claim_ident(name,
		            xsprintf("%s.%s", n->path, n->methods[i].name));
		out_printf(&e->enums, "\t%s = %u,\n", name, i);
	}
	out_printf(&e->enums, "};\n");
	out_printf(&e->ifaces, "\n/* ==== interface %s ==== */\n", n->path);
	for (uint32_t i = 0; i < n->nmethods; i++)
		client_stubs(e, n, &n->methods[i]);
	server(e, n);
}
