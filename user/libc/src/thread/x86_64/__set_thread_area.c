/*
 * capOS override of musl's src/thread/x86_64/__set_thread_area.s: sets the
 * FS base (the thread pointer) through the runtime instead of a `syscall`.
 *
 * Returns 0 on success, -errno on failure. It runs before TLS exists, so it
 * is built without the stack protector (musl's Makefile already does so for
 * every object named __set_thread_area.o).
 */
#include "pthread_impl.h"
#include "syscall.h"

/* Linux's arch_prctl code for "set the FS base". */
#define ARCH_SET_FS 0x1002

int __set_thread_area(void *p)
{
	return __syscall(SYS_arch_prctl, ARCH_SET_FS, p);
}
