/*
 * syscall.h - the kernel's two system calls (ABI, docs/abi.md).
 *
 * The `syscall` instruction: number in rax, arguments in rdi and rsi,
 * result in rax. rbx, rbp, rsp and r12-r15 are preserved (System V
 * callee-saved); rcx and r11 come back with the return address and
 * rflags; rdi, rsi, rdx and r8-r10 come back zero. Any other number
 * returns CAPOS_E_BAD_SYSCALL.
 */
#ifndef CAPOS_SYSCALL_H
#define CAPOS_SYSCALL_H

/*
 * cap_enter(min_complete, timeout_ns): processes the calling thread's
 * submitted SQEs, then blocks until at least min_complete CQEs are
 * available or the timeout passes (0: never block; UINT64_MAX: no
 * timeout). Returns the number of CQEs available, or a negative error.
 */
#define CAPOS_SYS_CAP_ENTER 0
/* exit(code): ends the whole process. Does not return. */
#define CAPOS_SYS_EXIT 1

#define CAPOS_TIMEOUT_NONE 0xFFFFFFFFFFFFFFFFull

#endif
