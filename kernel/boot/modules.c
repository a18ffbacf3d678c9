/*
 * modules.c - looking up boot modules by name (see boot_modules.h).
 */
#include <string.h>
#include <kernel/boot_modules.h>
#include <kernel/mm.h>

static const struct boot_info *boot;

void boot_modules_init(const struct boot_info *bi)
{
	boot = bi;
}

const struct boot_module *boot_module_find(const char *name, size_t len)
{
	for (uint32_t i = 0; boot && i < boot->nmodules; i++) {
		const struct boot_module *m = &boot->modules[i];

		/* The terminator first: most modules fail on it at once. */
		if (len < sizeof(m->name) && m->name[len] == '\0' &&
		    !memcmp(m->name, name, len) && strnlen(m->name, len) == len)
			return m;
	}
	return NULL;
}

const void *boot_module_bytes(const struct boot_module *m)
{
	return phys_to_virt(m->start);
}

paddr_t boot_module_phys(const void *bytes, size_t len)
{
	paddr_t pa = virt_to_phys(bytes);

	if ((uint64_t)bytes < DIRECT_MAP_BASE)
		return FRAME_NONE;
	for (uint32_t i = 0; boot && i < boot->nmodules; i++) {
		const struct boot_module *m = &boot->modules[i];

		if (!(m->start & (PAGE_SIZE - 1)) && pa >= m->start &&
		    pa <= m->end && len <= m->end - pa)
			return pa;
	}
	return FRAME_NONE;
}
