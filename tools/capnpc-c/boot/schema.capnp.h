/*
 * boot/schema.capnp.h - hand-written accessors for the parts of the
 * reference compiler's schema.capnp (CodeGeneratorRequest, Node, Field,
 * Type, Value, Method, Enumerant) that capnpc-c reads: the bootstrap.
 *
 * They have exactly the names, types and meaning of the accessors
 * capnpc-c generates for schema.capnp (gen/schema.capnp.h), so the same
 * generator source builds against either. `make gen` builds the generator
 * on this file, has it generate gen/schema.capnp.h, then rebuilds it on
 * that; `make check-gen` checks that both builds generate identical
 * output. Offsets are those `capnp compile -ocapnp
 * /usr/include/capnp/schema.capnp` prints ("bits[a, b)" is byte a/8,
 * "ptr[i]" pointer i).
 */
#ifndef CAPNPC_C_BOOT_SCHEMA_CAPNP_H
#define CAPNPC_C_BOOT_SCHEMA_CAPNP_H

#include <stdbool.h>
#include <stdint.h>

#include "capnp/capnp.h"

#define SCHEMA_FIELD_NO_DISCRIMINANT 65535u

enum schema_node_which {
	SCHEMA_NODE_FILE = 0,
	SCHEMA_NODE_STRUCT = 1,
	SCHEMA_NODE_ENUM = 2,
	SCHEMA_NODE_INTERFACE = 3,
	SCHEMA_NODE_CONST = 4,
	SCHEMA_NODE_ANNOTATION = 5,
};

enum schema_field_which {
	SCHEMA_FIELD_SLOT = 0,
	SCHEMA_FIELD_GROUP = 1,
};

enum schema_type_which {
	SCHEMA_TYPE_VOID = 0,
	SCHEMA_TYPE_BOOL = 1,
	SCHEMA_TYPE_INT8 = 2,
	SCHEMA_TYPE_INT16 = 3,
	SCHEMA_TYPE_INT32 = 4,
	SCHEMA_TYPE_INT64 = 5,
	SCHEMA_TYPE_UINT8 = 6,
	SCHEMA_TYPE_UINT16 = 7,
	SCHEMA_TYPE_UINT32 = 8,
	SCHEMA_TYPE_UINT64 = 9,
	SCHEMA_TYPE_FLOAT32 = 10,
	SCHEMA_TYPE_FLOAT64 = 11,
	SCHEMA_TYPE_TEXT = 12,
	SCHEMA_TYPE_DATA = 13,
	SCHEMA_TYPE_LIST = 14,
	SCHEMA_TYPE_ENUM = 15,
	SCHEMA_TYPE_STRUCT = 16,
	SCHEMA_TYPE_INTERFACE = 17,
	SCHEMA_TYPE_ANY_POINTER = 18,
};

enum schema_value_which {
	SCHEMA_VALUE_VOID = 0,
	SCHEMA_VALUE_BOOL = 1,
	SCHEMA_VALUE_INT8 = 2,
	SCHEMA_VALUE_INT16 = 3,
	SCHEMA_VALUE_INT32 = 4,
	SCHEMA_VALUE_INT64 = 5,
	SCHEMA_VALUE_UINT8 = 6,
	SCHEMA_VALUE_UINT16 = 7,
	SCHEMA_VALUE_UINT32 = 8,
	SCHEMA_VALUE_UINT64 = 9,
	SCHEMA_VALUE_FLOAT32 = 10,
	SCHEMA_VALUE_FLOAT64 = 11,
	SCHEMA_VALUE_TEXT = 12,
	SCHEMA_VALUE_DATA = 13,
	SCHEMA_VALUE_LIST = 14,
	SCHEMA_VALUE_ENUM = 15,
	SCHEMA_VALUE_STRUCT = 16,
	SCHEMA_VALUE_INTERFACE = 17,
	SCHEMA_VALUE_ANY_POINTER = 18,
};

