/*
 * wire.h - bit layout of Cap'n Proto pointer words, private to lib/capnp/.
 *
 * A pointer is one little-endian 64-bit word. Low two bits: the kind.
 *   struct: [2,32) signed word offset from the end of the pointer,
 *           [32,48) data words, [48,64) pointer words.
 *   list:   [2,32) signed offset, [32,35) element size, [35,64) element
 *           count (word count, not counting the tag, for composite lists;
 *           the tag is a struct-format word whose offset field holds the
 *           element count).
 *   far:    bit 2 double-far, [3,32) landing pad word in the segment,
 *           [32,64) segment id.
 *   other:  [2,32) zero for a capability, [32,64) its index.
 */
#ifndef CAPOS_LIB_CAPNP_WIRE_H
#define CAPOS_LIB_CAPNP_WIRE_H

#include <stdbool.h>
#include <stdint.h>

enum wire_kind { WIRE_STRUCT = 0, WIRE_LIST = 1, WIRE_FAR = 2, WIRE_OTHER = 3 };

static inline uint64_t wire_load64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline uint32_t wire_load32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline void wire_store64(uint8_t *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

static inline void wire_store32(uint8_t *p, uint32_t v)
{
	__builtin_memcpy(p, &v, 4);
}

static inline enum wire_kind wire_kind(uint64_t w)
{
	return (enum wire_kind)(w & 3);
}

/* Signed 30-bit offset of struct and list pointers, in words. */
static inline int64_t wire_offset(uint64_t w)
{
	return (int64_t)(int32_t)(uint32_t)w >> 2;
}

static inline uint16_t wire_struct_data_words(uint64_t w)
{
	return (uint16_t)(w >> 32);
}

static inline uint16_t wire_struct_ptr_words(uint64_t w)
{
	return (uint16_t)(w >> 48);
}

static inline unsigned wire_list_size(uint64_t w)
{
	return (unsigned)(w >> 32) & 7;
}

static inline uint32_t wire_list_count(uint64_t w)
{
	return (uint32_t)(w >> 35);
}

/* Element count held in a composite list's tag (unsigned 30 bits). */
static inline uint32_t wire_tag_count(uint64_t w)
{
	return (uint32_t)w >> 2;
}

static inline bool wire_far_double(uint64_t w)
{
	return (w >> 2) & 1;
}

static inline uint32_t wire_far_pad(uint64_t w)
{
	return (uint32_t)w >> 3;
}

static inline uint32_t wire_far_seg(uint64_t w)
{
	return (uint32_t)(w >> 32);
}

/* "Other" pointers: B == 0 is a capability. */
static inline bool wire_is_cap(uint64_t w)
{
	return ((uint32_t)w >> 2) == 0;
}

static inline uint64_t wire_make(enum wire_kind kind, int64_t offset,
                                 uint32_t hi)
{
	return (uint64_t)(((uint32_t)offset << 2) | kind) | (uint64_t)hi << 32;
}

static inline uint32_t wire_struct_hi(uint16_t data_words, uint16_t ptr_words)
{
	return (uint32_t)data_words | (uint32_t)ptr_words << 16;
}

static inline uint32_t wire_list_hi(unsigned size, uint32_t count)
{
	return size | count << 3;
}

/* Data bits per element of a non-composite list size. */
static inline uint32_t wire_elem_data_bits(unsigned size)
{
	static const uint8_t bits[8] = {0, 1, 8, 16, 32, 64, 0, 0};

	return bits[size & 7];
}

#endif
