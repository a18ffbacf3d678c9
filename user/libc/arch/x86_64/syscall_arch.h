/*
 * capOS override of musl's arch/x86_64/syscall_arch.h: every system call
 * musl makes goes through one function, __capos_syscall, that the capOS
 * runtime (user/rt) provides. The kernel has only cap_enter and exit, so a
 * `syscall` instruction here would be wrong; the runtime turns the few calls
 * programs need into capability calls and answers -ENOSYS to the rest.
 *
 * Contract (docs/libc.md): n is a Linux x86_64 system call number, a..f its
 * arguments (unused ones are 0). The result is what Linux would return: a
 * value >= 0 on success, -errno (-4095..-1) on failure. It is called before
 * the thread pointer is set (arch_prctl from __init_tls), so it must not use
 * TLS, errno or the stack protector.
 *
 * No VDSO_* macros: capOS has no vDSO, so clock_gettime is a call like the
 * others.
 */

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long __capos_syscall(long n, long a, long b, long c, long d, long e, long f);

static inline long __syscall0(long n)
{
	return __capos_syscall(n, 0, 0, 0, 0, 0, 0);
}

static inline long __syscall1(long n, long a)
{
	return __capos_syscall(n, a, 0, 0, 0, 0, 0);
}

static inline long __syscall2(long n, long a, long b)
{
	return __capos_syscall(n, a, b, 0, 0, 0, 0);
}

static inline long __syscall3(long n, long a, long b, long c)
{
	return __capos_syscall(n, a, b, c, 0, 0, 0);
}

static inline long __syscall4(long n, long a, long b, long c, long d)
{
	return __capos_syscall(n, a, b, c, d, 0, 0);
}

static inline long __syscall5(long n, long a, long b, long c, long d, long e)
{
	return __capos_syscall(n, a, b, c, d, e, 0);
}

static inline long __syscall6(long n, long a, long b, long c, long d, long e,
                              long f)
{
	return __capos_syscall(n, a, b, c, d, e, f);
}

/* System V IPC: x86_64 needs no IPC_64 flag. */
#define IPC_64 0