/* Readers: structs, the groups read, and the struct lists read. */
struct schema_code_generator_request {
	struct capnp_struct s;
};
struct schema_code_generator_request_requested_file {
	struct capnp_struct s;
};
struct schema_node {
	struct capnp_struct s;
};
struct schema_node_struct {
	struct capnp_struct s;
};
struct schema_node_enum {
	struct capnp_struct s;
};
struct schema_node_interface {
	struct capnp_struct s;
};
struct schema_node_const {
	struct capnp_struct s;
};
struct schema_node_nested_node {
	struct capnp_struct s;
};
struct schema_field {
	struct capnp_struct s;
};
struct schema_field_slot {
	struct capnp_struct s;
};
struct schema_field_group {
	struct capnp_struct s;
};
struct schema_enumerant {
	struct capnp_struct s;
};
struct schema_method {
	struct capnp_struct s;
};
struct schema_type {
	struct capnp_struct s;
};
struct schema_type_list {
	struct capnp_struct s;
};
struct schema_type_enum {
	struct capnp_struct s;
};
struct schema_type_struct {
	struct capnp_struct s;
};
struct schema_type_interface {
	struct capnp_struct s;
};
struct schema_value {
	struct capnp_struct s;
};
struct schema_list_of_code_generator_request_requested_file {
	struct capnp_list l;
};
struct schema_list_of_node {
	struct capnp_list l;
};
struct schema_list_of_node_nested_node {
	struct capnp_list l;
};
struct schema_list_of_field {
	struct capnp_list l;
};
struct schema_list_of_enumerant {
	struct capnp_list l;
};
struct schema_list_of_method {
	struct capnp_list l;
};
struct schema_list_of_superclass {
	struct capnp_list l;
};
struct schema_list_of_node_parameter {
	struct capnp_list l;
};

static inline bool boot_has(const struct capnp_struct *s, uint32_t idx)
{
	struct capnp_ptr p = capnp_struct_ptr(s, idx);

	return !capnp_ptr_is_null(&p);
}

/* ---- CodeGeneratorRequest: 0 data words, 4 pointers ---------------- */

static inline enum capnp_err
schema_code_generator_request_read(struct capnp_msg *msg,
                                   struct schema_code_generator_request *out)
{
	return capnp_root(msg, &out->s);
}

static inline enum capnp_err schema_code_generator_request_get_nodes(
    const struct schema_code_generator_request *r,
    struct schema_list_of_node *out)
{
	return capnp_struct_get_list(&r->s, 0, CAPNP_ELEM_COMPOSITE, &out->l);
}

static inline enum capnp_err schema_code_generator_request_get_requested_files(
    const struct schema_code_generator_request *r,
    struct schema_list_of_code_generator_request_requested_file *out)
{
	return capnp_struct_get_list(&r->s, 1, CAPNP_ELEM_COMPOSITE, &out->l);
}

/* RequestedFile: id @ byte 0, filename ptr 0. */
static inline uint64_t schema_code_generator_request_requested_file_get_id(
    const struct schema_code_generator_request_requested_file *r)
{
	return capnp_struct_get_u64(&r->s, 0, 0);
}

static inline enum capnp_err
schema_code_generator_request_requested_file_get_filename(
    const struct schema_code_generator_request_requested_file *r,
    const char **s, uint32_t *len)
{
	return capnp_struct_get_text(&r->s, 0, s, len);
}

static inline uint32_t schema_list_of_code_generator_request_requested_file_len(
    const struct schema_list_of_code_generator_request_requested_file *l)
{
	return capnp_list_len(&l->l);
}

static inline enum capnp_err
schema_list_of_code_generator_request_requested_file_get(
    const struct schema_list_of_code_generator_request_requested_file *l,
    uint32_t i, struct schema_code_generator_request_requested_file *out)
{
	return capnp_list_get_struct(&l->l, i, &out->s);
}

/* ---- Node: 5 data words, 6 pointers; union tag @ byte 12 ------------ */

static inline uint32_t
schema_list_of_node_len(const struct schema_list_of_node *l)
{
	return capnp_list_len(&l->l);
}

static inline enum capnp_err
schema_list_of_node_get(const struct schema_list_of_node *l, uint32_t i,
                        struct schema_node *out)
{
	return capnp_list_get_struct(&l->l, i, &out->s);
}

static inline enum schema_node_which
schema_node_which(const struct schema_node *r)
{
	return (enum schema_node_which)capnp_struct_which(&r->s, 12);
}

static inline uint64_t schema_node_get_id(const struct schema_node *r)
{
	return capnp_struct_get_u64(&r->s, 0, 0);
}

static inline enum capnp_err
schema_node_get_display_name(const struct schema_node *r, const char **s,
                             uint32_t *len)
{
	return capnp_struct_get_text(&r->s, 0, s, len);
}

static inline uint64_t schema_node_get_scope_id(const struct schema_node *r)
{
	return capnp_struct_get_u64(&r->s, 16, 0);
}

