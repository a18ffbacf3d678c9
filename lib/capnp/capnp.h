/*
 * capnp.h - Cap'n Proto wire format: a validating reader over caller-owned
 * bytes and a builder into a caller-supplied arena.
 *
 * Freestanding: no allocation, no libc beyond memcpy/memset. Used by the
 * kernel (ring params and results, the boot manifest), by userspace, and as
 * the target of the schema code generator, whose accessors are thin wrappers
 * around the calls below. docs/capnp-wire.md describes the guarantees.
 *
 * Reader. A struct capnp_msg names the segments of one message and carries
 * its limits. Objects are reached lazily from the root: every step that
 * follows a pointer (capnp_ptr_get_*) validates that one pointer (kind,
 * far-pointer landing pads, bounds against its segment, element sizes),
 * charges the object's words to the traversal limit and one level to the
 * nesting limit, and returns an enum capnp_err. Once a struct or list has
 * been obtained, its field getters are a bounds check and a load: a field
 * past the end of the data section reads as its default, a pointer past the
 * end of the pointer section reads as null (Cap'n Proto struct evolution).
 * A null pointer reads as the empty object (zero-sized struct, empty list,
 * "" text), so a caller that needs "has" semantics uses capnp_ptr_is_null.
 *
 * Builder. A struct capnp_builder owns one segment inside the caller's
 * arena, preceded by the 8-byte stream segment table that
 * capnp_builder_finish fills in, so the finished arena is the encoded stream
 * with no copy. Every allocation is zeroed; when the arena is full the call
 * fails with CAPNP_ERR_ARENA_FULL and nothing is written past the arena.
 * The first error is also latched in the builder and returned again by
 * capnp_builder_finish, so a long run of setters may be checked once.
 *
 * Offsets: scalar fields are addressed by byte offset in the data section,
 * bools by bit offset, pointers by index in the pointer section. Defaults
 * are applied by XOR, as on the wire: pass the schema default (0 if none)
 * to both getters and setters. Floats are moved as their IEEE bit patterns
 * (u32/u64) because the kernel is built without floating point. Signed
 * integers are read unsigned and cast by the caller.
 *
 * Stability: the reader never writes the message, but the bytes must not
 * change while they are read (copy out of shared memory first); a struct
 * capnp_msg's traversal counter is updated by every read, so one message
 * is read by one thread at a time.
 */
#ifndef CAPOS_LIB_CAPNP_H
#define CAPOS_LIB_CAPNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "capnp: the wire format is little-endian and so is this code"
#endif

enum capnp_err {
	CAPNP_OK = 0,
	CAPNP_ERR_TRUNCATED,         /* stream ends inside its table/segments */
	CAPNP_ERR_SEGMENT_COUNT,     /* more segments than storage allows */
	CAPNP_ERR_MESSAGE_TOO_LARGE, /* total words exceed traversal limit */
	CAPNP_ERR_NO_ROOT,           /* first segment is empty */
	CAPNP_ERR_OUT_OF_BOUNDS,     /* pointer target outside its segment */
	CAPNP_ERR_FAR_SEGMENT,       /* far pointer to a missing segment */
	CAPNP_ERR_FAR_LANDING_PAD,  /* landing pad out of bounds or malformed */
	CAPNP_ERR_DOUBLE_FAR_TAG,   /* double-far tag not a struct/list */
	CAPNP_ERR_WRONG_KIND,       /* struct where list expected or reverse */
	CAPNP_ERR_CAPABILITY,       /* capability where data expected */
	CAPNP_ERR_RESERVED_POINTER, /* "other" pointer that is not a cap */
	CAPNP_ERR_ELEMENT_SIZE,     /* list element size incompatible */
	CAPNP_ERR_COMPOSITE_TAG,    /* inline-composite tag not a struct */
	CAPNP_ERR_COMPOSITE_OVERRUN,   /* tag elements overrun the word count */
	CAPNP_ERR_TEXT_NOT_TERMINATED, /* text is empty or lacks its NUL */
	CAPNP_ERR_TRAVERSAL_LIMIT,     /* too many words read */
	CAPNP_ERR_NESTING_LIMIT,       /* too many pointer hops from the root */
	CAPNP_ERR_INDEX,               /* list index out of range */
	CAPNP_ERR_ARENA_FULL,          /* builder arena exhausted */
	CAPNP_ERR_TOO_LARGE,           /* object too large for the encoding */
	CAPNP_ERR_INVALID_ARG,         /* API misuse (bad field, wrong list) */
	CAPNP_ERR_COUNT_
};

