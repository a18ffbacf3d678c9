/*
 * test_capnp_builder.c - the Cap'n Proto builder (lib/capnp/): round trips
 * of every type through builder, stream framing and reader; the exact wire
 * encoding of defaults and zero-sized structs; arena exhaustion at every
 * arena size with a canary and an exactly-sized heap arena (ASan); and the
 * latched-error contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capnp/capnp.h"

static uint8_t arena[1 << 16];

/* Finishes b and opens the result as a reader message. */
static void reopen(struct capnp_builder *b, struct capnp_msg *msg,
                   struct capnp_segment *seg, struct capnp_struct *root)
{
	const uint8_t *bytes;
	size_t len;

	assert_int_equal(capnp_builder_finish(b, &bytes, &len), CAPNP_OK);
	assert_ptr_equal(bytes, b->arena);
	assert_int_equal(len, 8 + (size_t)b->used * 8);
	assert_int_equal(capnp_msg_init_stream(msg, bytes, len, seg, 1),
	                 CAPNP_OK);
	assert_int_equal(msg->stream_bytes, len);
	assert_int_equal(capnp_root(msg, root), CAPNP_OK);
}

static uint64_t word_at(const struct capnp_builder *b, uint32_t i)
{
	uint64_t w;

	memcpy(&w, b->arena + 8 + (size_t)i * 8, 8);
	return w;
}

static void test_round_trip_scalars_of_every_width(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;
	float f = -3.5f, g;
	double d = 1e300, e;
	uint32_t fb;
	uint64_t db;

	(void)state;
	assert_int_equal(capnp_builder_init(&b, arena, sizeof(arena)),
	                 CAPNP_OK);
	assert_int_equal(capnp_builder_root(&b, 4, 0, &st), CAPNP_OK);
	memcpy(&fb, &f, 4);
	memcpy(&db, &d, 8);
	assert_int_equal(capnp_bstruct_set_u8(&st, 1, (uint8_t)-5, 0),
	                 CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_u16(&st, 2, 0xbeef, 0), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_u32(&st, 4, fb, 0), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_u64(&st, 8, db, 0), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_u64(&st, 16, (uint64_t)INT64_MIN, 0),
	                 CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_bool(&st, 0, true, false), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_bool(&st, 7, true, false), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_bool(&st, 255, true, false),
	                 CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_bool(&st, 7, false, false),
	                 CAPNP_OK);
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(r.data_bytes, 32);
	assert_int_equal((int8_t)capnp_struct_get_u8(&r, 1, 0), -5);
	assert_int_equal(capnp_struct_get_u16(&r, 2, 0), 0xbeef);
	fb = capnp_struct_get_u32(&r, 4, 0);
	memcpy(&g, &fb, 4);
	assert_true(g == f);
	db = capnp_struct_get_u64(&r, 8, 0);
	memcpy(&e, &db, 8);
	assert_true(e == d);
	assert_int_equal((int64_t)capnp_struct_get_u64(&r, 16, 0), INT64_MIN);
	assert_true(capnp_struct_get_bool(&r, 0, false));
	assert_false(capnp_struct_get_bool(&r, 7, false));
	assert_true(capnp_struct_get_bool(&r, 255, false));
	assert_int_equal(capnp_struct_get_u8(&r, 0, 0), 1);
}

static void test_defaults_are_xor_encoded(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 2, 0, &st);
	/* The default value is stored as zero... */
	capnp_bstruct_set_u32(&st, 0, 4000000000u, 4000000000u);
	capnp_bstruct_set_bool(&st, 32, true, true);
	/* ...and zero as the default's bits. */
	capnp_bstruct_set_u16(&st, 6, 0, 60000);
	capnp_bstruct_set_u64(&st, 8, 0x0123456789abcdefull,
	                      0xfedcba9876543210ull);
	assert_int_equal(word_at(&b, 1),
	                 (uint64_t)60000 << 48); /* u32 and bool: zero */
	assert_int_equal(word_at(&b, 2),
	                 0x0123456789abcdefull ^ 0xfedcba9876543210ull);
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(capnp_struct_get_u32(&r, 0, 4000000000u), 4000000000u);
	assert_true(capnp_struct_get_bool(&r, 32, true));
	assert_int_equal(capnp_struct_get_u16(&r, 6, 60000), 0);
	assert_int_equal(capnp_struct_get_u64(&r, 8, 0xfedcba9876543210ull),
	                 0x0123456789abcdefull);
	/* Fields the struct does not have read as their defaults. */
	assert_int_equal(capnp_struct_get_u32(&r, 16, 77), 77);
	assert_true(capnp_struct_get_bool(&r, 200, true));
}

