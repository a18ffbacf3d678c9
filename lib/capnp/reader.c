/*
 * reader.c - validating Cap'n Proto reader (see capnp.h).
 *
 * Every position is computed as a word index within a segment in 64-bit
 * integer arithmetic and compared against the segment's size before any
 * pointer is formed, so no input can make the reader form (let alone
 * dereference) an address outside a segment. Each wire word is loaded once
 * into a local before it is checked and used.
 */
#include <stddef.h>
#include <stdint.h>

#include "capnp/capnp.h"
#include "capnp/wire.h"

static const uint8_t empty_bytes[1];

/* An object located by a pointer: segment, word index and describing word. */
struct target {
	uint32_t seg;
	uint64_t word; /* <= segment size */
	uint64_t tag;  /* struct or list pointer word (offset ignored) */
};

static void limits_apply(struct capnp_msg *msg,
                         const struct capnp_limits *limits)
{
	msg->traversal_left =
	    limits ? limits->traversal_words : CAPNP_DEFAULT_TRAVERSAL_WORDS;
	msg->nesting = limits ? limits->nesting : CAPNP_DEFAULT_NESTING;
}

void capnp_msg_set_limits(struct capnp_msg *msg,
                          const struct capnp_limits *limits)
{
	limits_apply(msg, limits);
}

enum capnp_err capnp_msg_init_stream_limits(struct capnp_msg *msg,
                                            const void *bytes, size_t len,
                                            struct capnp_segment *seg_storage,
                                            uint32_t max_segs,
                                            const struct capnp_limits *limits)
{
	const uint8_t *in = bytes;
	uint64_t nsegs, table, total = 0, pos;

	msg->segs = seg_storage;
	msg->nsegs = 0;
	msg->stream_bytes = 0;
	limits_apply(msg, limits);
	if (len < 8)
		return CAPNP_ERR_TRUNCATED;
	nsegs = (uint64_t)wire_load32(in) + 1;
	if (nsegs > max_segs)
		return CAPNP_ERR_SEGMENT_COUNT;
	if (nsegs == 1) {
		/* Every message the kernel and the runtime build: the same
		 * checks as below, in the same order, without the loops. */
		uint64_t words = wire_load32(in + 4);

		if (words > (len - 8) / 8)
			return CAPNP_ERR_TRUNCATED;
		if (words > msg->traversal_left)
			return CAPNP_ERR_MESSAGE_TOO_LARGE;
		seg_storage[0] =
		    (struct capnp_segment){in + 8, (uint32_t)words};
		msg->nsegs = 1;
		msg->stream_bytes = 8 + words * 8;
		return CAPNP_OK;
	}
	/* One u32 for the count, one per segment, padded to a word. */
	table = ((1 + nsegs) * 4 + 7) & ~(uint64_t)7;
	if (table > len)
		return CAPNP_ERR_TRUNCATED;
	for (uint64_t i = 0; i < nsegs; i++)
		total += wire_load32(in + 4 + i * 4);
	if (total > (len - table) / 8)
		return CAPNP_ERR_TRUNCATED;
	if (total > msg->traversal_left)
		return CAPNP_ERR_MESSAGE_TOO_LARGE;
	pos = table;
	for (uint64_t i = 0; i < nsegs; i++) {
		seg_storage[i].start = in + pos;
		seg_storage[i].words = wire_load32(in + 4 + i * 4);
		pos += (uint64_t)seg_storage[i].words * 8;
	}
	msg->nsegs = (uint32_t)nsegs;
	msg->stream_bytes = pos;
	return CAPNP_OK;
}

enum capnp_err capnp_msg_init_segments(struct capnp_msg *msg,
                                       const struct capnp_segment *segs,
                                       uint32_t nsegs,
                                       const struct capnp_limits *limits)
{
	uint64_t total = 0;

	msg->segs = segs;
	msg->nsegs = 0;
	msg->stream_bytes = 0;
	limits_apply(msg, limits);
	if (nsegs == 0)
		return CAPNP_ERR_SEGMENT_COUNT;
	for (uint32_t i = 0; i < nsegs; i++) {
		if (!segs[i].start && segs[i].words)
			return CAPNP_ERR_INVALID_ARG;
		total += segs[i].words;
	}
	if (total > msg->traversal_left)
		return CAPNP_ERR_MESSAGE_TOO_LARGE;
	msg->nsegs = nsegs;
	return CAPNP_OK;
}

