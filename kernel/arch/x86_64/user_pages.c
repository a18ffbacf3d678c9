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

/* Frees the subtree below `table` at `level` (3: PDPT under the PML4). */
static void free_level(struct addr_space *as, uint64_t *table, int level)
{
	for (int i = 0; i < 512; i++) {
		uint64_t e = table[i];

		if (!(e & PTE_P))
			continue;
		if (level == 0) {
			if (e & PTE_OWNED) {
				frame_free(e & PTE_ADDR);
				as->owned_frames--;
				refund(as, 1);
			}
			continue;
		}
		free_level(as, pt_table(e), level - 1);
		frame_free(e & PTE_ADDR);
		as->table_frames--;
		refund(as, 1);
	}
}

void as_destroy(struct addr_space *as)
{
	uint64_t *root;

	if (as->root == 0 || as->root == FRAME_NONE)
		return;
	root = phys_to_virt(as->root);
	for (int i = 0; i < 256; i++) {
		if (!(root[i] & PTE_P))
			continue;
		free_level(as, pt_table(root[i]), 2);
		frame_free(root[i] & PTE_ADDR);
		as->table_frames--;
		refund(as, 1);
	}
	KASSERT(as->table_frames == 0 && as->owned_frames == 0);
	/* No CPU may keep walking tables that are about to be reused. */
	smp_tlb_shootdown(as->root, SMP_TLB_ALL, SMP_TLB_DROP);
	if (pt_table(read_cr3()) == root)
		as_activate_kernel();
	frame_free(as->root);
	refund(as, 1);
	as->root = 0;
}

/* The page tables a mapping at va still lacks (0 to 3). */
static unsigned missing_tables(const struct addr_space *as, uint64_t va)
{
	uint64_t *t = phys_to_virt(as->root);

	for (int level = 3; level >= 1; level--) {
		uint64_t e = t[pt_index(va, level)];

		if (!(e & PTE_P))
			return (unsigned)level;
		t = pt_table(e);
	}
	return 0;
}

/* Like pt_leaf, but counts the tables it creates. With create, the
 * caller has charged for every missing table; a table it could not
 * allocate is refunded. */
static uint64_t *user_leaf(struct addr_space *as, uint64_t va, bool create)
{
	uint64_t *t = phys_to_virt(as->root);

	for (int level = 3; level >= 1; level--) {
		unsigned idx = pt_index(va, level);
		bool absent = !(t[idx] & PTE_P);

		t = pt_next(t, idx, create, PTE_U);
		if (!t) {
			if (create)
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
	uint64_t *pte;

	unsigned tables, owned = (flags & AS_OWNED) ? 1 : 0;

	if (!user_page(va) || (pa & (PAGE_SIZE - 1)))
		return -1;
	tables = missing_tables(as, va);
	if (tables == 0) {
		pte = user_leaf(as, va, false);
		if (*pte & PTE_P)
			return -1;
	}
	if (!charge(as, tables + owned))
		return -2;
	pte = user_leaf(as, va, true);
	if (!pte) {
		refund(as, owned);
		return -2;
	}
	*pte = pa | pt_flags((flags & ~VM_GLOBAL) | VM_USER) |
	       (owned ? PTE_OWNED : 0);
	as->owned_frames += owned;
	return 0;
}

int as_unmap(struct addr_space *as, uint64_t va)
{
	uint64_t *pte, e;

	if (!user_page(va))
		return -1;
	pte = user_leaf(as, va, false);
	if (!pte || !(*pte & PTE_P))
		return -1;
	e = *pte;
	*pte = 0;
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

bool as_check_user(const struct addr_space *as, uint64_t va, uint64_t len,
                   bool write)
{
	if (va >= USER_SPACE_END || len > USER_SPACE_END - va)
		return false;
	if (len == 0)
		return true;
	return walk_range(as, va, len, PTE_P | PTE_U | (write ? PTE_W : 0),
	                  NULL);
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

void as_span_write(const struct as_span *sp, uint32_t off, const void *src,
                   uint32_t n)
{
	const uint8_t *s = src;
	uint64_t first = PAGE_ROUND_DOWN(sp->va);

	KASSERT(off <= sp->len && n <= sp->len - off);
	while (n) {
		uint64_t va = sp->va + off;
		uint32_t in = (uint32_t)(va & (PAGE_SIZE - 1));
		uint32_t chunk = PAGE_SIZE - in;

		if (chunk > n)
			chunk = n;
		memcpy((uint8_t *)phys_to_virt(
		           sp->page[(va - first) / PAGE_SIZE]) +
		           in,
		       s, chunk);
		off += chunk;
		s += chunk;
		n -= chunk;
	}
}

/* The CPU's loaded root is kept in its per-CPU data too, so a
 * shootdown knows which CPUs to ask (smp_tlb_shootdown). */
void as_activate(const struct addr_space *as)
{
	struct cpu *c = this_cpu();

	if (read_cr3() != as->root)
		write_cr3(as->root);
	c->active_root = as->root;
}

void as_activate_kernel(void)
{
	paddr_t k = virt_to_phys(pt_kernel_pml4());

	if (read_cr3() != k)
		write_cr3(k);
	this_cpu()->active_root = k;
}
