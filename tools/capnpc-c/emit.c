/*
 * emit.c - one generated header per schema file: the order of its nodes,
 * constants, enums, and the assembly of the sections (defines, enums,
 * struct types, accessors, interfaces) into <file>.h. Also the helpers the
 * struct and interface emitters share: C types, list types, literals.
 */
#include <inttypes.h>
#include <string.h>

#include "gen.h"

static const struct scalar_info scalars[] = {
    [TK_BOOL] = {"bool", "bool", "bool", "bool", "CAPNP_ELEM_BIT", 1, false},
    [TK_I8] = {"int8_t", "uint8_t", "u8", "i8", "CAPNP_ELEM_BYTE", 8, true},
    [TK_I16] = {"int16_t", "uint16_t", "u16", "i16", "CAPNP_ELEM_2BYTES", 16,
                true},
    [TK_I32] = {"int32_t", "uint32_t", "u32", "i32", "CAPNP_ELEM_4BYTES", 32,
                true},
    [TK_I64] = {"int64_t", "uint64_t", "u64", "i64", "CAPNP_ELEM_8BYTES", 64,
                true},
    [TK_U8] = {"uint8_t", "uint8_t", "u8", "u8", "CAPNP_ELEM_BYTE", 8, false},
    [TK_U16] = {"uint16_t", "uint16_t", "u16", "u16", "CAPNP_ELEM_2BYTES", 16,
                false},
    [TK_U32] = {"uint32_t", "uint32_t", "u32", "u32", "CAPNP_ELEM_4BYTES", 32,
                false},
    [TK_U64] = {"uint64_t", "uint64_t", "u64", "u64", "CAPNP_ELEM_8BYTES", 64,
                false},
    /* Floats travel as IEEE bit patterns: the kernel has no FPU code. */
    [TK_F32] = {"uint32_t", "uint32_t", "u32", "f32", "CAPNP_ELEM_4BYTES", 32,
                false},
    [TK_F64] = {"uint64_t", "uint64_t", "u64", "f64", "CAPNP_ELEM_8BYTES", 64,
                false},
    [TK_ENUM] = {NULL, "uint16_t", "u16", NULL, "CAPNP_ELEM_2BYTES", 16, false},
};

bool is_scalar(enum tk k)
{
	return (k >= TK_BOOL && k <= TK_F64) || k == TK_ENUM;
}

bool is_pointer(enum tk k)
{
	return k == TK_TEXT || k == TK_DATA || k == TK_LIST || k == TK_STRUCT ||
	       k == TK_IFACE || k == TK_ANY;
}

const struct scalar_info *scalar(enum tk k)
{
	if (!is_scalar(k))
		fatal("internal error: kind %d is not a scalar", (int)k);
	return &scalars[k];
}

static void add_dep(struct emit *e, struct node *file)
{
	if (file == e->file)
		return;
	for (uint32_t i = 0; i < e->ndeps; i++)
		if (e->deps[i] == file)
			return;
	if (!e->ndeps || !(e->ndeps & (e->ndeps - 1))) {
		struct node **d = xmalloc(2 * (e->ndeps + 1) * sizeof(*d));

		if (e->ndeps)
			memcpy(d, e->deps, e->ndeps * sizeof(*d));
		e->deps = d;
	}
	e->deps[e->ndeps++] = file;
}

const char *type_cname(struct emit *e, struct node *n)
{
	add_dep(e, n->file);
	return n->c;
}

/* "capos_list_of_spawn_grant" for a struct or enum node. */
static char *node_list_name(struct node *n)
{
	return xsprintf("%s_list_of_%s", n->file->prefix, snake(n->path));
}

