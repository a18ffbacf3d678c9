/*
 * model.c - the schema as the generator sees it: every node of the
 * CodeGeneratorRequest indexed by id, with its C names, and (on demand)
 * its fields, enumerants and methods resolved to types.
 *
 * Everything here reads the request through the schema.capnp accessors
 * (see gen.h), so this file is the reader's largest customer.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static struct node *nodes;
static uint32_t nnodes;

static int by_id(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct node *model_nodes(uint32_t *count)
{
	*count = nnodes;
	return nodes;
}

struct node *node_get(uint64_t id)
{
	struct node key = {.id = id};
	struct node *n = bsearch(&key, nodes, nnodes, sizeof(*nodes), by_id);

	if (!n)
		fatal("the request has no node @0x%016llx",
		      (unsigned long long)id);
	return n;
}

/* A copy of text just read by a getter that returned err. */
static const char *text(enum capnp_err err, const char *s, uint32_t len,
                        const char *what)
{
	check(err, what);
	return xstrndup(s, len);
}

/* "capnp/c++.capnp" -> "c__"; "capos.capnp" -> "capos". */
static char *file_prefix(const char *display)
{
	const char *base = strrchr(display, '/');
	size_t n;
	char *p;

	base = base ? base + 1 : display;
	n = strlen(base);
	if (n > 6 && !strcmp(base + n - 6, ".capnp"))
		n -= 6;
	p = xstrndup(base, n);
	for (char *q = p; *q; q++)
		if (!(*q >= 'a' && *q <= 'z') && !(*q >= 'A' && *q <= 'Z') &&
		    !(*q >= '0' && *q <= '9'))
			*q = '_';
	return snake(p);
}

/* The file node whose display name is the longest "<file>:" prefix. */
static struct node *owning_file(const char *display)
{
	struct node *best = NULL;
	size_t best_len = 0;

	for (uint32_t i = 0; i < nnodes; i++) {
		struct node *f = &nodes[i];
		size_t n = strlen(f->display);

		if (f->which == SCHEMA_NODE_FILE && n > best_len &&
		    !strncmp(display, f->display, n) && display[n] == ':') {
			best = f;
			best_len = n;
		}
	}
	return best;
}

void model_load(struct schema_list_of_node *list)
{
	nnodes = schema_list_of_node_len(list);
	nodes = xmalloc((nnodes + 1) * sizeof(*nodes));
	for (uint32_t i = 0; i < nnodes; i++) {
		struct node *n = &nodes[i];
		const char *s;
		uint32_t len;
		enum capnp_err err;

		check(schema_list_of_node_get(list, i, &n->r), "nodes[]");
		n->id = schema_node_get_id(&n->r);
		n->which = (uint16_t)schema_node_which(&n->r);
		err = schema_node_get_display_name(&n->r, &s, &len);
		n->display = text(err, s, len, "Node.displayName");
	}
	qsort(nodes, nnodes, sizeof(*nodes), by_id);
	for (uint32_t i = 0; i + 1 < nnodes; i++)
		if (nodes[i].id == nodes[i + 1].id)
			fatal("the request has node @0x%016llx twice",
			      (unsigned long long)nodes[i].id);
	for (uint32_t i = 0; i < nnodes; i++) {
		struct node *n = &nodes[i];

		if (n->which == SCHEMA_NODE_FILE) {
			n->file = n;
			n->path = "";
			n->prefix = file_prefix(n->display);
			n->c = n->prefix;
			n->up = upper(n->c);
		}
	}
	for (uint32_t i = 0; i < nnodes; i++) {
		struct node *n = &nodes[i];

		if (n->which == SCHEMA_NODE_FILE)
			continue;
		n->file = owning_file(n->display);
		if (!n->file)
			fatal("node %s belongs to no file of the request",
			      n->display);
		n->path = n->display + strlen(n->file->display) + 1;
		n->c = xsprintf("%s_%s", n->file->prefix, snake(n->path));
		n->up = upper(n->c);
	}
}

/* ---- types -------------------------------------------------------------- */

