/*
 * frame_bitmap.c - bitmap physical frame allocator (see frame_bitmap.h).
 *
 * Invariants, checked by frame_bitmap_check():
 *  - free_count is the number of 0 bits below nframes;
 *  - bits at or past nframes (the tail of the last word) are always 1, so a
 *    0 bit found anywhere is a real free frame and scans need no bound test;
 *  - every word below hint is full, so single allocations scan from hint
 *    and always return the lowest free frame (keeps low memory packed and
 *    makes behaviour deterministic).
 */
#include "frame_bitmap.h"

#define WORD_BITS 64u

static uint64_t nwords(const struct frame_bitmap *fb)
{
	return FRAME_BITMAP_WORDS(fb->nframes);
}

/*
 * Software popcount: __builtin_popcountll becomes a libgcc call without
 * -mpopcnt, and the kernel links no libgcc.
 */
static unsigned popcount64(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((v * 0x0101010101010101ull) >> 56);
}

/* Bits of word w that fall inside frames [first, end); first < end. */
static uint64_t range_mask(uint64_t w, uint64_t first, uint64_t end)
{
	uint64_t base = w * WORD_BITS;
	uint64_t lo = first > base ? first - base : 0;
	uint64_t hi = end - base < WORD_BITS ? end - base : WORD_BITS;
	uint64_t upto = hi == WORD_BITS ? ~0ull : (1ull << hi) - 1;

	return upto & ~((1ull << lo) - 1);
}

/* Clamps [first, first+count) to [0, nframes); returns the end frame. */
static uint64_t clamp_end(const struct frame_bitmap *fb, uint64_t first,
                          uint64_t count)
{
	if (first >= fb->nframes)
		return first;
	if (count > fb->nframes - first)
		return fb->nframes;
	return first + count;
}

/* Returns the first free frame in [pos, end), or end if none; end <= nframes.
 */
static uint64_t next_free(const struct frame_bitmap *fb, uint64_t pos,
                          uint64_t end)
{
	if (pos >= end)
		return end;
	for (uint64_t w = pos / WORD_BITS; w <= (end - 1) / WORD_BITS; w++) {
		uint64_t v = ~fb->words[w] & range_mask(w, pos, end);

		if (v)
			return w * WORD_BITS + (uint64_t)__builtin_ctzll(v);
	}
	return end;
}

/* Returns the first used frame in [pos, end), or end if none. */
static uint64_t next_used(const struct frame_bitmap *fb, uint64_t pos,
                          uint64_t end)
{
	if (pos >= end)
		return end;
	for (uint64_t w = pos / WORD_BITS; w <= (end - 1) / WORD_BITS; w++) {
		uint64_t v = fb->words[w] & range_mask(w, pos, end);

		if (v)
			return w * WORD_BITS + (uint64_t)__builtin_ctzll(v);
	}
	return end;
}

/* Sets the bits of [first, end); returns how many were 0 before. */
static uint64_t set_bits(struct frame_bitmap *fb, uint64_t first, uint64_t end)
{
	uint64_t changed = 0;

	if (first >= end)
		return 0;
	for (uint64_t w = first / WORD_BITS; w <= (end - 1) / WORD_BITS; w++) {
		uint64_t m = range_mask(w, first, end);

		changed += popcount64(~fb->words[w] & m);
		fb->words[w] |= m;
	}
	return changed;
}

/* Clears the bits of [first, end); returns how many were 1 before. */
static uint64_t clear_bits(struct frame_bitmap *fb, uint64_t first,
                           uint64_t end)
{
	uint64_t changed = 0;

	if (first >= end)
		return 0;
	for (uint64_t w = first / WORD_BITS; w <= (end - 1) / WORD_BITS; w++) {
		uint64_t m = range_mask(w, first, end);

		changed += popcount64(fb->words[w] & m);
		fb->words[w] &= ~m;
	}
	if (first / WORD_BITS < fb->hint)
		fb->hint = first / WORD_BITS;
	return changed;
}

void frame_bitmap_init(struct frame_bitmap *fb, uint64_t *words,
                       uint64_t nframes)
{
	fb->words = words;
	fb->nframes = nframes;
	fb->free_count = 0;
	fb->hint = 0;
	for (uint64_t w = 0; w < nwords(fb); w++)
		words[w] = ~0ull;
}

void frame_bitmap_release_range(struct frame_bitmap *fb, uint64_t first,
                                uint64_t count)
{
	fb->free_count += clear_bits(fb, first, clamp_end(fb, first, count));
}

