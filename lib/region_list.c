/*
 * region_list.c - reservation lists: range checks and cuts
 * (region_list.h).
 */
#include "region_list.h"

#include <stddef.h>

static uint64_t region_end(const struct vm_region *r)
{
	return r->va + r->pages * REGION_PAGE_SIZE;
}

bool region_range_valid(uint64_t va, uint64_t len, uint64_t lo, uint64_t hi)
{
	if (len == 0 || ((va | len) & (REGION_PAGE_SIZE - 1)))
		return false;
	/* Written so that nothing can overflow: va + len is never formed
	 * before va < hi is known and len fits what is left below hi. */
	return va >= lo && va < hi && len <= hi - va;
}

bool region_overlaps(const struct vm_region *list, uint64_t va, uint64_t len)
{
	if (len == 0)
		return false;
	if (va + (len - 1) < va)
		return true; /* wraps: no caller should ask; refuse it */
	for (const struct vm_region *r = list; r; r = r->next) {
		/* [va, va+len) and [r->va, end) overlap unless one ends at
		 * or before the other starts; len - 1 avoids va + len. */
		if (va <= region_end(r) - 1 && r->va <= va + (len - 1))
			return true;
	}
	return false;
}

struct vm_region *region_containing(struct vm_region *list, uint64_t va,
                                    uint64_t len)
{
	if (len == 0 || va + (len - 1) < va)
		return NULL;
	for (struct vm_region *r = list; r; r = r->next) {
		uint64_t end = region_end(r);

		if (va >= r->va && va < end && len <= end - va)
			return r;
	}
	return NULL;
}

enum region_cut region_cut_kind(const struct vm_region *r, uint64_t va,
                                uint64_t len)
{
	bool front = va == r->va, back = va + len == region_end(r);

	if (front && back)
		return REGION_CUT_WHOLE;
	return front || back ? REGION_CUT_EDGE : REGION_CUT_MIDDLE;
}

struct vm_region *region_cut(struct vm_region **list, struct vm_region *r,
                             uint64_t va, uint64_t len, struct vm_region *spare)
{
	uint64_t end = region_end(r);

	switch (region_cut_kind(r, va, len)) {
	case REGION_CUT_WHOLE:
		for (struct vm_region **pp = list; *pp; pp = &(*pp)->next) {
			if (*pp == r) {
				*pp = r->next;
				break;
			}
		}
		r->next = NULL;
		return r;
	case REGION_CUT_EDGE:
		if (va == r->va)
			r->va = va + len;
		r->pages -= len / REGION_PAGE_SIZE;
		return NULL;
	case REGION_CUT_MIDDLE:
		spare->va = va + len;
		spare->pages = (end - spare->va) / REGION_PAGE_SIZE;
		spare->next = r->next;
		r->pages = (va - r->va) / REGION_PAGE_SIZE;
		r->next = spare;
		return NULL;
	}
	return NULL;
}
