/*
 * manifest.h - the boot manifest (kernel/boot/manifest.c).
 */
#ifndef CAPOS_KERNEL_MANIFEST_H
#define CAPOS_KERNEL_MANIFEST_H

#include <manifest/manifest_graph.h>
#include <multiboot2.h>

/*
 * Decodes and checks the manifest.bin module against the boot modules and
 * prints a summary. Returns the graph and its start order; an invalid
 * manifest stops the boot with a message naming the problem (it never
 * returns then).
 */
const struct manifest_graph *manifest_load(const struct boot_info *bi,
                                           const struct manifest_plan **plan);

#endif
