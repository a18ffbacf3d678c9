/*
 * test_capnp_reader.c - the Cap'n Proto reader (lib/capnp/) against
 * hand-assembled messages: one test per class of hostile input, each
 * checking its exact error, plus the struct-evolution rules (short data
 * sections read defaults, missing pointers read null) and list upgrades.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capnp/capnp.h"
#include "../capnp/capnp_walk.h"
#include "../capnp/capnp_words.h"

#define MAXSEG 8

/* A message over hand-made segments, with its segment table. */
struct fixture {
	struct capnp_segment segs[MAXSEG];
	struct capnp_msg msg;
};

/* One segment of n words; default limits. */
static struct capnp_msg *one_seg(struct fixture *f, const uint64_t *words,
                                 uint32_t n)
{
	f->segs[0] = (struct capnp_segment){(const uint8_t *)words, n};
	assert_int_equal(capnp_msg_init_segments(&f->msg, f->segs, 1, NULL),
	                 CAPNP_OK);
	return &f->msg;
}

static struct capnp_msg *segs2(struct fixture *f, const uint64_t *a,
                               uint32_t na, const uint64_t *b, uint32_t nb)
{
	f->segs[0] = (struct capnp_segment){(const uint8_t *)a, na};
	f->segs[1] = (struct capnp_segment){(const uint8_t *)b, nb};
	assert_int_equal(capnp_msg_init_segments(&f->msg, f->segs, 2, NULL),
	                 CAPNP_OK);
	return &f->msg;
}

/* The root struct's pointer idx, for testing one hostile pointer. */
static struct capnp_ptr field(struct capnp_msg *msg, uint32_t idx)
{
	struct capnp_struct root;

	assert_int_equal(capnp_root(msg, &root), CAPNP_OK);
	return capnp_struct_ptr(&root, idx);
}

static bool null_field(const struct capnp_struct *st, uint32_t idx)
{
	struct capnp_ptr p = capnp_struct_ptr(st, idx);

	return capnp_ptr_is_null(&p);
}

static bool null_elem(const struct capnp_list *l, uint32_t i)
{
	struct capnp_ptr p = capnp_list_ptr(l, i);

	return capnp_ptr_is_null(&p);
}

static enum capnp_err stream_err(const void *bytes, size_t len)
{
	struct capnp_segment segs[MAXSEG];
	struct capnp_msg msg;

	return capnp_msg_init_stream(&msg, bytes, len, segs, MAXSEG);
}

/* ---- stream framing ---------------------------------------------- */

static void test_truncated_segment_table(void **state)
{
	/* 3 segments: the table needs 16 bytes. */
	uint8_t buf[16] = {2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};

	(void)state;
	for (size_t len = 0; len < 8; len++)
		assert_int_equal(stream_err(buf, len), CAPNP_ERR_TRUNCATED);
	assert_int_equal(stream_err(buf, 12), CAPNP_ERR_TRUNCATED);
	assert_int_equal(stream_err(buf, 15), CAPNP_ERR_TRUNCATED);
	assert_int_equal(stream_err(NULL, 0), CAPNP_ERR_TRUNCATED);
}

static void test_segment_count_overflow(void **state)
{
	/* Count-1 = 0xffffffff: 2^32 segments must not wrap to 0. */
	uint8_t buf[64] = {0xff, 0xff, 0xff, 0xff};
	struct capnp_segment seg;
	struct capnp_msg msg;

	(void)state;
	assert_int_equal(
	    capnp_msg_init_stream(&msg, buf, sizeof(buf), &seg, UINT32_MAX),
	    CAPNP_ERR_SEGMENT_COUNT);
	/* More segments than the caller has room for. */
	buf[0] = MAXSEG;
	buf[1] = buf[2] = buf[3] = 0;
	assert_int_equal(stream_err(buf, sizeof(buf)), CAPNP_ERR_SEGMENT_COUNT);
	assert_int_equal(capnp_msg_init_stream(&msg, buf, sizeof(buf), &seg, 0),
	                 CAPNP_ERR_SEGMENT_COUNT);
	assert_int_equal(capnp_msg_init_segments(&msg, &seg, 0, NULL),
	                 CAPNP_ERR_SEGMENT_COUNT);
}

static void test_segment_sizes_past_buffer_end(void **state)
{
	uint64_t words[4] = {W_STRUCT(0, 1, 0), 42, 0, 0};
	uint32_t sizes[2] = {2, 2};
	uint8_t buf[64];
	size_t len = W_STREAM(buf, sizes, 2, words);
	uint32_t huge[2] = {0xffffffff, 2}; /* sums to 1 in 32 bits */

	(void)state;
	assert_int_equal(stream_err(buf, len), CAPNP_OK);
	for (size_t cut = 1; cut <= 8 * 4; cut++)
		assert_int_equal(stream_err(buf, len - cut),
		                 CAPNP_ERR_TRUNCATED);
	memcpy(buf + 4, huge, 8);
	assert_int_equal(stream_err(buf, len), CAPNP_ERR_TRUNCATED);
}

/* One segment has its own short path (every kernel message): the same
 * errors, in the same order, and the same segment as the general one. */
