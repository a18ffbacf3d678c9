/*
 * uaccess.S - the only instructions that touch user memory. SMAP is
 * lifted (stac) just around the copy; a fault inside it resumes at the
 * fixup (trap.c knows uaccess_copy_insn) and the copy returns -1.
 */
	.text
	.global arch_copy_user, uaccess_copy_insn, uaccess_fixup
/* int arch_copy_user(void *dst, const void *src, size_t n) */
arch_copy_user:
	mov	%rdx, %rcx
	stac
uaccess_copy_insn:
	rep movsb
	clac
	xor	%eax, %eax
	ret
uaccess_fixup:
	clac
	mov	$-1, %eax
	ret
