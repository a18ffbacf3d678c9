/*
 * as.h - user address spaces: the lower half of a set of page tables,
 * the upper (kernel) half shared with every other address space.
 *
 * Frames mapped with AS_OWNED belong to the address space and are freed
 * with it; others (shared memory objects) belong to whoever mapped them.
 */
#ifndef CAPOS_KERNEL_AS_H
#define CAPOS_KERNEL_AS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arch/copy.h>
#include <kernel/mm.h>
#include <kernel/vm.h>
#include <ledger.h>
#include <va_spans.h>

#define AS_OWNED 0x100 /* with VM_* flags: free the frame at unmap/destroy */

struct addr_space {
	paddr_t root;          /* PML4 */
	uint64_t table_frames; /* page-table frames below the root */
	uint64_t owned_frames; /* frames mapped with AS_OWNED */
	/* The owner's frames ledger: the root, every page table and every
	 * owned frame are charged to it before they are taken (NULL: none). */
	struct ledger_account *charge;
	/* Covers every page as_map was ever asked for: teardown walks only
	 * the table entries inside it (every table and leaf lies there). */
	struct va_spans mapped;
	/* Renewed (as_gen_next) by as_create and every as_unmap, as_protect
	 * and as_destroy, under the big lock: a span resolved while gen had a
	 * value stays valid while it keeps it (as_span_get_cached, the
	 * endpoint's kept spans). Values are never reused, by this or any
	 * other address space, so a gen also names its address space. */
	uint64_t gen;
};

/* A generation no address space has had yet (never 0). */
uint64_t as_gen_next(void);

/* Returns 0, or -1 when no frame (or no quota in `charge`, which may be
 * NULL) is left for the root. */
int as_create(struct addr_space *as, struct ledger_account *charge);

/* Frees every owned frame and page table, then the root. */
void as_destroy(struct addr_space *as);

/*
 * Maps one 4 KiB page (VM_USER is implied). With AS_OWNED the frame
 * becomes the address space's and is charged to its ledger. Returns 0,
 * -1 if va is not a page-aligned user address or is already mapped, -2
 * if the ledger cannot pay for the frame and the page tables it needs or
 * a page table could not be allocated (nothing is charged then; tables
 * already created stay, charged, until the address space goes).
 */
int as_map(struct addr_space *as, uint64_t va, paddr_t pa, unsigned flags);

/*
 * Maps `pages` fresh zeroed frames from va on, owned (AS_OWNED is
 * implied) and charged as as_map would, walking the tables once per page
 * table rather than once per page. *first (if not NULL) is the first
 * page's frame. Returns 0, -1 if the range is not page-aligned user space
 * or a page of it is mapped, -2 if the ledger or the machine cannot pay;
 * on an error the pages mapped so far stay (charged) until as_unmap or
 * as_destroy.
 */
int as_map_fresh(struct addr_space *as, uint64_t va, uint64_t pages,
                 unsigned flags, paddr_t *first);

/* Unmaps one page, freeing its frame if owned. Returns 0 or -1 if not
 * mapped. */
int as_unmap(struct addr_space *as, uint64_t va);

/* Returns true if va is mapped, with its frame and VM_* flags. */
bool as_query(const struct addr_space *as, uint64_t va, paddr_t *pa,
              unsigned *flags);

/*
 * Returns true if every byte of [va, va+len) is mapped user-accessible
 * (and writable if `write`). len 0 is valid for any va below the user
 * limit. Checks for wrap-around.
 */
bool as_check_user_range(const struct addr_space *as, uint64_t va, uint64_t len,
                         bool write);
static inline bool as_check_user(const struct addr_space *as, uint64_t va,
                                 uint64_t len, bool write)
{
	if (len == 0) /* an empty range: the address alone (inline) */
		return va < USER_SPACE_END;
	return as_check_user_range(as, va, len, write);
}

/*
 * A user range resolved to its frames once, so that it can be written
 * through the direct map from any address space (a message into another
 * process) without walking the page tables again for each piece. Valid
 * while the big lock is held and nothing is unmapped meanwhile.
 */
