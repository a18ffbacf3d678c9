/*
 * boot_package.c - the BootPackage capability: the manifest's bytes and
 * each boot binary as a read-only MemoryObject. Everything in it came
 * from the boot loader's modules, and nothing in it can be changed.
 * Served through the generated dispatch table (gen/capos.capnp.h).
 */
#include <string.h>
#include <capos/errors.h>
#include <capos/ring.h>
#include <multiboot2.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>

#define MANIFEST_MODULE "manifest.bin"

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

static int
manifest_chunk(void *ctx, const struct capos_boot_package_manifest_params *prm,
               struct capos_boot_package_manifest_results_builder *res)
{
	struct call *c = ctx;
	const struct boot_module *m = find(MANIFEST_MODULE, 12);
	uint64_t size = m ? m->end - m->start : 0;
	uint64_t off = capos_boot_package_manifest_params_get_offset(prm);
	uint32_t max = capos_boot_package_manifest_params_get_max(prm);
	uint64_t n = off < size ? size - off : 0;

	if (n > max)
		n = max;
	if (n > CAPOS_MSG_MAX - 64)
		n = CAPOS_MSG_MAX - 64;
	/* If the data does not fit, dispatch answers BUFFER_TOO_SMALL with
	 * this. */
	c->needed = 32 + (((uint32_t)n + 7) & ~7u);
	capos_boot_package_manifest_results_set_size(res, size);
	capos_boot_package_manifest_results_set_data(
	    res, n ? (const uint8_t *)phys_to_virt(m->start) + off : NULL,
	    (uint32_t)n);
	return 0;
}

static int binary(void *ctx, const struct capos_boot_package_binary_params *prm,
                  struct capos_boot_package_binary_results_builder *res)
{
	struct call *c = ctx;
	const struct boot_module *m;
	const char *name;
	uint32_t len;
	struct kobject *mem;

	if (capos_boot_package_binary_params_get_name(prm, &name, &len) !=
	    CAPNP_OK)
		return CAPOS_E_BAD_MESSAGE;
	m = find(name, len);
	if (!m || !strcmp(m->name, MANIFEST_MODULE))
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      "no boot binary by that name");
	mem = memory_object_for_module(m->start, m->end - m->start);
	if (!mem)
		return CAPOS_E_QUOTA;
	/* The results' root fitted before this ran (dispatch checks). */
	capos_boot_package_binary_results_set_memory(
	    res, (uint32_t)call_return_cap(c, mem));
	capos_boot_package_binary_results_set_size(res, m->end - m->start);
	return 0;
}

static const struct capos_boot_package_server_ops boot_package_server = {
    .manifest = manifest_chunk,
    .binary = binary,
};

static int boot_package_call(struct kobject *o, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)o;
	c->needed = 32; /* manifest raises it by the data it returns */
	rc = capos_boot_package_dispatch(&boot_package_server, c, c->method,
	                                 c->params, c->params_len, c->result,
	                                 c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops boot_package_ops = {
    .name = "BootPackage",
    .interface_id = IFACE_BOOT_PACKAGE,
    .xfer_allow = 1 | 2,
    .call = boot_package_call,
};

struct kobject boot_package_object = {.ops = &boot_package_ops, .refs = 1};
