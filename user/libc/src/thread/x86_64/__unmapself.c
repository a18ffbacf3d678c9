/*
 * capOS override of musl's src/thread/x86_64/__unmapself.s: the last act of
 * a detached thread, which unmaps its own stack and exits.
 *
 * Once munmap has run, the old stack is gone, and calling the runtime pushes
 * a return address, so both calls are made from a small static stack. One
 * such stack is enough: pthread_exit calls this holding the thread list
 * lock, which the runtime releases only after this thread has exited
 * (through the clear-tid address given at clone), so no two threads are
 * ever here at once. The runtime's munmap and exit paths must fit in it.
 */
#include "pthread_impl.h"
#include "syscall.h"

static char exit_stack[4096] __attribute__((aligned(16)));
static void *unmap_base;
static size_t unmap_size;

static _Noreturn void unmap_and_exit(void)
{
	__syscall(SYS_munmap, unmap_base, unmap_size);
	for (;;)
		__syscall(SYS_exit, 0);
}

void __unmapself(void *base, size_t size)
{
	unmap_base = base;
	unmap_size = size;
	/* A call, not a jump, so unmap_and_exit sees the ABI's alignment. */
	__asm__ __volatile__("mov %0, %%rsp\n\tcall *%1"
	                     :
	                     : "r"(exit_stack + sizeof exit_stack),
	                       "r"(unmap_and_exit)
	                     : "memory");
	__builtin_unreachable();
}
