/*
 * capnp_words.h - hand encoders for Cap'n Proto pointer words, so tests can
 * assemble hostile messages word by word. Written from the encoding spec
 * independently of lib/capnp/wire.h, so the tests do not trust the code
 * they test.
 */
#ifndef CAPOS_TESTS_CAPNP_WORDS_H
#define CAPOS_TESTS_CAPNP_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Struct pointer: offset in words from the end of the pointer. */
static inline uint64_t W_STRUCT(int32_t off, uint16_t dw, uint16_t pw)
{
	return (uint64_t)((uint32_t)off << 2) | (uint64_t)dw << 32 |
	       (uint64_t)pw << 48;
}

/* List pointer; for size 7 count is the word count (tag excluded). */
static inline uint64_t W_LIST(int32_t off, unsigned size, uint32_t count)
{
	return (uint64_t)((uint32_t)off << 2) | 1 | (uint64_t)size << 32 |
	       (uint64_t)count << 35;
}

/* Composite list tag: element count and per-element sizes. */
static inline uint64_t W_TAG(uint32_t count, uint16_t dw, uint16_t pw)
{
	return (uint64_t)(count << 2) | (uint64_t)dw << 32 | (uint64_t)pw << 48;
}

static inline uint64_t W_FAR(bool dbl, uint32_t pad, uint32_t seg)
{
	return 2 | (uint64_t)dbl << 2 | (uint64_t)pad << 3 |
	       (uint64_t)seg << 32;
}

/* "Other" pointer: b == 0 is a capability with the given index. */
static inline uint64_t W_OTHER(uint32_t b, uint32_t index)
{
	return 3 | (uint64_t)(b << 2) | (uint64_t)index << 32;
}

/* Packs bytes into little-endian words (zero padded), for text and data. */
static inline void W_BYTES(uint64_t *dst, const void *src, size_t len)
{
	memset(dst, 0, (len + 7) / 8 * 8);
	memcpy(dst, src, len);
}

/*
 * Writes the stream framing for nsegs segments (sizes in words, contents
 * concatenated in words[]) into out; returns the byte length.
 */
static inline size_t W_STREAM(uint8_t *out, const uint32_t *sizes,
                              uint32_t nsegs, const uint64_t *words)
{
	size_t table = ((1 + nsegs) * 4 + 7) / 8 * 8, total = 0;
	uint32_t v = nsegs - 1;

	memset(out, 0, table);
	memcpy(out, &v, 4);
	for (uint32_t i = 0; i < nsegs; i++) {
		memcpy(out + 4 + 4 * i, &sizes[i], 4);
		total += sizes[i];
	}
	memcpy(out + table, words, total * 8);
	return table + total * 8;
}

#endif