static void test_one_segment_framing(void **state)
{
	uint64_t words[3] = {W_STRUCT(0, 1, 0), 42, 7};
	uint32_t sizes[1] = {3};
	uint8_t buf[8 + 3 * 8];
	size_t len = W_STREAM(buf, sizes, 1, words);
	struct capnp_limits lim = {2, CAPNP_DEFAULT_NESTING};
	struct capnp_segment seg;
	struct capnp_msg msg;

	(void)state;
	assert_int_equal(len, sizeof(buf));
	assert_int_equal(capnp_msg_init_stream(&msg, buf, len, &seg, 1),
	                 CAPNP_OK);
	assert_int_equal(msg.nsegs, 1);
	assert_ptr_equal(seg.start, buf + 8);
	assert_int_equal(seg.words, 3);
	assert_int_equal(msg.stream_bytes, len);
	for (size_t cut = 1; cut <= len; cut++)
		assert_int_equal(stream_err(buf, len - cut),
		                 CAPNP_ERR_TRUNCATED);
	/* The size is checked before the traversal limit. */
	assert_int_equal(
	    capnp_msg_init_stream_limits(&msg, buf, len - 1, &seg, 1, &lim),
	    CAPNP_ERR_TRUNCATED);
	assert_int_equal(
	    capnp_msg_init_stream_limits(&msg, buf, len, &seg, 1, &lim),
	    CAPNP_ERR_MESSAGE_TOO_LARGE);
	assert_int_equal(msg.nsegs, 0);
	lim.traversal_words = 3;
	assert_int_equal(
	    capnp_msg_init_stream_limits(&msg, buf, len, &seg, 1, &lim),
	    CAPNP_OK);
	/* 2^32-1 words cannot fit, and must not wrap. */
	memset(buf + 4, 0xff, 4);
	assert_int_equal(stream_err(buf, len), CAPNP_ERR_TRUNCATED);
	/* Room for no segment at all. */
	assert_int_equal(capnp_msg_init_stream(&msg, buf, len, &seg, 0),
	                 CAPNP_ERR_SEGMENT_COUNT);
}

static void test_stream_reports_length_and_ignores_trailing_bytes(void **state)
{
	uint64_t words[3] = {W_STRUCT(0, 1, 0), 42, 0};
	uint32_t sizes[1] = {2};
	uint8_t buf[64];
	size_t len = W_STREAM(buf, sizes, 1, words);
	struct capnp_segment segs[1];
	struct capnp_msg msg;
	struct capnp_struct root;

	(void)state;
	memset(buf + len, 0xee, 16);
	assert_int_equal(capnp_msg_init_stream(&msg, buf, len + 16, segs, 1),
	                 CAPNP_OK);
	assert_int_equal(msg.stream_bytes, len);
	assert_int_equal(capnp_root(&msg, &root), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u64(&root, 0, 0), 42);
}

static void test_unaligned_buffer_reads_correctly(void **state)
{
	uint64_t words[4] = {W_STRUCT(0, 1, 1), 0x1122334455667788ull,
	                     W_LIST(0, 2, 3), 0};
	uint32_t sizes[1] = {4};
	uint8_t aligned[64], *buf = malloc(80);
	size_t len;
	struct capnp_segment segs[1];
	struct capnp_msg msg;
	struct capnp_struct root;
	const char *s;
	uint32_t n;

	(void)state;
	W_BYTES(&words[3], "hi", 3);
	len = W_STREAM(aligned, sizes, 1, words);
	memcpy(buf + 3, aligned, len);
	assert_int_equal(capnp_msg_init_stream(&msg, buf + 3, len, segs, 1),
	                 CAPNP_OK);
	assert_int_equal(capnp_root(&msg, &root), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u64(&root, 0, 0),
	                 0x1122334455667788ull);
	assert_int_equal(capnp_struct_get_u16(&root, 3, 0), 0x4455);
	assert_int_equal(capnp_struct_get_text(&root, 0, &s, &n), CAPNP_OK);
	assert_int_equal(n, 2);
	assert_string_equal(s, "hi");
	free(buf);
}

static void test_empty_first_segment_has_no_root(void **state)
{
	uint64_t w = 0;
	struct fixture f;
	struct capnp_struct root;

	(void)state;
	f.segs[0] = (struct capnp_segment){(const uint8_t *)&w, 0};
	assert_int_equal(capnp_msg_init_segments(&f.msg, f.segs, 1, NULL),
	                 CAPNP_OK);
	assert_int_equal(capnp_root(&f.msg, &root), CAPNP_ERR_NO_ROOT);
	assert_int_equal(root.data_bytes, 0);
}

static void test_oversized_message(void **state)
{
	static uint64_t words[64];
	uint32_t sizes[2] = {40, 24};
	uint8_t buf[8 + 64 * 8 + 8];
	size_t len;
	struct capnp_limits lim = {63, CAPNP_DEFAULT_NESTING};
	struct capnp_segment segs[2] = {{(const uint8_t *)words, 40},
	                                {(const uint8_t *)words, 24}};
	struct capnp_msg msg;

	(void)state;
	len = W_STREAM(buf, sizes, 2, words);
	assert_int_equal(
	    capnp_msg_init_stream_limits(&msg, buf, len, segs, 2, &lim),
	    CAPNP_ERR_MESSAGE_TOO_LARGE);
	assert_int_equal(capnp_msg_init_segments(&msg, segs, 2, &lim),
	                 CAPNP_ERR_MESSAGE_TOO_LARGE);
	lim.traversal_words = 64;
	assert_int_equal(
	    capnp_msg_init_stream_limits(&msg, buf, len, segs, 2, &lim),
	    CAPNP_OK);
}

static void test_null_segment_with_size_rejected(void **state)
{
	struct capnp_segment seg = {NULL, 4};
	struct capnp_msg msg;

	(void)state;
	assert_int_equal(capnp_msg_init_segments(&msg, &seg, 1, NULL),
	                 CAPNP_ERR_INVALID_ARG);
}

/* ---- pointers ------------------------------------------------------ */

