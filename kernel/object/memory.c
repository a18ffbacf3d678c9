/*
 * memory.c - FrameAllocator and MemoryObject: physical memory as
 * capabilities.
 *
 * A MemoryObject owns its frames; mapping it into a process adds a
 * mapping record to that process (holding a reference to the object), so
 * the frames live as long as any mapping or any cap slot does. The frames
 * are charged to the ledger of the process that allocated them and given
 * back to it when the object dies. No program ever sees a frame's
 * physical address. Both are served through the generated dispatch
 * tables (gen/capos.capnp.h); semantics and errors: docs/memory.md.
 */
#include <string.h>
#include <capos/errors.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/vm_region.h>

struct memory_object {
	struct kobject obj;
	struct process *charged; /* whose ledger paid for the frames */
	uint32_t pages;
	bool contiguous;
	bool borrowed;    /* boot module frames: never freed, never charged */
	uint8_t max_prot; /* an enum capos_protection */
	paddr_t frames[];
};

static const struct kobject_ops memory_ops;

/* Kernel memory an object of `pages` takes (charged to its allocator). */
static uint64_t memory_object_size(uint32_t pages, bool contiguous)
{
	return sizeof(struct memory_object) +
	       (contiguous ? 1 : pages) * sizeof(paddr_t);
}

static void memory_destroy(struct kobject *o)
{
	struct memory_object *m = (struct memory_object *)o;

	if (m->borrowed) {
		kfree(m);
		return;
	}
	for (uint32_t i = 0; i < m->pages; i++) {
		if (m->contiguous)
			break;
		frame_free(m->frames[i]);
	}
	if (m->contiguous)
		frame_free_run(m->frames[0], m->pages);
	ledger_refund_frames(m->charged, m->pages);
	ledger_refund_kmem(m->charged,
	                   memory_object_size(m->pages, m->contiguous));
	process_put(m->charged);
	kfree(m);
}

/* Returns a new object of `pages` zeroed frames charged to p, or NULL
 * with *err set (quota, or memory). */
static struct memory_object *memory_create(struct process *p, uint32_t pages,
                                           bool contiguous, int *err)
{
	struct memory_object *m;
	uint32_t i;

	if (ledger_charge_frames(p, pages)) {
		*err = CAPOS_E_QUOTA;
		return NULL;
	}
	if (ledger_charge_kmem(p, memory_object_size(pages, contiguous))) {
		ledger_refund_frames(p, pages);
		*err = CAPOS_E_QUOTA;
		return NULL;
	}
	m = kzalloc(memory_object_size(pages, contiguous));
	if (!m)
		goto no_memory;
	if (contiguous) {
		m->frames[0] = frame_alloc_run(pages);
		if (m->frames[0] == FRAME_NONE)
			goto no_memory;
	} else {
		for (i = 0; i < pages; i++) {
			m->frames[i] = frame_alloc();
			if (m->frames[i] == FRAME_NONE) {
				while (i--)
					frame_free(m->frames[i]);
				goto no_memory;
			}
		}
	}
	m->obj = (struct kobject){.ops = &memory_ops, .refs = 1};
	m->pages = pages;
	m->contiguous = contiguous;
	m->max_prot = CAPOS_PROTECTION_READ_WRITE;
	m->charged = p;
	process_get(p);
	return m;
no_memory:
	kfree(m);
	ledger_refund_kmem(p, memory_object_size(pages, contiguous));
	ledger_refund_frames(p, pages);
	*err = CAPOS_E_QUOTA;
	return NULL;
}

static paddr_t memory_frame(const struct memory_object *m, uint32_t i)
{
	return m->contiguous ? m->frames[0] + (uint64_t)i * PAGE_SIZE
	                     : m->frames[i];
}

/* What a call on a MemoryObject works on. */
struct memory_call {
	struct call *c;
	struct memory_object *m;
};

static struct process *caller(struct memory_call *mc)
{
	return mc->c->caller->proc;
}

static int invalid(struct memory_call *mc, const char *why)
{
	return call_exception(mc->c, CAPEX_INVALID_ARGUMENT, why);
}

/* Returns true if a mapping with access prot is allowed under max: none
 * < read < readWrite, readExecute (W^X: the last two are unordered). */
