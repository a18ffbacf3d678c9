/*
 * capnp_walk.h - generic traversal of a Cap'n Proto message, for tests and
 * the fuzz target (header-only so each test program stays one .c file).
 *
 * Visits every pointer of every struct and list reachable from the root,
 * reads every data byte, every scalar width and every bool of each struct
 * and list element, and reads byte lists as text and data. Unlike a typed
 * reader it carries on past errors (counting them) so that one bad pointer
 * does not hide the rest of the message from the fuzzer. Recursion depth is
 * bounded by the message's nesting limit and total work by its traversal
 * limit.
 */
#ifndef CAPOS_TESTS_CAPNP_WALK_H
#define CAPOS_TESTS_CAPNP_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "capnp/capnp.h"

/*
 * Pointer visits after which a walk gives up and sets overrun: the
 * reader's limits must stop every message well before this, so a test that
 * sees overrun has found a broken limit (rather than hanging on it).
 */
#define WALK_MAX_VISITS (1u << 24)

struct walk_stats {
	uint64_t structs, lists, texts, datas, caps, nulls, visits;
	bool overrun;
	bool probe; /* also call every getter on every pointer */
	uint64_t errors;
	enum capnp_err first_err;
	uint64_t sum; /* of everything read, so nothing is optimised out */
};

static void walk_ptr(const struct capnp_ptr *p, struct walk_stats *ws);

static void walk_note(struct walk_stats *ws, enum capnp_err err)
{
	if (err == CAPNP_OK)
		return;
	if (ws->errors++ == 0)
		ws->first_err = err;
}

static void walk_struct(const struct capnp_struct *st, struct walk_stats *ws)
{
	uint32_t end = st->data_bytes + 8; /* also read past the end */

	ws->structs++;
	/* Every width at every aligned offset, so every byte is read. */
	for (uint32_t off = 0; off < end; off += 8) {
		ws->sum += capnp_struct_get_u64(st, off, 3);
		ws->sum += capnp_struct_get_u32(st, off + 4, 2);
		ws->sum += capnp_struct_get_u16(st, off + 2, 1);
		ws->sum += capnp_struct_get_u8(st, off + 1, 0x5a);
		ws->sum += capnp_struct_get_bool(st, off * 8 + 7, 0);
	}
	for (uint32_t i = 0; i < (uint32_t)st->ptr_count + 1; i++) {
		struct capnp_ptr p = capnp_struct_ptr(st, i);

		walk_ptr(&p, ws);
	}
}

static void walk_list(const struct capnp_list *l, struct walk_stats *ws)
{
	struct capnp_struct st;

	ws->lists++;
	for (uint32_t i = 0; i < l->count + 1; i++) {
		ws->sum += capnp_list_get_bool(l, i);
		ws->sum += capnp_list_get_u8(l, i);
		ws->sum += capnp_list_get_u16(l, i);
		ws->sum += capnp_list_get_u32(l, i);
		ws->sum += capnp_list_get_u64(l, i);
		/* Every list but a bit list may be read as a struct list. */
		if (capnp_list_get_struct(l, i, &st) == CAPNP_OK)
			walk_struct(&st, ws);
	}
}

static void walk_bytes(const struct capnp_ptr *p, struct walk_stats *ws)
{
	const uint8_t *d;
	const char *s;
	uint32_t len;

	if (capnp_ptr_get_text(p, &s, &len) == CAPNP_OK) {
		ws->texts++;
		for (uint32_t i = 0; i <= len; i++) /* including the NUL */
			ws->sum += (uint8_t)s[i];
	}
	if (capnp_ptr_get_data(p, &d, &len) == CAPNP_OK) {
		ws->datas++;
		for (uint32_t i = 0; i < len; i++)
			ws->sum += d[i];
	}
}

/* Exercises the element-size compatibility rules for each schema type. */
static void walk_expected_sizes(const struct capnp_ptr *p,
                                struct walk_stats *ws)
{
	struct capnp_list l;

	for (int e = CAPNP_ELEM_VOID; e <= CAPNP_ELEM_COMPOSITE; e++)
		if (capnp_ptr_get_list(p, (enum capnp_elem_size)e, &l) ==
		    CAPNP_OK)
			ws->sum += l.count + capnp_list_get_u8(&l, 0);
}

/*
 * Calls every typed getter on the pointer whatever it holds, ignoring the
 * result (a struct read as text is an error, not a walk error): this is
 * what schema-typed accessors do with hostile input.
 */
static void walk_probe(const struct capnp_ptr *p, struct walk_stats *ws)
{
	struct capnp_struct st;
	const uint8_t *d;
	const char *s;
	uint32_t len, cap;

	capnp_ptr_get_struct(p, &st);
	ws->sum += capnp_struct_get_u64(&st, 0, 0) + st.ptr_count;
	if (capnp_ptr_get_text(p, &s, &len) == CAPNP_OK)
		ws->sum += (uint8_t)s[len];
	if (capnp_ptr_get_data(p, &d, &len) == CAPNP_OK && len)
		ws->sum += d[len - 1];
	capnp_ptr_get_cap(p, &cap);
	ws->sum += cap;
}

static void walk_ptr(const struct capnp_ptr *p, struct walk_stats *ws)
{
	enum capnp_ptr_kind kind;
	struct capnp_struct st;
	struct capnp_list l;
	uint32_t cap;
	enum capnp_err err;

	if (++ws->visits > WALK_MAX_VISITS) {
		ws->overrun = true;
		return;
	}
	if (ws->probe)
		walk_probe(p, ws);
	err = capnp_ptr_kind(p, &kind);
	if (err) {
		walk_note(ws, err);
		return;
	}
	switch (kind) {
	case CAPNP_PTR_NULL:
		ws->nulls++;
		break;
	case CAPNP_PTR_CAP:
		walk_note(ws, capnp_ptr_get_cap(p, &cap));
		ws->caps++;
		ws->sum += cap;
		break;
	case CAPNP_PTR_STRUCT:
		err = capnp_ptr_get_struct(p, &st);
		walk_note(ws, err);
		if (!err)
			walk_struct(&st, ws);
		break;
	case CAPNP_PTR_LIST:
		err = capnp_ptr_get_list(p, CAPNP_ELEM_ANY, &l);
		walk_note(ws, err);
		if (err)
			break;
		if (l.elem_size == CAPNP_ELEM_BYTE)
			walk_bytes(p, ws);
		walk_expected_sizes(p, ws);
		walk_list(&l, ws);
		break;
	}
}

/*
 * Walks msg from its root; returns the first error seen (CAPNP_OK if none).
 * probe: see walk_probe.
 */
static enum capnp_err walk_message_probe(struct capnp_msg *msg,
                                         struct walk_stats *ws, bool probe)
{
	struct capnp_ptr root;
	enum capnp_err err = capnp_root_ptr(msg, &root);

	*ws = (struct walk_stats){.probe = probe};
	if (err) {
		walk_note(ws, err);
		return err;
	}
	walk_ptr(&root, ws);
	return ws->first_err;
}

static inline enum capnp_err walk_message(struct capnp_msg *msg,
                                          struct walk_stats *ws)
{
	return walk_message_probe(msg, ws, false);
}

#endif
