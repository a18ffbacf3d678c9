/*
 * boot_package.c - the BootPackage capability: the manifest's bytes and
 * each boot binary as a read-only MemoryObject. Everything in it came
 * from the boot loader's modules, and nothing in it can be changed.
 */
#include <string.h>
#include <capos/errors.h>
#include <capos/ring.h>
#include <multiboot2.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>

#define MANIFEST_MODULE "manifest.bin"

enum { BOOT_PACKAGE_MANIFEST, BOOT_PACKAGE_BINARY };

static const struct boot_info *boot;

void boot_package_init(const struct boot_info *bi)
{
	boot = bi;
}

static const struct boot_module *find(const char *name, uint32_t len)
{
	for (uint32_t i = 0; boot && i < boot->nmodules; i++) {
		const struct boot_module *m = &boot->modules[i];

		if (strlen(m->name) == len && !memcmp(m->name, name, len))
			return m;
	}
	return NULL;
}

static int manifest_chunk(struct call *c, const struct capnp_struct *r)
{
	const struct boot_module *m = find(MANIFEST_MODULE, 12);
	uint64_t size = m ? m->end - m->start : 0;
	uint64_t off = capnp_struct_get_u64(r, 0, 0);
	uint32_t max = capnp_struct_get_u32(r, 8, 0);
	uint64_t n = off < size ? size - off : 0;
	struct capnp_builder b;
	struct capnp_bstruct root;

	if (n > max)
		n = max;
	if (n > CAPOS_MSG_MAX - 64)
		n = CAPOS_MSG_MAX - 64;
	call_reply_begin(c, &b, 1, 1, &root);
	capnp_bstruct_set_u64(&root, 0, size, 0);
	capnp_bstruct_set_data(
	    &root, 0, n ? (const uint8_t *)phys_to_virt(m->start) + off : NULL,
	    (uint32_t)n);
	return call_reply_end(c, &b, 32 + (((uint32_t)n + 7) & ~7u));
}

static int binary(struct call *c, const struct capnp_struct *r)
{
	const struct boot_module *m;
	const char *name;
	uint32_t len;
	struct kobject *mem;
	struct capnp_builder b;
	struct capnp_bstruct root;
	int idx;

	if (capnp_struct_get_text(r, 0, &name, &len) != CAPNP_OK)
		return CAPOS_E_BAD_MESSAGE;
	m = find(name, len);
	if (!m || !strcmp(m->name, MANIFEST_MODULE))
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "no boot binary by that name");
	if (c->result_cap < 32) {
		c->needed = 32;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	mem = memory_object_for_module(m->start, m->end - m->start);
	if (!mem)
		return CAPOS_E_QUOTA;
	idx = call_return_cap(c, mem);
	call_reply_begin(c, &b, 2, 0, &root);
	capnp_bstruct_set_u32(&root, 0, (uint32_t)idx, 0);
	capnp_bstruct_set_u64(&root, 8, m->end - m->start, 0);
	return call_reply_end(c, &b, 32);
}

static int boot_package_call(struct kobject *o, struct call *c)
{
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capnp_struct r;

	(void)o;
	if (c->method > BOOT_PACKAGE_BINARY)
		return CAPOS_E_UNKNOWN_METHOD;
	if (call_params(c, &msg, segs, 4, &r))
		return CAPOS_E_BAD_MESSAGE;
	return c->method == BOOT_PACKAGE_MANIFEST ? manifest_chunk(c, &r)
	                                          : binary(c, &r);
}

static const struct kobject_ops boot_package_ops = {
    .name = "BootPackage",
    .interface_id = IFACE_BOOT_PACKAGE,
    .xfer_allow = 1 | 2,
    .call = boot_package_call,
};

struct kobject boot_package_object = {.ops = &boot_package_ops, .refs = 1};