/* Returns a short constant English description; never NULL. */
const char *capnp_strerror(enum capnp_err err);

/* List element sizes, numbered as on the wire. */
enum capnp_elem_size {
	CAPNP_ELEM_VOID = 0,
	CAPNP_ELEM_BIT = 1,
	CAPNP_ELEM_BYTE = 2,
	CAPNP_ELEM_2BYTES = 3,
	CAPNP_ELEM_4BYTES = 4,
	CAPNP_ELEM_8BYTES = 5,
	CAPNP_ELEM_POINTER = 6,
	CAPNP_ELEM_COMPOSITE = 7,
	CAPNP_ELEM_ANY = 8 /* reader only: accept whatever the wire holds */
};

/* What a pointer refers to (capnp_ptr_kind). */
enum capnp_ptr_kind {
	CAPNP_PTR_NULL,
	CAPNP_PTR_STRUCT,
	CAPNP_PTR_LIST,
	CAPNP_PTR_CAP
};

#define CAPNP_DEFAULT_TRAVERSAL_WORDS (8ull * 1024 * 1024)
#define CAPNP_DEFAULT_NESTING         64u
#define CAPNP_MAX_LIST_COUNT          ((1u << 29) - 1)
#define CAPNP_CAP_NULL                UINT32_MAX

/* ------------------------------------------------------------------ */
/* Reader                                                               */
/* ------------------------------------------------------------------ */

struct capnp_limits {
	uint64_t traversal_words; /* words of struct/list bodies read */
	uint32_t nesting;         /* pointer hops from the root pointer */
};

struct capnp_segment {
	const uint8_t *start; /* need not be 8-byte aligned */
	uint32_t words;
};

struct capnp_msg {
	const struct capnp_segment *segs;
	uint32_t nsegs;
	uint32_t nesting;        /* nesting limit for capnp_root */
	uint64_t traversal_left; /* words that may still be read */
	size_t stream_bytes;     /* table + segments consumed (stream init) */
};

struct capnp_struct {
	struct capnp_msg *msg;
	const uint8_t *data; /* data section */
	const uint8_t *ptrs; /* pointer section, right after data */
	uint32_t data_bytes;
	uint16_t ptr_count;
	uint32_t seg;     /* segment holding the struct */
	uint32_t nesting; /* pointer hops still allowed below this struct */
};

struct capnp_list {
	struct capnp_msg *msg;
	const uint8_t *start; /* first element */
	uint32_t seg;
	uint32_t count;
	uint32_t step_bits; /* distance between elements */
	uint32_t data_bits; /* data bits at the start of each element */
	uint16_t ptr_count; /* pointers after the data of each element */
	uint8_t elem_size;  /* enum capnp_elem_size found on the wire */
	uint32_t nesting;
};

/* A pointer slot in a struct or a pointer list; loc NULL reads as null. */
struct capnp_ptr {
	struct capnp_msg *msg;
	const uint8_t *loc;
	uint32_t seg;
	uint32_t nesting;
};

/*
 * Parses the standard stream framing (u32 segment count - 1, u32 sizes,
 * padding to 8 bytes, segments) from bytes[0..len) into seg_storage (at most
 * max_segs entries). Bytes after the last segment are ignored;
 * msg->stream_bytes says where the message ended. limits NULL means the
 * defaults. Returns CAPNP_OK, TRUNCATED, SEGMENT_COUNT or MESSAGE_TOO_LARGE
 * (total size over the traversal limit, as the reference does).
 */
enum capnp_err capnp_msg_init_stream_limits(struct capnp_msg *msg,
                                            const void *bytes, size_t len,
                                            struct capnp_segment *seg_storage,
                                            uint32_t max_segs,
                                            const struct capnp_limits *limits);

