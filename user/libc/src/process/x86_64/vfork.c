/*
 * capOS override of musl's src/process/x86_64/vfork.s.
 *
 * A real vfork child borrows the parent's stack until it calls exec or
 * _exit, which cannot be done from a function that returns normally; capOS
 * has neither fork nor exec anyway. So vfork asks the runtime for fork,
 * whose child has its own copy of the stack: the runtime answers -ENOSYS,
 * and vfork returns -1 with errno ENOSYS. Hosted on Linux (the smoke test),
 * it behaves as fork.
 */
#define _GNU_SOURCE
#include <unistd.h>
#include "syscall.h"

pid_t vfork(void)
{
	return __syscall_ret(__syscall(SYS_fork));
}