static void test_pointer_out_of_segment(void **state)
{
	uint64_t m[4] = {W_STRUCT(0, 1, 1), 0, 0, 0};
	struct fixture f;
	struct capnp_struct st;
	struct capnp_list l;
	struct capnp_ptr p;

	(void)state;
	one_seg(&f, m, 4);
	/* Ptr at word 2; its target word 3 + off. */
	m[2] = W_STRUCT(1, 0, 0); /* target 4 == end: zero-size is fine */
	p = field(&f.msg, 0);
	assert_int_equal(capnp_ptr_get_struct(&p, &st), CAPNP_OK);
	m[2] = W_STRUCT(1, 1, 0); /* one word past the end */
	assert_int_equal(capnp_ptr_get_struct(&p, &st),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	assert_int_equal(st.data_bytes, 0); /* left empty on error */
	m[2] = W_STRUCT(2, 0, 0);           /* target itself past the end */
	assert_int_equal(capnp_ptr_get_struct(&p, &st),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = W_STRUCT(-4, 0, 0); /* before the start */
	assert_int_equal(capnp_ptr_get_struct(&p, &st),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = W_STRUCT(-3, 3, 2); /* starts in bounds, runs past */
	assert_int_equal(capnp_ptr_get_struct(&p, &st),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = W_STRUCT(-3, 2, 2); /* exactly the segment: fine */
	assert_int_equal(capnp_ptr_get_struct(&p, &st), CAPNP_OK);
	m[2] = W_LIST(0, 5, 2); /* 2 u64s from word 3 */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_8BYTES, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = W_LIST(0, 2, 9); /* 9 bytes = 2 words */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_BYTE, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	{
		const char *s;
		const uint8_t *d;
		uint32_t n;

		assert_int_equal(capnp_ptr_get_text(&p, &s, &n),
		                 CAPNP_ERR_OUT_OF_BOUNDS);
		assert_int_equal(capnp_ptr_get_data(&p, &d, &n),
		                 CAPNP_ERR_OUT_OF_BOUNDS);
		assert_int_equal(n, 0);
	}
	m[2] = W_LIST(0, 1, 65); /* 65 bits = 2 words */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_BIT, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = W_LIST(0, 7, 1); /* tag + 1 word */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = W_LIST(-0x20000000, 2, 0); /* most negative offset */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_BYTE, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = W_LIST(0x1fffffff, 2, 0); /* most positive offset */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_BYTE, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
}

static void test_far_pointer_to_bad_segment(void **state)
{
	uint64_t a[2] = {W_FAR(false, 0, 2), 0};
	uint64_t b[2] = {W_STRUCT(0, 1, 0), 7};
	struct fixture f;
	struct capnp_struct st;

	(void)state;
	segs2(&f, a, 2, b, 2);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_SEGMENT);
	a[0] = W_FAR(false, 0, 0xffffffff);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_SEGMENT);
	a[0] = W_FAR(false, 0, 1);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u64(&st, 0, 0), 7);
	/* Double far whose inner far names a missing segment. */
	a[0] = W_FAR(true, 0, 1);
	b[0] = W_FAR(false, 0, 5);
	b[1] = W_STRUCT(0, 0, 0);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_SEGMENT);
}

static void test_far_pointer_landing_pad_out_of_bounds(void **state)
{
	uint64_t a[1] = {W_FAR(false, 2, 1)};
	uint64_t b[2] = {W_STRUCT(0, 1, 0), 7};
	struct fixture f;
	struct capnp_struct st;

	(void)state;
	segs2(&f, a, 1, b, 2);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_LANDING_PAD);
	a[0] = W_FAR(false, 0x1fffffff, 1); /* largest pad offset */
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_LANDING_PAD);
	/* A double-far pad is two words; only one is left at word 1 (and it
	 * is a plausible first pad word, so only the size check stops it). */
	a[0] = W_FAR(true, 1, 1);
	b[1] = W_FAR(false, 0, 1);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_LANDING_PAD);
	b[1] = 7;
	/* Pad in bounds, but the object it points to is not. */
	a[0] = W_FAR(false, 0, 1);
	b[0] = W_STRUCT(0, 2, 0);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_OUT_OF_BOUNDS);
	/* A single-far pad that is itself a far pointer. */
	b[0] = W_FAR(false, 0, 0);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_LANDING_PAD);
}

static void test_double_far_tag_not_struct_or_list(void **state)
{
	uint64_t a[2] = {W_FAR(true, 0, 1), 0};
	uint64_t b[4] = {W_FAR(false, 2, 1), W_STRUCT(0, 1, 0), 99, 0};
	struct fixture f;
	struct capnp_struct st;
	struct capnp_list l;

	(void)state;
	segs2(&f, a, 2, b, 4);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u64(&st, 0, 0), 99);
	b[1] = W_FAR(false, 2, 1);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_DOUBLE_FAR_TAG);
	b[1] = W_OTHER(0, 0);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_DOUBLE_FAR_TAG);
	/* A list tag is fine where a list is expected, wrong for a struct. */
	b[1] = W_LIST(0, 5, 1);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_WRONG_KIND);
	{
		struct capnp_ptr p;

		assert_int_equal(capnp_root_ptr(&f.msg, &p), CAPNP_OK);
		assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_8BYTES, &l),
		                 CAPNP_OK);
		assert_int_equal(capnp_list_get_u64(&l, 0), 99);
	}
	/* The first pad word must be a single far. */
	b[0] = W_STRUCT(0, 1, 0);
	b[1] = W_STRUCT(0, 1, 0);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_LANDING_PAD);
	b[0] = W_FAR(true, 2, 1);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_FAR_LANDING_PAD);
	/* Inner far's position past the end of its segment. */
	b[0] = W_FAR(false, 5, 1);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_OUT_OF_BOUNDS);
}