static void test_round_trip_lists_of_every_element_size(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st, e;
	struct capnp_blist l[8];
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r, re;
	struct capnp_list rl;
	const char *s;
	uint32_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 8, &st);
	assert_int_equal(
	    capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_VOID, 1000, &l[0]),
	    CAPNP_OK);
	capnp_bstruct_init_list(&st, 1, CAPNP_ELEM_BIT, 70, &l[1]);
	capnp_bstruct_init_list(&st, 2, CAPNP_ELEM_BYTE, 9, &l[2]);
	capnp_bstruct_init_list(&st, 3, CAPNP_ELEM_2BYTES, 5, &l[3]);
	capnp_bstruct_init_list(&st, 4, CAPNP_ELEM_4BYTES, 3, &l[4]);
	capnp_bstruct_init_list(&st, 5, CAPNP_ELEM_8BYTES, 2, &l[5]);
	capnp_bstruct_init_list(&st, 6, CAPNP_ELEM_POINTER, 3, &l[6]);
	assert_int_equal(capnp_bstruct_init_struct_list(&st, 7, 4, 1, 1, &l[7]),
	                 CAPNP_OK);
	for (uint32_t i = 0; i < 70; i++)
		assert_int_equal(capnp_blist_set_bool(&l[1], i, i % 3 == 0),
		                 CAPNP_OK);
	for (uint32_t i = 0; i < 9; i++)
		capnp_blist_set_u8(&l[2], i, (uint8_t)(200 + i));
	for (uint32_t i = 0; i < 5; i++)
		capnp_blist_set_u16(&l[3], i, (uint16_t)(1000 * i + 1));
	for (uint32_t i = 0; i < 3; i++)
		capnp_blist_set_u32(&l[4], i, 0x80000000u + i);
	capnp_blist_set_u64(&l[5], 0, UINT64_MAX);
	capnp_blist_set_u64(&l[5], 1, 42);
	capnp_bptr_set_text(capnp_blist_ptr(&l[6], 0), "zero", 4);
	capnp_bptr_set_text(capnp_blist_ptr(&l[6], 2), "two", 3);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(capnp_blist_get_struct(&l[7], i, &e),
		                 CAPNP_OK);
		capnp_bstruct_set_u32(&e, 4, i * 7, 0);
		capnp_bstruct_set_text(&e, 0, "el", 2);
	}
	assert_int_equal(b.err, CAPNP_OK);
	reopen(&b, &msg, &seg, &r);

	assert_int_equal(capnp_struct_get_list(&r, 0, CAPNP_ELEM_VOID, &rl),
	                 CAPNP_OK);
	assert_int_equal(rl.count, 1000);
	assert_int_equal(capnp_struct_get_list(&r, 1, CAPNP_ELEM_BIT, &rl),
	                 CAPNP_OK);
	assert_int_equal(rl.count, 70);
	for (uint32_t i = 0; i < 70; i++)
		assert_int_equal(capnp_list_get_bool(&rl, i), i % 3 == 0);
	assert_int_equal(capnp_struct_get_list(&r, 2, CAPNP_ELEM_BYTE, &rl),
	                 CAPNP_OK);
	for (uint32_t i = 0; i < 9; i++)
		assert_int_equal(capnp_list_get_u8(&rl, i), 200 + i);
	assert_int_equal(capnp_struct_get_list(&r, 3, CAPNP_ELEM_2BYTES, &rl),
	                 CAPNP_OK);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(capnp_list_get_u16(&rl, i), 1000 * i + 1);
	assert_int_equal(capnp_struct_get_list(&r, 4, CAPNP_ELEM_4BYTES, &rl),
	                 CAPNP_OK);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(capnp_list_get_u32(&rl, i), 0x80000000u + i);
	assert_int_equal(capnp_struct_get_list(&r, 5, CAPNP_ELEM_8BYTES, &rl),
	                 CAPNP_OK);
	assert_int_equal(capnp_list_get_u64(&rl, 0), UINT64_MAX);
	assert_int_equal(capnp_list_get_u64(&rl, 1), 42);
	assert_int_equal(capnp_struct_get_list(&r, 6, CAPNP_ELEM_POINTER, &rl),
	                 CAPNP_OK);
	assert_int_equal(capnp_list_get_text(&rl, 0, &s, &len), CAPNP_OK);
	assert_string_equal(s, "zero");
	assert_int_equal(capnp_list_get_text(&rl, 1, &s, &len), CAPNP_OK);
	assert_int_equal(len, 0);
	assert_int_equal(capnp_list_get_text(&rl, 2, &s, &len), CAPNP_OK);
	assert_string_equal(s, "two");
	assert_int_equal(
	    capnp_struct_get_list(&r, 7, CAPNP_ELEM_COMPOSITE, &rl), CAPNP_OK);
	assert_int_equal(rl.count, 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(capnp_list_get_struct(&rl, i, &re), CAPNP_OK);
		assert_int_equal(capnp_struct_get_u32(&re, 4, 0), i * 7);
		assert_int_equal(capnp_struct_get_text(&re, 0, &s, &len),
		                 CAPNP_OK);
		assert_string_equal(s, "el");
	}
}

