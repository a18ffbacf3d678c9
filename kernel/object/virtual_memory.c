/*
 * virtual_memory.c - the VirtualMemory capability: anonymous memory in
 * the caller's own address space, served through the generated dispatch
 * table (docs/memory.md).
 *
 * A reservation is a record on the calling process (kernel memory,
 * charged to its ledger); committing backs pages of it with fresh zeroed
 * frames mapped AS_OWNED, which the address space charges to the frames
 * ledger and frees at unmap or exit. Whether a page is committed is read
 * from the page tables, never stored twice. Every method checks all of
 * its input before it changes anything, and a method that fails halfway
 * (out of quota) undoes what it did: a failed call changes nothing.
 */
#include <capos/errors.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/vm_region.h>

#define PAGES(len) ((len) / PAGE_SIZE)

static struct process *caller(void *ctx)
{
	return ((struct call *)ctx)->caller->proc;
}

static int invalid(void *ctx, const char *why)
{
	return call_exception(ctx, CAPEX_INVALID_ARGUMENT, why);
}

static bool page_mapped(struct process *p, uint64_t va)
{
	paddr_t pa;
	unsigned f;

	return as_query(&p->as, va, &pa, &f);
}

/* Counts the mapped (committed) pages of [va, va+len). */
static uint64_t committed_pages(struct process *p, uint64_t va, uint64_t len)
{
	uint64_t n = 0;

	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		n += page_mapped(p, va + off);
	return n;
}

/* A reservation record, its kernel memory charged to p; NULL (nothing
 * charged) when p's kernelMemory quota or the heap cannot pay. */
static struct vm_region *region_alloc(struct process *p)
{
	struct vm_region *r;

	if (ledger_charge_kmem(p, sizeof(*r)))
		return NULL;
	r = kmalloc(sizeof(*r));
	if (!r)
		ledger_refund_kmem(p, sizeof(*r));
	return r;
}

static void region_free(struct process *p, struct vm_region *r)
{
	kfree(r);
	ledger_refund_kmem(p, sizeof(*r));
}

/* Adds a reservation of [va, va+len) (checked free) to p. Returns it, or
 * NULL (out of kernel memory) with nothing changed. */
static struct vm_region *add_region(struct process *p, uint64_t va,
                                    uint64_t len)
{
	struct vm_region *r = region_alloc(p);

	if (r) {
		*r = (struct vm_region){va, PAGES(len), p->vm_regions};
		p->vm_regions = r;
	}
	return r;
}

void vm_regions_release(struct process *p)
{
	while (p->vm_regions) {
		struct vm_region *r = p->vm_regions;

		p->vm_regions = r->next;
		region_free(p, r);
	}
}

bool vm_range_free(struct process *p, uint64_t va, uint64_t len)
{
	if (!region_range_valid(va, len, VM_USER_LOW, USER_STACK_LIMIT) ||
	    region_overlaps(p->vm_regions, va, len))
		return false;
	for (struct mapping *m = p->mappings; m; m = m->next) {
		if (va < m->va + m->pages * PAGE_SIZE && m->va < va + len)
			return false;
	}
	return committed_pages(p, va, len) == 0;
}

uint64_t vm_find_free(struct process *p, uint64_t len)
{
	uint64_t base = VM_MAP_BASE;

	if (!region_range_valid(VM_MAP_BASE, len, VM_USER_LOW,
	                        USER_STACK_LIMIT))
		return 0;
	/* process_find_free_range knows mappings and mapped pages, not
	 * reservations: step past any reservation it lands on. */
	for (int tries = 0; tries < 64; tries++) {
		uint64_t va = process_find_free_range(p, base, len);

		if (!va)
			return 0;
		if (vm_range_free(p, va, len))
			return va;
		base = va + len + PAGE_SIZE;
	}
	return 0;
}

/*
 * VM_* flags a committed page of protection prot gets; none is a guard
 * (no VM_USER). Returns false for a value the schema does not have: there
 * is no read+write+execute (W^X).
 */