static void test_looping_pointers_hit_traversal_limit(void **state)
{
	/* A 1000-word struct whose only pointer points back at itself. */
	static uint64_t m[1002];
	struct capnp_limits lim = {CAPNP_DEFAULT_TRAVERSAL_WORDS, UINT32_MAX};
	struct fixture f;
	struct capnp_struct st;
	enum capnp_err err;
	uint64_t steps = 0;

	(void)state;
	m[0] = W_STRUCT(0, 1000, 1);
	m[1001] = W_STRUCT(-1001, 1000, 1);
	f.segs[0] = (struct capnp_segment){(const uint8_t *)m, 1002};
	assert_int_equal(capnp_msg_init_segments(&f.msg, f.segs, 1, &lim),
	                 CAPNP_OK);
	err = capnp_root(&f.msg, &st);
	while (err == CAPNP_OK && steps < 100000) {
		steps++;
		err = capnp_struct_get_struct(&st, 0, &st);
	}
	assert_int_equal(err, CAPNP_ERR_TRAVERSAL_LIMIT);
	assert_int_equal(steps, CAPNP_DEFAULT_TRAVERSAL_WORDS / 1001);
	/* With the default nesting limit the same loop stops sooner. */
	capnp_msg_set_limits(&f.msg, NULL);
	assert_int_equal(walk_message(&f.msg, &(struct walk_stats){0}),
	                 CAPNP_ERR_NESTING_LIMIT);
}

/* A chain: each struct's pointer 0 points at the next; n structs. */
static uint64_t *chain(uint32_t n)
{
	uint64_t *m = calloc(n + 1, 8);

	for (uint32_t i = 0; i < n; i++)
		m[i] = W_STRUCT(0, 0, 1);
	return m;
}

static void test_deeply_nested_hits_nesting_limit(void **state)
{
	uint64_t *m = chain(100);
	struct fixture f;
	struct capnp_struct st;
	enum capnp_err err;
	uint32_t depth = 0;

	(void)state;
	/* m[0] is the root pointer; structs 1..99 are one pointer each. */
	one_seg(&f, m, 100);
	/* The root is 1 hop from the root pointer: 64 structs are readable. */
	err = capnp_root(&f.msg, &st);
	for (depth = 0; err == CAPNP_OK; depth++)
		err = capnp_struct_get_struct(&st, 0, &st);
	assert_int_equal(err, CAPNP_ERR_NESTING_LIMIT);
	assert_int_equal(depth, CAPNP_DEFAULT_NESTING);
	/* A configurable limit. */
	capnp_msg_set_limits(&f.msg, &(struct capnp_limits){1000, 5});
	err = capnp_root(&f.msg, &st);
	for (depth = 0; err == CAPNP_OK; depth++)
		err = capnp_struct_get_struct(&st, 0, &st);
	assert_int_equal(err, CAPNP_ERR_NESTING_LIMIT);
	assert_int_equal(depth, 5);
	/* Nesting 0: even the root is too deep. */
	capnp_msg_set_limits(&f.msg, &(struct capnp_limits){1000, 0});
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_NESTING_LIMIT);
	free(m);
}

static void test_list_count_times_size_overflow(void **state)
{
	uint64_t m[4] = {W_STRUCT(0, 0, 1), 0, 0, 0};
	struct fixture f;
	struct capnp_list l;
	struct capnp_ptr p;

	(void)state;
	one_seg(&f, m, 4);
	p = field(&f.msg, 0);
	/* (2^29-1) * 64 bits: 2^35 bits, past 32-bit arithmetic. */
	m[1] = W_LIST(0, 5, 0x1fffffff);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_8BYTES, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[1] = W_LIST(0, 6, 0x1fffffff);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_POINTER, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[1] = W_LIST(0, 4, 0x10000000); /* 2^28 * 32 bits = 2^33 */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_4BYTES, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	/* Composite: 2^30-1 elements of 2^17-2 words each. */
	m[1] = W_LIST(0, 7, 1);
	m[2] = W_TAG(0x3fffffff, 0xffff, 0xffff);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_ERR_COMPOSITE_OVERRUN);
	assert_int_equal(l.count, 0);
}

static void test_composite_tag_disagrees_with_word_count(void **state)
{
	uint64_t m[8] = {
	    W_STRUCT(0, 0, 1), W_LIST(0, 7, 4), W_TAG(3, 1, 1), 0, 0, 0, 0, 0};
	struct fixture f;
	struct capnp_list l;
	struct capnp_ptr p;

	(void)state;
	one_seg(&f, m, 8);
	p = field(&f.msg, 0);
	/* 3 elements * 2 words = 6 > 4 */
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_ERR_COMPOSITE_OVERRUN);
	m[2] = W_TAG(2, 1, 1);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_OK);
	assert_int_equal(l.count, 2);
	/* The tag must be struct-shaped. */
	m[2] = W_LIST(2, 1, 1);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_ERR_COMPOSITE_TAG);
	m[2] = W_FAR(false, 0, 0);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_ERR_COMPOSITE_TAG);
	/* Word count larger than the segment. */
	m[1] = W_LIST(0, 7, 6);
	m[2] = W_TAG(3, 1, 1);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
}

static void test_text_without_nul(void **state)
{
	uint64_t m[4] = {W_STRUCT(0, 0, 1), W_LIST(0, 2, 5), 0, 0};
	struct fixture f;
	struct capnp_ptr p;
	const char *s;
	uint32_t len;

	(void)state;
	one_seg(&f, m, 3);
	p = field(&f.msg, 0);
	W_BYTES(&m[2], "hello", 5);
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_TEXT_NOT_TERMINATED);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	/* The NUL must be the last byte, not merely inside the word. */
	m[1] = W_LIST(0, 2, 4);
	W_BYTES(&m[2], "hel", 3);
	m[2] |= (uint64_t)'l' << 24;
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_TEXT_NOT_TERMINATED);
	/* An empty byte list is not a text: it has no NUL. */
	m[1] = W_LIST(0, 2, 0);
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_TEXT_NOT_TERMINATED);
	m[1] = W_LIST(0, 2, 6);
	W_BYTES(&m[2], "hello", 6);
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len), CAPNP_OK);
	assert_int_equal(len, 5);
	assert_string_equal(s, "hello");
}

