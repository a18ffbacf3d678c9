/*
 * builder.c - Cap'n Proto message builder into a caller's arena (see
 * capnp.h).
 *
 * One segment, allocated bump-style after the 8-byte segment table. The
 * capacity is clamped to 2^29 words so that every pointer offset between
 * two words of the segment fits the 30-bit signed offset field. Objects are
 * laid out as the reference builder lays them out (a zero-sized struct is
 * a pointer with offset -1), so simple messages come out byte-identical.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capnp/capnp.h"
#include "capnp/wire.h"

#define TABLE_BYTES 8
#define MAX_WORDS   (1u << 29)

static uint8_t *seg_base(const struct capnp_builder *b)
{
	return b->arena + TABLE_BYTES;
}

enum capnp_err capnp_builder_fail(struct capnp_builder *b, enum capnp_err err)
{
	if (b->err == CAPNP_OK)
		b->err = err;
	return err;
}

enum capnp_err capnp_builder_init(struct capnp_builder *b, void *arena,
                                  size_t bytes)
{
	size_t words = bytes / 8;

	*b = (struct capnp_builder){.arena = arena};
	if (!arena || words < 2)
		return capnp_builder_fail(b, CAPNP_ERR_ARENA_FULL);
	words -= 1;
	b->cap_words = words > MAX_WORDS ? MAX_WORDS : (uint32_t)words;
	wire_store64(seg_base(b), 0);
	b->used = 1;
	return CAPNP_OK;
}

/* Zeroed words, or NULL (ARENA_FULL latched). */
static uint8_t *alloc(struct capnp_builder *b, uint64_t words)
{
	uint8_t *p;

	if (words > b->cap_words - b->used) {
		capnp_builder_fail(b, CAPNP_ERR_ARENA_FULL);
		return NULL;
	}
	p = seg_base(b) + (size_t)b->used * 8;
	memset(p, 0, words * 8);
	b->used += (uint32_t)words;
	return p;
}

static void point(uint8_t *slot, const uint8_t *target, enum wire_kind kind,
                  uint32_t hi)
{
	int64_t off = (target - slot) / 8 - 1;

	wire_store64(slot, wire_make(kind, off, hi));
}

/* Latches err in the slot's builder, if it has one. */
static enum capnp_err fail(struct capnp_bptr p, enum capnp_err err)
{
	return p.b ? capnp_builder_fail(p.b, err) : err;
}

static enum capnp_err bad_slot(struct capnp_bptr p)
{
	return fail(p, CAPNP_ERR_INVALID_ARG);
}

enum capnp_err capnp_bptr_init_struct(struct capnp_bptr p, uint16_t data_words,
                                      uint16_t ptr_words,
                                      struct capnp_bstruct *out)
{
	uint32_t words = (uint32_t)data_words + ptr_words;
	uint8_t *obj;

	*out = (struct capnp_bstruct){.b = p.b};
	if (!p.loc)
		return bad_slot(p);
	if (words == 0) {
		/* As the reference: offset -1, pointing at the pointer. */
		wire_store64(p.loc, wire_make(WIRE_STRUCT, -1, 0));
		return CAPNP_OK;
	}
	obj = alloc(p.b, words);
	if (!obj)
		return CAPNP_ERR_ARENA_FULL;
	point(p.loc, obj, WIRE_STRUCT, wire_struct_hi(data_words, ptr_words));
	out->data = obj;
	out->ptrs = obj + (size_t)data_words * 8;
	out->data_bytes = (uint32_t)data_words * 8;
	out->ptr_count = ptr_words;
	return CAPNP_OK;
}

enum capnp_err capnp_builder_root(struct capnp_builder *b, uint16_t data_words,
                                  uint16_t ptr_words, struct capnp_bstruct *out)
{
	struct capnp_bptr p = {b, NULL};

	if (b->used > 0)
		p.loc = seg_base(b);
	return capnp_bptr_init_struct(p, data_words, ptr_words, out);
}

enum capnp_err capnp_bptr_init_list(struct capnp_bptr p,
                                    enum capnp_elem_size size, uint32_t count,
                                    struct capnp_blist *out)
{
	uint64_t step, words;
	uint8_t *obj;

