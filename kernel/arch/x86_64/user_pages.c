/*
 * user_pages.c - x86_64 page tables for user address spaces.
 *
 * A new address space copies the kernel's 256 upper PML4 entries; since
 * vm_init created every upper PDPT up front, later kernel mappings appear
 * in all address spaces without touching them.
 */
#include <string.h>
#include <kernel/as.h>
#include <kernel/cpu.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include "cpu.h"
#include "pt.h"

static bool user_page(uint64_t va)
{
	return !(va & (PAGE_SIZE - 1)) && va < USER_SPACE_END;
}

static bool charge(struct addr_space *as, uint64_t n)
{
	return !as->charge || ledger_account_charge(as->charge, n) == 0;
}

static void refund(struct addr_space *as, uint64_t n)
{
	if (as->charge)
		KASSERT(ledger_account_refund(as->charge, n) == 0);
}

int as_create(struct addr_space *as, struct ledger_account *account)
{
	uint64_t *root;

	memset(as, 0, sizeof(*as));
	as->gen = as_gen_next();
	as->charge = account;
	if (!charge(as, 1))
		return -1;
	as->root = frame_alloc();
	if (as->root == FRAME_NONE) {
		refund(as, 1);
		return -1;
	}
	root = phys_to_virt(as->root);
	memcpy(root + 256, pt_kernel_pml4() + 256, 256 * sizeof(uint64_t));
	return 0;
}

/*
 * Frees what `table` (at `level`, its first entry at address `base`)
 * holds inside as->mapped: owned frames at level 0, else every table
 * below, each after its own subtree. Entries outside the spans were never
 * used (as_map records each page before it creates a table for it), so a
 * small process costs a few dozen entries, not 512 per table. The spans
 * are sorted and disjoint, so each entry is visited at most once.
 */
static void free_spans(struct addr_space *as, uint64_t *table, int level,
                       uint64_t base)
{
	/* Each entry of a table at `level` (0: a page table) covers this. */
	unsigned shift = 12 + 9 * (unsigned)level;
	uint64_t size = 1ull << shift, end = base + 512 * size;
	unsigned next = 0; /* entries below this one are done */

	for (uint32_t k = 0; k < as->mapped.n; k++) {
		const struct va_span *s = &as->mapped.s[k];
		unsigned first, last;

		if (s->hi <= base || s->lo >= end)
			continue;
		first = s->lo <= base ? 0 : (unsigned)((s->lo - base) >> shift);
		last = s->hi >= end ? 511
		                    : (unsigned)((s->hi - 1 - base) >> shift);
		for (unsigned i = first < next ? next : first; i <= last; i++) {
			uint64_t e = table[i];

			if (!(e & PTE_P))
				continue;
			if (level > 0) {
				free_spans(as, pt_table(e), level - 1,
				           base + i * size);
				as->table_frames--;
			} else if (e & PTE_OWNED) {
				as->owned_frames--;
			} else {
				continue;
			}
			frame_free(e & PTE_ADDR);
			refund(as, 1);
		}
		if (last + 1 > next)
			next = last + 1;
	}
}

void as_destroy(struct addr_space *as)
{
	uint64_t *root;

	if (as->root == 0 || as->root == FRAME_NONE)
		return;
	as->gen = as_gen_next();
	root = phys_to_virt(as->root);
	free_spans(as, root, 3, 0); /* spans lie below USER_SPACE_END */
	KASSERT(as->table_frames == 0 && as->owned_frames == 0);
	/* No CPU may keep walking tables that are about to be reused. */
	smp_tlb_shootdown(as->root, SMP_TLB_ALL, SMP_TLB_DROP);
	if (pt_table(read_cr3()) == root)
		as_activate_kernel();
	frame_free(as->root);
	refund(as, 1);
	as->root = 0;
}

/* The page tables a mapping at va still lacks (0 to 3); with none
 * missing, *pte is its leaf entry. */
static unsigned missing_tables(const struct addr_space *as, uint64_t va,
                               uint64_t **pte)
{
	uint64_t *t = phys_to_virt(as->root);

	for (int level = 3; level >= 1; level--) {
		uint64_t e = t[pt_index(va, level)];

		if (!(e & PTE_P))
			return (unsigned)level;
		t = pt_table(e);
	}
	*pte = &t[pt_index(va, 0)];
	return 0;
}

/* Like pt_leaf with create, but counts the tables it creates. The caller
 * has charged for every missing table; a table it could not allocate is
 * refunded. */