static void test_text_list_pointer_with_wrong_element_size(void **state)
{
	uint64_t m[6] = {W_STRUCT(0, 0, 1), W_LIST(0, 3, 3), 0, 0, 0, 0};
	struct fixture f;
	struct capnp_ptr p;
	struct capnp_list l;
	const char *s;
	const uint8_t *d;
	uint32_t len;

	(void)state;
	one_seg(&f, m, 4);
	p = field(&f.msg, 0);
	/* Text of 2-byte elements: the bytes are there, the type is not. */
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_ELEMENT_SIZE);
	assert_int_equal(capnp_ptr_get_data(&p, &d, &len),
	                 CAPNP_ERR_ELEMENT_SIZE);
	/* Composite and pointer lists are not text either. */
	m[1] = W_LIST(0, 7, 1);
	m[2] = W_TAG(1, 1, 0);
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_ELEMENT_SIZE);
	m[1] = W_LIST(0, 6, 1);
	m[2] = 0;
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_ELEMENT_SIZE);
	/* List(Text) whose list is of bytes, not pointers. */
	m[1] = W_LIST(0, 2, 8);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_POINTER, &l),
	                 CAPNP_ERR_ELEMENT_SIZE);
	/* Struct where text expected. */
	m[1] = W_STRUCT(0, 1, 0);
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_WRONG_KIND);
}

static void test_capability_pointer_where_struct_expected(void **state)
{
	uint64_t m[2] = {W_STRUCT(0, 0, 1), W_OTHER(0, 7)};
	struct fixture f;
	struct capnp_ptr p;
	struct capnp_struct st;
	struct capnp_list l;
	enum capnp_ptr_kind kind;
	const char *s;
	uint32_t len, cap;

	(void)state;
	one_seg(&f, m, 2);
	p = field(&f.msg, 0);
	assert_int_equal(capnp_ptr_get_struct(&p, &st), CAPNP_ERR_CAPABILITY);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_ANY, &l),
	                 CAPNP_ERR_CAPABILITY);
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_CAPABILITY);
	assert_int_equal(capnp_ptr_kind(&p, &kind), CAPNP_OK);
	assert_int_equal(kind, CAPNP_PTR_CAP);
	assert_int_equal(capnp_ptr_get_cap(&p, &cap), CAPNP_OK);
	assert_int_equal(cap, 7);
	/* The root itself being a capability. */
	m[0] = W_OTHER(0, 1);
	assert_int_equal(capnp_root(&f.msg, &st), CAPNP_ERR_CAPABILITY);
}

static void test_other_pointer_types(void **state)
{
	uint64_t m[3] = {W_STRUCT(0, 0, 1), W_OTHER(1, 0), 0};
	struct fixture f;
	struct capnp_ptr p;
	struct capnp_struct st;
	struct capnp_list l;
	enum capnp_ptr_kind kind;
	uint32_t cap;

	(void)state;
	one_seg(&f, m, 3);
	p = field(&f.msg, 0);
	/* Reserved "other" pointers (B != 0). */
	for (uint32_t b = 1; b < 0x40000000; b = b * 3 + 1) {
		m[1] = W_OTHER(b, 0);
		assert_int_equal(capnp_ptr_get_struct(&p, &st),
		                 CAPNP_ERR_RESERVED_POINTER);
		assert_int_equal(capnp_ptr_kind(&p, &kind),
		                 CAPNP_ERR_RESERVED_POINTER);
		assert_int_equal(capnp_ptr_get_cap(&p, &cap),
		                 CAPNP_ERR_RESERVED_POINTER);
	}
	/* A list where a struct is expected and the reverse. */
	m[1] = W_LIST(0, 5, 1);
	assert_int_equal(capnp_ptr_get_struct(&p, &st), CAPNP_ERR_WRONG_KIND);
	m[1] = W_STRUCT(0, 1, 0);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_8BYTES, &l),
	                 CAPNP_ERR_WRONG_KIND);
	assert_int_equal(capnp_ptr_get_cap(&p, &cap), CAPNP_ERR_WRONG_KIND);
	/* A capability behind a single far pointer is not followed. */
	m[1] = W_FAR(false, 2, 0);
	m[2] = W_OTHER(0, 3);
	assert_int_equal(capnp_ptr_get_struct(&p, &st), CAPNP_ERR_CAPABILITY);
	m[2] = W_OTHER(4, 3);
	assert_int_equal(capnp_ptr_get_struct(&p, &st),
	                 CAPNP_ERR_RESERVED_POINTER);
	assert_int_equal(capnp_ptr_kind(&p, &kind), CAPNP_ERR_RESERVED_POINTER);
}

