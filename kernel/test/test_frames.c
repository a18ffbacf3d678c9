/*
 * test_frames.c - the frame allocator on the real memory map.
 */
#include <string.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>

KTEST(frames)
{
	uint64_t before = frames_free_count();
	paddr_t a = frame_alloc(), b = frame_alloc(), run;
	uint8_t *p;
	bool zero = true;

	KEXPECT(a != FRAME_NONE && b != FRAME_NONE && a != b);
	KEXPECT((a & (PAGE_SIZE - 1)) == 0);
	KEXPECT(a >= 0x100000); /* the first MiB stays reserved */
	KEXPECT(frames_free_count() == before - 2);
	p = phys_to_virt(a);
	for (int i = 0; i < PAGE_SIZE; i++)
		zero &= p[i] == 0;
	KEXPECT(zero);
	memset(p, 0xEE, PAGE_SIZE); /* dirty it; the next owner must not see */
	frame_free(a);
	frame_free(b);
	KEXPECT(frames_free_count() == before);

	run = frame_alloc_run(64);
	KEXPECT(run != FRAME_NONE);
	KEXPECT(frames_free_count() == before - 64);
	p = phys_to_virt(run);
	zero = true;
	for (int i = 0; i < 64 * PAGE_SIZE; i++)
		zero &= p[i] == 0;
	KEXPECT(zero);
	frame_free_run(run, 64);
	KEXPECT(frames_free_count() == before);
	KEXPECT(frames_check());
}

/* Drains every frame, then gives them all back: exhaustion is a clean
 * FRAME_NONE and the count returns exactly. */
KTEST(frames_exhaust)
{
	uint64_t before = frames_free_count(), n = 0;
	paddr_t head = FRAME_NONE, pa;

	/* Chain the frames through their first word: no other storage. */
	while ((pa = frame_alloc()) != FRAME_NONE) {
		*(paddr_t *)phys_to_virt(pa) = head;
		head = pa;
		n++;
	}
	KEXPECT(n == before);
	KEXPECT(frames_free_count() == 0);
	KEXPECT(frame_alloc_run(1) == FRAME_NONE);
	while (head != FRAME_NONE) {
		pa = head;
		head = *(paddr_t *)phys_to_virt(pa);
		frame_free(pa);
	}
	KEXPECT(frames_free_count() == before);
	KEXPECT(frames_check());
}
