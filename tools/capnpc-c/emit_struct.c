/*
 * emit_struct.c - the C for one struct or group: reader and builder types,
 * root helpers, typed lists of it, the union discriminant, and per field a
 * getter (and has_ for pointers) on the reader and a setter or init_ on
 * the builder. Every accessor is a static inline wrapper of lib/capnp.
 */
#include <inttypes.h>
#include <string.h>

#include "gen.h"

#define NO_DISC SCHEMA_FIELD_NO_DISCRIMINANT

static char *owner_of(struct node *n, struct field *f)
{
	return xsprintf("%s.%s", n->path, f->name);
}

static char *fname(struct node *n, struct field *f, const char *verb)
{
	char *name = xsprintf("%s_%s_%s", n->c, verb, f->sn);

	claim_ident(name, owner_of(n, f));
	return name;
}

/* Byte offset of a scalar slot (bit offset for bools). */
static uint32_t slot_offset(const struct field *f)
{
	unsigned bits = scalar(f->ty.k)->bits;

	return bits == 1 ? f->offset : f->offset * (bits / 8);
}

static const char *api_type(struct emit *e, const struct ty *t)
{
	if (t->k == TK_ENUM)
		return xsprintf("enum %s", type_cname(e, t->n));
	return scalar(t->k)->ctype;
}

static char *which_name(struct node *n, struct field *f)
{
	return xsprintf("%s_%s", n->up, f->up);
}

void emit_struct_types(struct emit *e, struct node *n)
{
	uint32_t members = 0;

	claim_tag(n->c, n->path);
	claim_tag(xsprintf("%s_builder", n->c), n->path);
	out_printf(&e->types,
	           "\n/* %s %s */\nstruct %s {\n\tstruct capnp_struct s;\n};\n"
	           "\nstruct %s_builder {\n\tstruct capnp_bstruct s;\n};\n",
	           n->is_group ? "group" : "struct", n->path, n->c, n->c);
	if (!n->is_group && !n->is_implicit) {
		char *l =
		    xsprintf("%s_list_of_%s", n->file->prefix, snake(n->path));

		claim_tag(l, n->path);
		claim_tag(xsprintf("%s_builder", l), n->path);
		out_printf(
		    &e->types,
		    "\nstruct %s {\n\tstruct capnp_list l;\n};\n"
		    "\nstruct %s_builder {\n\tstruct capnp_blist l;\n};\n",
		    l, l);
	}
	if (!n->is_group) {
		claim_ident(xsprintf("%s_TYPE_ID", n->up), n->path);
		claim_ident(xsprintf("%s_DATA_WORDS", n->up), n->path);
		claim_ident(xsprintf("%s_PTR_WORDS", n->up), n->path);
		out_printf(
		    &e->defs,
		    "#define %s_TYPE_ID 0x%016" PRIx64 "ull\n"
		    "#define %s_DATA_WORDS %u\n#define %s_PTR_WORDS %u\n",
		    n->up, n->id, n->up, n->data_words, n->up, n->ptr_words);
	}
	if (!n->disc_count)
		return;
	claim_tag(xsprintf("%s_which", n->c), n->path);
	out_printf(&e->enums, "\n/* The union of %s. */\nenum %s_which {\n",
	           n->path, n->c);
	for (uint32_t d = 0; d < n->disc_count; d++) {
		for (uint32_t i = 0; i < n->nfields; i++) {
			struct field *f = &n->fields[i];

			if (f->disc != d)
				continue;
			claim_ident(which_name(n, f), owner_of(n, f));
			out_printf(&e->enums, "\t%s = %u,\n", which_name(n, f),
			           d);
			members++;
		}
	}
	if (members != n->disc_count)
		fatal("%s: the union has %u members, not %u", n->path, members,
		      n->disc_count);
	out_printf(&e->enums, "};\n");
}

/* ---- reader ----------------------------------------------------------------
 */

