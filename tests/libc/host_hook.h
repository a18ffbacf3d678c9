/*
 * What the smoke test can ask of its host __capos_syscall (host_hook.c):
 * how often each Linux system call number went through it, and from where.
 */
#ifndef TESTS_LIBC_HOST_HOOK_H
#define TESTS_LIBC_HOST_HOOK_H

/* Numbers at or above this are forwarded but not recorded. */
#define HOOK_MAX_NR 512

long __capos_syscall(long n, long a, long b, long c, long d, long e, long f);

/* Returns how many calls with number n have gone through the hook. */
unsigned long hook_count(long n);

/* Returns the return address of the last call with number n, or NULL. */
void *hook_last_caller(long n);

#endif
