/*
 * boot_modules.h - the boot modules by name: every boot binary is its own
 * Multiboot2 module (risks.md R10), found here by the name the manifest
 * and ProcessSpawner.spawn use.
 */
#ifndef CAPOS_KERNEL_BOOT_MODULES_H
#define CAPOS_KERNEL_BOOT_MODULES_H

#include <stddef.h>
#include <multiboot2.h>
#include <kernel/mm.h>

/* Remembers the boot information (which outlives the kernel's boot). */
void boot_modules_init(const struct boot_info *bi);

/* Returns the module called name[0..len) (not NUL-terminated), or NULL. */
const struct boot_module *boot_module_find(const char *name, size_t len);

/* Returns the module's bytes through the direct map. */
const void *boot_module_bytes(const struct boot_module *m);

/*
 * Returns the physical address of `bytes` if all of [bytes, bytes + len)
 * (a direct-map address) lies inside one module that starts on a page
 * boundary, else FRAME_NONE. Module frames are reserved at boot, never
 * written and never freed, so their pages may be mapped read-only into
 * any number of processes.
 */
paddr_t boot_module_phys(const void *bytes, size_t len);

#endif
