/*
 * test_heap.c - kmalloc/kfree on the running kernel.
 */
#include <string.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>

KTEST(heap)
{
	struct heap_stats s0, s1;
	void *small[64];
	size_t sizes[] = {1, 15, 16, 17, 100, 1000, 2032, 2033, 5000, 70000};
	void *p[10];

	heap_get_stats(&s0);
	for (int i = 0; i < 10; i++) {
		p[i] = kmalloc(sizes[i]);
		KEXPECT(p[i] != NULL);
		KEXPECT(((uint64_t)p[i] & 15) == 0);
		memset(p[i], i, sizes[i]); /* the whole size is usable */
	}
	for (int i = 0; i < 10; i++) {
		const uint8_t *b = p[i];

		KEXPECT(b[0] == i && b[sizes[i] - 1] == i);
	}
	heap_get_stats(&s1);
	KEXPECT(s1.allocations == s0.allocations + 10);
	for (int i = 0; i < 10; i++)
		kfree(p[i]);
	heap_get_stats(&s1);
	KEXPECT(s1.allocations == s0.allocations);
	KEXPECT(s1.bytes_in_use == s0.bytes_in_use);

	for (int i = 0; i < 64; i++) {
		small[i] = kzalloc(48);
		KEXPECT(small[i] && ((uint8_t *)small[i])[47] == 0);
	}
	for (int i = 0; i < 64; i++)
		kfree(small[i]);
	/* Large blocks too: their frames come zeroed, dirty ones never. */
	for (int round = 0; round < 2; round++) {
		uint8_t *big = kzalloc(9000);
		bool zero = big != NULL;

		for (int i = 0; zero && i < 9000; i++)
			zero = big[i] == 0;
		KEXPECT(zero);
		if (big)
			memset(big, 0x77, 9000);
		kfree(big);
	}
	KEXPECT(kmalloc(0) == NULL);
	kfree(NULL);
}

/* A freed block is poisoned; the same block comes back first (LIFO), and
 * its contents are the allocation pattern, never the old data. */
KTEST(heap_poison)
{
	uint8_t *a = kmalloc(64), *b;
	bool fresh = true;

	memset(a, 0x11, 64);
	kfree(a);
	if (CAPOS_DEBUG)
		KEXPECT(a[8] == 0x6B && a[63] == 0x6B); /* [0..7]: free link */
	b = kmalloc(64);
	KEXPECT(b == a);
	for (int i = 0; i < 64; i++)
		fresh &= b[i] != 0x11;
	KEXPECT(fresh);
	kfree(b);
}