static enum capnp_err charge(struct capnp_msg *msg, uint64_t words)
{
	if (words > msg->traversal_left)
		return CAPNP_ERR_TRAVERSAL_LIMIT;
	msg->traversal_left -= words;
	return CAPNP_OK;
}

/* Error for an "other" pointer met where an object was expected. */
static enum capnp_err other_err(uint64_t w)
{
	return wire_is_cap(w) ? CAPNP_ERR_CAPABILITY
	                      : CAPNP_ERR_RESERVED_POINTER;
}

/*
 * Locates the object of the non-null, non-"other" pointer w found at word
 * `at` of segment seg, following a far pointer if w is one. On success
 * t->word is within [0, segment size] and t->tag is a struct or list word,
 * or an "other" word found in a single-far landing pad.
 */
static enum capnp_err resolve(const struct capnp_msg *msg, uint32_t seg,
                              uint64_t at, uint64_t w, struct target *t)
{
	const struct capnp_segment *ps;
	uint64_t pad, p0;
	int64_t pos;

	if (wire_kind(w) != WIRE_FAR) {
		pos = (int64_t)at + 1 + wire_offset(w);
		if (pos < 0 || pos > (int64_t)msg->segs[seg].words)
			return CAPNP_ERR_OUT_OF_BOUNDS;
		*t = (struct target){seg, (uint64_t)pos, w};
		return CAPNP_OK;
	}
	seg = wire_far_seg(w);
	if (seg >= msg->nsegs)
		return CAPNP_ERR_FAR_SEGMENT;
	ps = &msg->segs[seg];
	pad = wire_far_pad(w);
	if (pad + 1 + wire_far_double(w) > ps->words)
		return CAPNP_ERR_FAR_LANDING_PAD;
	p0 = wire_load64(ps->start + pad * 8);
	if (!wire_far_double(w)) {
		/* The pad is an ordinary pointer; another far is not allowed.
		 */
		if (wire_kind(p0) == WIRE_FAR)
			return CAPNP_ERR_FAR_LANDING_PAD;
		if (wire_kind(p0) == WIRE_OTHER) {
			*t = (struct target){seg, pad, p0};
			return CAPNP_OK;
		}
		return resolve(msg, seg, pad, p0, t);
	}
	/* Double far: a single far to the object's start, then its tag. */
	if (wire_kind(p0) != WIRE_FAR || wire_far_double(p0))
		return CAPNP_ERR_FAR_LANDING_PAD;
	t->tag = wire_load64(ps->start + pad * 8 + 8);
	if (wire_kind(t->tag) == WIRE_FAR || wire_kind(t->tag) == WIRE_OTHER)
		return CAPNP_ERR_DOUBLE_FAR_TAG;
	t->seg = wire_far_seg(p0);
	if (t->seg >= msg->nsegs)
		return CAPNP_ERR_FAR_SEGMENT;
	t->word = wire_far_pad(p0);
	if (t->word > msg->segs[t->seg].words)
		return CAPNP_ERR_OUT_OF_BOUNDS;
	return CAPNP_OK;
}

/* Word index of a pointer slot inside its segment. */
static uint64_t slot_word(const struct capnp_ptr *p)
{
	return (uint64_t)(p->loc - p->msg->segs[p->seg].start) / 8;
}

/*
 * Common prologue of the capnp_ptr_get_* calls: loads the slot, stops at
 * null (*w == 0), checks nesting, rejects "other" pointers and resolves.
 */