static bool prot_allowed(enum capos_protection prot, uint8_t max)
{
	switch (prot) {
	case CAPOS_PROTECTION_NONE:
		return true;
	case CAPOS_PROTECTION_READ:
		return max != CAPOS_PROTECTION_NONE;
	case CAPOS_PROTECTION_READ_WRITE:
	case CAPOS_PROTECTION_READ_EXECUTE:
		return prot == max;
	}
	return false; /* not a Protection: there is no read+write+execute */
}

/* VM_* flags of a mapping with access prot; none is a guard. */
static unsigned prot_flags(enum capos_protection prot)
{
	switch (prot) {
	case CAPOS_PROTECTION_NONE:
		return 0;
	case CAPOS_PROTECTION_READ_WRITE:
		return VM_USER | VM_WRITE;
	case CAPOS_PROTECTION_READ_EXECUTE:
		return VM_USER | VM_EXEC;
	default:
		return VM_USER;
	}
}

static int memory_info(void *ctx,
                       const struct capos_memory_object_info_params *prm,
                       struct capos_memory_object_info_results_builder *res)
{
	struct memory_object *m = ((struct memory_call *)ctx)->m;

	(void)prm;
	capos_memory_object_info_results_set_pages(res, m->pages);
	capos_memory_object_info_results_set_max_prot(res, m->max_prot);
	capos_memory_object_info_results_set_contiguous(res, m->contiguous);
	return 0;
}

static int memory_map(void *ctx,
                      const struct capos_memory_object_map_params *prm,
                      struct capos_memory_object_map_results_builder *res)
{
	struct memory_call *mc = ctx;
	struct memory_object *m = mc->m;
	struct process *p = caller(mc);
	uint64_t hint = capos_memory_object_map_params_get_hint(prm);
	uint64_t offset = capos_memory_object_map_params_get_offset(prm);
	uint64_t length = capos_memory_object_map_params_get_length(prm);
	enum capos_protection prot =
	    capos_memory_object_map_params_get_prot(prm);
	uint64_t va;
	int rc;

	if ((hint | offset | length) & (PAGE_SIZE - 1) || length == 0 ||
	    offset > (uint64_t)m->pages * PAGE_SIZE ||
	    length > (uint64_t)m->pages * PAGE_SIZE - offset)
		return invalid(mc, "range is not page aligned or not inside "
		                   "the object");
	/* A mapping is never made inaccessible from the start: protect
	 * makes guards. */
	if (prot == CAPOS_PROTECTION_NONE || !prot_allowed(prot, m->max_prot))
		return invalid(mc, "protection above what the object allows");
	va = hint ? hint : vm_find_free(p, length);
	if (!va)
		return call_exception(mc->c, CAPEX_OVERLOADED, "no free range");
	if (!vm_range_free(p, va, length))
		return invalid(mc, "the range is not free user space");
	rc = process_add_mapping(p, &m->obj, va, length / PAGE_SIZE);
	if (rc == -1)
		return invalid(mc, "the range is not free user space");
	if (rc)
		return CAPOS_E_QUOTA;
	for (uint64_t i = 0; i < length / PAGE_SIZE; i++) {
		paddr_t pa =
		    memory_frame(m, (uint32_t)(offset / PAGE_SIZE + i));

		if (as_map(&p->as, va + i * PAGE_SIZE, pa, prot_flags(prot))) {
			process_remove_mapping(p, &m->obj, va,
			                       length / PAGE_SIZE);
			return CAPOS_E_QUOTA;
		}
	}
	capos_memory_object_map_results_set_addr(res, va);
	return 0;
}

static int memory_unmap(void *ctx,
                        const struct capos_memory_object_unmap_params *prm,
                        struct capos_memory_object_unmap_results_builder *res)
{
	struct memory_call *mc = ctx;
	uint64_t addr = capos_memory_object_unmap_params_get_addr(prm);
	uint64_t len = capos_memory_object_unmap_params_get_length(prm);

	(void)res;
	if ((len & (PAGE_SIZE - 1)) ||
	    process_remove_mapping(caller(mc), &mc->m->obj, addr,
	                           len / PAGE_SIZE))
		return invalid(mc, "not a mapping of this object");
	return 0;
}