static inline enum capnp_err
schema_node_get_nested_nodes(const struct schema_node *r,
                             struct schema_list_of_node_nested_node *out)
{
	return capnp_struct_get_list(&r->s, 1, CAPNP_ELEM_COMPOSITE, &out->l);
}

static inline bool schema_node_get_is_generic(const struct schema_node *r)
{
	return capnp_struct_get_bool(&r->s, 288, false);
}

/* The groups share the node's struct. */
static inline struct schema_node_struct
schema_node_get_struct(const struct schema_node *r)
{
	struct schema_node_struct g = {r->s};

	return g;
}

static inline struct schema_node_enum
schema_node_get_enum(const struct schema_node *r)
{
	struct schema_node_enum g = {r->s};

	return g;
}

static inline struct schema_node_interface
schema_node_get_interface(const struct schema_node *r)
{
	struct schema_node_interface g = {r->s};

	return g;
}

static inline struct schema_node_const
schema_node_get_const(const struct schema_node *r)
{
	struct schema_node_const g = {r->s};

	return g;
}

/* NestedNode: 1 data word, 1 pointer; id @ byte 0. */
static inline uint32_t schema_list_of_node_nested_node_len(
    const struct schema_list_of_node_nested_node *l)
{
	return capnp_list_len(&l->l);
}

static inline enum capnp_err schema_list_of_node_nested_node_get(
    const struct schema_list_of_node_nested_node *l, uint32_t i,
    struct schema_node_nested_node *out)
{
	return capnp_list_get_struct(&l->l, i, &out->s);
}

static inline uint64_t
schema_node_nested_node_get_id(const struct schema_node_nested_node *r)
{
	return capnp_struct_get_u64(&r->s, 0, 0);
}

/* Node.struct */
static inline uint16_t
schema_node_struct_get_data_word_count(const struct schema_node_struct *r)
{
	return capnp_struct_get_u16(&r->s, 14, 0);
}

static inline uint16_t
schema_node_struct_get_pointer_count(const struct schema_node_struct *r)
{
	return capnp_struct_get_u16(&r->s, 24, 0);
}

static inline bool
schema_node_struct_get_is_group(const struct schema_node_struct *r)
{
	return capnp_struct_get_bool(&r->s, 224, false);
}

static inline uint16_t
schema_node_struct_get_discriminant_count(const struct schema_node_struct *r)
{
	return capnp_struct_get_u16(&r->s, 30, 0);
}

static inline uint32_t
schema_node_struct_get_discriminant_offset(const struct schema_node_struct *r)
{
	return capnp_struct_get_u32(&r->s, 32, 0);
}

static inline enum capnp_err
schema_node_struct_get_fields(const struct schema_node_struct *r,
                              struct schema_list_of_field *out)
{
	return capnp_struct_get_list(&r->s, 3, CAPNP_ELEM_COMPOSITE, &out->l);
}

/* Node.enum, Node.interface, Node.const */
static inline enum capnp_err
schema_node_enum_get_enumerants(const struct schema_node_enum *r,
                                struct schema_list_of_enumerant *out)
{
	return capnp_struct_get_list(&r->s, 3, CAPNP_ELEM_COMPOSITE, &out->l);
}

static inline enum capnp_err
schema_node_interface_get_methods(const struct schema_node_interface *r,
                                  struct schema_list_of_method *out)
{
	return capnp_struct_get_list(&r->s, 3, CAPNP_ELEM_COMPOSITE, &out->l);
}

static inline enum capnp_err
schema_node_interface_get_superclasses(const struct schema_node_interface *r,
                                       struct schema_list_of_superclass *out)
{
	return capnp_struct_get_list(&r->s, 4, CAPNP_ELEM_COMPOSITE, &out->l);
}

static inline uint32_t
schema_list_of_superclass_len(const struct schema_list_of_superclass *l)
{
	return capnp_list_len(&l->l);
}

static inline enum capnp_err
schema_node_const_get_type(const struct schema_node_const *r,
                           struct schema_type *out)
{
	return capnp_struct_get_struct(&r->s, 3, &out->s);
}

static inline enum capnp_err
schema_node_const_get_value(const struct schema_node_const *r,
                            struct schema_value *out)
{
	return capnp_struct_get_struct(&r->s, 4, &out->s);
}

/* ---- Field: 3 data words, 4 pointers; union tag @ byte 8 ----------- */

static inline uint32_t
schema_list_of_field_len(const struct schema_list_of_field *l)
{
	return capnp_list_len(&l->l);
}