	*out = (struct capnp_blist){.b = p.b, .elem_size = (uint8_t)size};
	if (!p.loc || (unsigned)size >= CAPNP_ELEM_COMPOSITE)
		return bad_slot(p);
	if (count > CAPNP_MAX_LIST_COUNT)
		return fail(p, CAPNP_ERR_TOO_LARGE);
	step = wire_elem_data_bits(size) + (size == CAPNP_ELEM_POINTER) * 64;
	words = ((uint64_t)count * step + 63) / 64;
	obj = alloc(p.b, words);
	if (!obj)
		return CAPNP_ERR_ARENA_FULL;
	point(p.loc, obj, WIRE_LIST, wire_list_hi(size, count));
	out->start = obj;
	out->count = count;
	out->step_bits = (uint32_t)step;
	out->data_bits = wire_elem_data_bits(size);
	out->ptr_count = size == CAPNP_ELEM_POINTER;
	return CAPNP_OK;
}

enum capnp_err capnp_bptr_init_struct_list(struct capnp_bptr p, uint32_t count,
                                           uint16_t data_words,
                                           uint16_t ptr_words,
                                           struct capnp_blist *out)
{
	uint64_t wpe = (uint64_t)data_words + ptr_words;
	uint64_t words = wpe * count;
	uint8_t *obj;

	*out =
	    (struct capnp_blist){.b = p.b, .elem_size = CAPNP_ELEM_COMPOSITE};
	if (!p.loc)
		return bad_slot(p);
	if (count > CAPNP_MAX_LIST_COUNT || words > CAPNP_MAX_LIST_COUNT)
		return fail(p, CAPNP_ERR_TOO_LARGE);
	obj = alloc(p.b, 1 + words);
	if (!obj)
		return CAPNP_ERR_ARENA_FULL;
	point(p.loc, obj, WIRE_LIST,
	      wire_list_hi(CAPNP_ELEM_COMPOSITE, (uint32_t)words));
	wire_store64(obj, wire_make(WIRE_STRUCT, count,
	                            wire_struct_hi(data_words, ptr_words)));
	out->start = obj + 8;
	out->count = count;
	out->step_bits = (uint32_t)(wpe * 64);
	out->data_bits = (uint32_t)data_words * 64;
	out->ptr_count = ptr_words;
	return CAPNP_OK;
}

/* A byte list of len bytes, plus one more for text's NUL. */
static enum capnp_err init_bytes(struct capnp_bptr p, uint32_t len, bool nul,
                                 uint8_t **out)
{
	struct capnp_blist l;
	enum capnp_err err;

	*out = NULL;
	if (nul && len >= CAPNP_MAX_LIST_COUNT)
		return fail(p, CAPNP_ERR_TOO_LARGE);
	err = capnp_bptr_init_list(p, CAPNP_ELEM_BYTE, len + nul, &l);
	if (!err)
		*out = l.start;
	return err;
}

enum capnp_err capnp_bptr_init_text(struct capnp_bptr p, uint32_t len,
                                    char **out)
{
	return init_bytes(p, len, true, (uint8_t **)out);
}

enum capnp_err capnp_bptr_set_text(struct capnp_bptr p, const char *s,
                                   uint32_t len)
{
	uint8_t *dst;
	enum capnp_err err = init_bytes(p, len, true, &dst);

	if (!err && len)
		memcpy(dst, s, len);
	return err;
}

enum capnp_err capnp_bptr_init_data(struct capnp_bptr p, uint32_t len,
                                    uint8_t **out)
{
	return init_bytes(p, len, false, out);
}

enum capnp_err capnp_bptr_set_data(struct capnp_bptr p, const void *d,
                                   uint32_t len)
{
	uint8_t *dst;
	enum capnp_err err = init_bytes(p, len, false, &dst);

	if (!err && len)
		memcpy(dst, d, len);
	return err;
}

enum capnp_err capnp_bptr_set_cap(struct capnp_bptr p, uint32_t index)
{
	if (!p.loc)
		return bad_slot(p);
	wire_store64(p.loc, wire_make(WIRE_OTHER, 0, index));
	return CAPNP_OK;
}