static void test_round_trip_text_and_data(void **state)
{
	static const uint8_t blob[13] = {0, 1, 2, 0xff, 0, 5, 6, 7, 8, 9, 10};
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;
	const uint8_t *d;
	const char *s;
	uint32_t len;
	char *t;
	uint8_t *dd;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 6, &st);
	assert_int_equal(capnp_bstruct_set_text(&st, 0, "hello, world", 12),
	                 CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_text(&st, 1, "", 0), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_data(&st, 2, blob, 13), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_data(&st, 3, NULL, 0), CAPNP_OK);
	assert_int_equal(capnp_bptr_init_text(capnp_bstruct_ptr(&st, 4), 3, &t),
	                 CAPNP_OK);
	memcpy(t, "abc", 3);
	assert_int_equal(
	    capnp_bptr_init_data(capnp_bstruct_ptr(&st, 5), 2, &dd), CAPNP_OK);
	dd[0] = 0xaa;
	dd[1] = 0xbb;
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(capnp_struct_get_text(&r, 0, &s, &len), CAPNP_OK);
	assert_int_equal(len, 12);
	assert_string_equal(s, "hello, world");
	/* Empty text is a one-byte list (the NUL), not null. */
	assert_false(
	    capnp_ptr_is_null(&(struct capnp_ptr){&msg, r.ptrs + 8, 0, 1}));
	assert_int_equal(capnp_struct_get_text(&r, 1, &s, &len), CAPNP_OK);
	assert_int_equal(len, 0);
	assert_int_equal(capnp_struct_get_data(&r, 2, &d, &len), CAPNP_OK);
	assert_int_equal(len, 13);
	assert_memory_equal(d, blob, 13);
	assert_int_equal(capnp_struct_get_data(&r, 3, &d, &len), CAPNP_OK);
	assert_int_equal(len, 0);
	assert_int_equal(capnp_struct_get_text(&r, 4, &s, &len), CAPNP_OK);
	assert_string_equal(s, "abc");
	assert_int_equal(capnp_struct_get_data(&r, 5, &d, &len), CAPNP_OK);
	assert_int_equal(len, 2);
	assert_int_equal(d[1], 0xbb);
}

