/*
 * uaccess.h - copying between the kernel and the current process's
 * memory. Callers check the range with as_check_user() first; the copy
 * also survives a fault (returns -1) so a race cannot crash the kernel.
 */
#ifndef CAPOS_KERNEL_UACCESS_H
#define CAPOS_KERNEL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0, or -1 if the range is not the current process's memory or
 * a fault happened during the copy. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);

#endif