static bool prot_flags(enum capos_protection prot, unsigned *flags)
{
	switch (prot) {
	case CAPOS_PROTECTION_NONE:
		*flags = 0;
		return true;
	case CAPOS_PROTECTION_READ:
		*flags = VM_USER;
		return true;
	case CAPOS_PROTECTION_READ_WRITE:
		*flags = VM_USER | VM_WRITE;
		return true;
	case CAPOS_PROTECTION_READ_EXECUTE:
		*flags = VM_USER | VM_EXEC;
		return true;
	}
	return false;
}

/* The reservation holding [va, va+len), after the range's own checks;
 * NULL if there is none (or the range is malformed). */
static struct vm_region *holding(struct process *p, uint64_t va, uint64_t len)
{
	if (!region_range_valid(va, len, VM_USER_LOW, USER_STACK_LIMIT))
		return NULL;
	return region_containing(p->vm_regions, va, len);
}

static void unmap_range(struct process *p, uint64_t va, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		as_unmap(&p->as, va + off); /* -1: was not committed */
}

/*
 * Backs [va, va+len), all of it uncommitted, with zeroed frames of access
 * `flags`. Returns 0, or CAPOS_E_QUOTA with every page it mapped
 * unmapped again (page tables it created stay: the address space keeps
 * them, charged, until it goes).
 */
static int commit_range(struct process *p, uint64_t va, uint64_t len,
                        unsigned flags)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		paddr_t pa = frame_alloc();
		int rc = pa == FRAME_NONE
		             ? -2
		             : as_map(&p->as, va + off, pa, flags | AS_OWNED);

		if (rc) {
			if (pa != FRAME_NONE)
				frame_free(pa);
			unmap_range(p, va, off);
			/* -1 cannot happen: the range was checked unmapped. */
			return CAPOS_E_QUOTA;
		}
		if (!(flags & VM_USER))
			as_protect(&p->as, va + off, flags);
	}
	return 0;
}

/*
 * Checks a reservation's hint and length and picks its address. Returns
 * 0 with *va, or the answer to give (an exception or a transport error).
 */
static int place(void *ctx, uint64_t hint, uint64_t len, uint64_t *va)
{
	struct process *p = caller(ctx);

	if (len == 0 || (len & (PAGE_SIZE - 1)) ||
	    len > (uint64_t)VM_MAX_PAGES * PAGE_SIZE)
		return invalid(ctx, "length must be 1 to 262144 pages");
	if (hint == 0) {
		*va = vm_find_free(p, len);
		if (!*va)
			return call_exception(ctx, CAPEX_OVERLOADED,
			                      "no free range");
		return 0;
	}
	if (!vm_range_free(p, hint, len))
		return invalid(ctx, "the range is not free user space");
	*va = hint;
	return 0;
}

static int vm_reserve(void *ctx,
                      const struct capos_virtual_memory_reserve_params *prm,
                      struct capos_virtual_memory_reserve_results_builder *res)
{
	uint64_t len = capos_virtual_memory_reserve_params_get_length(prm);
	uint64_t va;
	int rc;

	rc = place(ctx, capos_virtual_memory_reserve_params_get_hint(prm), len,
	           &va);
	if (rc)
		return rc;
	if (!add_region(caller(ctx), va, len))
		return CAPOS_E_QUOTA;
	capos_virtual_memory_reserve_results_set_addr(res, va);
	return 0;
}

static int vm_commit(void *ctx,
                     const struct capos_virtual_memory_commit_params *prm,
                     struct capos_virtual_memory_commit_results_builder *res)
{
	struct process *p = caller(ctx);
	uint64_t va = capos_virtual_memory_commit_params_get_addr(prm);
	uint64_t len = capos_virtual_memory_commit_params_get_length(prm);
	unsigned flags;

	(void)res;
	if (!holding(p, va, len))
		return invalid(ctx, "the range is not inside a reservation");
	if (!prot_flags(capos_virtual_memory_commit_params_get_prot(prm),
	                &flags))
		return invalid(ctx, "no such protection");
	if (committed_pages(p, va, len))
		return invalid(ctx, "part of the range is already committed");
	return commit_range(p, va, len, flags);
}

