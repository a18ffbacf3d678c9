/*
 * capOS override of musl's src/signal/x86_64/restore.s: the signal return
 * trampoline that sigaction hands to the kernel as sa_restorer.
 *
 * capOS delivers no signals, so this is never reached; it exists because
 * sigaction refers to it, and it must not hold a `syscall` instruction. If
 * it is ever entered it asks the runtime for rt_sigreturn (which the runtime
 * answers as it sees fit) and crashes if that returns.
 */
#include "atomic.h"
#include "ksigaction.h"
#include "syscall.h"

void __restore_rt(void)
{
	__syscall(SYS_rt_sigreturn);
	a_crash();
}