static void reader_scalar(struct emit *e, struct node *n, struct field *f)
{
	const struct scalar_info *si = scalar(f->ty.k);
	const char *ct = api_type(e, &f->ty);
	const char *def = value_literal(e, &f->ty, &f->def, true);
	bool cast = f->ty.k == TK_ENUM || si->is_signed;

	out_printf(&e->funcs,
	           "\nstatic inline %s %s(const struct %s *r)\n{\n"
	           "\treturn %s%s%scapnp_struct_get_%s(&r->s, %u, %s);\n}\n",
	           ct, fname(n, f, "get"), n->c, cast ? "(" : "",
	           cast ? ct : "", cast ? ")" : "", si->wire, slot_offset(f),
	           def);
}

/* An explicit non-empty Text/Data default, else NULL. */
static const char *bytes_default(struct field *f, uint32_t *len)
{
	const char *s = NULL;
	const uint8_t *d = NULL;

	*len = 0;
	if (!f->has_def)
		return NULL;
	if (f->ty.k == TK_TEXT &&
	    schema_value_which(&f->def) == SCHEMA_VALUE_TEXT &&
	    schema_value_has_text(&f->def)) {
		check(schema_value_get_text(&f->def, &s, len), f->name);
		return *len ? c_string(s, *len) : NULL;
	}
	if (f->ty.k == TK_DATA &&
	    schema_value_which(&f->def) == SCHEMA_VALUE_DATA &&
	    schema_value_has_data(&f->def)) {
		check(schema_value_get_data(&f->def, &d, len), f->name);
		return *len ? c_string(d, *len) : NULL;
	}
	return NULL;
}

static void reader_bytes(struct emit *e, struct node *n, struct field *f)
{
	bool text = f->ty.k == TK_TEXT;
	const char *args = text ? "const char **s" : "const uint8_t **d";
	const char *var = text ? "s" : "d";
	uint32_t len;
	const char *def = bytes_default(f, &len);
	char *get = fname(n, f, "get");

	if (!def) {
		out_printf(
		    &e->funcs,
		    "\nstatic inline enum capnp_err %s(const struct %s *r, "
		    "%s, uint32_t *len)\n{\n\treturn capnp_struct_get_%s("
		    "&r->s, %u, %s, len);\n}\n",
		    get, n->c, args, text ? "text" : "data", f->offset, var);
		return;
	}
	/* A null pointer reads as the schema's default. */
	out_printf(&e->funcs,
	           "\nstatic inline enum capnp_err %s(const struct %s *r, %s, "
	           "uint32_t *len)\n{\n"
	           "\tstruct capnp_ptr p = capnp_struct_ptr(&r->s, %u);\n\n"
	           "\tif (capnp_ptr_is_null(&p)) {\n\t\t*%s = (%s)%s;\n"
	           "\t\t*len = %u;\n\t\treturn CAPNP_OK;\n\t}\n"
	           "\treturn capnp_ptr_get_%s(&p, %s, len);\n}\n",
	           get, n->c, args, f->offset, var,
	           text ? "const char *" : "const uint8_t *", def, len,
	           text ? "text" : "data", var);
}

static void no_pointer_default(struct node *n, struct field *f)
{
	bool set = false;

	if (!f->has_def)
		return;
	switch (schema_value_which(&f->def)) {
	case SCHEMA_VALUE_STRUCT:
		set = schema_value_has_struct(&f->def);
		break;
	case SCHEMA_VALUE_LIST:
		set = schema_value_has_list(&f->def);
		break;
	case SCHEMA_VALUE_ANY_POINTER:
		set = schema_value_has_any_pointer(&f->def);
		break;
	default:
		break;
	}
	if (set)
		fatal("%s.%s has a default value: defaults of struct, list and "
		      "AnyPointer fields are not supported",
		      n->path, f->name);
}