static enum capnp_err follow(const struct capnp_ptr *p, uint64_t *w,
                             struct target *t)
{
	*w = 0;
	if (!p->loc)
		return CAPNP_OK;
	*w = wire_load64(p->loc);
	if (*w == 0)
		return CAPNP_OK;
	if (p->nesting == 0)
		return CAPNP_ERR_NESTING_LIMIT;
	if (wire_kind(*w) == WIRE_OTHER)
		return other_err(*w);
	return resolve(p->msg, p->seg, slot_word(p), *w, t);
}

static void empty_struct(struct capnp_struct *out, struct capnp_msg *msg)
{
	*out = (struct capnp_struct){
	    .msg = msg, .data = empty_bytes, .ptrs = empty_bytes};
}

enum capnp_err capnp_ptr_get_struct(const struct capnp_ptr *p,
                                    struct capnp_struct *out)
{
	const struct capnp_segment *s;
	struct target t;
	enum capnp_err err;
	uint64_t w, dw, pw;

	empty_struct(out, p->msg);
	err = follow(p, &w, &t);
	if (err || w == 0)
		return err;
	if (wire_kind(t.tag) == WIRE_OTHER)
		return other_err(t.tag);
	if (wire_kind(t.tag) != WIRE_STRUCT)
		return CAPNP_ERR_WRONG_KIND;
	s = &p->msg->segs[t.seg];
	dw = wire_struct_data_words(t.tag);
	pw = wire_struct_ptr_words(t.tag);
	if (dw + pw > s->words - t.word)
		return CAPNP_ERR_OUT_OF_BOUNDS;
	err = charge(p->msg, dw + pw);
	if (err)
		return err;
	out->data = s->start + t.word * 8;
	out->ptrs = out->data + dw * 8;
	out->data_bytes = (uint32_t)(dw * 8);
	out->ptr_count = (uint16_t)pw;
	out->seg = t.seg;
	out->nesting = p->nesting - 1;
	return CAPNP_OK;
}

/* Checks a list's element layout against what the schema expects. */
static enum capnp_err check_expected(const struct capnp_list *l,
                                     enum capnp_elem_size expected)
{
	if (expected == CAPNP_ELEM_ANY)
		return CAPNP_OK;
	if ((l->elem_size == CAPNP_ELEM_BIT) != (expected == CAPNP_ELEM_BIT))
		return CAPNP_ERR_ELEMENT_SIZE;
	if (expected == CAPNP_ELEM_VOID || expected == CAPNP_ELEM_COMPOSITE)
		return CAPNP_OK;
	if (wire_elem_data_bits(expected) > l->data_bits)
		return CAPNP_ERR_ELEMENT_SIZE;
	if (expected == CAPNP_ELEM_POINTER && l->ptr_count == 0)
		return CAPNP_ERR_ELEMENT_SIZE;
	return CAPNP_OK;
}

/* Fills a composite list from the tag at t->word; bounds checked here. */
static enum capnp_err composite(struct capnp_list *out,
                                const struct capnp_segment *s,
                                const struct target *t)
{
	uint64_t words = wire_list_count(t->tag), tag, wpe, n;
	enum capnp_err err;

	if (1 + words > s->words - t->word)
		return CAPNP_ERR_OUT_OF_BOUNDS;
	tag = wire_load64(s->start + t->word * 8);
	if (wire_kind(tag) != WIRE_STRUCT)
		return CAPNP_ERR_COMPOSITE_TAG;
	n = wire_tag_count(tag);
	wpe =
	    (uint64_t)wire_struct_data_words(tag) + wire_struct_ptr_words(tag);
	if (n * wpe > words)
		return CAPNP_ERR_COMPOSITE_OVERRUN;
	/* Zero-sized elements cost nothing to send: charge one word each. */
	err = charge(out->msg, 1 + words + (wpe == 0 ? n : 0));
	if (err)
		return err;
	out->start = s->start + (t->word + 1) * 8;
	out->count = (uint32_t)n;
	out->step_bits = (uint32_t)(wpe * 64);
	out->data_bits = (uint32_t)wire_struct_data_words(tag) * 64;
	out->ptr_count = wire_struct_ptr_words(tag);
	return CAPNP_OK;
}