#define AS_SPAN_MAX   (64 * 1024 + 4096) /* a message and a header */
#define AS_SPAN_PAGES (AS_SPAN_MAX / 4096 + 1)
struct as_span {
	uint64_t va;
	uint32_t len;
	paddr_t page[AS_SPAN_PAGES]; /* frame of each page the range touches */
};

/* Returns true, with the physical address of the byte at va in *pa, if
 * that byte is mapped user-accessible (and writable, with write): the
 * check of as_check_user and the lookup of as_query in one walk. */
bool as_user_frame(const struct addr_space *as, uint64_t va, bool write,
                   paddr_t *pa);

/* Returns true if every byte of [va, va+len) is mapped user-accessible
 * (and writable if `write`) and len <= AS_SPAN_MAX; fills *sp. */
bool as_span_get(const struct addr_space *as, uint64_t va, uint32_t len,
                 bool write, struct as_span *sp);

/* The general forms of as_span_write and as_span_read (any number of
 * pages). */
void as_span_write_pages(const struct as_span *sp, uint32_t off,
                         const void *src, uint32_t n);
void as_span_read_pages(const struct as_span *sp, uint32_t off, void *dst,
                        uint32_t n);

/* The page of the span holding byte off, through the direct map. */
static inline uint8_t *as_span_at(const struct as_span *sp, uint32_t off)
{
	uint64_t va = sp->va + off;

	return (uint8_t *)phys_to_virt(
	           sp->page[va / PAGE_SIZE - sp->va / PAGE_SIZE]) +
	       (va & (PAGE_SIZE - 1));
}

/* Returns true if bytes [off, off+n) of the span lie in it and in one
 * page: as_span_at(sp, off) reaches all of them. */
static inline bool as_span_straight(const struct as_span *sp, uint32_t off,
                                    uint32_t n)
{
	return ((sp->va + off) & (PAGE_SIZE - 1)) + n <= PAGE_SIZE &&
	       off <= sp->len && n <= sp->len - off;
}

/* Writes src[0..n) at offset off of the span; off + n <= sp->len. A
 * piece inside one page (the usual header or short message) is one
 * inline copy. */
static inline __attribute__((always_inline)) void
as_span_write(const struct as_span *sp, uint32_t off, const void *src,
              uint32_t n)
{
	if (as_span_straight(sp, off, n))
		arch_copy_inline(as_span_at(sp, off), src, n);
	else
		as_span_write_pages(sp, off, src, n);
}

/* Reads n bytes at offset off of the span into dst; off + n <= sp->len. */
static inline __attribute__((always_inline)) void
as_span_read(const struct as_span *sp, uint32_t off, void *dst, uint32_t n)
{
	if (as_span_straight(sp, off, n))
		arch_copy_inline(dst, as_span_at(sp, off), n);
	else
		as_span_read_pages(sp, off, dst, n);
}

/*
 * A thread's last few resolved ranges of its own address space, kept
 * while as->gen does not change: a server's RECV buffer, a client's
 * result buffer are the same range call after call, and a walk is a
 * tenth of an endpoint round trip. Used under the big lock only (gen is
 * stable then). All zero is empty.
 */
#define AS_SPAN_CACHE 2
struct as_span_cache {
	struct {
		bool valid, write;
		uint64_t gen;
		struct as_span sp;
	} e[AS_SPAN_CACHE];
	uint32_t next; /* the entry a miss replaces */
};

/* as_span_get through the cache c (which it fills on a miss): returns
 * true with *sp set to [va, va+len) as as_span_get would. */
bool as_span_get_cached(const struct addr_space *as, struct as_span_cache *c,
                        uint64_t va, uint32_t len, bool write,
                        struct as_span *sp);
/* Copies [va, va+len) of `as` to dst through the cache (filling it on
 * a miss). Returns 0, or -1 if the range is not mapped user-readable. */
int as_read_user_cached(const struct addr_space *as, struct as_span_cache *c,
                        uint64_t va, uint32_t len, void *dst);

/* Makes `as` the current address space on this CPU. */
void as_activate(const struct addr_space *as);
/* The kernel-only address space (for the idle thread and teardown). */
void as_activate_kernel(void);

#endif
