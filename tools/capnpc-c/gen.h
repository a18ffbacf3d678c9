/*
 * gen.h - the internals of capnpc-c, the Cap'n Proto -> C code generator
 * (a plugin of `capnp compile`): output buffers and names (out.c), the
 * schema model built from the CodeGeneratorRequest (model.c), and the
 * emitters (emit*.c). docs/codegen.md describes the generated code.
 *
 * The request is read with the accessors of "schema.capnp.h": the
 * hand-written ones in boot/ for the bootstrap build, the generator's own
 * (gen/schema.capnp.h) otherwise. Both have the same names and meaning.
 */
#ifndef CAPNPC_C_GEN_H
#define CAPNPC_C_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "capnp/capnp.h"
#include "schema.capnp.h"

/* ---- out.c: memory, errors, text buffers, names -------------------- */

/* Allocations live until pool_free_all (the generator runs once). */
void *xmalloc(size_t n);
char *xstrndup(const char *s, size_t n);
char *xsprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pool_free_all(void);

/* Prints "capnpc-c: <message>" and exits with status 1. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks a reader result; what names the object for the message. */
void check(enum capnp_err err, const char *what);

struct out {
	char *p;
	size_t len, cap;
};

void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void out_append(struct out *o, const struct out *from);
void out_free(struct out *o);
/* Writes o to path (relative to the plugin's working directory). */
void out_write_file(const struct out *o, const char *path);

/* "setTlsBase" -> "set_tls_base"; '.' and '$' become '_'. */
char *snake(const char *name);
/* "set_tls_base" -> "SET_TLS_BASE". */
char *upper(const char *snake_name);
/* name, or name + '_' when it is a C keyword. */
char *c_safe(const char *name);

/*
 * Global C names of one output file. Struct/enum tags and ordinary
 * identifiers (functions, enumerators, macros) are separate C namespaces.
 * A second claim of the same name is a fatal error naming both owners.
 */
void names_reset(void);
void claim_tag(const char *name, const char *owner);
void claim_ident(const char *name, const char *owner);

/* ---- model.c: nodes and types ----------------------------------------- */

enum tk {
	TK_VOID,
	TK_BOOL,
	TK_I8,
	TK_I16,
	TK_I32,
	TK_I64,
	TK_U8,
	TK_U16,
	TK_U32,
	TK_U64,
	TK_F32,
	TK_F64,
	TK_TEXT,
	TK_DATA,
	TK_LIST,
	TK_ENUM,
	TK_STRUCT,
	TK_IFACE,
	TK_ANY,
};

struct node;

struct ty {
	enum tk k;
	struct node *n;  /* TK_ENUM, TK_STRUCT, TK_IFACE */
	struct ty *elem; /* TK_LIST */
};

struct field {
	struct schema_field r;
	const char *name; /* schema name */
	char *sn;         /* snake_case */
	char *up;         /* UPPER_CASE */
	uint16_t code_order;
	uint16_t disc;      /* SCHEMA_FIELD_NO_DISCRIMINANT: not in a union */
	struct node *group; /* a group field's node, else NULL */
	uint32_t offset;    /* slot offset, in units of the type's size */
	struct ty ty;
	struct schema_value def;
	bool has_def; /* default value present (slot fields) */
};

struct method {
	const char *name;
	char *sn;
	char *up;
	uint16_t ordinal;
	struct node *params, *results;
};

struct enumerant {
	const char *name;
	char *up;
};

struct node {
	uint64_t id;
	struct schema_node r;
	uint16_t which;      /* SCHEMA_NODE_* */
	const char *display; /* "capos.capnp:Console.write$Params" */
	const char *path;    /* "Console.write$Params"; "" for a file */
	struct node *file;   /* the file node it belongs to */
	char *c;             /* "capos_console_write_params" */
	char *up;            /* "CAPOS_CONSOLE_WRITE_PARAMS" */
	char *prefix;        /* file nodes: "capos" */

	/* structs and groups */
	bool is_group;
	bool is_implicit; /* a method's own param/result struct */
	uint16_t data_words, ptr_words;
	uint16_t disc_count;
	uint32_t disc_offset; /* in 16-bit units */
	struct field *fields; /* in code order */
	uint32_t nfields;
	/* enums */
	struct enumerant *enumerants;
	uint32_t nenumerants;
	/* interfaces */
	struct method *methods; /* in ordinal order */
	uint32_t nmethods;
};

/* Reads every node of the request into the index. */
void model_load(struct schema_list_of_node *nodes);
/* Every node, sorted by id. */
struct node *model_nodes(uint32_t *count);
/* The node with this id; fatal when the request has none. */
struct node *node_get(uint64_t id);
/* Fills in fields/enumerants/methods (once). */
void node_detail(struct node *n);
/* The type of a schema Type; where names the field for messages. */
void type_of(const struct schema_type *t, struct ty *out, const char *where);

/* ---- emit*.c ------------------------------------------------------------ */

/*
 * Generates <basename>.h for the file node: its structs, enums, constants
 * and interfaces. filename is as the compiler gave it.
 */
void emit_file(struct node *file, const char *filename);
/* Generates capnpc_c.h, the support header every generated file uses. */
void emit_support(void);

/* One output file being generated (emit.c). */
struct emit {
	struct out defs;   /* #defines: constants, ids, sizes */
	struct out enums;  /* C enums: schema enums, unions, methods */
	struct out types;  /* struct tags */
	struct out funcs;  /* accessors */
	struct out ifaces; /* stubs, server ops, dispatch */
	struct node *file;
	struct node **deps; /* other files whose headers are included */
	uint32_t ndeps;
};

/* Scalar kinds: C type, wire width suffix for lib/capnp, list names. */
struct scalar_info {
	const char *ctype; /* type in the API: "int16_t", "bool" */
	const char *wtype; /* unsigned type on the wire: "uint16_t" */
	const char *wire;  /* lib/capnp suffix: "u16", "bool" */
	const char *lname; /* built-in list name: "i16" */
	const char *esize; /* "CAPNP_ELEM_2BYTES" */
	unsigned bits;
	bool is_signed;
};
const struct scalar_info *scalar(enum tk k);
bool is_scalar(enum tk k);
bool is_pointer(enum tk k);

/* The C type of a list of elem ("struct capnpc_list_of_u32"). */
char *list_type(struct emit *e, const struct ty *elem);
/* The element size a reader expects for a list of elem. */
const char *list_esize(const struct ty *elem);
/* The C name of a struct/enum node from any file; records the include. */
const char *type_cname(struct emit *e, struct node *n);
/* Literal of a scalar default/const value of type t ("4096u", "true"). */
char *value_literal(struct emit *e, const struct ty *t,
                    const struct schema_value *v, bool as_wire);
/* C string literal for bytes ("\"a\\012\""): octal escapes, ? escaped. */
char *c_string(const void *bytes, uint32_t len);

/* One node into the sections of e (emit.c, emit_struct.c, emit_iface.c). */
void emit_enums(struct emit *e, struct node *n);
void emit_struct_types(struct emit *e, struct node *n);
void emit_struct_funcs(struct emit *e, struct node *n);
void emit_iface(struct emit *e, struct node *n);
/* len/get/builder_set of a list of scalars named lname. */
void emit_list_funcs(struct out *o, const char *lname, const char *ctype,
                     const char *wire, const char *wtype);

#endif