/* Fills a list of scalars or pointers at t->word; bounds checked here. */
static enum capnp_err flat(struct capnp_list *out,
                           const struct capnp_segment *s,
                           const struct target *t, unsigned size)
{
	uint64_t n = wire_list_count(t->tag), step, words;
	enum capnp_err err;

	step = wire_elem_data_bits(size) + (size == CAPNP_ELEM_POINTER) * 64;
	words = (n * step + 63) / 64;
	if (words > s->words - t->word)
		return CAPNP_ERR_OUT_OF_BOUNDS;
	err = charge(out->msg, size == CAPNP_ELEM_VOID ? n : words);
	if (err)
		return err;
	out->start = s->start + t->word * 8;
	out->count = (uint32_t)n;
	out->step_bits = (uint32_t)step;
	out->data_bits = wire_elem_data_bits(size);
	out->ptr_count = size == CAPNP_ELEM_POINTER;
	return CAPNP_OK;
}

static void empty_list(struct capnp_list *out, struct capnp_msg *msg,
                       enum capnp_elem_size expected)
{
	*out = (struct capnp_list){.msg = msg, .start = empty_bytes};
	out->elem_size =
	    expected == CAPNP_ELEM_ANY ? CAPNP_ELEM_VOID : (uint8_t)expected;
}

enum capnp_err capnp_ptr_get_list(const struct capnp_ptr *p,
                                  enum capnp_elem_size expected,
                                  struct capnp_list *out)
{
	const struct capnp_segment *s;
	struct target t;
	enum capnp_err err;
	unsigned size;
	uint64_t w;

	empty_list(out, p->msg, expected);
	if ((unsigned)expected > CAPNP_ELEM_ANY)
		return CAPNP_ERR_INVALID_ARG;
	err = follow(p, &w, &t);
	if (err || w == 0)
		return err;
	if (wire_kind(t.tag) == WIRE_OTHER)
		return other_err(t.tag);
	if (wire_kind(t.tag) != WIRE_LIST)
		return CAPNP_ERR_WRONG_KIND;
	s = &p->msg->segs[t.seg];
	size = wire_list_size(t.tag);
	if (size == CAPNP_ELEM_COMPOSITE)
		err = composite(out, s, &t);
	else
		err = flat(out, s, &t, size);
	if (!err) {
		out->elem_size = (uint8_t)size;
		err = check_expected(out, expected);
	}
	if (err) {
		empty_list(out, p->msg, expected);
		return err;
	}
	out->seg = t.seg;
	out->nesting = p->nesting - 1;
	return CAPNP_OK;
}

/*
 * Text and data are byte lists, and nothing wider. As in the reference they
 * are leaves that do not count against the nesting limit. Returns CAPNP_OK
 * with *start NULL for a null pointer.
 */
static enum capnp_err get_bytes(const struct capnp_ptr *p,
                                const uint8_t **start, uint32_t *count)
{
	struct capnp_ptr leaf = *p;
	const struct capnp_segment *s;
	struct target t;
	enum capnp_err err;
	uint64_t w, n;

	*start = NULL;
	*count = 0;
	leaf.nesting = 1;
	err = follow(&leaf, &w, &t);
	if (err || w == 0)
		return err;
	if (wire_kind(t.tag) == WIRE_OTHER)
		return other_err(t.tag);
	if (wire_kind(t.tag) != WIRE_LIST)
		return CAPNP_ERR_WRONG_KIND;
	if (wire_list_size(t.tag) != CAPNP_ELEM_BYTE)
		return CAPNP_ERR_ELEMENT_SIZE;
	s = &p->msg->segs[t.seg];
	n = wire_list_count(t.tag);
	if ((n + 7) / 8 > s->words - t.word)
		return CAPNP_ERR_OUT_OF_BOUNDS;
	err = charge(p->msg, (n + 7) / 8);
	if (err)
		return err;
	*start = s->start + t.word * 8;
	*count = (uint32_t)n;
	return CAPNP_OK;
}

