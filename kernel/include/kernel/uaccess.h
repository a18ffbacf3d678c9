/*
 * uaccess.h - copying between the kernel and the current process's
 * memory. The copy goes through the process's own mappings and survives a
 * fault (returns -1), so a race with an unmap cannot crash the kernel or
 * reach a freed frame; the page walk (as_check_user) is what refuses
 * pages the process may not read or write.
 */
#ifndef CAPOS_KERNEL_UACCESS_H
#define CAPOS_KERNEL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0, or -1 if the range is not the current process's memory or
 * a fault happened during the copy. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);

/*
 * The same copies for a range the caller has just checked with
 * as_check_user (for the same access) in this kernel entry: no second
 * page walk. Returns 0, or -1 if a fault happened (the range was unmapped
 * or protected meanwhile by another thread).
 */
int copy_from_user_checked(void *dst, uint64_t usrc, size_t n);
int copy_to_user_checked(uint64_t udst, const void *src, size_t n);

#endif