static void reader_field(struct emit *e, struct node *n, struct field *f)
{
	struct out *o = &e->funcs;

	if (f->group) {
		out_printf(
		    o,
		    "\nstatic inline struct %s %s(const struct %s *r)\n{\n"
		    "\tstruct %s g = {r->s};\n\n\treturn g;\n}\n",
		    f->group->c, fname(n, f, "get"), n->c, f->group->c);
		return;
	}
	if (f->ty.k == TK_VOID)
		return;
	if (is_scalar(f->ty.k)) {
		reader_scalar(e, n, f);
		return;
	}
	no_pointer_default(n, f);
	switch (f->ty.k) {
	case TK_TEXT:
	case TK_DATA:
		reader_bytes(e, n, f);
		break;
	case TK_STRUCT:
		out_printf(
		    o,
		    "\nstatic inline enum capnp_err %s(const struct %s *r, "
		    "struct %s *out)\n{\n\treturn capnp_struct_get_struct("
		    "&r->s, %u, &out->s);\n}\n",
		    fname(n, f, "get"), n->c, type_cname(e, f->ty.n),
		    f->offset);
		break;
	case TK_LIST:
		out_printf(
		    o,
		    "\nstatic inline enum capnp_err %s(const struct %s *r, "
		    "%s *out)\n{\n\treturn capnp_struct_get_list(&r->s, "
		    "%u, %s, &out->l);\n}\n",
		    fname(n, f, "get"), n->c, list_type(e, f->ty.elem),
		    f->offset, list_esize(f->ty.elem));
		break;
	case TK_IFACE:
		out_printf(
		    o,
		    "\n/* The capability's index in the message's cap "
		    "table. */\nstatic inline enum capnp_err %s(const "
		    "struct %s *r, uint32_t *cap)\n{\n"
		    "\tstruct capnp_ptr p = capnp_struct_ptr(&r->s, %u);\n"
		    "\n\treturn capnp_ptr_get_cap(&p, cap);\n}\n",
		    fname(n, f, "get"), n->c, f->offset);
		break;
	case TK_ANY:
		out_printf(
		    o,
		    "\nstatic inline struct capnp_ptr %s(const struct %s "
		    "*r)\n{\n\treturn capnp_struct_ptr(&r->s, %u);\n}\n",
		    fname(n, f, "get"), n->c, f->offset);
		break;
	default:
		fatal("internal error: field kind %d", (int)f->ty.k);
	}
	out_printf(o,
	           "\nstatic inline bool %s(const struct %s *r)\n{\n"
	           "\tstruct capnp_ptr p = capnp_struct_ptr(&r->s, %u);\n\n"
	           "\treturn !capnp_ptr_is_null(&p);\n}\n",
	           fname(n, f, "has"), n->c, f->offset);
}

/* ---- builder ---------------------------------------------------------------
 */

/*
 * Emits "static inline enum capnp_err name(struct X_builder *b<args>)"
 * whose body returns op, after setting the discriminant for a union
 * member. A failed discriminant leaves an empty builder behind, so op then
 * fails too and fills its out parameter harmlessly.
 */
static void setter(struct emit *e, struct node *n, struct field *f,
                   const char *verb, const char *args, const char *op)
{
	char *name = fname(n, f, verb);

	if (f->disc == NO_DISC) {
		out_printf(
		    &e->funcs,
		    "\nstatic inline enum capnp_err %s(struct %s_builder "
		    "*b%s)\n{\n\treturn %s;\n}\n",
		    name, n->c, args, op);
		return;
	}
	out_printf(&e->funcs,
	           "\nstatic inline enum capnp_err %s(struct %s_builder *b%s)\n"
	           "{\n\tenum capnp_err e = capnp_bstruct_set_which(&b->s, %u, "
	           "%s);\n\tenum capnp_err e2 = %s;\n\n"
	           "\treturn e != CAPNP_OK ? e : e2;\n}\n",
	           name, n->c, args, n->disc_offset * 2, which_name(n, f), op);
}

static void builder_scalar(struct emit *e, struct node *n, struct field *f)
{
	const struct scalar_info *si = scalar(f->ty.k);
	const char *ct = api_type(e, &f->ty);
	const char *def = value_literal(e, &f->ty, &f->def, true);
	bool cast = f->ty.k == TK_ENUM || si->is_signed;

	setter(e, n, f, "set", xsprintf(", %s v", ct),
	       xsprintf("capnp_bstruct_set_%s(&b->s, %u, %s%s%sv, %s)",
	                si->wire, slot_offset(f), cast ? "(" : "",
	                cast ? si->wtype : "", cast ? ")" : "", def));
}