char *list_type(struct emit *e, const struct ty *elem)
{
	switch (elem->k) {
	case TK_VOID:
		return "struct capnpc_list_of_void";
	case TK_TEXT:
		return "struct capnpc_list_of_text";
	case TK_DATA:
		return "struct capnpc_list_of_data";
	case TK_LIST:
		return "struct capnpc_list_of_list";
	case TK_IFACE:
	case TK_ANY:
		return "struct capnpc_list_of_ptr";
	case TK_STRUCT:
	case TK_ENUM:
		type_cname(e, elem->n);
		return xsprintf("struct %s", node_list_name(elem->n));
	default:
		return xsprintf("struct capnpc_list_of_%s",
		                scalar(elem->k)->lname);
	}
}

const char *list_esize(const struct ty *elem)
{
	switch (elem->k) {
	case TK_VOID:
		return "CAPNP_ELEM_VOID";
	case TK_STRUCT:
		return "CAPNP_ELEM_COMPOSITE";
	default:
		if (is_pointer(elem->k))
			return "CAPNP_ELEM_POINTER";
		return scalar(elem->k)->esize;
	}
}

/* ---- literals ------------------------------------------------------------ */

char *c_string(const void *bytes, uint32_t len)
{
	const uint8_t *b = bytes;
	char *o = xmalloc(4 * (size_t)len + 3), *p = o;

	*p++ = '"';
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = b[i];

		if (c == '"' || c == '\\' || c == '?') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			*p++ = (char)c;
		} else {
			/* Always three octal digits: never runs into the next
			 * character, unlike \x. */
			*p++ = '\\';
			*p++ = (char)('0' + (c >> 6));
			*p++ = (char)('0' + ((c >> 3) & 7));
			*p++ = (char)('0' + (c & 7));
		}
	}
	*p++ = '"';
	*p = 0;
	return o;
}

static char *signed_literal(int64_t v, unsigned bits)
{
	const char *sfx = bits == 64 ? "ll" : "";

	if (v >= 0)
		return xsprintf("%" PRId64 "%s", v, sfx);
	if (v == INT64_MIN)
		return xsprintf("(-9223372036854775807ll - 1)");
	if (bits == 32 && v == INT32_MIN)
		return xsprintf("(-2147483647 - 1)");
	return xsprintf("(%" PRId64 "%s)", v, sfx);
}

static char *unsigned_literal(uint64_t v, unsigned bits)
{
	if (v == 0)
		return "0";
	if (bits == 64)
		return xsprintf("0x%" PRIx64 "ull", v);
	return xsprintf("%" PRIu64 "u", v);
}

static const char *enumerant_name(struct node *en, uint16_t v)
{
	node_detail(en);
	if (v < en->nenumerants)
		return xsprintf("%s_%s", en->up, en->enumerants[v].up);
	return xsprintf("%uu", (unsigned)v);
}

/* The Value's union tag each scalar kind must carry. */
static const enum schema_value_which value_tag[] = {
    [TK_VOID] = SCHEMA_VALUE_VOID,       [TK_BOOL] = SCHEMA_VALUE_BOOL,
    [TK_I8] = SCHEMA_VALUE_INT8,         [TK_I16] = SCHEMA_VALUE_INT16,
    [TK_I32] = SCHEMA_VALUE_INT32,       [TK_I64] = SCHEMA_VALUE_INT64,
    [TK_U8] = SCHEMA_VALUE_UINT8,        [TK_U16] = SCHEMA_VALUE_UINT16,
    [TK_U32] = SCHEMA_VALUE_UINT32,      [TK_U64] = SCHEMA_VALUE_UINT64,
    [TK_F32] = SCHEMA_VALUE_FLOAT32,     [TK_F64] = SCHEMA_VALUE_FLOAT64,
    [TK_TEXT] = SCHEMA_VALUE_TEXT,       [TK_DATA] = SCHEMA_VALUE_DATA,
    [TK_LIST] = SCHEMA_VALUE_LIST,       [TK_ENUM] = SCHEMA_VALUE_ENUM,
    [TK_STRUCT] = SCHEMA_VALUE_STRUCT,   [TK_IFACE] = SCHEMA_VALUE_INTERFACE,
    [TK_ANY] = SCHEMA_VALUE_ANY_POINTER,
};