static uint64_t *user_leaf_create(struct addr_space *as, uint64_t va)
{
	uint64_t *t = phys_to_virt(as->root);

	for (int level = 3; level >= 1; level--) {
		unsigned idx = pt_index(va, level);
		bool absent = !(t[idx] & PTE_P);

		t = pt_next(t, idx, true, PTE_U);
		if (!t) {
			refund(as, (uint64_t)level);
			return NULL;
		}
		if (absent)
			as->table_frames++;
	}
	return &t[pt_index(va, 0)];
}

int as_map(struct addr_space *as, uint64_t va, paddr_t pa, unsigned flags)
{
	uint64_t *pte = NULL;

	unsigned tables, owned = (flags & AS_OWNED) ? 1 : 0;

	if (!user_page(va) || (pa & (PAGE_SIZE - 1)))
		return -1;
	tables = missing_tables(as, va, &pte);
	if (tables == 0 && (*pte & PTE_P))
		return -1;
	if (!charge(as, tables + owned))
		return -2;
	/* Before any table for it exists: teardown must find it. */
	va_spans_add(&as->mapped, va, va + PAGE_SIZE);
	if (tables) {
		pte = user_leaf_create(as, va);
		if (!pte) {
			refund(as, owned);
			return -2;
		}
	}
	*pte = pa | pt_flags((flags & ~VM_GLOBAL) | VM_USER) |
	       (owned ? PTE_OWNED : 0);
	as->owned_frames += owned;
	return 0;
}

int as_map_fresh(struct addr_space *as, uint64_t va, uint64_t pages,
                 unsigned flags, paddr_t *first)
{
	uint64_t f = pt_flags((flags & ~VM_GLOBAL) | VM_USER) | PTE_OWNED;
	uint64_t done = 0;

	if (!user_page(va) || pages == 0 ||
	    pages > (USER_SPACE_END - va) / PAGE_SIZE)
		return -1;
	/* Before any table for the range exists: teardown must find it. */
	va_spans_add(&as->mapped, va, va + pages * PAGE_SIZE);
	while (done < pages) {
		uint64_t *pte;
		unsigned tables = missing_tables(as, va, &pte);

		if (tables) {
			if (!charge(as, tables))
				return -2;
			pte = user_leaf_create(as, va);
			if (!pte)
				return -2;
		}
		/* The rest of this page table: one walk for all of it. */
		do {
			paddr_t pa;

			if (*pte & PTE_P)
				return -1;
			if (!charge(as, 1))
				return -2;
			pa = frame_alloc();
			if (pa == FRAME_NONE) {
				refund(as, 1);
				return -2;
			}
			*pte++ = pa | f;
			as->owned_frames++;
			if (done++ == 0 && first)
				*first = pa;
			va += PAGE_SIZE;
		} while (done < pages && pt_index(va, 0) != 0);
	}
	return 0;
}

/* The leaf entry for va, or NULL if a table on the way is missing. */
static uint64_t *user_leaf(const struct addr_space *as, uint64_t va)
{
	uint64_t *pte;

	return missing_tables(as, va, &pte) ? NULL : pte;
}

int as_unmap(struct addr_space *as, uint64_t va)
{
	uint64_t *pte, e;

	if (!user_page(va))
		return -1;
	pte = user_leaf(as, va);
	if (!pte || !(*pte & PTE_P))
		return -1;
	e = *pte;
	*pte = 0;
	as->gen = as_gen_next(); /* spans reaching this page are stale */
	if (pt_table(read_cr3()) == phys_to_virt(as->root))
		invlpg(va);
	/* Before the frame can be reused, no CPU may still reach it. */
	smp_tlb_shootdown(as->root, va, SMP_TLB_PAGE);
	if (e & PTE_OWNED) {
		frame_free(e & PTE_ADDR);
		as->owned_frames--;
		refund(as, 1);
	}
	return 0;
}

bool as_query(const struct addr_space *as, uint64_t va, paddr_t *pa,
              unsigned *flags)
{
	uint64_t *t = phys_to_virt(as->root), e;

	if (va >= USER_SPACE_END)
		return false;
	for (int level = 3; level >= 1; level--) {
		e = t[pt_index(va, level)];
		if (!(e & PTE_P) || (e & PTE_PS))
			return false;
		t = pt_table(e);
	}
	e = t[pt_index(va, 0)];
	if (!(e & PTE_P))
		return false;
	*pa = (e & PTE_ADDR) | (va & (PAGE_SIZE - 1));
	*flags = pt_vm_flags(e);
	return true;
}