static inline enum capnp_err
schema_list_of_field_get(const struct schema_list_of_field *l, uint32_t i,
                         struct schema_field *out)
{
	return capnp_list_get_struct(&l->l, i, &out->s);
}

static inline enum schema_field_which
schema_field_which(const struct schema_field *r)
{
	return (enum schema_field_which)capnp_struct_which(&r->s, 8);
}

static inline enum capnp_err schema_field_get_name(const struct schema_field *r,
                                                   const char **s,
                                                   uint32_t *len)
{
	return capnp_struct_get_text(&r->s, 0, s, len);
}

static inline uint16_t schema_field_get_code_order(const struct schema_field *r)
{
	return capnp_struct_get_u16(&r->s, 0, 0);
}

/* Default 0xffff: not a union member. */
static inline uint16_t
schema_field_get_discriminant_value(const struct schema_field *r)
{
	return capnp_struct_get_u16(&r->s, 2, 65535u);
}

static inline struct schema_field_slot
schema_field_get_slot(const struct schema_field *r)
{
	struct schema_field_slot g = {r->s};

	return g;
}

static inline struct schema_field_group
schema_field_get_group(const struct schema_field *r)
{
	struct schema_field_group g = {r->s};

	return g;
}

static inline uint32_t
schema_field_slot_get_offset(const struct schema_field_slot *r)
{
	return capnp_struct_get_u32(&r->s, 4, 0);
}

static inline enum capnp_err
schema_field_slot_get_type(const struct schema_field_slot *r,
                           struct schema_type *out)
{
	return capnp_struct_get_struct(&r->s, 2, &out->s);
}

static inline enum capnp_err
schema_field_slot_get_default_value(const struct schema_field_slot *r,
                                    struct schema_value *out)
{
	return capnp_struct_get_struct(&r->s, 3, &out->s);
}

static inline bool
schema_field_slot_has_default_value(const struct schema_field_slot *r)
{
	return boot_has(&r->s, 3);
}

static inline uint64_t
schema_field_group_get_type_id(const struct schema_field_group *r)
{
	return capnp_struct_get_u64(&r->s, 16, 0);
}

/* ---- Enumerant: 1 data word, 2 pointers ------------------------------ */

static inline uint32_t
schema_list_of_enumerant_len(const struct schema_list_of_enumerant *l)
{
	return capnp_list_len(&l->l);
}

static inline enum capnp_err
schema_list_of_enumerant_get(const struct schema_list_of_enumerant *l,
                             uint32_t i, struct schema_enumerant *out)
{
	return capnp_list_get_struct(&l->l, i, &out->s);
}

static inline enum capnp_err
schema_enumerant_get_name(const struct schema_enumerant *r, const char **s,
                          uint32_t *len)
{
	return capnp_struct_get_text(&r->s, 0, s, len);
}

/* ---- Method: 3 data words, 5 pointers -------------------------------- */

static inline uint32_t
schema_list_of_method_len(const struct schema_list_of_method *l)
{
	return capnp_list_len(&l->l);
}

static inline enum capnp_err
schema_list_of_method_get(const struct schema_list_of_method *l, uint32_t i,
                          struct schema_method *out)
{
	return capnp_list_get_struct(&l->l, i, &out->s);
}

static inline enum capnp_err
schema_method_get_name(const struct schema_method *r, const char **s,
                       uint32_t *len)
{
	return capnp_struct_get_text(&r->s, 0, s, len);
}

static inline uint64_t
schema_method_get_param_struct_type(const struct schema_method *r)
{
	return capnp_struct_get_u64(&r->s, 8, 0);
}

static inline uint64_t
schema_method_get_result_struct_type(const struct schema_method *r)
{
	return capnp_struct_get_u64(&r->s, 16, 0);
}

static inline enum capnp_err
schema_method_get_implicit_parameters(const struct schema_method *r,
                                      struct schema_list_of_node_parameter *out)
{
	return capnp_struct_get_list(&r->s, 4, CAPNP_ELEM_COMPOSITE, &out->l);
}

static inline uint32_t
schema_list_of_node_parameter_len(const struct schema_list_of_node_parameter *l)
{
	return capnp_list_len(&l->l);
}

/* ---- Type: 3 data words, 1 pointer; union tag @ byte 0 ---------------- */

static inline enum schema_type_which
schema_type_which(const struct schema_type *r)
{
	return (enum schema_type_which)capnp_struct_which(&r->s, 0);
}