/*
 * A scalar value as a C literal. as_wire: the unsigned wire pattern (for
 * the XOR defaults of accessors); otherwise typed (for #defines).
 */
char *value_literal(struct emit *e, const struct ty *t,
                    const struct schema_value *v, bool as_wire)
{
	const struct scalar_info *si = scalar(t->k);
	uint64_t u;
	int64_t s;

	if (schema_value_which(v) != value_tag[t->k])
		fatal("a value of %s does not match its type", si->wire);
	switch (t->k) {
	case TK_BOOL:
		return schema_value_get_bool(v) ? "true" : "false";
	case TK_I8:
		s = schema_value_get_int8(v);
		break;
	case TK_I16:
		s = schema_value_get_int16(v);
		break;
	case TK_I32:
		s = schema_value_get_int32(v);
		break;
	case TK_I64:
		s = schema_value_get_int64(v);
		break;
	case TK_U8:
		return unsigned_literal(schema_value_get_uint8(v), 8);
	case TK_U16:
		return unsigned_literal(schema_value_get_uint16(v), 16);
	case TK_U32:
		return unsigned_literal(schema_value_get_uint32(v), 32);
	case TK_U64:
		return unsigned_literal(schema_value_get_uint64(v), 64);
	case TK_F32:
		u = schema_value_get_float32(v);
		return u ? xsprintf("0x%08" PRIx64 "u", u) : "0";
	case TK_F64:
		u = schema_value_get_float64(v);
		return u ? xsprintf("0x%016" PRIx64 "ull", u) : "0";
	case TK_ENUM:
		if (as_wire && !schema_value_get_enum(v))
			return "0";
		type_cname(e, t->n);
		return (char *)enumerant_name(t->n, schema_value_get_enum(v));
	default:
		fatal("internal error: literal of kind %d", (int)t->k);
	}
	if (!as_wire || s == 0)
		return s == 0 ? "0" : signed_literal(s, si->bits);
	return xsprintf("(%s)%s", si->wtype, signed_literal(s, si->bits));
}

/* ---- constants and enums ----------------------------------------------- */

/*
 * The interface of this file whose id macro is name, or NULL. A constant
 * like `echoInterfaceId` maps to the same macro as interface Echo's id.
 */
static struct node *iface_with_id_macro(struct node *file, const char *name)
{
	uint32_t count;
	struct node *all = model_nodes(&count);

	for (uint32_t i = 0; i < count; i++) {
		struct node *n = &all[i];

		if (n->which == SCHEMA_NODE_INTERFACE && n->file == file &&
		    !strcmp(xsprintf("%s_INTERFACE_ID", n->up), name))
			return n;
	}
	return NULL;
}

static void emit_const(struct emit *e, struct node *n)
{
	struct schema_node_const c = schema_node_get_const(&n->r);
	struct schema_type t;
	struct schema_value v;
	struct ty ty;
	struct node *iface;
	const char *s;
	uint32_t len;

	check(schema_node_const_get_type(&c, &t), n->path);
	check(schema_node_const_get_value(&c, &v), n->path);
	type_of(&t, &ty, n->path);
	iface = iface_with_id_macro(n->file, n->up);
	if (iface) {
		/* The interface emits the macro; the values must agree. */
		if (ty.k != TK_U64 ||
		    schema_value_which(&v) != SCHEMA_VALUE_UINT64 ||
		    schema_value_get_uint64(&v) != iface->id)
			fatal("const %s is not interface %s's id "
			      "(0x%016" PRIx64 "), yet both would be %s",
			      n->path, iface->path, iface->id, n->up);
		out_printf(&e->defs, "/* const %s: see %s */\n", n->path,
		           n->up);
	} else if (is_scalar(ty.k)) {
		claim_ident(n->up, n->path);
		out_printf(&e->defs, "#define %s %s\n", n->up,
		           value_literal(e, &ty, &v, false));
	} else if (ty.k == TK_TEXT) {
		check(schema_value_get_text(&v, &s, &len), n->path);
		claim_ident(n->up, n->path);
		out_printf(&e->defs, "#define %s %s\n", n->up,
		           c_string(s, len));
	} else if (ty.k == TK_DATA) {
		const uint8_t *d;

		check(schema_value_get_data(&v, &d, &len), n->path);
		claim_ident(n->up, n->path);
		out_printf(&e->defs, "#define %s %s /* %u bytes */\n", n->up,
		           c_string(d, len), len);
	} else {
		/* Struct and list constants would need an encoded message
		 * in the header; `capnp eval --binary` makes those. */
		out_printf(&e->defs, "/* const %s: not generated */\n",
		           n->path);
	}
}