static void test_round_trip_nested_structs_and_struct_lists(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st, a, c, e;
	struct capnp_blist l;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r, ra, rc, re;
	struct capnp_list rl;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 1, 2, &st);
	capnp_bstruct_set_u64(&st, 0, 1, 0);
	assert_int_equal(capnp_bstruct_init_struct(&st, 0, 1, 1, &a), CAPNP_OK);
	capnp_bstruct_set_u64(&a, 0, 2, 0);
	assert_int_equal(capnp_bstruct_init_struct(&a, 0, 1, 0, &c), CAPNP_OK);
	capnp_bstruct_set_u64(&c, 0, 3, 0);
	assert_int_equal(capnp_bstruct_init_struct_list(&st, 1, 3, 0, 1, &l),
	                 CAPNP_OK);
	for (uint32_t i = 0; i < 3; i++) {
		struct capnp_bstruct in;

		capnp_blist_get_struct(&l, i, &e);
		capnp_bstruct_init_struct(&e, 0, 1, 0, &in);
		capnp_bstruct_set_u64(&in, 0, 100 + i, 0);
	}
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(capnp_struct_get_u64(&r, 0, 0), 1);
	assert_int_equal(capnp_struct_get_struct(&r, 0, &ra), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u64(&ra, 0, 0), 2);
	assert_int_equal(capnp_struct_get_struct(&ra, 0, &rc), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u64(&rc, 0, 0), 3);
	assert_int_equal(rc.ptr_count, 0);
	assert_int_equal(
	    capnp_struct_get_list(&r, 1, CAPNP_ELEM_COMPOSITE, &rl), CAPNP_OK);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(capnp_list_get_struct(&rl, i, &re), CAPNP_OK);
		assert_int_equal(re.data_bytes, 0);
		assert_int_equal(capnp_struct_get_struct(&re, 0, &rc),
		                 CAPNP_OK);
		assert_int_equal(capnp_struct_get_u64(&rc, 0, 0), 100 + i);
	}
}

static void test_round_trip_lists_of_lists_and_text_lists(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_blist outer, inner, texts;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;
	struct capnp_list ro, ri, rt;
	const char *s;
	uint32_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 2, &st);
	capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_POINTER, 3, &outer);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(
		    capnp_bptr_init_list(capnp_blist_ptr(&outer, i),
		                         CAPNP_ELEM_4BYTES, i, &inner),
		    CAPNP_OK);
		for (uint32_t j = 0; j < i; j++)
			capnp_blist_set_u32(&inner, j,
			                    (uint32_t) - (int)(j + i));
	}
	/* List(List(Text)) */
	capnp_bstruct_init_list(&st, 1, CAPNP_ELEM_POINTER, 2, &outer);
	capnp_bptr_init_list(capnp_blist_ptr(&outer, 1), CAPNP_ELEM_POINTER, 2,
	                     &texts);
	capnp_bptr_set_text(capnp_blist_ptr(&texts, 0), "a", 1);
	capnp_bptr_set_text(capnp_blist_ptr(&texts, 1), "bc", 2);
	assert_int_equal(b.err, CAPNP_OK);
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(capnp_struct_get_list(&r, 0, CAPNP_ELEM_POINTER, &ro),
	                 CAPNP_OK);
	assert_int_equal(ro.count, 3);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(
		    capnp_list_get_list(&ro, i, CAPNP_ELEM_4BYTES, &ri),
		    CAPNP_OK);
		assert_int_equal(ri.count, i);
		for (uint32_t j = 0; j < i; j++)
			assert_int_equal((int32_t)capnp_list_get_u32(&ri, j),
			                 -(int)(j + i));
	}
	assert_int_equal(capnp_struct_get_list(&r, 1, CAPNP_ELEM_POINTER, &ro),
	                 CAPNP_OK);
	assert_int_equal(capnp_list_get_list(&ro, 0, CAPNP_ELEM_POINTER, &rt),
	                 CAPNP_OK);
	assert_int_equal(rt.count, 0); /* null reads as empty */
	assert_int_equal(capnp_list_get_list(&ro, 1, CAPNP_ELEM_POINTER, &rt),
	                 CAPNP_OK);
	assert_int_equal(capnp_list_get_text(&rt, 1, &s, &len), CAPNP_OK);
	assert_string_equal(s, "bc");
}