static inline enum capnp_err
capnp_msg_init_stream(struct capnp_msg *msg, const void *bytes, size_t len,
                      struct capnp_segment *seg_storage, uint32_t max_segs)
{
	return capnp_msg_init_stream_limits(msg, bytes, len, seg_storage,
	                                    max_segs, NULL);
}

/*
 * Reads a message already split into segments (the array must outlive the
 * message). Returns CAPNP_OK, SEGMENT_COUNT (nsegs 0), INVALID_ARG (a NULL
 * segment with nonzero size) or MESSAGE_TOO_LARGE.
 */
enum capnp_err capnp_msg_init_segments(struct capnp_msg *msg,
                                       const struct capnp_segment *segs,
                                       uint32_t nsegs,
                                       const struct capnp_limits *limits);

/* Replaces the limits (NULL: defaults); the traversal budget is refilled. */
void capnp_msg_set_limits(struct capnp_msg *msg,
                          const struct capnp_limits *limits);

/* The root pointer (segment 0, word 0), or CAPNP_ERR_NO_ROOT. */
enum capnp_err capnp_root_ptr(struct capnp_msg *msg, struct capnp_ptr *out);

/* The root struct; see capnp_ptr_get_struct. */
enum capnp_err capnp_root(struct capnp_msg *msg, struct capnp_struct *out);

/*
 * Following pointers. Each returns CAPNP_OK and fills *out, or an error and
 * leaves *out as the empty object (safe to read: every field is default).
 * Null reads as the empty object.
 */
enum capnp_err capnp_ptr_get_struct(const struct capnp_ptr *p,
                                    struct capnp_struct *out);

/*
 * expected is the schema's element size: COMPOSITE for List(struct),
 * POINTER for lists of text/data/lists, BIT for List(Bool), VOID for
 * List(Void), BYTE..8BYTES for scalars and enums, ANY to accept anything.
 * As in the reference, a wider element may stand in for a narrower one (a
 * struct list read as a list of its first field, a scalar list read as
 * structs), but a bit list only matches BIT (and ANY).
 */
enum capnp_err capnp_ptr_get_list(const struct capnp_ptr *p,
                                  enum capnp_elem_size expected,
                                  struct capnp_list *out);

/*
 * Text: a byte list whose last byte is NUL. *len excludes the NUL. Null
 * reads as "" (len 0). Text and data are leaves: as in the reference they
 * do not count against the nesting limit. The NUL is guaranteed only while
 * the bytes do not change: use *len, not strlen.
 */
enum capnp_err capnp_ptr_get_text(const struct capnp_ptr *p, const char **s,
                                  uint32_t *len);

/* Data: a byte list. Null reads as a non-NULL pointer with len 0. */
enum capnp_err capnp_ptr_get_data(const struct capnp_ptr *p, const uint8_t **d,
                                  uint32_t *len);

/* A capability index; null gives CAPNP_CAP_NULL. */
enum capnp_err capnp_ptr_get_cap(const struct capnp_ptr *p, uint32_t *index);

/* What the pointer refers to, following far pointers; charges nothing. */
enum capnp_err capnp_ptr_kind(const struct capnp_ptr *p,
                              enum capnp_ptr_kind *kind);

/* True when the slot holds a null pointer (or does not exist). */
static inline bool capnp_ptr_is_null(const struct capnp_ptr *p)
{
	uint64_t w = 0;

	if (p->loc)
		__builtin_memcpy(&w, p->loc, 8);
	return w == 0;
}

/* Struct fields. */

static inline uint8_t capnp_struct_get_u8(const struct capnp_struct *st,
                                          uint32_t off, uint8_t def)
{
	if (off < st->data_bytes)
		return st->data[off] ^ def;
	return def;
}

static inline uint16_t capnp_struct_get_u16(const struct capnp_struct *st,
                                            uint32_t off, uint16_t def)
{
	uint16_t v = 0;

	if ((uint64_t)off + 2 <= st->data_bytes)
		__builtin_memcpy(&v, st->data + off, 2);
	return v ^ def;
}