void frame_bitmap_reserve_range(struct frame_bitmap *fb, uint64_t first,
                                uint64_t count)
{
	fb->free_count -= set_bits(fb, first, clamp_end(fb, first, count));
}

/* Returns the first word index in [from, to) with a 0 bit, or to. */
static uint64_t find_word(const struct frame_bitmap *fb, uint64_t from,
                          uint64_t to)
{
	for (uint64_t w = from; w < to; w++)
		if (~fb->words[w])
			return w;
	return to;
}

uint64_t frame_bitmap_alloc(struct frame_bitmap *fb)
{
	uint64_t n = nwords(fb);
	uint64_t w;

	if (fb->free_count == 0)
		return FRAME_BITMAP_NONE;
	w = find_word(fb, fb->hint, n);
	/* Only reachable if the hint invariant was broken; stay correct. */
	if (w == n)
		w = find_word(fb, 0, fb->hint < n ? fb->hint : n);
	if (w >= n)
		return FRAME_BITMAP_NONE;
	uint64_t bit = (uint64_t)__builtin_ctzll(~fb->words[w]);

	fb->words[w] |= 1ull << bit;
	fb->free_count--;
	fb->hint = w;
	return w * WORD_BITS + bit;
}

uint64_t frame_bitmap_alloc_run(struct frame_bitmap *fb, uint64_t count,
                                uint64_t align)
{
	uint64_t pos;

	if (count == 0 || align == 0 || (align & (align - 1)) != 0)
		return FRAME_BITMAP_NONE;
	if (count > fb->free_count)
		return FRAME_BITMAP_NONE;
	/*
	 * Words below hint are full, so no run can start there; tighten the
	 * hint to the first free frame so later searches skip full words.
	 */
	pos = next_free(fb, fb->hint * WORD_BITS, fb->nframes);
	if (pos == fb->nframes)
		return FRAME_BITMAP_NONE;
	fb->hint = pos / WORD_BITS;
	for (;;) {
		uint64_t s = next_free(fb, pos, fb->nframes);
		uint64_t rem = s & (align - 1);

		if (s == fb->nframes)
			return FRAME_BITMAP_NONE;
		if (rem != 0) {
			if (align - rem > fb->nframes - s)
				return FRAME_BITMAP_NONE;
			s += align - rem;
		}
		if (count > fb->nframes - s)
			return FRAME_BITMAP_NONE;
		uint64_t u = next_used(fb, s, s + count);

		if (u == s + count) {
			fb->free_count -= set_bits(fb, s, s + count);
			return s;
		}
		pos = u + 1;
	}
}

/* One frame, the common case: one word, no mask arithmetic. */
int frame_bitmap_free(struct frame_bitmap *fb, uint64_t frame)
{
	uint64_t w = frame / WORD_BITS, bit = 1ull << (frame % WORD_BITS);

	if (frame >= fb->nframes || !(fb->words[w] & bit))
		return -1;
	fb->words[w] &= ~bit;
	fb->free_count++;
	if (w < fb->hint)
		fb->hint = w;
	return 0;
}

int frame_bitmap_free_run(struct frame_bitmap *fb, uint64_t first,
                          uint64_t count)
{
	uint64_t end;

	if (first >= fb->nframes || count > fb->nframes - first)
		return -1;
	end = first + count;
	if (next_free(fb, first, end) != end)
		return -1;
	fb->free_count += clear_bits(fb, first, end);
	return 0;
}

bool frame_bitmap_is_free(const struct frame_bitmap *fb, uint64_t frame)
{
	if (frame >= fb->nframes)
		return false;
	return (fb->words[frame / WORD_BITS] >> (frame % WORD_BITS) & 1) == 0;
}

bool frame_bitmap_check(const struct frame_bitmap *fb)
{
	uint64_t n = nwords(fb);
	uint64_t zeros = 0;

	if (n == 0)
		return fb->free_count == 0 && fb->hint == 0;
	if (fb->hint >= n)
		return false;
	for (uint64_t w = 0; w < n; w++) {
		if (w < fb->hint && ~fb->words[w])
			return false;
		zeros += popcount64(~fb->words[w]);
	}
	/* Zeros in the tail past nframes would be counted above; forbid them.
	 */
	if (fb->nframes % WORD_BITS) {
		uint64_t tail = ~0ull << (fb->nframes % WORD_BITS);

		if ((fb->words[n - 1] & tail) != tail)
			return false;
	}
	return zeros == fb->free_count;
}
