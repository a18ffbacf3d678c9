/*
 * loader.h - loading an ELF program image into a new process.
 */
#ifndef CAPOS_KERNEL_LOADER_H
#define CAPOS_KERNEL_LOADER_H

#include <stddef.h>

struct process;

/* A loader error: an elf_error (lib/elf.h) moved out of CAPOS_E_* range. */
#define LOADER_E_ELF(e) (-1000 + (int)(e))

/*
 * Validates the image (lib/elf.c) and maps each segment with its own
 * permissions into p; sets p->entry. Returns 0, or a negative error: a
 * hostile image changes nothing but p's (to be destroyed) address space.
 */
int loader_load(struct process *p, const void *elf, size_t len);

#endif