static inline uint32_t capnp_struct_get_u32(const struct capnp_struct *st,
                                            uint32_t off, uint32_t def)
{
	uint32_t v = 0;

	if ((uint64_t)off + 4 <= st->data_bytes)
		__builtin_memcpy(&v, st->data + off, 4);
	return v ^ def;
}

static inline uint64_t capnp_struct_get_u64(const struct capnp_struct *st,
                                            uint32_t off, uint64_t def)
{
	uint64_t v = 0;

	if ((uint64_t)off + 8 <= st->data_bytes)
		__builtin_memcpy(&v, st->data + off, 8);
	return v ^ def;
}

static inline bool capnp_struct_get_bool(const struct capnp_struct *st,
                                         uint32_t bit, bool def)
{
	bool v = false;

	if (bit / 8 < st->data_bytes)
		v = (st->data[bit / 8] >> (bit % 8)) & 1;
	return v != def;
}

/* A union's discriminant is a u16 field whose default is 0. */
static inline uint16_t capnp_struct_which(const struct capnp_struct *st,
                                          uint32_t off)
{
	return capnp_struct_get_u16(st, off, 0);
}

static inline struct capnp_ptr capnp_struct_ptr(const struct capnp_struct *st,
                                                uint32_t idx)
{
	struct capnp_ptr p = {st->msg, NULL, st->seg, st->nesting};

	if (idx < st->ptr_count)
		p.loc = st->ptrs + (size_t)idx * 8;
	return p;
}

static inline enum capnp_err
capnp_struct_get_struct(const struct capnp_struct *st, uint32_t idx,
                        struct capnp_struct *out)
{
	struct capnp_ptr p = capnp_struct_ptr(st, idx);

	return capnp_ptr_get_struct(&p, out);
}

static inline enum capnp_err
capnp_struct_get_list(const struct capnp_struct *st, uint32_t idx,
                      enum capnp_elem_size expected, struct capnp_list *out)
{
	struct capnp_ptr p = capnp_struct_ptr(st, idx);

	return capnp_ptr_get_list(&p, expected, out);
}

static inline enum capnp_err
capnp_struct_get_text(const struct capnp_struct *st, uint32_t idx,
                      const char **s, uint32_t *len)
{
	struct capnp_ptr p = capnp_struct_ptr(st, idx);

	return capnp_ptr_get_text(&p, s, len);
}

static inline enum capnp_err
capnp_struct_get_data(const struct capnp_struct *st, uint32_t idx,
                      const uint8_t **d, uint32_t *len)
{
	struct capnp_ptr p = capnp_struct_ptr(st, idx);

	return capnp_ptr_get_data(&p, d, len);
}

/* List elements. Out-of-range indexes read as 0 / false / null. */

static inline uint32_t capnp_list_len(const struct capnp_list *l)
{
	return l->count;
}

/* Start of element i if it exists and has at least `bits` data bits. */
static inline const uint8_t *capnp_list_elem_(const struct capnp_list *l,
                                              uint32_t i, uint32_t bits)
{
	if (i >= l->count || l->data_bits < bits)
		return NULL;
	return l->start + (uint64_t)i * l->step_bits / 8;
}

static inline uint8_t capnp_list_get_u8(const struct capnp_list *l, uint32_t i)
{
	const uint8_t *e = capnp_list_elem_(l, i, 8);

	return e ? *e : 0;
}

static inline uint16_t capnp_list_get_u16(const struct capnp_list *l,
                                          uint32_t i)
{
	const uint8_t *e = capnp_list_elem_(l, i, 16);
	uint16_t v = 0;

	if (e)
		__builtin_memcpy(&v, e, 2);
	return v;
}

static inline uint32_t capnp_list_get_u32(const struct capnp_list *l,
                                          uint32_t i)
{
	const uint8_t *e = capnp_list_elem_(l, i, 32);
	uint32_t v = 0;

	if (e)
		__builtin_memcpy(&v, e, 4);
	return v;
}

static inline uint64_t capnp_list_get_u64(const struct capnp_list *l,
                                          uint32_t i)
{
	const uint8_t *e = capnp_list_elem_(l, i, 64);
	uint64_t v = 0;

	if (e)
		__builtin_memcpy(&v, e, 8);
	return v;
}