static void test_amplification_many_pointers_to_same_big_list(void **state)
{
	/* 1000 pointers all aimed at one 4000-word list. */
	enum { NPTR = 1000, BIG = 4000 };
	static uint64_t m[2 + NPTR + BIG];
	struct fixture f;
	struct capnp_ptr p;
	struct capnp_list ptrs, l;
	enum capnp_err err = CAPNP_OK;
	uint32_t reads = 0;

	(void)state;
	m[0] = W_STRUCT(0, 0, 1);
	m[1] = W_LIST(0, 6, NPTR);
	for (uint32_t i = 0; i < NPTR; i++)
		m[2 + i] = W_LIST((int32_t)(NPTR - i - 1), 5, BIG);
	one_seg(&f, m, 2 + NPTR + BIG);
	p = field(&f.msg, 0);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_POINTER, &ptrs),
	                 CAPNP_OK);
	/* 1 + NPTR words are charged so far; each big list costs BIG. */
	for (uint32_t round = 0; err == CAPNP_OK && round < 10000; round++)
		for (uint32_t i = 0; i < NPTR && err == CAPNP_OK; i++) {
			err = capnp_list_get_list(&ptrs, i, CAPNP_ELEM_8BYTES,
			                          &l);
			reads += err == CAPNP_OK;
		}
	assert_int_equal(err, CAPNP_ERR_TRAVERSAL_LIMIT);
	assert_int_equal(reads,
	                 (CAPNP_DEFAULT_TRAVERSAL_WORDS - 1 - NPTR) / BIG);
	/* Lists of nothing are charged one word per element. */
	m[1] = W_LIST(0, 0, 0x1fffffff);
	capnp_msg_set_limits(&f.msg, NULL);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_VOID, &l),
	                 CAPNP_ERR_TRAVERSAL_LIMIT);
	m[1] = W_LIST(0, 7, 0);
	m[2] = W_TAG(0x3fffffff, 0, 0);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_ERR_TRAVERSAL_LIMIT);
	m[2] = W_TAG(1000, 0, 0);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_OK);
	assert_int_equal(l.count, 1000);
	assert_int_equal(f.msg.traversal_left,
	                 CAPNP_DEFAULT_TRAVERSAL_WORDS - 1 - 1000);
}

static void test_text_and_data_reads_count_against_traversal_limit(void **state)
{
	/* A 64-byte data read over and over through the same pointer. */
	uint64_t m[10] = {W_STRUCT(0, 0, 1), W_LIST(0, 2, 64)};
	struct fixture f;
	struct capnp_ptr p;
	const uint8_t *d;
	const char *s;
	uint32_t len, reads = 0;
	enum capnp_err err = CAPNP_OK;

	(void)state;
	one_seg(&f, m, 10);
	capnp_msg_set_limits(&f.msg, &(struct capnp_limits){100, 64});
	p = field(&f.msg, 0); /* root: 1 word */
	while (err == CAPNP_OK && reads < 1000) {
		err = capnp_ptr_get_data(&p, &d, &len);
		reads += err == CAPNP_OK;
	}
	assert_int_equal(err, CAPNP_ERR_TRAVERSAL_LIMIT);
	assert_int_equal(reads, (100 - 1) / 8);
	assert_int_equal(capnp_ptr_get_text(&p, &s, &len),
	                 CAPNP_ERR_TRAVERSAL_LIMIT);
}

static void test_zero_sized_struct(void **state)
{
	/* Root -> struct(0 data, 2 ptrs): ptr 0 is the canonical empty
	 * struct (offset -1), ptr 1 an empty struct at the segment end. */
	uint64_t m[3] = {W_STRUCT(0, 0, 2), W_STRUCT(-1, 0, 0),
	                 W_STRUCT(0, 0, 0) | 4};
	struct fixture f;
	struct capnp_struct root, st;
	struct capnp_ptr p;

	(void)state;
	one_seg(&f, m, 3);
	assert_int_equal(capnp_root(&f.msg, &root), CAPNP_OK);
	p = capnp_struct_ptr(&root, 0);
	assert_false(capnp_ptr_is_null(&p));
	assert_int_equal(capnp_ptr_get_struct(&p, &st), CAPNP_OK);
	assert_int_equal(st.data_bytes, 0);
	assert_int_equal(st.ptr_count, 0);
	assert_int_equal(capnp_struct_get_u64(&st, 0, 5), 5);
	assert_true(capnp_struct_get_bool(&st, 0, true));
	assert_true(null_field(&st, 0));
	/* m[2] = offset 1 from word 2: target 4 > 3 words. */
	assert_int_equal(capnp_struct_get_struct(&root, 1, &st),
	                 CAPNP_ERR_OUT_OF_BOUNDS);
	m[2] = 0;
	/* An all-zero word is null, and null reads as the empty struct. */
	assert_int_equal(capnp_struct_get_struct(&root, 1, &st), CAPNP_OK);
	assert_int_equal(f.msg.traversal_left,
	                 CAPNP_DEFAULT_TRAVERSAL_WORDS - 2);
}

static void test_null_pointers_read_as_empty(void **state)
{
	uint64_t m[4] = {W_STRUCT(0, 1, 2), 0, 0, 0};
	struct fixture f;
	struct capnp_struct root, st;
	struct capnp_list l;
	const char *s;
	const uint8_t *d;
	uint32_t len, cap;

	(void)state;
	one_seg(&f, m, 4);
	assert_int_equal(capnp_root(&f.msg, &root), CAPNP_OK);
	assert_int_equal(capnp_struct_get_struct(&root, 0, &st), CAPNP_OK);
	assert_int_equal(st.data_bytes + st.ptr_count, 0);
	assert_int_equal(capnp_struct_get_list(&root, 0, CAPNP_ELEM_8BYTES, &l),
	                 CAPNP_OK);
	assert_int_equal(capnp_list_len(&l), 0);
	assert_int_equal(capnp_list_get_u64(&l, 0), 0);
	assert_int_equal(capnp_struct_get_text(&root, 1, &s, &len), CAPNP_OK);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	assert_int_equal(capnp_struct_get_data(&root, 1, &d, &len), CAPNP_OK);
	assert_non_null(d);
	assert_int_equal(len, 0);
	{
		struct capnp_ptr p = capnp_struct_ptr(&root, 0);

		assert_int_equal(capnp_ptr_get_cap(&p, &cap), CAPNP_OK);
		assert_int_equal(cap, CAPNP_CAP_NULL);
	}
	/* A null root is an empty root struct. */
	m[0] = 0;
	assert_int_equal(capnp_root(&f.msg, &root), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u32(&root, 0, 9), 9);
}