enum capnp_err capnp_ptr_get_text(const struct capnp_ptr *p, const char **s,
                                  uint32_t *len)
{
	const uint8_t *start;
	uint32_t count;
	enum capnp_err err = get_bytes(p, &start, &count);

	*s = (const char *)empty_bytes;
	*len = 0;
	if (err || !start)
		return err;
	if (count == 0 || start[count - 1] != 0)
		return CAPNP_ERR_TEXT_NOT_TERMINATED;
	*s = (const char *)start;
	*len = count - 1;
	return CAPNP_OK;
}

enum capnp_err capnp_ptr_get_data(const struct capnp_ptr *p, const uint8_t **d,
                                  uint32_t *len)
{
	const uint8_t *start;
	uint32_t count;
	enum capnp_err err = get_bytes(p, &start, &count);

	/* On error get_bytes left start NULL and count 0. */
	*d = start ? start : empty_bytes;
	*len = count;
	return err;
}

enum capnp_err capnp_ptr_get_cap(const struct capnp_ptr *p, uint32_t *index)
{
	uint64_t w = 0;

	*index = CAPNP_CAP_NULL;
	if (p->loc)
		w = wire_load64(p->loc);
	if (w == 0)
		return CAPNP_OK;
	if (wire_kind(w) != WIRE_OTHER)
		return CAPNP_ERR_WRONG_KIND;
	if (!wire_is_cap(w))
		return CAPNP_ERR_RESERVED_POINTER;
	*index = (uint32_t)(w >> 32);
	return CAPNP_OK;
}

enum capnp_err capnp_ptr_kind(const struct capnp_ptr *p,
                              enum capnp_ptr_kind *kind)
{
	struct target t;
	enum capnp_err err;
	uint64_t w = 0;

	*kind = CAPNP_PTR_NULL;
	if (p->loc)
		w = wire_load64(p->loc);
	if (w == 0)
		return CAPNP_OK;
	if (wire_kind(w) == WIRE_OTHER) {
		if (!wire_is_cap(w))
			return CAPNP_ERR_RESERVED_POINTER;
		*kind = CAPNP_PTR_CAP;
		return CAPNP_OK;
	}
	err = resolve(p->msg, p->seg, slot_word(p), w, &t);
	if (err)
		return err;
	if (wire_kind(t.tag) == WIRE_OTHER)
		return other_err(t.tag);
	*kind =
	    wire_kind(t.tag) == WIRE_STRUCT ? CAPNP_PTR_STRUCT : CAPNP_PTR_LIST;
	return CAPNP_OK;
}

enum capnp_err capnp_root_ptr(struct capnp_msg *msg, struct capnp_ptr *out)
{
	*out = (struct capnp_ptr){msg, NULL, 0, msg->nesting};
	if (msg->nsegs == 0 || msg->segs[0].words == 0)
		return CAPNP_ERR_NO_ROOT;
	out->loc = msg->segs[0].start;
	return CAPNP_OK;
}

enum capnp_err capnp_root(struct capnp_msg *msg, struct capnp_struct *out)
{
	struct capnp_ptr p;
	enum capnp_err err = capnp_root_ptr(msg, &p);

	if (err) {
		empty_struct(out, msg);
		return err;
	}
	return capnp_ptr_get_struct(&p, out);
}

enum capnp_err capnp_list_get_struct(const struct capnp_list *l, uint32_t i,
                                     struct capnp_struct *out)
{
	empty_struct(out, l->msg);
	if (i >= l->count)
		return CAPNP_ERR_INDEX;
	if (l->elem_size == CAPNP_ELEM_BIT)
		return CAPNP_ERR_ELEMENT_SIZE;
	out->data = l->start + (uint64_t)i * l->step_bits / 8;
	out->data_bytes = l->data_bits / 8;
	out->ptrs = out->data + out->data_bytes;
	out->ptr_count = l->ptr_count;
	out->seg = l->seg;
	out->nesting = l->nesting;
	return CAPNP_OK;
}