void emit_enums(struct emit *e, struct node *n)
{
	char *lname = node_list_name(n);

	node_detail(n);
	if (!n->nenumerants)
		fatal("enum %s has no enumerants, and C has no empty enums",
		      n->path);
	claim_ident(xsprintf("%s_TYPE_ID", n->up), n->path);
	out_printf(&e->defs, "#define %s_TYPE_ID 0x%016" PRIx64 "ull\n", n->up,
	           n->id);
	claim_tag(n->c, n->path);
	out_printf(&e->enums, "\n/* enum %s */\nenum %s {\n", n->path, n->c);
	for (uint32_t i = 0; i < n->nenumerants; i++) {
		char *name = xsprintf("%s_%s", n->up, n->enumerants[i].up);

		claim_ident(name, n->path);
		out_printf(&e->enums, "\t%s = %u,\n", name, i);
	}
	out_printf(&e->enums, "};\n");

	claim_tag(lname, n->path);
	claim_tag(xsprintf("%s_builder", lname), n->path);
	out_printf(&e->types,
	           "\nstruct %s {\n\tstruct capnp_list l;\n};\n\n"
	           "struct %s_builder {\n\tstruct capnp_blist l;\n};\n",
	           lname, lname);
	out_printf(&e->funcs, "\n/* List(%s) */\n", n->path);
	emit_list_funcs(&e->funcs, lname, xsprintf("enum %s", n->c), "u16",
	                "uint16_t");
}

void emit_list_funcs(struct out *o, const char *lname, const char *ctype,
                     const char *wire, const char *wtype)
{
	claim_ident(xsprintf("%s_len", lname), lname);
	claim_ident(xsprintf("%s_get", lname), lname);
	claim_ident(xsprintf("%s_builder_set", lname), lname);
	out_printf(o,
	           "\nstatic inline uint32_t %s_len(const struct %s *l)\n{\n"
	           "\treturn capnp_list_len(&l->l);\n}\n",
	           lname, lname);
	out_printf(o,
	           "\nstatic inline %s %s_get(const struct %s *l, uint32_t i)\n"
	           "{\n\treturn (%s)capnp_list_get_%s(&l->l, i);\n}\n",
	           ctype, lname, lname, ctype, wire);
	out_printf(o,
	           "\nstatic inline enum capnp_err %s_builder_set(struct "
	           "%s_builder *l, uint32_t i, %s v)\n{\n"
	           "\treturn capnp_blist_set_%s(&l->l, i, (%s)v);\n}\n",
	           lname, lname, ctype, wire, wtype);
}

/* ---- the file -------------------------------------------------------------
 */

struct order {
	struct node **v;
	uint32_t n, cap;
};

static void order_add(struct order *o, struct node *n)
{
	if (o->n == o->cap) {
		struct node **v;

		o->cap = o->cap ? 2 * o->cap : 64;
		v = xmalloc(o->cap * sizeof(*v));
		if (o->n)
			memcpy(v, o->v, o->n * sizeof(*v));
		o->v = v;
	}
	o->v[o->n++] = n;
}

