/*
 * capOS override of musl's src/thread/x86_64/clone.s: creates a thread
 * through the runtime.
 *
 * Linux's clone returns twice, the child coming back out of the `syscall`
 * instruction on its new stack. A function call cannot do that: the child
 * would return into this function's frame on the parent's stack. So the
 * sixth argument of SYS_clone (unused by Linux) carries where the child
 * starts: the runtime begins the new thread at clone_start with %rsp set to
 * the given stack, on which this function has put the thread's function and
 * argument. The other arguments keep their Linux meaning and order: flags,
 * stack, parent tid pointer, child tid pointer, TLS (new FS base).
 *
 * Returns the new thread's id to the parent, or -errno (-ENOSYS while the
 * runtime has no threads).
 */
#include <stdarg.h>
#include <stdint.h>
#include "pthread_impl.h"
#include "syscall.h"

hidden void __capos_clone_start(void);

/*
 * The child's first instructions, entered with %rsp 16-byte aligned and
 * pointing at { func, arg }: call func(arg), then exit the thread with its
 * result (60 is SYS_exit). %rbp is zeroed to end frame-pointer backtraces.
 */
_Static_assert(SYS_exit == 60, "clone_start hard-codes SYS_exit");
__asm__(".text\n"
        ".type __capos_clone_start,@function\n"
        "__capos_clone_start:\n"
        "	xor %ebp, %ebp\n"
        "	pop %rax\n"
        "	pop %rdi\n"
        "	call *%rax\n"
        "	movslq %eax, %rsi\n"
        "	mov $60, %edi\n"
        "	xor %edx, %edx\n"
        "	xor %ecx, %ecx\n"
        "	xor %r8d, %r8d\n"
        "	xor %r9d, %r9d\n"
        "	push $0\n" /* the seventh argument, f, and %rsp aligned */
        "	push $0\n"
        "	call __capos_syscall\n"
        "	ud2\n"
        ".size __capos_clone_start, .-__capos_clone_start\n");

int __clone(int (*func)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	pid_t *ptid;
	void *tls;
	pid_t *ctid;
	uintptr_t *sp;

	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);

	sp = (uintptr_t *)((uintptr_t)stack & -(uintptr_t)16) - 2;
	sp[0] = (uintptr_t)func;
	sp[1] = (uintptr_t)arg;
	return __syscall(SYS_clone, flags, sp, ptid, ctid, tls,
	                 __capos_clone_start);
}
