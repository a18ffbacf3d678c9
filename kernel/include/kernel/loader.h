/*
 * loader.h - loading an ELF program image into a new process.
 */
#ifndef CAPOS_KERNEL_LOADER_H
#define CAPOS_KERNEL_LOADER_H

#include <stddef.h>

struct process;

/* A loader error: an elf_error (lib/elf.h) moved out of CAPOS_E_* range. */
/* ELF errors are negative; -2000 keeps them apart from CAPOS_E_* and
 * the generated dispatch codes. */
#define LOADER_E_ELF(e)         (-2000 + (int)(e))
#define LOADER_IS_ELF_ERROR(rc) ((rc) < -2000 && (rc) > -2100)
#define LOADER_ELF_ERROR(rc)    ((enum elf_error)((rc) + 2000))

/*
 * Validates the image (lib/elf.c) and maps each segment with its own
 * permissions into p; sets p->entry. Returns 0, or a negative error: a
 * hostile image changes nothing but p's (to be destroyed) address space.
 */
int loader_load(struct process *p, const void *elf, size_t len);

#endif