static bool order_has(const struct order *o, const struct node *n)
{
	for (uint32_t i = 0; i < o->n; i++)
		if (o->v[i] == n)
			return true;
	return false;
}

/*
 * Declaration order: a node, then its groups (structs) or its methods'
 * implicit param/result structs (interfaces), then its nested nodes.
 */
static void visit(struct order *o, struct node *n)
{
	struct schema_list_of_node_nested_node nested;

	if (order_has(o, n) || n->which == SCHEMA_NODE_ANNOTATION)
		return;
	if (n->which != SCHEMA_NODE_FILE) {
		node_detail(n);
		order_add(o, n);
	}
	for (uint32_t i = 0; i < n->nfields; i++)
		if (n->fields[i].group)
			visit(o, n->fields[i].group);
	for (uint32_t i = 0; i < n->nmethods; i++) {
		struct node *p = n->methods[i].params;
		struct node *r = n->methods[i].results;

		if (!schema_node_get_scope_id(&p->r))
			visit(o, p);
		if (!schema_node_get_scope_id(&r->r))
			visit(o, r);
	}
	check(schema_node_get_nested_nodes(&n->r, &nested), n->path);
	for (uint32_t i = 0; i < schema_list_of_node_nested_node_len(&nested);
	     i++) {
		struct schema_node_nested_node nn;

		check(schema_list_of_node_nested_node_get(&nested, i, &nn),
		      n->path);
		visit(o, node_get(schema_node_nested_node_get_id(&nn)));
	}
}

/* "capnp/schema.capnp" -> "schema.capnp". */
static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static char *guard_name(const char *base)
{
	char *g = xsprintf("CAPNPC_%s_H", base);

	for (char *p = g; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (!(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
			*p = '_';
	}
	return g;
}

void emit_file(struct node *file, const char *filename)
{
	struct emit e = {.file = file};
	struct order ord = {0};
	struct out h = {0};
	const char *base = base_name(filename);
	char *guard = guard_name(base);

	names_reset();
	visit(&ord, file);
	for (uint32_t i = 0; i < ord.n; i++) {
		struct node *n = ord.v[i];

		switch (n->which) {
		case SCHEMA_NODE_STRUCT:
			emit_struct_types(&e, n);
			emit_struct_funcs(&e, n);
			break;
		case SCHEMA_NODE_ENUM:
			emit_enums(&e, n);
			break;
		case SCHEMA_NODE_CONST:
			emit_const(&e, n);
			break;
		case SCHEMA_NODE_INTERFACE:
			emit_iface(&e, n);
			break;
		default:
			break;
		}
	}

	out_printf(&h,
	           "/*\n * %s.h - C accessors for the Cap'n Proto schema %s.\n"
	           " *\n * Generated by tools/capnpc-c (capnp compile "
	           "-o capnpc-c); do not edit:\n * `make gen` regenerates it. "
	           "docs/codegen.md describes what is here.\n */\n"
	           "#ifndef %s\n#define %s\n\n#include <stdbool.h>\n"
	           "#include <stddef.h>\n#include <stdint.h>\n\n"
	           "#include \"capnp/capnp.h\"\n#include \"capnpc_c.h\"\n",
	           base, filename, guard, guard);
	for (uint32_t i = 0; i < e.ndeps; i++)
		out_printf(&h, "#include \"%s.h\"\n",
		           base_name(e.deps[i]->display));
	if (e.defs.len)
		out_printf(&h, "\n");
	out_append(&h, &e.defs);
	out_append(&h, &e.enums);
	out_append(&h, &e.types);
	out_append(&h, &e.funcs);
	out_append(&h, &e.ifaces);
	out_printf(&h, "\n#endif\n");
	out_write_file(&h, xsprintf("%s.h", base));
	out_free(&h);
	out_free(&e.defs);
	out_free(&e.enums);
	out_free(&e.types);
	out_free(&e.funcs);
	out_free(&e.ifaces);
}