static void test_fields_past_data_section_read_default(void **state)
{
	/* An "old" struct with one data word and no pointers. */
	uint64_t m[2] = {W_STRUCT(0, 1, 0), 0x00000000deadbeefull};
	struct fixture f;
	struct capnp_struct root, st;
	const char *s;
	uint32_t len;

	(void)state;
	one_seg(&f, m, 2);
	assert_int_equal(capnp_root(&f.msg, &root), CAPNP_OK);
	assert_int_equal(capnp_struct_get_u32(&root, 0, 0), 0xdeadbeef);
	assert_int_equal(capnp_struct_get_u32(&root, 0, 0xdeadbeef), 0);
	assert_int_equal(capnp_struct_get_u32(&root, 4, 0), 0);
	/* Straddling the end, and wholly past it: the default. */
	assert_int_equal(capnp_struct_get_u32(&root, 6, 77), 77);
	assert_int_equal(capnp_struct_get_u64(&root, 8, 123), 123);
	assert_int_equal(capnp_struct_get_u64(&root, UINT32_MAX, 5), 5);
	assert_int_equal(capnp_struct_get_u16(&root, UINT32_MAX - 1, 6), 6);
	assert_int_equal(capnp_struct_get_u8(&root, 8, 200), 200);
	assert_true(capnp_struct_get_bool(&root, 0, false));
	assert_false(capnp_struct_get_bool(&root, 4, false));
	assert_true(capnp_struct_get_bool(&root, 64, true));
	assert_true(capnp_struct_get_bool(&root, UINT32_MAX, true));
	/* Pointers past the pointer section read null. */
	assert_true(null_field(&root, 0));
	assert_int_equal(capnp_struct_get_struct(&root, 3, &st), CAPNP_OK);
	assert_int_equal(st.data_bytes, 0);
	assert_int_equal(capnp_struct_get_text(&root, 0, &s, &len), CAPNP_OK);
	assert_int_equal(len, 0);
}

static void test_struct_list_read_as_scalar_list_and_back(void **state)
{
	/* Composite list of 2 elements {u64, ptr}; then a u16 list. */
	uint64_t m[9] = {W_STRUCT(0, 0, 2),
	                 W_LIST(1, 7, 4),
	                 W_LIST(5, 3, 3),
	                 W_TAG(2, 1, 1),
	                 0x1111,
	                 0,
	                 0x2222,
	                 0,
	                 0x0000000300020001ull};
	struct fixture f;
	struct capnp_ptr p0, p1;
	struct capnp_list l;
	struct capnp_struct st;

	(void)state;
	one_seg(&f, m, 9);
	p0 = field(&f.msg, 0);
	p1 = field(&f.msg, 1);
	/* Reading List(UInt16) from a struct list: first field of each. */
	assert_int_equal(capnp_ptr_get_list(&p0, CAPNP_ELEM_2BYTES, &l),
	                 CAPNP_OK);
	assert_int_equal(l.count, 2);
	assert_int_equal(capnp_list_get_u16(&l, 1), 0x2222);
	assert_int_equal(capnp_list_get_u64(&l, 0), 0x1111);
	/* List(Text) from a struct list uses each element's first pointer. */
	assert_int_equal(capnp_ptr_get_list(&p0, CAPNP_ELEM_POINTER, &l),
	                 CAPNP_OK);
	assert_true(null_elem(&l, 1));
	assert_int_equal(capnp_ptr_get_list(&p0, CAPNP_ELEM_BIT, &l),
	                 CAPNP_ERR_ELEMENT_SIZE);
	/* A u16 list read as a struct list: a 2-byte data section. */
	assert_int_equal(capnp_ptr_get_list(&p1, CAPNP_ELEM_COMPOSITE, &l),
	                 CAPNP_OK);
	assert_int_equal(capnp_list_get_struct(&l, 2, &st), CAPNP_OK);
	assert_int_equal(st.data_bytes, 2);
	assert_int_equal(capnp_struct_get_u16(&st, 0, 0), 3);
	assert_int_equal(capnp_struct_get_u32(&st, 0, 0), 0);
	assert_int_equal(capnp_list_get_struct(&l, 3, &st), CAPNP_ERR_INDEX);
	/* Narrower than expected, or pointers vs data: rejected. */
	assert_int_equal(capnp_ptr_get_list(&p1, CAPNP_ELEM_4BYTES, &l),
	                 CAPNP_ERR_ELEMENT_SIZE);
	assert_int_equal(capnp_ptr_get_list(&p1, CAPNP_ELEM_POINTER, &l),
	                 CAPNP_ERR_ELEMENT_SIZE);
	assert_int_equal(capnp_ptr_get_list(&p1, CAPNP_ELEM_BYTE, &l),
	                 CAPNP_OK);
	assert_int_equal(capnp_ptr_get_list(&p1, CAPNP_ELEM_VOID, &l),
	                 CAPNP_OK);
	assert_int_equal(capnp_ptr_get_list(&p1, (enum capnp_elem_size)9, &l),
	                 CAPNP_ERR_INVALID_ARG);
}