static void test_union_discriminant_round_trip(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;
	const char *s;
	uint32_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 1, 1, &st);
	/* Member 2 of a union whose tag is at byte 6, value in ptr 0. */
	assert_int_equal(capnp_bstruct_set_which(&st, 6, 2), CAPNP_OK);
	capnp_bstruct_set_text(&st, 0, "two", 3);
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(capnp_struct_which(&r, 6), 2);
	assert_int_equal(capnp_struct_get_text(&r, 0, &s, &len), CAPNP_OK);
	assert_string_equal(s, "two");
	/* A struct too short to hold the tag reads member 0. */
	r.data_bytes = 6;
	assert_int_equal(capnp_struct_which(&r, 6), 0);
}

static void test_zero_sized_struct_encoding(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st, z;
	struct capnp_blist l;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r, rz;
	struct capnp_list rl;
	const uint8_t *bytes;
	size_t len;
	/* What the reference writes for an empty root struct. */
	static const uint8_t ref[16] = {0,    0,    0,    0,    1, 0, 0, 0,
	                                0xfc, 0xff, 0xff, 0xff, 0, 0, 0, 0};

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	assert_int_equal(capnp_builder_root(&b, 0, 0, &st), CAPNP_OK);
	assert_int_equal(capnp_builder_finish(&b, &bytes, &len), CAPNP_OK);
	assert_int_equal(len, 16);
	assert_memory_equal(bytes, ref, 16);
	assert_int_equal(capnp_bstruct_set_u8(&st, 0, 1, 0),
	                 CAPNP_ERR_INVALID_ARG);

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 2, &st);
	assert_int_equal(capnp_bstruct_init_struct(&st, 0, 0, 0, &z), CAPNP_OK);
	assert_int_equal(word_at(&b, 1), 0xfffffffcull);
	assert_int_equal(capnp_bstruct_init_struct_list(&st, 1, 5, 0, 0, &l),
	                 CAPNP_OK);
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(capnp_struct_get_struct(&r, 0, &rz), CAPNP_OK);
	assert_int_equal(rz.data_bytes + rz.ptr_count, 0);
	assert_int_equal(
	    capnp_struct_get_list(&r, 1, CAPNP_ELEM_COMPOSITE, &rl), CAPNP_OK);
	assert_int_equal(rl.count, 5);
	assert_int_equal(capnp_list_get_struct(&rl, 4, &rz), CAPNP_OK);
}

static void test_cap_pointer_round_trip(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;
	struct capnp_ptr p;
	uint32_t cap;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 2, &st);
	assert_int_equal(capnp_bptr_set_cap(capnp_bstruct_ptr(&st, 1), 9),
	                 CAPNP_OK);
	reopen(&b, &msg, &seg, &r);
	p = capnp_struct_ptr(&r, 1);
	assert_int_equal(capnp_ptr_get_cap(&p, &cap), CAPNP_OK);
	assert_int_equal(cap, 9);
	p = capnp_struct_ptr(&r, 0);
	assert_int_equal(capnp_ptr_get_cap(&p, &cap), CAPNP_OK);
	assert_int_equal(cap, CAPNP_CAP_NULL);
}

