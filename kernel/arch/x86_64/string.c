/*
 * string.c - memory and string primitives for the freestanding kernel,
 * here because memcpy and memset are string instructions: "rep movsq" and
 * "rep stosq" for the 8-byte words, then the byte tail. Eight bytes per
 * step rather than one keeps a page copy at 512 steps on CPUs without
 * fast byte strings (and under QEMU, which counts each step).
 *
 * gcc may emit calls to memcpy/memset/memmove/memcmp itself (struct copies,
 * zeroing), so these must exist under exactly these names.
 */
#include <string.h>
#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *ret = dst;
	size_t words = n / 8, tail = n % 8;

	asm volatile("rep movsq"
	             : "+D"(dst), "+S"(src), "+c"(words)
	             :
	             : "memory");
	asm volatile("rep movsb"
	             : "+D"(dst), "+S"(src), "+c"(tail)
	             :
	             : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	uint64_t pattern = 0x0101010101010101ull * (uint8_t)c;
	size_t words = n / 8, tail = n % 8;

	asm volatile("rep stosq"
	             : "+D"(dst), "+c"(words)
	             : "a"(pattern)
	             : "memory");
	asm volatile("rep stosb" : "+D"(dst), "+c"(tail) : "a"(c) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}
