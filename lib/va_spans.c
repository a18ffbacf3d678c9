/*
 * va_spans.c - the growing cover of mapped addresses (see va_spans.h).
 *
 * Linear in the number of spans, which is at most VA_SPANS_MAX + 1.
 */
#include "va_spans.h"

#include <string.h>

bool va_spans_covers(const struct va_spans *set, uint64_t lo, uint64_t hi)
{
	for (uint32_t i = 0; i < set->n; i++) {
		if (lo >= set->s[i].lo && hi <= set->s[i].hi)
			return true;
	}
	return false;
}

/* Whether a span ending at `end` and one starting at `start` (with
 * end <= start or overlapping) are close enough to be one. */
static bool near(uint64_t end, uint64_t start)
{
	return start <= end || start - end <= VA_SPANS_JOIN;
}

/* Replaces spans [i, j) by one span [lo, hi); j > i. */
static void collapse(struct va_spans *set, uint32_t i, uint32_t j, uint64_t lo,
                     uint64_t hi)
{
	set->s[i] = (struct va_span){lo, hi};
	memmove(&set->s[i + 1], &set->s[j], (set->n - j) * sizeof(set->s[0]));
	set->n -= j - i - 1;
}

void va_spans_add(struct va_spans *set, uint64_t lo, uint64_t hi)
{
	struct va_span *s = set->s;
	uint32_t i = 0, j, best = 0;

	if (va_spans_covers(set, lo, hi))
		return;
	/* The spans wholly before [lo, hi) and too far to join it. */
	while (i < set->n && !near(s[i].hi, lo))
		i++;
	/* From i on, the spans that overlap or nearly touch [lo, hi). */
	for (j = i; j < set->n && near(hi, s[j].lo); j++) {
		lo = s[j].lo < lo ? s[j].lo : lo;
		hi = s[j].hi > hi ? s[j].hi : hi;
	}
	if (j > i) {
		collapse(set, i, j, lo, hi);
		return;
	}
	memmove(&s[i + 1], &s[i], (set->n - i) * sizeof(s[0]));
	s[i] = (struct va_span){lo, hi};
	if (++set->n <= VA_SPANS_MAX)
		return;
	/* One too many: join the two neighbours with the smallest gap. */
	for (i = 1; i + 1 < set->n; i++) {
		if (s[i + 1].lo - s[i].hi < s[best + 1].lo - s[best].hi)
			best = i;
	}
	collapse(set, best, best + 2, s[best].lo, s[best + 1].hi);
}