static inline struct schema_type_list
schema_type_get_list(const struct schema_type *r)
{
	struct schema_type_list g = {r->s};

	return g;
}

static inline struct schema_type_enum
schema_type_get_enum(const struct schema_type *r)
{
	struct schema_type_enum g = {r->s};

	return g;
}

static inline struct schema_type_struct
schema_type_get_struct(const struct schema_type *r)
{
	struct schema_type_struct g = {r->s};

	return g;
}

static inline struct schema_type_interface
schema_type_get_interface(const struct schema_type *r)
{
	struct schema_type_interface g = {r->s};

	return g;
}

static inline enum capnp_err
schema_type_list_get_element_type(const struct schema_type_list *r,
                                  struct schema_type *out)
{
	return capnp_struct_get_struct(&r->s, 0, &out->s);
}

static inline uint64_t
schema_type_enum_get_type_id(const struct schema_type_enum *r)
{
	return capnp_struct_get_u64(&r->s, 8, 0);
}

static inline uint64_t
schema_type_struct_get_type_id(const struct schema_type_struct *r)
{
	return capnp_struct_get_u64(&r->s, 8, 0);
}

static inline uint64_t
schema_type_interface_get_type_id(const struct schema_type_interface *r)
{
	return capnp_struct_get_u64(&r->s, 8, 0);
}

/* ---- Value: 2 data words, 1 pointer; union tag @ byte 0 --------------- */

static inline enum schema_value_which
schema_value_which(const struct schema_value *r)
{
	return (enum schema_value_which)capnp_struct_which(&r->s, 0);
}

static inline bool schema_value_get_bool(const struct schema_value *r)
{
	return capnp_struct_get_bool(&r->s, 16, false);
}

static inline int8_t schema_value_get_int8(const struct schema_value *r)
{
	return (int8_t)capnp_struct_get_u8(&r->s, 2, 0);
}

static inline int16_t schema_value_get_int16(const struct schema_value *r)
{
	return (int16_t)capnp_struct_get_u16(&r->s, 2, 0);
}

static inline int32_t schema_value_get_int32(const struct schema_value *r)
{
	return (int32_t)capnp_struct_get_u32(&r->s, 4, 0);
}

static inline int64_t schema_value_get_int64(const struct schema_value *r)
{
	return (int64_t)capnp_struct_get_u64(&r->s, 8, 0);
}

static inline uint8_t schema_value_get_uint8(const struct schema_value *r)
{
	return capnp_struct_get_u8(&r->s, 2, 0);
}

static inline uint16_t schema_value_get_uint16(const struct schema_value *r)
{
	return capnp_struct_get_u16(&r->s, 2, 0);
}

static inline uint32_t schema_value_get_uint32(const struct schema_value *r)
{
	return capnp_struct_get_u32(&r->s, 4, 0);
}

static inline uint64_t schema_value_get_uint64(const struct schema_value *r)
{
	return capnp_struct_get_u64(&r->s, 8, 0);
}

/* Floats as their IEEE bit patterns. */
static inline uint32_t schema_value_get_float32(const struct schema_value *r)
{
	return capnp_struct_get_u32(&r->s, 4, 0);
}

static inline uint64_t schema_value_get_float64(const struct schema_value *r)
{
	return capnp_struct_get_u64(&r->s, 8, 0);
}

static inline uint16_t schema_value_get_enum(const struct schema_value *r)
{
	return capnp_struct_get_u16(&r->s, 2, 0);
}

static inline enum capnp_err schema_value_get_text(const struct schema_value *r,
                                                   const char **s,
                                                   uint32_t *len)
{
	return capnp_struct_get_text(&r->s, 0, s, len);
}

static inline enum capnp_err schema_value_get_data(const struct schema_value *r,
                                                   const uint8_t **d,
                                                   uint32_t *len)
{
	return capnp_struct_get_data(&r->s, 0, d, len);
}

/* text, data, list, struct and anyPointer share pointer 0. */
static inline bool schema_value_has_text(const struct schema_value *r)
{
	return boot_has(&r->s, 0);
}

static inline bool schema_value_has_data(const struct schema_value *r)
{
	return boot_has(&r->s, 0);
}

static inline bool schema_value_has_list(const struct schema_value *r)
{
	return boot_has(&r->s, 0);
}

static inline bool schema_value_has_struct(const struct schema_value *r)
{
	return boot_has(&r->s, 0);
}

static inline bool schema_value_has_any_pointer(const struct schema_value *r)
{
	return boot_has(&r->s, 0);
}

#endif