static void builder_group(struct emit *e, struct node *n, struct field *f)
{
	const char *g = f->group->c;

	if (f->disc == NO_DISC) {
		out_printf(
		    &e->funcs,
		    "\nstatic inline struct %s_builder %s(struct %s_builder "
		    "*b)\n{\n\tstruct %s_builder g = {b->s};\n\n"
		    "\treturn g;\n}\n",
		    g, fname(n, f, "init"), n->c, g);
		return;
	}
	/* The discriminant's error, if any, is latched in the builder. */
	out_printf(
	    &e->funcs,
	    "\nstatic inline struct %s_builder %s(struct %s_builder *b)\n"
	    "{\n\tstruct %s_builder g = {b->s};\n\n"
	    "\tcapnp_bstruct_set_which(&b->s, %u, %s);\n"
	    "\treturn g;\n}\n",
	    g, fname(n, f, "init"), n->c, g, n->disc_offset * 2,
	    which_name(n, f));
}

static void builder_field(struct emit *e, struct node *n, struct field *f)
{
	uint32_t idx = f->offset;

	if (f->group) {
		builder_group(e, n, f);
		return;
	}
	if (is_scalar(f->ty.k)) {
		builder_scalar(e, n, f);
		return;
	}
	switch (f->ty.k) {
	case TK_VOID:
		if (f->disc == NO_DISC)
			return;
		out_printf(
		    &e->funcs,
		    "\nstatic inline enum capnp_err %s(struct %s_builder "
		    "*b)\n{\n\treturn capnp_bstruct_set_which(&b->s, %u, "
		    "%s);\n}\n",
		    fname(n, f, "set"), n->c, n->disc_offset * 2,
		    which_name(n, f));
		return;
	case TK_TEXT:
		setter(
		    e, n, f, "set", ", const char *s, uint32_t len",
		    xsprintf("capnp_bstruct_set_text(&b->s, %u, s, len)", idx));
		return;
	case TK_DATA:
		setter(
		    e, n, f, "set", ", const void *d, uint32_t len",
		    xsprintf("capnp_bstruct_set_data(&b->s, %u, d, len)", idx));
		return;
	case TK_STRUCT: {
		struct node *t = f->ty.n;

		type_cname(e, t);
		setter(e, n, f, "init",
		       xsprintf(", struct %s_builder *out", t->c),
		       xsprintf("capnp_bstruct_init_struct(&b->s, %u, "
		                "%s_DATA_WORDS, %s_PTR_WORDS, &out->s)",
		                idx, t->up, t->up));
		return;
	}
	case TK_LIST: {
		const struct ty *el = f->ty.elem;
		const char *lt = list_type(e, el);
		char *op;

		if (el->k == TK_STRUCT)
			op = xsprintf(
			    "capnp_bstruct_init_struct_list(&b->s, %u, "
			    "count, %s_DATA_WORDS, %s_PTR_WORDS, "
			    "&out->l)",
			    idx, el->n->up, el->n->up);
		else
			op = xsprintf("capnp_bstruct_init_list(&b->s, %u, %s, "
			              "count, &out->l)",
			              idx, list_esize(el));
		setter(e, n, f, "init",
		       xsprintf(", uint32_t count, %s_builder *out", lt), op);
		return;
	}
	case TK_IFACE:
		setter(e, n, f, "set", ", uint32_t cap",
		       xsprintf("capnp_bptr_set_cap(capnp_bstruct_ptr(&b->s, "
		                "%u), cap)",
		                idx));
		return;
	case TK_ANY:
		/* The slot, to fill with the capnp_bptr_* calls. */
		if (f->disc == NO_DISC) {
			out_printf(
			    &e->funcs,
			    "\nstatic inline struct capnp_bptr %s(struct "
			    "%s_builder *b)\n{\n\treturn "
			    "capnp_bstruct_ptr(&b->s, %u);\n}\n",
			    fname(n, f, "init"), n->c, idx);
			return;
		}
		out_printf(
		    &e->funcs,
		    "\nstatic inline struct capnp_bptr %s(struct "
		    "%s_builder *b)\n{\n\tcapnp_bstruct_set_which(&b->s, "
		    "%u, %s);\n\treturn capnp_bstruct_ptr(&b->s, %u);\n}\n",
		    fname(n, f, "init"), n->c, n->disc_offset * 2,
		    which_name(n, f), idx);
		return;
	default:
		fatal("internal error: field kind %d", (int)f->ty.k);
	}
}