/* Bit lists only (other lists read false). */
static inline bool capnp_list_get_bool(const struct capnp_list *l, uint32_t i)
{
	if (i >= l->count || l->elem_size != CAPNP_ELEM_BIT)
		return false;
	return (l->start[i / 8] >> (i % 8)) & 1;
}

/* Element i's pointer (its first pointer, for struct elements). */
static inline struct capnp_ptr capnp_list_ptr(const struct capnp_list *l,
                                              uint32_t i)
{
	struct capnp_ptr p = {l->msg, NULL, l->seg, l->nesting};

	if (i < l->count && l->ptr_count > 0)
		p.loc = l->start + (uint64_t)i * l->step_bits / 8 +
		        l->data_bits / 8;
	return p;
}

/*
 * Element i as a struct: of a composite list, or of a scalar/pointer list
 * read as structs. Charges nothing (the list was charged). Returns
 * CAPNP_ERR_INDEX or CAPNP_ERR_ELEMENT_SIZE (bit list).
 */
enum capnp_err capnp_list_get_struct(const struct capnp_list *l, uint32_t i,
                                     struct capnp_struct *out);

static inline enum capnp_err capnp_list_get_list(const struct capnp_list *l,
                                                 uint32_t i,
                                                 enum capnp_elem_size expected,
                                                 struct capnp_list *out)
{
	struct capnp_ptr p = capnp_list_ptr(l, i);

	return capnp_ptr_get_list(&p, expected, out);
}

static inline enum capnp_err capnp_list_get_text(const struct capnp_list *l,
                                                 uint32_t i, const char **s,
                                                 uint32_t *len)
{
	struct capnp_ptr p = capnp_list_ptr(l, i);

	return capnp_ptr_get_text(&p, s, len);
}

static inline enum capnp_err capnp_list_get_data(const struct capnp_list *l,
                                                 uint32_t i, const uint8_t **d,
                                                 uint32_t *len)
{
	struct capnp_ptr p = capnp_list_ptr(l, i);

	return capnp_ptr_get_data(&p, d, len);
}

/* ------------------------------------------------------------------ */
/* Builder                                                              */
/* ------------------------------------------------------------------ */

struct capnp_builder {
	uint8_t *arena;     /* 8-byte segment table, then the segment */
	uint32_t cap_words; /* segment capacity */
	uint32_t used;      /* segment words allocated (root pointer first) */
	enum capnp_err err; /* first error, returned by capnp_builder_finish */
};

struct capnp_bstruct {
	struct capnp_builder *b;
	uint8_t *data;
	uint8_t *ptrs;
	uint32_t data_bytes;
	uint16_t ptr_count;
};

struct capnp_blist {
	struct capnp_builder *b;
	uint8_t *start;
	uint32_t count;
	uint32_t step_bits;
	uint32_t data_bits;
	uint16_t ptr_count;
	uint8_t elem_size;
};

/* A pointer slot being built; loc NULL is an invalid slot. */
struct capnp_bptr {
	struct capnp_builder *b;
	uint8_t *loc;
};

/*
 * Starts a message in arena[0..bytes) (any alignment; 8-byte aligned is
 * best). Needs 16 bytes (table and root pointer); at most 2^29 words are
 * used. Returns CAPNP_OK or CAPNP_ERR_ARENA_FULL (also latched).
 */
enum capnp_err capnp_builder_init(struct capnp_builder *b, void *arena,
                                  size_t bytes);

/* Allocates the root struct and points the root pointer at it. */
enum capnp_err capnp_builder_root(struct capnp_builder *b, uint16_t data_words,
                                  uint16_t ptr_words,
                                  struct capnp_bstruct *out);

/*
 * Fills in the segment table and returns the stream: *bytes_out is the
 * arena, *len its used length. Returns the latched error if any call
 * failed (then *bytes_out and *len are untouched). Building may go on
 * after a successful finish; finish again afterwards.
 */
enum capnp_err capnp_builder_finish(struct capnp_builder *b,
                                    const uint8_t **bytes_out, size_t *len);

/*
 * The message built so far as a one-segment reader message, for reading
 * back without the framing. seg is storage for the single segment.
 */