/* The leaf table holding va's entry, or NULL (a level missing, or a
 * large page: user mappings never use one). */
static uint64_t *user_leaf_table(const struct addr_space *as, uint64_t va)
{
	uint64_t *t = phys_to_virt(as->root);

	for (int level = 3; level >= 1; level--) {
		uint64_t e = t[pt_index(va, level)];

		if (!(e & PTE_P) || (e & PTE_PS))
			return NULL;
		t = pt_table(e);
	}
	return t;
}

/*
 * Walks [va, va+len) (checked to be in user space, len > 0), requiring
 * `need` in every leaf entry; with `out`, records each page's frame.
 * One walk per leaf table, not per page: pages in the same 2 MiB share
 * it.
 */
static bool walk_range(const struct addr_space *as, uint64_t va, uint64_t len,
                       uint64_t need, paddr_t *out)
{
	uint64_t *leaf = NULL, page, end = va + len;

	for (page = PAGE_ROUND_DOWN(va); page < end; page += PAGE_SIZE) {
		uint64_t e;

		if (!leaf || pt_index(page, 0) == 0) {
			leaf = user_leaf_table(as, page);
			if (!leaf)
				return false;
		}
		e = leaf[pt_index(page, 0)];
		if ((e & need) != need)
			return false;
		if (out)
			*out++ = e & PTE_ADDR;
	}
	return true;
}

bool as_check_user_range(const struct addr_space *as, uint64_t va, uint64_t len,
                         bool write)
{
	if (va >= USER_SPACE_END || len > USER_SPACE_END - va)
		return false;
	if (len == 0)
		return true;
	return walk_range(as, va, len, PTE_P | PTE_U | (write ? PTE_W : 0),
	                  NULL);
}

bool as_user_frame(const struct addr_space *as, uint64_t va, bool write,
                   paddr_t *pa)
{
	paddr_t frame;

	if (va >= USER_SPACE_END ||
	    !walk_range(as, va, 1, PTE_P | PTE_U | (write ? PTE_W : 0), &frame))
		return false;
	*pa = frame | (va & (PAGE_SIZE - 1));
	return true;
}

bool as_span_get(const struct addr_space *as, uint64_t va, uint32_t len,
                 bool write, struct as_span *sp)
{
	if (va >= USER_SPACE_END || len > USER_SPACE_END - va ||
	    len > AS_SPAN_MAX)
		return false;
	sp->va = va;
	sp->len = len;
	return len == 0 ||
	       walk_range(as, va, len, PTE_P | PTE_U | (write ? PTE_W : 0),
	                  sp->page);
}

/* Copies n bytes between buf and offset off of the span, page by page
 * through the direct map: into the span if to_span, else out of it. */
static void span_copy(const struct as_span *sp, uint32_t off, uint8_t *buf,
                      uint32_t n, bool to_span)
{
	uint64_t first = PAGE_ROUND_DOWN(sp->va);

	KASSERT(off <= sp->len && n <= sp->len - off);
	while (n) {
		uint64_t va = sp->va + off;
		uint32_t in = (uint32_t)(va & (PAGE_SIZE - 1));
		uint32_t chunk = PAGE_SIZE - in;
		uint8_t *page;

		if (chunk > n)
			chunk = n;
		page = (uint8_t *)phys_to_virt(
		           sp->page[(va - first) / PAGE_SIZE]) +
		       in;
		if (to_span)
			memcpy(page, buf, chunk);
		else
			memcpy(buf, page, chunk);
		off += chunk;
		buf += chunk;
		n -= chunk;
	}
}

void as_span_write_pages(const struct as_span *sp, uint32_t off,
                         const void *src, uint32_t n)
{
	span_copy(sp, off, (uint8_t *)src, n, true);
}

void as_span_read_pages(const struct as_span *sp, uint32_t off, void *dst,
                        uint32_t n)
{
	span_copy(sp, off, dst, n, false);
}

/* The CPU's loaded root is kept in its per-CPU data too, so a
 * shootdown knows which CPUs to ask (smp_tlb_shootdown). */
void as_activate(const struct addr_space *as)
{
	cpu_load_root(&this_cpu()->active_root, as->root);
}

void as_activate_kernel(void)
{
	cpu_load_root(&this_cpu()->active_root, virt_to_phys(pt_kernel_pml4()));
}