enum capnp_err capnp_bptr_set_null(struct capnp_bptr p)
{
	if (!p.loc)
		return bad_slot(p);
	wire_store64(p.loc, 0);
	return CAPNP_OK;
}

/* Element i's address if l has element size `size`; else latches. */
static uint8_t *elem(struct capnp_blist *l, uint32_t i, uint32_t size)
{
	enum capnp_err err = CAPNP_OK;

	if (l->elem_size != size)
		err = CAPNP_ERR_INVALID_ARG;
	else if (i >= l->count)
		err = CAPNP_ERR_INDEX;
	if (err) {
		if (l->b)
			capnp_builder_fail(l->b, err);
		return NULL;
	}
	return l->start + (size_t)i * l->step_bits / 8;
}

static enum capnp_err elem_err(const struct capnp_blist *l)
{
	return l->b && l->b->err ? l->b->err : CAPNP_ERR_INVALID_ARG;
}

enum capnp_err capnp_blist_set_u8(struct capnp_blist *l, uint32_t i, uint8_t v)
{
	uint8_t *e = elem(l, i, CAPNP_ELEM_BYTE);

	if (!e)
		return elem_err(l);
	*e = v;
	return CAPNP_OK;
}

enum capnp_err capnp_blist_set_u16(struct capnp_blist *l, uint32_t i,
                                   uint16_t v)
{
	uint8_t *e = elem(l, i, CAPNP_ELEM_2BYTES);

	if (!e)
		return elem_err(l);
	__builtin_memcpy(e, &v, 2);
	return CAPNP_OK;
}

enum capnp_err capnp_blist_set_u32(struct capnp_blist *l, uint32_t i,
                                   uint32_t v)
{
	uint8_t *e = elem(l, i, CAPNP_ELEM_4BYTES);

	if (!e)
		return elem_err(l);
	__builtin_memcpy(e, &v, 4);
	return CAPNP_OK;
}

enum capnp_err capnp_blist_set_u64(struct capnp_blist *l, uint32_t i,
                                   uint64_t v)
{
	uint8_t *e = elem(l, i, CAPNP_ELEM_8BYTES);

	if (!e)
		return elem_err(l);
	__builtin_memcpy(e, &v, 8);
	return CAPNP_OK;
}

enum capnp_err capnp_blist_set_bool(struct capnp_blist *l, uint32_t i, bool v)
{
	uint8_t mask = (uint8_t)(1u << (i % 8));

	if (l->elem_size != CAPNP_ELEM_BIT || i >= l->count) {
		enum capnp_err err = l->elem_size != CAPNP_ELEM_BIT
		                         ? CAPNP_ERR_INVALID_ARG
		                         : CAPNP_ERR_INDEX;
		return l->b ? capnp_builder_fail(l->b, err) : err;
	}
	if (v)
		l->start[i / 8] |= mask;
	else
		l->start[i / 8] &= (uint8_t)~mask;
	return CAPNP_OK;
}

enum capnp_err capnp_blist_get_struct(struct capnp_blist *l, uint32_t i,
                                      struct capnp_bstruct *out)
{
	uint8_t *e = elem(l, i, CAPNP_ELEM_COMPOSITE);

	*out = (struct capnp_bstruct){.b = l->b};
	if (!e)
		return elem_err(l);
	out->data = e;
	out->data_bytes = l->data_bits / 8;
	out->ptrs = e + out->data_bytes;
	out->ptr_count = l->ptr_count;
	return CAPNP_OK;
}

enum capnp_err capnp_builder_finish(struct capnp_builder *b,
                                    const uint8_t **bytes_out, size_t *len)
{
	if (b->err)
		return b->err;
	wire_store32(b->arena, 0);
	wire_store32(b->arena + 4, b->used);
	*bytes_out = b->arena;
	*len = TABLE_BYTES + (size_t)b->used * 8;
	return CAPNP_OK;
}

enum capnp_err capnp_builder_as_msg(const struct capnp_builder *b,
                                    struct capnp_segment *seg,
                                    struct capnp_msg *msg)
{
	seg->start = b->used ? seg_base(b) : NULL;
	seg->words = b->used;
	return capnp_msg_init_segments(msg, seg, 1, NULL);
}