/* The mapping of m in p that holds all of [va, va+len), or NULL. */
static struct mapping *mapping_holding(struct process *p,
                                       struct memory_object *m, uint64_t va,
                                       uint64_t len)
{
	for (struct mapping *map = p->mappings; map; map = map->next) {
		struct vm_region r = {map->va, map->pages, NULL};

		if (map->obj == &m->obj && region_containing(&r, va, len))
			return map;
	}
	return NULL;
}

static int
memory_protect(void *ctx, const struct capos_memory_object_protect_params *prm,
               struct capos_memory_object_protect_results_builder *res)
{
	struct memory_call *mc = ctx;
	struct process *p = caller(mc);
	uint64_t addr = capos_memory_object_protect_params_get_addr(prm);
	uint64_t len = capos_memory_object_protect_params_get_length(prm);
	enum capos_protection prot =
	    capos_memory_object_protect_params_get_prot(prm);

	(void)res;
	if (!region_range_valid(addr, len, VM_USER_LOW, USER_STACK_LIMIT) ||
	    !mapping_holding(p, mc->m, addr, len))
		return invalid(mc, "not inside a mapping of this object");
	if (!prot_allowed(prot, mc->m->max_prot))
		return invalid(mc, "protection above what the object allows");
	/* Every page of a mapping is mapped as long as the record lives. */
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		as_protect(&p->as, addr + off, prot_flags(prot));
	return 0;
}

static const struct capos_memory_object_server_ops memory_server = {
    .info = memory_info,
    .map = memory_map,
    .unmap = memory_unmap,
    .protect = memory_protect,
};

static int memory_call(struct kobject *o, struct call *c)
{
	struct memory_call mc = {c, (struct memory_object *)o};
	size_t len = 0;
	int rc;

	/* What a too-small result buffer is told: the schema's sizes. */
	c->needed = c->method <= CAPOS_MEMORY_OBJECT_METHOD_MAP ? 24 : 16;
	rc = capos_memory_object_dispatch(&memory_server, &mc, c->method,
	                                  c->params, c->params_len, c->result,
	                                  c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops memory_ops = {
    .name = "MemoryObject",
    .interface_id = IFACE_MEMORY_OBJECT,
    .xfer_allow = 1 | 2,
    .call = memory_call,
    .destroy = memory_destroy,
};

static int
frame_allocator_alloc(void *ctx,
                      const struct capos_frame_allocator_alloc_params *prm,
                      struct capos_frame_allocator_alloc_results_builder *res)
{
	struct call *c = ctx;
	uint32_t pages = capos_frame_allocator_alloc_params_get_pages(prm);
	struct memory_object *m;
	int err, idx;

	if (pages == 0 || pages > VM_MAX_PAGES)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "pages must be 1 to 262144");
	m = memory_create(
	    c->caller->proc, pages,
	    capos_frame_allocator_alloc_params_get_contiguous(prm), &err);
	if (!m)
		return err;
	/* The results' root fitted before this ran (dispatch checks), so
	 * the cap handed out below always comes with its result. */
	idx = call_return_cap(c, &m->obj);
	capos_frame_allocator_alloc_results_set_memory(res, (uint32_t)idx);
	return 0;
}

static const struct capos_frame_allocator_server_ops frame_allocator_server = {
    .alloc = frame_allocator_alloc,
};

static int frame_allocator_call(struct kobject *o, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)o;
	c->needed = 24;
	rc = capos_frame_allocator_dispatch(&frame_allocator_server, c,
	                                    c->method, c->params, c->params_len,
	                                    c->result, c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops frame_allocator_ops = {
    .name = "FrameAllocator",
    .interface_id = IFACE_FRAME_ALLOCATOR,
    .xfer_allow = 1 | 2,
    .call = frame_allocator_call,
};

struct kobject frame_allocator_object = {.ops = &frame_allocator_ops,
                                         .refs = 1};

struct kobject *memory_object_for_module(paddr_t start, uint64_t size)
{
	struct memory_object *m = kzalloc(sizeof(*m) + sizeof(paddr_t));

	if (!m)
		return NULL;
	m->obj = (struct kobject){.ops = &memory_ops, .refs = 1};
	m->pages = (uint32_t)(PAGE_ROUND_UP(size) / PAGE_SIZE);
	m->contiguous = true;
	m->borrowed = true;
	m->max_prot = CAPOS_PROTECTION_READ;
	m->frames[0] = start;
	return &m->obj;
}
