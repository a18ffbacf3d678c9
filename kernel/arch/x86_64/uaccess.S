/*
 * uaccess.S - the only instructions that touch user memory. SMAP is
 * lifted (stac) just around the copy; a fault inside either copying
 * instruction resumes at the fixup (trap.c knows both) and the copy
 * returns -1. Whole quadwords first, then the odd bytes: one string
 * instruction step per 8 bytes, not per byte.
 */
	.text
	.global arch_copy_user, uaccess_copy_insn, uaccess_copy_tail_insn
	.global uaccess_fixup
/* int arch_copy_user(void *dst, const void *src, size_t n) */
arch_copy_user:
	mov	%rdx, %rcx
	shr	$3, %rcx
	and	$7, %edx
	stac
uaccess_copy_insn:
	rep movsq
	mov	%rdx, %rcx
uaccess_copy_tail_insn:
	rep movsb
	clac
	xor	%eax, %eax
	ret
uaccess_fixup:
	clac
	mov	$-1, %eax
	ret