/* A message using every kind of allocation; returns finish's error. */
static enum capnp_err build_sample(void *mem, size_t bytes, const uint8_t **out,
                                   size_t *len)
{
	static const uint8_t blob[20] = {1, 2, 3};
	struct capnp_builder b;
	struct capnp_bstruct st, e, n;
	struct capnp_blist l, ll;

	capnp_builder_init(&b, mem, bytes);
	capnp_builder_root(&b, 2, 6, &st);
	capnp_bstruct_set_u64(&st, 0, 0x1234, 0);
	capnp_bstruct_set_u32(&st, 8, 99, 5);
	capnp_bstruct_set_text(&st, 0, "a text of some length", 21);
	capnp_bstruct_set_data(&st, 1, blob, sizeof(blob));
	capnp_bstruct_init_struct(&st, 2, 1, 1, &n);
	capnp_bstruct_set_u64(&n, 0, 7, 0);
	capnp_bstruct_set_text(&n, 0, "nested", 6);
	capnp_bstruct_init_struct_list(&st, 3, 3, 1, 1, &l);
	for (uint32_t i = 0; i < 3; i++) {
		capnp_blist_get_struct(&l, i, &e);
		capnp_bstruct_set_u32(&e, 0, i, 0);
		capnp_bstruct_set_text(&e, 0, "element", 7);
	}
	capnp_bstruct_init_list(&st, 4, CAPNP_ELEM_2BYTES, 7, &l);
	for (uint32_t i = 0; i < 7; i++)
		capnp_blist_set_u16(&l, i, (uint16_t)i);
	capnp_bstruct_init_list(&st, 5, CAPNP_ELEM_POINTER, 2, &l);
	capnp_bptr_init_list(capnp_blist_ptr(&l, 0), CAPNP_ELEM_BIT, 9, &ll);
	capnp_blist_set_bool(&ll, 8, true);
	capnp_bptr_set_text(capnp_blist_ptr(&l, 1), "last", 4);
	return capnp_builder_finish(&b, out, len);
}

static void test_arena_exhaustion_at_every_size(void **state)
{
	enum { CANARY = 64 };
	static uint8_t ref[4096], buf[4096 + CANARY];
	const uint8_t *out;
	size_t need, len;

	(void)state;
	assert_int_equal(build_sample(ref, sizeof(ref), &out, &need), CAPNP_OK);
	for (size_t n = 0; n <= need + 24; n++) {
		/* An exact heap arena: ASan traps any write past it. */
		uint8_t *heap = malloc(n ? n : 1);
		enum capnp_err err;

		err = build_sample(heap, n, &out, &len);
		assert_int_equal(err,
		                 n < need ? CAPNP_ERR_ARENA_FULL : CAPNP_OK);
		if (!err) {
			assert_int_equal(len, need);
			assert_memory_equal(out, ref, need);
		}
		free(heap);
		/* And a canary right after the arena. */
		memset(buf, 0xa5, sizeof(buf));
		err = build_sample(buf, n, &out, &len);
		assert_int_equal(err,
		                 n < need ? CAPNP_ERR_ARENA_FULL : CAPNP_OK);
		for (size_t i = n; i < n + CANARY; i++)
			assert_int_equal(buf[i], 0xa5);
	}
}

static void test_builder_init_needs_two_words(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	const uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	for (size_t n = 0; n < 16; n++) {
		assert_int_equal(capnp_builder_init(&b, arena, n),
		                 CAPNP_ERR_ARENA_FULL);
		assert_int_equal(capnp_builder_root(&b, 1, 0, &st),
		                 CAPNP_ERR_INVALID_ARG);
		assert_int_equal(capnp_builder_finish(&b, &out, &len),
		                 CAPNP_ERR_ARENA_FULL);
		assert_null(out);
	}
	assert_int_equal(capnp_builder_init(&b, NULL, 100),
	                 CAPNP_ERR_ARENA_FULL);
	assert_int_equal(capnp_builder_init(&b, arena, 16), CAPNP_OK);
	assert_int_equal(capnp_builder_root(&b, 0, 0, &st), CAPNP_OK);
	assert_int_equal(capnp_builder_root(&b, 1, 0, &st),
	                 CAPNP_ERR_ARENA_FULL);
}

static void test_setter_outside_struct_latches_invalid_arg(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st, none = {0};
	const uint8_t *out;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 1, 1, &st);
	assert_int_equal(capnp_bstruct_set_u64(&st, 0, 1, 0), CAPNP_OK);
	assert_int_equal(capnp_bstruct_set_u64(&st, 1, 1, 0),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bstruct_set_u32(&st, 5, 1, 0),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bstruct_set_u16(&st, UINT32_MAX, 1, 0),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bstruct_set_u8(&st, 8, 1, 0),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bstruct_set_bool(&st, 64, true, false),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bstruct_set_text(&st, 1, "x", 1),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bptr_set_cap(capnp_bstruct_ptr(&st, 1), 0),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bptr_set_null(capnp_bstruct_ptr(&st, 2)),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_builder_finish(&b, &out, &len),
	                 CAPNP_ERR_INVALID_ARG);
	/* A never-allocated struct (no builder) fails without crashing. */
	assert_int_equal(capnp_bstruct_set_u64(&none, 0, 1, 0),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bstruct_set_text(&none, 0, "x", 1),
	                 CAPNP_ERR_INVALID_ARG);
}

