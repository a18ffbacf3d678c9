/*
 * caps.c - init's own capabilities. InitConfig.caps says under which name
 * the kernel put each kernel source in init's CapSet; the kernel leaves out
 * what it cannot provide yet, so a name may be missing.
 */
#include <string.h>

#include "init.h"

/* The interface each KernelSource's object implements. */
static const uint64_t source_interface[MANIFEST_KSRC_COUNT] = {
    [MANIFEST_KSRC_CONSOLE] = CAPOS_CONSOLE_INTERFACE_ID,
    [MANIFEST_KSRC_TIMER] = CAPOS_TIMER_INTERFACE_ID,
    [MANIFEST_KSRC_FRAME_ALLOCATOR] = CAPOS_FRAME_ALLOCATOR_INTERFACE_ID,
    [MANIFEST_KSRC_VIRTUAL_MEMORY] = CAPOS_VIRTUAL_MEMORY_INTERFACE_ID,
    [MANIFEST_KSRC_BOOT_PACKAGE] = CAPOS_BOOT_PACKAGE_INTERFACE_ID,
    [MANIFEST_KSRC_PROCESS_SPAWNER] = CAPOS_PROCESS_SPAWNER_INTERFACE_ID,
    [MANIFEST_KSRC_THREAD_SPAWNER] = CAPOS_THREAD_SPAWNER_INTERFACE_ID,
    [MANIFEST_KSRC_THREAD_CONTROL] = CAPOS_THREAD_CONTROL_INTERFACE_ID,
    [MANIFEST_KSRC_ENDPOINT_FACTORY] = CAPOS_ENDPOINT_FACTORY_INTERFACE_ID,
    [MANIFEST_KSRC_CAPABILITY_MANAGER] = CAPOS_CAPABILITY_MANAGER_INTERFACE_ID,
};

capos_cap_t capset_by_interface(uint64_t iface)
{
	const struct capos_capset_entry *e;
	uint32_t n;

	if (!rt_capset || rt_capset->magic != CAPOS_CAPSET_MAGIC)
		return CAPOS_CAP_NULL;
	e = (const struct capos_capset_entry *)(rt_capset + 1);
	n = rt_capset->count;
	if (n > CAPOS_CAPSET_MAX_ENTRIES)
		n = CAPOS_CAPSET_MAX_ENTRIES;
	for (uint32_t i = 0; i < n; i++)
		if (e[i].interface_id == iface)
			return e[i].cap;
	return CAPOS_CAP_NULL;
}

capos_cap_t source_cap(const struct manifest_graph *g, uint16_t source)
{
	char name[MANIFEST_MAX_NAME + 1];

	if (source >= MANIFEST_KSRC_COUNT)
		return CAPOS_CAP_NULL;
	for (size_t i = 0; i < g->ninit_caps; i++) {
		const struct manifest_kernel_grant *k = &g->init_caps[i];
		capos_cap_t cap;

		/* The graph check bounded every name's length. */
		if (k->source != source || k->name.len > MANIFEST_MAX_NAME)
			continue;
		memcpy(name, k->name.str, k->name.len);
		name[k->name.len] = '\0';
		cap = rt_capset_find(name, source_interface[source]);
		if (cap)
			return cap;
	}
	return CAPOS_CAP_NULL;
}