enum capnp_err capnp_builder_as_msg(const struct capnp_builder *b,
                                    struct capnp_segment *seg,
                                    struct capnp_msg *msg);

/* Latches err in b (the first one wins) and returns it. */
enum capnp_err capnp_builder_fail(struct capnp_builder *b, enum capnp_err err);

/*
 * Scalar setters. Return CAPNP_OK, or CAPNP_ERR_INVALID_ARG (latched) for a
 * field outside the data section, which can only happen when the struct
 * was not allocated (an earlier error) or the offset is wrong.
 */
static inline enum capnp_err capnp_bstruct_bad_(const struct capnp_bstruct *st)
{
	return st->b ? capnp_builder_fail(st->b, CAPNP_ERR_INVALID_ARG)
	             : CAPNP_ERR_INVALID_ARG;
}

static inline enum capnp_err capnp_bstruct_set_u8(struct capnp_bstruct *st,
                                                  uint32_t off, uint8_t v,
                                                  uint8_t def)
{
	if (off >= st->data_bytes)
		return capnp_bstruct_bad_(st);
	st->data[off] = v ^ def;
	return CAPNP_OK;
}

static inline enum capnp_err capnp_bstruct_set_u16(struct capnp_bstruct *st,
                                                   uint32_t off, uint16_t v,
                                                   uint16_t def)
{
	if ((uint64_t)off + 2 > st->data_bytes)
		return capnp_bstruct_bad_(st);
	v ^= def;
	__builtin_memcpy(st->data + off, &v, 2);
	return CAPNP_OK;
}

static inline enum capnp_err capnp_bstruct_set_u32(struct capnp_bstruct *st,
                                                   uint32_t off, uint32_t v,
                                                   uint32_t def)
{
	if ((uint64_t)off + 4 > st->data_bytes)
		return capnp_bstruct_bad_(st);
	v ^= def;
	__builtin_memcpy(st->data + off, &v, 4);
	return CAPNP_OK;
}

static inline enum capnp_err capnp_bstruct_set_u64(struct capnp_bstruct *st,
                                                   uint32_t off, uint64_t v,
                                                   uint64_t def)
{
	if ((uint64_t)off + 8 > st->data_bytes)
		return capnp_bstruct_bad_(st);
	v ^= def;
	__builtin_memcpy(st->data + off, &v, 8);
	return CAPNP_OK;
}

static inline enum capnp_err
capnp_bstruct_set_bool(struct capnp_bstruct *st, uint32_t bit, bool v, bool def)
{
	uint8_t mask = (uint8_t)(1u << (bit % 8));

	if (bit / 8 >= st->data_bytes)
		return capnp_bstruct_bad_(st);
	if (v != def)
		st->data[bit / 8] |= mask;
	else
		st->data[bit / 8] &= (uint8_t)~mask;
	return CAPNP_OK;
}

static inline enum capnp_err capnp_bstruct_set_which(struct capnp_bstruct *st,
                                                     uint32_t off, uint16_t tag)
{
	return capnp_bstruct_set_u16(st, off, tag, 0);
}

static inline struct capnp_bptr
capnp_bstruct_ptr(const struct capnp_bstruct *st, uint32_t idx)
{
	struct capnp_bptr p = {st->b, NULL};

	if (idx < st->ptr_count)
		p.loc = st->ptrs + (size_t)idx * 8;
	return p;
}

/*
 * Filling a pointer slot. Each allocates a zeroed object, points the slot
 * at it (overwriting what was there; the old object stays in the arena,
 * unreachable) and returns CAPNP_OK, or an error (latched) leaving the slot
 * unchanged and *out an empty object whose setters fail harmlessly:
 * ARENA_FULL, TOO_LARGE (count over 2^29-1 elements or words), or
 * INVALID_ARG (invalid slot, composite size passed to capnp_bptr_init_list).
 */
enum capnp_err capnp_bptr_init_struct(struct capnp_bptr p, uint16_t data_words,
                                      uint16_t ptr_words,
                                      struct capnp_bstruct *out);
enum capnp_err capnp_bptr_init_list(struct capnp_bptr p,
                                    enum capnp_elem_size size, uint32_t count,
                                    struct capnp_blist *out);