/* ---- the struct ------------------------------------------------------------
 */

static void root_funcs(struct emit *e, struct node *n)
{
	char *l = xsprintf("%s_list_of_%s", n->file->prefix, snake(n->path));
	const char *names[] = {"read", "decode", "init_root"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		claim_ident(xsprintf("%s_%s", n->c, names[i]), n->path);
	out_printf(&e->funcs,
	           "\n/* The root of msg as a %s. */\nstatic inline enum "
	           "capnp_err %s_read(struct capnp_msg *msg, struct %s *out)\n"
	           "{\n\treturn capnp_root(msg, &out->s);\n}\n",
	           n->path, n->c, n->c);
	out_printf(&e->funcs,
	           "\n/* Frames bytes[0..len) into m and reads its root. */\n"
	           "static inline enum capnp_err %s_decode(const void *bytes, "
	           "size_t len, struct capnpc_msg *m, struct %s *out)\n{\n"
	           "\treturn capnpc_decode_root(bytes, len, m, &out->s);\n}\n",
	           n->c, n->c);
	out_printf(
	    &e->funcs,
	    "\nstatic inline enum capnp_err %s_init_root(struct "
	    "capnp_builder *b, struct %s_builder *out)\n{\n"
	    "\treturn capnp_builder_root(b, %s_DATA_WORDS, %s_PTR_WORDS, "
	    "&out->s);\n}\n",
	    n->c, n->c, n->up, n->up);

	if (n->is_implicit)
		return; /* no List() of it can be written */
	claim_ident(xsprintf("%s_len", l), n->path);
	claim_ident(xsprintf("%s_get", l), n->path);
	claim_ident(xsprintf("%s_builder_get", l), n->path);
	out_printf(&e->funcs,
	           "\nstatic inline uint32_t %s_len(const struct %s *l)\n{\n"
	           "\treturn capnp_list_len(&l->l);\n}\n",
	           l, l);
	out_printf(&e->funcs,
	           "\nstatic inline enum capnp_err %s_get(const struct %s *l, "
	           "uint32_t i, struct %s *out)\n{\n"
	           "\treturn capnp_list_get_struct(&l->l, i, &out->s);\n}\n",
	           l, l, n->c);
	out_printf(&e->funcs,
	           "\nstatic inline enum capnp_err %s_builder_get(struct "
	           "%s_builder *l, uint32_t i, struct %s_builder *out)\n{\n"
	           "\treturn capnp_blist_get_struct(&l->l, i, &out->s);\n}\n",
	           l, l, n->c);
}

void emit_struct_funcs(struct emit *e, struct node *n)
{
	out_printf(&e->funcs, "\n/* ---- %s %s ---- */\n",
	           n->is_group ? "group" : "struct", n->path);
	if (!n->is_group)
		root_funcs(e, n);
	if (n->disc_count) {
		claim_ident(xsprintf("%s_which", n->c), n->path);
		out_printf(
		    &e->funcs,
		    "\n/* Which member of the union is set. */\n"
		    "static inline enum %s_which %s_which(const struct %s "
		    "*r)\n{\n\treturn (enum %s_which)capnp_struct_which("
		    "&r->s, %u);\n}\n",
		    n->c, n->c, n->c, n->c, n->disc_offset * 2);
	}
	for (uint32_t i = 0; i < n->nfields; i++)
		reader_field(e, n, &n->fields[i]);
	for (uint32_t i = 0; i < n->nfields; i++)
		builder_field(e, n, &n->fields[i]);
}