static void test_list_setter_wrong_width_or_index_latches(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st, e;
	struct capnp_blist l, none = {0};
	const uint8_t *out;
	size_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 1, &st);
	capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_4BYTES, 2, &l);
	assert_int_equal(capnp_blist_set_u32(&l, 1, 5), CAPNP_OK);
	assert_int_equal(capnp_blist_set_u32(&l, 2, 5), CAPNP_ERR_INDEX);
	assert_int_equal(capnp_builder_finish(&b, &out, &len), CAPNP_ERR_INDEX);
	/* The first error stays latched. */
	assert_int_equal(capnp_blist_set_u16(&l, 0, 5), CAPNP_ERR_INDEX);
	assert_int_equal(b.err, CAPNP_ERR_INDEX);

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 1, &st);
	capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_4BYTES, 2, &l);
	assert_int_equal(capnp_blist_set_u64(&l, 0, 5), CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_blist_set_u8(&l, 0, 5), CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_blist_set_bool(&l, 0, 1), CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_blist_get_struct(&l, 0, &e),
	                 CAPNP_ERR_INVALID_ARG);
	assert_null(capnp_blist_ptr(&l, 0).loc);
	assert_int_equal(capnp_blist_set_u32(&none, 0, 5),
	                 CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_blist_set_bool(&none, 0, 1),
	                 CAPNP_ERR_INVALID_ARG);
	/* A composite size is not a scalar list. */
	assert_int_equal(
	    capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_COMPOSITE, 1, &l),
	    CAPNP_ERR_INVALID_ARG);
	assert_int_equal(capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_ANY, 1, &l),
	                 CAPNP_ERR_INVALID_ARG);
}

static void test_list_too_large_is_rejected(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_blist l;
	char *t;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 1, &st);
	assert_int_equal(capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_VOID,
	                                         CAPNP_MAX_LIST_COUNT + 1, &l),
	                 CAPNP_ERR_TOO_LARGE);
	assert_int_equal(b.err, CAPNP_ERR_TOO_LARGE);
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 1, &st);
	/* Fine as a count, too many words in total. */
	assert_int_equal(
	    capnp_bstruct_init_struct_list(&st, 0, 1u << 20, 1024, 0, &l),
	    CAPNP_ERR_TOO_LARGE);
	assert_int_equal(capnp_bptr_init_text(capnp_bstruct_ptr(&st, 0),
	                                      CAPNP_MAX_LIST_COUNT, &t),
	                 CAPNP_ERR_TOO_LARGE);
	/* len + 1 for the NUL must not wrap to an empty list. */
	assert_int_equal(
	    capnp_bptr_init_text(capnp_bstruct_ptr(&st, 0), UINT32_MAX, &t),
	    CAPNP_ERR_TOO_LARGE);
	assert_null(t);
	assert_int_equal(capnp_bstruct_set_text(&st, 0, "x", UINT32_MAX),
	                 CAPNP_ERR_TOO_LARGE);
	/* Valid void lists cost no space at all. */
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 1, &st);
	assert_int_equal(capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_VOID,
	                                         CAPNP_MAX_LIST_COUNT, &l),
	                 CAPNP_OK);
	assert_int_equal(b.used, 2);
	/* Large but in range: the arena is what runs out. */
	assert_int_equal(capnp_bstruct_init_list(&st, 0, CAPNP_ELEM_8BYTES,
	                                         CAPNP_MAX_LIST_COUNT, &l),
	                 CAPNP_ERR_ARENA_FULL);
	assert_int_equal(b.used, 2);
	assert_int_equal(l.count, 0);
}

