# capOS override of musl's src/thread/x86_64/syscall_cp.s: the cancellable
# system call, made through the runtime's __capos_syscall instead of a
# `syscall` instruction.
#
#   long __syscall_cp_asm(volatile int *cancel, long n, a, b, c, d, e, f)
#
# If the thread has a pending cancellation it goes to __cancel without
# making the call. musl's cancel signal handler also redirects a thread whose
# pc lies in [__cp_begin, __cp_end) to __cp_cancel; capOS delivers no
# signals, and while the runtime runs the pc is outside that range anyway,
# so a blocked call is not interrupted by cancellation (it is checked only
# on entry). __cp_end sits right after the call so that a call that has
# completed is never reported as cancelled.

.text
.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.hidden __cancel
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.type __syscall_cp_asm,@function
__syscall_cp_asm:
__cp_begin:
	mov (%rdi), %eax
	test %eax, %eax
	jnz __cp_cancel
	# Shift (cancel, n, a..d | e, f on the stack) to (n, a..e | f).
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %rcx
	mov %r9, %r8
	mov 8(%rsp), %r9
	# f becomes the seventh argument; the push also 16-aligns %rsp.
	push 16(%rsp)
	call __capos_syscall
__cp_end:
	add $8, %rsp
	ret
__cp_cancel:
	jmp __cancel
.size __syscall_cp_asm, .-__syscall_cp_asm