enum capnp_err capnp_bptr_init_struct_list(struct capnp_bptr p, uint32_t count,
                                           uint16_t data_words,
                                           uint16_t ptr_words,
                                           struct capnp_blist *out);
/* Copies s[0..len) and appends the NUL. */
enum capnp_err capnp_bptr_set_text(struct capnp_bptr p, const char *s,
                                   uint32_t len);
/* Allocates len bytes plus the NUL; the caller fills *out[0..len). */
enum capnp_err capnp_bptr_init_text(struct capnp_bptr p, uint32_t len,
                                    char **out);
enum capnp_err capnp_bptr_set_data(struct capnp_bptr p, const void *d,
                                   uint32_t len);
enum capnp_err capnp_bptr_init_data(struct capnp_bptr p, uint32_t len,
                                    uint8_t **out);
/* A capability pointer with the given cap-table index. */
enum capnp_err capnp_bptr_set_cap(struct capnp_bptr p, uint32_t index);
enum capnp_err capnp_bptr_set_null(struct capnp_bptr p);

static inline enum capnp_err
capnp_bstruct_init_struct(struct capnp_bstruct *st, uint32_t idx,
                          uint16_t data_words, uint16_t ptr_words,
                          struct capnp_bstruct *out)
{
	return capnp_bptr_init_struct(capnp_bstruct_ptr(st, idx), data_words,
	                              ptr_words, out);
}

static inline enum capnp_err capnp_bstruct_init_list(struct capnp_bstruct *st,
                                                     uint32_t idx,
                                                     enum capnp_elem_size size,
                                                     uint32_t count,
                                                     struct capnp_blist *out)
{
	return capnp_bptr_init_list(capnp_bstruct_ptr(st, idx), size, count,
	                            out);
}

static inline enum capnp_err
capnp_bstruct_init_struct_list(struct capnp_bstruct *st, uint32_t idx,
                               uint32_t count, uint16_t data_words,
                               uint16_t ptr_words, struct capnp_blist *out)
{
	return capnp_bptr_init_struct_list(capnp_bstruct_ptr(st, idx), count,
	                                   data_words, ptr_words, out);
}

static inline enum capnp_err capnp_bstruct_set_text(struct capnp_bstruct *st,
                                                    uint32_t idx, const char *s,
                                                    uint32_t len)
{
	return capnp_bptr_set_text(capnp_bstruct_ptr(st, idx), s, len);
}

static inline enum capnp_err capnp_bstruct_set_data(struct capnp_bstruct *st,
                                                    uint32_t idx, const void *d,
                                                    uint32_t len)
{
	return capnp_bptr_set_data(capnp_bstruct_ptr(st, idx), d, len);
}

/*
 * List element setters: the list's element size must match the width
 * exactly (struct lists are filled through capnp_blist_get_struct). Return
 * CAPNP_OK, CAPNP_ERR_INDEX or CAPNP_ERR_INVALID_ARG (both latched).
 */
enum capnp_err capnp_blist_set_u8(struct capnp_blist *l, uint32_t i, uint8_t v);
enum capnp_err capnp_blist_set_u16(struct capnp_blist *l, uint32_t i,
                                   uint16_t v);
enum capnp_err capnp_blist_set_u32(struct capnp_blist *l, uint32_t i,
                                   uint32_t v);
enum capnp_err capnp_blist_set_u64(struct capnp_blist *l, uint32_t i,
                                   uint64_t v);
enum capnp_err capnp_blist_set_bool(struct capnp_blist *l, uint32_t i, bool v);

/* Element i of a struct list. */
enum capnp_err capnp_blist_get_struct(struct capnp_blist *l, uint32_t i,
                                      struct capnp_bstruct *out);

/* Element i of a pointer list as a slot (invalid slot if none). */
static inline struct capnp_bptr capnp_blist_ptr(const struct capnp_blist *l,
                                                uint32_t i)
{
	struct capnp_bptr p = {l->b, NULL};

	if (i < l->count && l->elem_size == CAPNP_ELEM_POINTER)
		p.loc = l->start + (size_t)i * 8;
	return p;
}

#endif