static void test_overwriting_a_pointer_replaces_the_object(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;
	const char *s;
	uint32_t len;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 1, &st);
	capnp_bstruct_set_text(&st, 0, "first", 5);
	capnp_bstruct_set_text(&st, 0, "second", 6);
	reopen(&b, &msg, &seg, &r);
	assert_int_equal(capnp_struct_get_text(&r, 0, &s, &len), CAPNP_OK);
	assert_string_equal(s, "second");
	assert_int_equal(capnp_bptr_set_null(capnp_bstruct_ptr(&st, 0)),
	                 CAPNP_OK);
	assert_int_equal(capnp_struct_get_text(&r, 0, &s, &len), CAPNP_OK);
	assert_int_equal(len, 0);
}

static void test_failed_allocation_leaves_slot_unchanged(void **state)
{
	static uint8_t small[64];
	struct capnp_builder b;
	struct capnp_bstruct st, big;
	const uint8_t *out = NULL;
	size_t len = 0;
	uint64_t before;

	(void)state;
	capnp_builder_init(&b, small, sizeof(small));
	capnp_builder_root(&b, 0, 1, &st);
	capnp_bstruct_set_text(&st, 0, "fits", 4);
	before = word_at(&b, 1);
	assert_int_equal(capnp_bstruct_init_struct(&st, 0, 8, 0, &big),
	                 CAPNP_ERR_ARENA_FULL);
	assert_int_equal(word_at(&b, 1), before);
	/* The failed struct's setters fail harmlessly. */
	assert_int_equal(capnp_bstruct_set_u64(&big, 0, 1, 0),
	                 CAPNP_ERR_INVALID_ARG);
	/* finish reports the first error, not the later one. */
	assert_int_equal(capnp_builder_finish(&b, &out, &len),
	                 CAPNP_ERR_ARENA_FULL);
	assert_null(out);
	assert_int_equal(len, 0);
}

static void test_builder_as_msg_reads_back(void **state)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	struct capnp_segment seg;
	struct capnp_msg msg;
	struct capnp_struct r;

	(void)state;
	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 1, 0, &st);
	capnp_bstruct_set_u64(&st, 0, 5, 0);
	assert_int_equal(capnp_builder_as_msg(&b, &seg, &msg), CAPNP_OK);
	assert_int_equal(capnp_root(&msg, &r), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u64(&r, 0, 0), 5);
}

static void test_unaligned_arena_builds_same_bytes(void **state)
{
	static uint8_t ref[4096], odd[4096 + 3];
	const uint8_t *a, *o;
	size_t la, lo;

	(void)state;
	assert_int_equal(build_sample(ref, sizeof(ref), &a, &la), CAPNP_OK);
	assert_int_equal(build_sample(odd + 3, sizeof(ref), &o, &lo), CAPNP_OK);
	assert_int_equal(la, lo);
	assert_memory_equal(a, o, la);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_scalars_of_every_width),
	    cmocka_unit_test(test_defaults_are_xor_encoded),
	    cmocka_unit_test(test_round_trip_lists_of_every_element_size),
	    cmocka_unit_test(test_round_trip_text_and_data),
	    cmocka_unit_test(test_round_trip_nested_structs_and_struct_lists),
	    cmocka_unit_test(test_round_trip_lists_of_lists_and_text_lists),
	    cmocka_unit_test(test_union_discriminant_round_trip),
	    cmocka_unit_test(test_zero_sized_struct_encoding),
	    cmocka_unit_test(test_cap_pointer_round_trip),
	    cmocka_unit_test(test_arena_exhaustion_at_every_size),
	    cmocka_unit_test(test_builder_init_needs_two_words),
	    cmocka_unit_test(test_setter_outside_struct_latches_invalid_arg),
	    cmocka_unit_test(test_list_setter_wrong_width_or_index_latches),
	    cmocka_unit_test(test_list_too_large_is_rejected),
	    cmocka_unit_test(test_overwriting_a_pointer_replaces_the_object),
	    cmocka_unit_test(test_failed_allocation_leaves_slot_unchanged),
	    cmocka_unit_test(test_builder_as_msg_reads_back),
	    cmocka_unit_test(test_unaligned_arena_builds_same_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
