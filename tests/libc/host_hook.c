/*
 * Test-only __capos_syscall for running our libc.a on the Linux host: it
 * forwards every call to the real Linux system call, which is what the
 * capOS runtime's contract promises to emulate (docs/libc.md). This file is
 * part of the smoke test, never of libc.a.
 *
 * It also counts the calls per number and remembers the return address of
 * the last call of each, so the smoke test can prove that a libc function
 * really went through the hook, and through which path.
 *
 * Like the real hook, it runs before the thread pointer exists, so it uses
 * no TLS and no errno.
 */
#include <stddef.h>
#include <sys/syscall.h>
#include "host_hook.h"

static unsigned long counts[HOOK_MAX_NR];
static void *callers[HOOK_MAX_NR];

static long host_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ __volatile__("syscall"
	                     : "=a"(ret)
	                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10),
	                       "r"(r8), "r"(r9)
	                     : "rcx", "r11", "memory");
	return ret;
}

/*
 * SYS_clone under the runtime's contract: the child starts at `entry` with
 * %rsp = `stack`, not back in C. On Linux the child comes out of the
 * `syscall` instruction on the new stack with %rax = 0 and every other
 * register as the parent had it, so it jumps to `entry` (kept in %r9)
 * before touching any stack.
 */
static long host_clone(long flags, long stack, long ptid, long ctid, long tls,
                       long entry)
{
	register long r10 __asm__("r10") = ctid;
	register long r8 __asm__("r8") = tls;
	register long r9 __asm__("r9") = entry;
	long ret;

	__asm__ __volatile__("syscall\n\t"
	                     "test %%rax, %%rax\n\t"
	                     "jnz 1f\n\t"
	                     "jmp *%%r9\n"
	                     "1:"
	                     : "=a"(ret)
	                     : "a"((long)SYS_clone), "D"(flags), "S"(stack),
	                       "d"(ptid), "r"(r10), "r"(r8), "r"(r9)
	                     : "rcx", "r11", "memory");
	return ret;
}

long __capos_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	if (n >= 0 && n < HOOK_MAX_NR) {
		__atomic_fetch_add(&counts[n], 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&callers[n], __builtin_return_address(0),
		                 __ATOMIC_SEQ_CST);
	}
	if (n == SYS_clone)
		return host_clone(a, b, c, d, e, f);
	return host_syscall(n, a, b, c, d, e, f);
}

unsigned long hook_count(long n)
{
	if (n < 0 || n >= HOOK_MAX_NR)
		return 0;
	return __atomic_load_n(&counts[n], __ATOMIC_SEQ_CST);
}

void *hook_last_caller(long n)
{
	if (n < 0 || n >= HOOK_MAX_NR)
		return NULL;
	return __atomic_load_n(&callers[n], __ATOMIC_SEQ_CST);
}
