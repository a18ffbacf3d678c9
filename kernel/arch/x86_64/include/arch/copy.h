/*
 * arch/copy.h - an inline copy for the short messages of the endpoint's
 * direct path: memcpy's own string instructions ("rep movsq", then
 * "rep movsb" for a tail) without the call, whose caller-saved registers
 * cost the direct path more than the copy of a short message itself.
 */
#ifndef CAPOS_ARCH_COPY_H
#define CAPOS_ARCH_COPY_H

#include <stddef.h>

/* Copies n bytes from src to dst (not overlapping). */
static inline __attribute__((always_inline)) void
arch_copy_inline(void *dst, const void *src, size_t n)
{
	size_t words = n / 8, tail = n % 8;

	asm volatile("rep movsq"
	             : "+D"(dst), "+S"(src), "+c"(words)
	             :
	             : "memory");
	if (tail)
		asm volatile("rep movsb"
		             : "+D"(dst), "+S"(src), "+c"(tail)
		             :
		             : "memory");
}

#endif
