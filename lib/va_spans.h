/*
 * va_spans.h - a small set of address ranges that covers every page an
 * address space has ever mapped, so that tearing it down walks only the
 * page-table entries that can be in use instead of every entry of every
 * table (kernel/arch/x86_64/user_pages.c).
 *
 * The set only grows: it is a cover, never an exact record. It holds at
 * most VA_SPANS_MAX spans, kept sorted and disjoint; ranges closer than
 * VA_SPANS_JOIN share a span, and when one more would not fit, the two
 * nearest neighbours are joined (covering the gap between them). Every
 * address it covered before an add it still covers after.
 */
#ifndef CAPOS_LIB_VA_SPANS_H
#define CAPOS_LIB_VA_SPANS_H

#include <stdbool.h>
#include <stdint.h>

#define VA_SPANS_MAX  8
#define VA_SPANS_JOIN (16 * 4096ull) /* gap that is not worth a span */

struct va_span {
	uint64_t lo, hi; /* [lo, hi) */
};

struct va_spans {
	uint32_t n;
	/* One spare: an add inserts first, then joins if over the max. */
	struct va_span s[VA_SPANS_MAX + 1];
};

/* Makes the set cover [lo, hi) as well; lo < hi. A zeroed struct is the
 * empty set. */
void va_spans_add(struct va_spans *set, uint64_t lo, uint64_t hi);

/* Returns true if one span holds all of [lo, hi); lo < hi. */
bool va_spans_covers(const struct va_spans *set, uint64_t lo, uint64_t hi);

#endif