void type_of(const struct schema_type *t, struct ty *out, const char *where)
{
	static const enum tk simple[] = {
	    [SCHEMA_TYPE_VOID] = TK_VOID,   [SCHEMA_TYPE_BOOL] = TK_BOOL,
	    [SCHEMA_TYPE_INT8] = TK_I8,     [SCHEMA_TYPE_INT16] = TK_I16,
	    [SCHEMA_TYPE_INT32] = TK_I32,   [SCHEMA_TYPE_INT64] = TK_I64,
	    [SCHEMA_TYPE_UINT8] = TK_U8,    [SCHEMA_TYPE_UINT16] = TK_U16,
	    [SCHEMA_TYPE_UINT32] = TK_U32,  [SCHEMA_TYPE_UINT64] = TK_U64,
	    [SCHEMA_TYPE_FLOAT32] = TK_F32, [SCHEMA_TYPE_FLOAT64] = TK_F64,
	    [SCHEMA_TYPE_TEXT] = TK_TEXT,   [SCHEMA_TYPE_DATA] = TK_DATA,
	};
	enum schema_type_which w = schema_type_which(t);

	*out = (struct ty){0};
	switch (w) {
	case SCHEMA_TYPE_LIST: {
		struct schema_type_list l = schema_type_get_list(t);
		struct schema_type elem;

		check(schema_type_list_get_element_type(&l, &elem),
		      "Type.list.elementType");
		out->k = TK_LIST;
		out->elem = xmalloc(sizeof(*out->elem));
		type_of(&elem, out->elem, where);
		return;
	}
	case SCHEMA_TYPE_ENUM: {
		struct schema_type_enum g = schema_type_get_enum(t);

		out->k = TK_ENUM;
		out->n = node_get(schema_type_enum_get_type_id(&g));
		return;
	}
	case SCHEMA_TYPE_STRUCT: {
		struct schema_type_struct g = schema_type_get_struct(t);

		out->k = TK_STRUCT;
		out->n = node_get(schema_type_struct_get_type_id(&g));
		if (out->n->which != SCHEMA_NODE_STRUCT)
			fatal("%s: type @0x%016llx is not a struct", where,
			      (unsigned long long)out->n->id);
		return;
	}
	case SCHEMA_TYPE_INTERFACE: {
		struct schema_type_interface g = schema_type_get_interface(t);

		out->k = TK_IFACE;
		out->n = node_get(schema_type_interface_get_type_id(&g));
		return;
	}
	case SCHEMA_TYPE_ANY_POINTER:
		out->k = TK_ANY;
		return;
	default:
		if ((unsigned)w < sizeof(simple) / sizeof(simple[0])) {
			out->k = simple[w];
			return;
		}
		fatal("%s: unknown type kind %u (a newer capnp?)", where,
		      (unsigned)w);
	}
}

/* ---- details --------------------------------------------------------------
 */

static int by_code_order(const void *a, const void *b)
{
	const struct field *x = a, *y = b;

	return x->code_order - y->code_order;
}

static void load_field(struct node *n, struct field *f,
                       const struct schema_field *r)
{
	const char *s;
	uint32_t len;
	const char *where;
	enum capnp_err err = schema_field_get_name(r, &s, &len);

	f->r = *r;
	f->name = text(err, s, len, "Field.name");
	f->sn = snake(f->name);
	f->up = upper(f->sn);
	f->code_order = schema_field_get_code_order(r);
	f->disc = schema_field_get_discriminant_value(r);
	where = xsprintf("%s.%s", n->path, f->name);
	switch (schema_field_which(r)) {
	case SCHEMA_FIELD_SLOT: {
		struct schema_field_slot slot = schema_field_get_slot(r);
		struct schema_type t;

		f->offset = schema_field_slot_get_offset(&slot);
		check(schema_field_slot_get_type(&slot, &t), where);
		type_of(&t, &f->ty, where);
		f->has_def = schema_field_slot_has_default_value(&slot);
		check(schema_field_slot_get_default_value(&slot, &f->def),
		      where);
		break;
	}
	case SCHEMA_FIELD_GROUP: {
		struct schema_field_group g = schema_field_get_group(r);

		f->group = node_get(schema_field_group_get_type_id(&g));
		node_detail(f->group);
		break;
	}
	default:
		fatal("%s: unknown field kind (a newer capnp?)", where);
	}
}

