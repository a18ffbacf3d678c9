/*
 * memory.c - FrameAllocator and MemoryObject: physical memory as
 * capabilities.
 *
 * A MemoryObject owns its frames; mapping it into a process adds a
 * mapping record to that process (holding a reference to the object), so
 * the frames live as long as any mapping or any cap slot does. The frames
 * are charged to the ledger of the process that allocated them and given
 * back to it when the object dies. No program ever sees a frame's
 * physical address.
 */
#include <string.h>
#include <capos/errors.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

enum { FRAME_ALLOCATOR_ALLOC };
enum { MEMORY_INFO, MEMORY_MAP, MEMORY_UNMAP, MEMORY_PROTECT };
enum { PROT_NONE, PROT_READ, PROT_READ_WRITE, PROT_READ_EXECUTE };

#define MEMORY_MAX_PAGES (1u << 18)            /* 1 GiB in one object */
#define MAP_BASE         0x0000010000000000ull /* where hint 0 maps */

struct memory_object {
	struct kobject obj;
	struct process *charged; /* whose ledger paid for the frames */
	uint32_t pages;
	bool contiguous;
	bool borrowed; /* boot module frames: never freed, never charged */
	uint8_t max_prot;
	paddr_t frames[];
};

static const struct kobject_ops memory_ops;

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
	m = kzalloc(sizeof(*m) + (contiguous ? 1 : pages) * sizeof(paddr_t));
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
	m->max_prot = PROT_READ_WRITE;
	m->charged = p;
	process_get(p);
	return m;
no_memory:
	kfree(m);
	ledger_refund_frames(p, pages);
	*err = CAPOS_E_QUOTA;
	return NULL;
}

static paddr_t memory_frame(const struct memory_object *m, uint32_t i)
{
	return m->contiguous ? m->frames[0] + (uint64_t)i * PAGE_SIZE
	                     : m->frames[i];
}

static int read_params(struct call *c, struct capnp_struct *root,
                       struct capnp_msg *msg, struct capnp_segment *segs)
{
	return call_params(c, msg, segs, 4, root);
}

static int reply_u64(struct call *c, uint64_t v)
{
	struct capnp_builder b;
	struct capnp_bstruct root;

	call_reply_begin(c, &b, 1, 0, &root);
	capnp_bstruct_set_u64(&root, 0, v, 0);
	return call_reply_end(c, &b, 24);
}

static unsigned prot_flags(uint16_t prot)
{
	return prot == PROT_READ_WRITE     ? VM_WRITE
	       : prot == PROT_READ_EXECUTE ? VM_EXEC
	                                   : 0;
}

static int memory_map(struct memory_object *m, struct call *c,
                      const struct capnp_struct *r)
{
	struct process *p = c->caller->proc;
	uint64_t hint = capnp_struct_get_u64(r, 0, 0);
	uint64_t offset = capnp_struct_get_u64(r, 8, 0);
	uint64_t length = capnp_struct_get_u64(r, 16, 0);
	uint16_t prot = capnp_struct_get_u16(r, 24, 0);
	uint64_t va;
	int rc;

	if ((hint | offset | length) & (PAGE_SIZE - 1) || length == 0 ||
	    offset > (uint64_t)m->pages * PAGE_SIZE ||
	    length > (uint64_t)m->pages * PAGE_SIZE - offset)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "range is not page aligned or not inside "
		                      "the object");
	if (prot == PROT_NONE || prot > PROT_READ_EXECUTE ||
	    (prot == PROT_READ_EXECUTE && m->max_prot != PROT_READ_EXECUTE) ||
	    (prot == PROT_READ_WRITE && m->max_prot != PROT_READ_WRITE))
		return call_exception(
		    c, CAPEX_INVALID_ARGUMENT,
		    "protection above what the object allows");
	va = hint ? hint : process_find_free_range(p, MAP_BASE, length);
	if (!va)
		return call_exception(c, CAPEX_OVERLOADED, "no free range");
	rc = process_add_mapping(p, &m->obj, va, length / PAGE_SIZE);
	if (rc == -1)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "the range is not free user space");
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
	return reply_u64(c, va);
}

static int memory_call(struct kobject *o, struct call *c)
{
	struct memory_object *m = (struct memory_object *)o;
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capnp_struct r;
	struct capnp_builder b;
	struct capnp_bstruct root;
	struct process *p = c->caller->proc;
	uint64_t addr, len;

	if (c->method > MEMORY_PROTECT)
		return CAPOS_E_UNKNOWN_METHOD;
	if (read_params(c, &r, &msg, segs))
		return CAPOS_E_BAD_MESSAGE;
	switch (c->method) {
	case MEMORY_INFO:
		call_reply_begin(c, &b, 1, 0, &root);
		capnp_bstruct_set_u32(&root, 0, m->pages, 0);
		capnp_bstruct_set_u16(&root, 4, m->max_prot, 0);
		capnp_bstruct_set_bool(&root, 48, m->contiguous, false);
		return call_reply_end(c, &b, 24);
	case MEMORY_MAP:
		return memory_map(m, c, &r);
	case MEMORY_UNMAP:
		addr = capnp_struct_get_u64(&r, 0, 0);
		len = capnp_struct_get_u64(&r, 8, 0);
		if (process_remove_mapping(p, o, addr, len / PAGE_SIZE) ||
		    (len & (PAGE_SIZE - 1)))
			return call_exception(c, CAPEX_INVALID_ARGUMENT,
			                      "not a mapping of this object");
		return call_reply_empty(c);
	default:
		return call_exception(c, CAPEX_UNIMPLEMENTED,
		                      "protect is not implemented yet");
	}
}

static const struct kobject_ops memory_ops = {
    .name = "MemoryObject",
    .interface_id = IFACE_MEMORY_OBJECT,
    .xfer_allow = 1 | 2,
    .call = memory_call,
    .destroy = memory_destroy,
};

static int frame_allocator_call(struct kobject *o, struct call *c)
{
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capnp_struct r;
	struct capnp_builder b;
	struct capnp_bstruct root;
	struct memory_object *m;
	uint32_t pages;
	int err, idx;

	(void)o;
	if (c->method != FRAME_ALLOCATOR_ALLOC)
		return CAPOS_E_UNKNOWN_METHOD;
	if (read_params(c, &r, &msg, segs))
		return CAPOS_E_BAD_MESSAGE;
	pages = capnp_struct_get_u32(&r, 0, 0);
	if (pages == 0 || pages > MEMORY_MAX_PAGES)
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "pages must be 1 to 262144");
	if (c->result_cap < 24) {
		c->needed = 24;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	m = memory_create(c->caller->proc, pages,
	                  capnp_struct_get_bool(&r, 32, false), &err);
	if (!m)
		return err;
	idx = call_return_cap(c, &m->obj);
	call_reply_begin(c, &b, 1, 0, &root);
	capnp_bstruct_set_u32(&root, 0, (uint32_t)idx, 0);
	return call_reply_end(c, &b, 24);
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
	m->max_prot = PROT_READ;
	m->frames[0] = start;
	return &m->obj;
}