static int
vm_decommit(void *ctx, const struct capos_virtual_memory_decommit_params *prm,
            struct capos_virtual_memory_decommit_results_builder *res)
{
	struct process *p = caller(ctx);
	uint64_t va = capos_virtual_memory_decommit_params_get_addr(prm);
	uint64_t len = capos_virtual_memory_decommit_params_get_length(prm);

	(void)res;
	if (!holding(p, va, len))
		return invalid(ctx, "the range is not inside a reservation");
	unmap_range(p, va, len); /* uncommitted pages are left as they are */
	return 0;
}

static int vm_map(void *ctx, const struct capos_virtual_memory_map_params *prm,
                  struct capos_virtual_memory_map_results_builder *res)
{
	struct process *p = caller(ctx);
	uint64_t len = capos_virtual_memory_map_params_get_length(prm);
	struct vm_region *r;
	unsigned flags;
	uint64_t va;
	int rc;

	if (!prot_flags(capos_virtual_memory_map_params_get_prot(prm), &flags))
		return invalid(ctx, "no such protection");
	rc =
	    place(ctx, capos_virtual_memory_map_params_get_hint(prm), len, &va);
	if (rc)
		return rc;
	r = add_region(p, va, len);
	if (!r)
		return CAPOS_E_QUOTA;
	rc = commit_range(p, va, len, flags);
	if (rc) {
		region_free(p, region_cut(&p->vm_regions, r, va, len, NULL));
		return rc;
	}
	capos_virtual_memory_map_results_set_addr(res, va);
	return 0;
}

static int vm_unmap(void *ctx,
                    const struct capos_virtual_memory_unmap_params *prm,
                    struct capos_virtual_memory_unmap_results_builder *res)
{
	struct process *p = caller(ctx);
	uint64_t va = capos_virtual_memory_unmap_params_get_addr(prm);
	uint64_t len = capos_virtual_memory_unmap_params_get_length(prm);
	struct vm_region *r = holding(p, va, len), *spare = NULL;

	(void)res;
	if (!r)
		return invalid(ctx, "the range is not inside a reservation");
	/* A split needs a second record: take it before changing anything. */
	if (region_cut_kind(r, va, len) == REGION_CUT_MIDDLE &&
	    !(spare = region_alloc(p)))
		return CAPOS_E_QUOTA;
	unmap_range(p, va, len);
	r = region_cut(&p->vm_regions, r, va, len, spare);
	if (r)
		region_free(p, r);
	return 0;
}

static int vm_protect(void *ctx,
                      const struct capos_virtual_memory_protect_params *prm,
                      struct capos_virtual_memory_protect_results_builder *res)
{
	struct process *p = caller(ctx);
	uint64_t va = capos_virtual_memory_protect_params_get_addr(prm);
	uint64_t len = capos_virtual_memory_protect_params_get_length(prm);
	unsigned flags;

	(void)res;
	if (!holding(p, va, len))
		return invalid(ctx, "the range is not inside a reservation");
	if (!prot_flags(capos_virtual_memory_protect_params_get_prot(prm),
	                &flags))
		return invalid(ctx, "no such protection");
	if (committed_pages(p, va, len) != PAGES(len))
		return invalid(ctx, "part of the range is not committed");
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		as_protect(&p->as, va + off, flags);
	return 0;
}

static const struct capos_virtual_memory_server_ops vm_server = {
    .reserve = vm_reserve,
    .commit = vm_commit,
    .decommit = vm_decommit,
    .map = vm_map,
    .unmap = vm_unmap,
    .protect = vm_protect,
};

static int virtual_memory_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	/* What a too-small result buffer is told: the schema's sizes. */
	c->needed = c->method == CAPOS_VIRTUAL_MEMORY_METHOD_RESERVE ||
	                    c->method == CAPOS_VIRTUAL_MEMORY_METHOD_MAP
	                ? 24
	                : 16;
	rc = capos_virtual_memory_dispatch(&vm_server, c, c->method, c->params,
	                                   c->params_len, c->result,
	                                   c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops virtual_memory_ops = {
    .name = "VirtualMemory",
    .interface_id = IFACE_VIRTUAL_MEMORY,
    .xfer_allow = 1 | 2,
    .call = virtual_memory_call,
};

struct kobject virtual_memory_object = {.ops = &virtual_memory_ops, .refs = 1};