static void load_struct(struct node *n)
{
	struct schema_node_struct st = schema_node_get_struct(&n->r);
	struct schema_list_of_field fl;

	n->is_group = schema_node_struct_get_is_group(&st);
	/* Only the structs of a method's (...) have no scope. */
	n->is_implicit = !schema_node_get_scope_id(&n->r);
	n->data_words = schema_node_struct_get_data_word_count(&st);
	n->ptr_words = schema_node_struct_get_pointer_count(&st);
	n->disc_count = schema_node_struct_get_discriminant_count(&st);
	n->disc_offset = schema_node_struct_get_discriminant_offset(&st);
	check(schema_node_struct_get_fields(&st, &fl), n->path);
	n->nfields = schema_list_of_field_len(&fl);
	n->fields = xmalloc((n->nfields + 1) * sizeof(*n->fields));
	for (uint32_t i = 0; i < n->nfields; i++) {
		struct schema_field r;

		check(schema_list_of_field_get(&fl, i, &r), n->path);
		load_field(n, &n->fields[i], &r);
	}
	qsort(n->fields, n->nfields, sizeof(*n->fields), by_code_order);
}

static void load_enum(struct node *n)
{
	struct schema_node_enum en = schema_node_get_enum(&n->r);
	struct schema_list_of_enumerant el;

	check(schema_node_enum_get_enumerants(&en, &el), n->path);
	n->nenumerants = schema_list_of_enumerant_len(&el);
	n->enumerants = xmalloc((n->nenumerants + 1) * sizeof(*n->enumerants));
	for (uint32_t i = 0; i < n->nenumerants; i++) {
		struct schema_enumerant r;
		const char *s;
		uint32_t len;
		enum capnp_err err;

		check(schema_list_of_enumerant_get(&el, i, &r), n->path);
		err = schema_enumerant_get_name(&r, &s, &len);
		n->enumerants[i].name = text(err, s, len, "Enumerant.name");
		n->enumerants[i].up = upper(snake(n->enumerants[i].name));
	}
}

static void load_iface(struct node *n)
{
	struct schema_node_interface in = schema_node_get_interface(&n->r);
	struct schema_list_of_method ml;
	struct schema_list_of_superclass sl;

	check(schema_node_interface_get_superclasses(&in, &sl), n->path);
	if (schema_list_of_superclass_len(&sl))
		fatal("interface %s extends another: a capOS call carries "
		      "only a method ordinal, not the interface it belongs "
		      "to, so inherited methods cannot be told apart",
		      n->path);
	check(schema_node_interface_get_methods(&in, &ml), n->path);
	n->nmethods = schema_list_of_method_len(&ml);
	n->methods = xmalloc((n->nmethods + 1) * sizeof(*n->methods));
	for (uint32_t i = 0; i < n->nmethods; i++) {
		struct method *m = &n->methods[i];
		struct schema_method r;
		struct schema_list_of_node_parameter implicit;
		const char *s;
		uint32_t len;
		enum capnp_err err;

		check(schema_list_of_method_get(&ml, i, &r), n->path);
		err = schema_method_get_name(&r, &s, &len);
		m->name = text(err, s, len, "Method.name");
		m->sn = snake(m->name);
		m->up = upper(m->sn);
		m->ordinal = (uint16_t)i;
		check(schema_method_get_implicit_parameters(&r, &implicit),
		      m->name);
		if (schema_list_of_node_parameter_len(&implicit))
			fatal("method %s.%s is generic: generic methods are "
			      "not supported",
			      n->path, m->name);
		m->params = node_get(schema_method_get_param_struct_type(&r));
		m->results = node_get(schema_method_get_result_struct_type(&r));
		node_detail(m->params);
		node_detail(m->results);
	}
}

void node_detail(struct node *n)
{
	if (n->fields || n->enumerants || n->methods)
		return;
	if (schema_node_get_is_generic(&n->r))
		fatal("%s is generic: generic types are not supported",
		      n->path);
	switch (n->which) {
	case SCHEMA_NODE_STRUCT:
		load_struct(n);
		break;
	case SCHEMA_NODE_ENUM:
		load_enum(n);
		break;
	case SCHEMA_NODE_INTERFACE:
		load_iface(n);
		break;
	default:
		break;
	}
}
