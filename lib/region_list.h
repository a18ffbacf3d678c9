/*
 * region_list.h - the arithmetic of address-space reservations
 * (VirtualMemory, docs/memory.md): checking a range, finding the
 * reservation that holds it, and cutting a range out of one.
 *
 * Pure logic over a singly linked list whose nodes the caller allocates
 * and frees (the kernel: kmalloc, charged to the process). Addresses and
 * lengths are bytes; every range is page aligned and never wraps.
 */
#ifndef CAPOS_LIB_REGION_LIST_H
#define CAPOS_LIB_REGION_LIST_H

#include <stdbool.h>
#include <stdint.h>

#define REGION_PAGE_SIZE 4096ull

/* One reservation: [va, va + pages * REGION_PAGE_SIZE). */
struct vm_region {
	uint64_t va;
	uint64_t pages;
	struct vm_region *next;
};

/*
 * Returns true if [va, va+len) is a non-empty, page-aligned range that
 * lies inside [lo, hi) without wrapping around.
 */
bool region_range_valid(uint64_t va, uint64_t len, uint64_t lo, uint64_t hi);

/* Returns true if [va, va+len) shares a byte with any region of list
 * (and for a range that wraps around, which no caller should pass). */
bool region_overlaps(const struct vm_region *list, uint64_t va, uint64_t len);

/* Returns the region that holds all of [va, va+len), or NULL (also for
 * an empty or wrapping range). */
struct vm_region *region_containing(struct vm_region *list, uint64_t va,
                                    uint64_t len);

/* What cutting a range out of the region that holds it leaves. */
enum region_cut {
	REGION_CUT_WHOLE,  /* the whole region goes */
	REGION_CUT_EDGE,   /* its front or back goes: it shrinks */
	REGION_CUT_MIDDLE, /* it splits in two: needs a spare node */
};

/* How cutting [va, va+len) (inside r) out of r goes. */
enum region_cut region_cut_kind(const struct vm_region *r, uint64_t va,
                                uint64_t len);

/*
 * Cuts [va, va+len), which r holds, out of r (which is on *list).
 * WHOLE: r is unlinked and returned for the caller to free. EDGE: r
 * shrinks; returns NULL. MIDDLE: r keeps the part below, `spare` (which
 * must not be NULL) becomes the part above and is linked after r;
 * returns NULL. `spare` is untouched unless the cut is MIDDLE.
 */
struct vm_region *region_cut(struct vm_region **list, struct vm_region *r,
                             uint64_t va, uint64_t len,
                             struct vm_region *spare);

#endif