static void test_bit_list_only_reads_as_bits(void **state)
{
	uint64_t m[3] = {W_STRUCT(0, 0, 1), W_LIST(0, 1, 70),
	                 0x8000000000000005ull};
	struct fixture f;
	struct capnp_ptr p;
	struct capnp_list l;
	struct capnp_struct st;

	(void)state;
	one_seg(&f, m, 3);
	p = field(&f.msg, 0);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_BIT, &l),
	                 CAPNP_ERR_OUT_OF_BOUNDS); /* 70 bits need 2 words */
	m[1] = W_LIST(0, 1, 64);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_BIT, &l), CAPNP_OK);
	assert_true(capnp_list_get_bool(&l, 0));
	assert_false(capnp_list_get_bool(&l, 1));
	assert_true(capnp_list_get_bool(&l, 2));
	assert_true(capnp_list_get_bool(&l, 63));
	assert_false(capnp_list_get_bool(&l, 64));
	assert_int_equal(capnp_list_get_u8(&l, 0), 0);
	assert_int_equal(capnp_list_get_struct(&l, 0, &st),
	                 CAPNP_ERR_ELEMENT_SIZE);
	for (int e = CAPNP_ELEM_VOID; e <= CAPNP_ELEM_COMPOSITE; e++)
		if (e != CAPNP_ELEM_BIT)
			assert_int_equal(
			    capnp_ptr_get_list(&p, (enum capnp_elem_size)e, &l),
			    CAPNP_ERR_ELEMENT_SIZE);
	/* And a byte list is not a bit list. */
	m[1] = W_LIST(0, 2, 8);
	assert_int_equal(capnp_ptr_get_list(&p, CAPNP_ELEM_BIT, &l),
	                 CAPNP_ERR_ELEMENT_SIZE);
}

static void test_text_and_data_are_leaves_for_nesting(void **state)
{
	/* Root -> struct A -> text; at nesting 2 A's text is still read. */
	uint64_t m[5] = {W_STRUCT(0, 0, 1), W_STRUCT(0, 0, 1), W_LIST(0, 2, 3),
	                 0, 0};
	struct fixture f;
	struct capnp_struct root, a;
	const char *s;
	uint32_t len;

	(void)state;
	W_BYTES(&m[3], "ok", 3);
	one_seg(&f, m, 4);
	capnp_msg_set_limits(&f.msg, &(struct capnp_limits){100, 2});
	assert_int_equal(capnp_root(&f.msg, &root), CAPNP_OK);
	assert_int_equal(capnp_struct_get_struct(&root, 0, &a), CAPNP_OK);
	assert_int_equal(a.nesting, 0);
	assert_int_equal(capnp_struct_get_text(&a, 0, &s, &len), CAPNP_OK);
	assert_string_equal(s, "ok");
	assert_int_equal(capnp_struct_get_struct(&a, 0, &root),
	                 CAPNP_ERR_NESTING_LIMIT);
}

static void test_walk_of_hostile_message_terminates(void **state)
{
	/* A pointer list whose every element points at the list itself. */
	enum { N = 50 };
	static uint64_t m[2 + N];
	struct fixture f;
	struct walk_stats ws;

	(void)state;
	m[0] = W_STRUCT(0, 0, 1);
	m[1] = W_LIST(0, 6, N);
	for (int i = 0; i < N; i++)
		m[2 + i] = W_LIST(-i - 1, 6, N);
	one_seg(&f, m, 2 + N);
	assert_int_not_equal(walk_message(&f.msg, &ws), CAPNP_OK);
	assert_false(ws.overrun);
	assert_true(ws.first_err == CAPNP_ERR_TRAVERSAL_LIMIT ||
	            ws.first_err == CAPNP_ERR_NESTING_LIMIT);
}

static void test_strerror_names_every_error(void **state)
{
	(void)state;
	for (int e = 0; e < CAPNP_ERR_COUNT_; e++) {
		const char *s = capnp_strerror((enum capnp_err)e);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown capnp error");
		for (int o = 0; o < e; o++)
			assert_string_not_equal(
			    s, capnp_strerror((enum capnp_err)o));
	}
	assert_string_equal(capnp_strerror(CAPNP_ERR_COUNT_),
	                    "unknown capnp error");
	assert_string_equal(capnp_strerror((enum capnp_err) - 1),
	                    "unknown capnp error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truncated_segment_table),
	    cmocka_unit_test(test_segment_count_overflow),
	    cmocka_unit_test(test_segment_sizes_past_buffer_end),
	    cmocka_unit_test(test_one_segment_framing),
	    cmocka_unit_test(
	        test_stream_reports_length_and_ignores_trailing_bytes),
	    cmocka_unit_test(test_unaligned_buffer_reads_correctly),
	    cmocka_unit_test(test_empty_first_segment_has_no_root),
	    cmocka_unit_test(test_oversized_message),
	    cmocka_unit_test(test_null_segment_with_size_rejected),
	    cmocka_unit_test(test_pointer_out_of_segment),
	    cmocka_unit_test(test_far_pointer_to_bad_segment),
	    cmocka_unit_test(test_far_pointer_landing_pad_out_of_bounds),
	    cmocka_unit_test(test_double_far_tag_not_struct_or_list),
	    cmocka_unit_test(test_looping_pointers_hit_traversal_limit),
	    cmocka_unit_test(test_deeply_nested_hits_nesting_limit),
	    cmocka_unit_test(test_list_count_times_size_overflow),
	    cmocka_unit_test(test_composite_tag_disagrees_with_word_count),
	    cmocka_unit_test(test_text_without_nul),
	    cmocka_unit_test(test_text_list_pointer_with_wrong_element_size),
	    cmocka_unit_test(test_capability_pointer_where_struct_expected),
	    cmocka_unit_test(test_other_pointer_types),
	    cmocka_unit_test(test_amplification_many_pointers_to_same_big_list),
	    cmocka_unit_test(
	        test_text_and_data_reads_count_against_traversal_limit),
	    cmocka_unit_test(test_zero_sized_struct),
	    cmocka_unit_test(test_null_pointers_read_as_empty),
	    cmocka_unit_test(test_fields_past_data_section_read_default),
	    cmocka_unit_test(test_struct_list_read_as_scalar_list_and_back),
	    cmocka_unit_test(test_bit_list_only_reads_as_bits),
	    cmocka_unit_test(test_text_and_data_are_leaves_for_nesting),
	    cmocka_unit_test(test_walk_of_hostile_message_terminates),
	    cmocka_unit_test(test_strerror_names_every_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
