/*
 * shm.h - the layout shmtest and shmchild agree on inside the shared
 * MemoryObject: one page for each side's words, then the flags.
 */
#ifndef CAPOS_USER_SHM_H
#define CAPOS_USER_SHM_H

#include <stdbool.h>
#include <stdint.h>

#define SHM_PAGES   3
#define SHM_BYTES   (SHM_PAGES * 4096ull)
#define SHM_WORDS   512 /* 64-bit words in a page */
#define SHM_WAIT_MS 5000

/* Tags of the three patterns: word i of a pattern is tag | i. */
#define SHM_FIRST  0x5348500000000000ull /* the parent's, before spawn */
#define SHM_REPLY  0x5348430000000000ull /* the child's reply */
#define SHM_SECOND 0x5348320000000000ull /* the parent's, while both run */

struct shm {
	volatile uint64_t parent[SHM_WORDS]; /* written by shmtest */
	volatile uint64_t child[SHM_WORDS];  /* written by shmchild */
	volatile uint64_t child_done;        /* 1: the reply is complete */
	volatile uint64_t parent_ack;        /* 1: the second pattern is in */
};

static inline void shm_fill(volatile uint64_t *w, uint64_t tag)
{
	for (uint32_t i = 0; i < SHM_WORDS; i++)
		w[i] = tag | i;
}

/* Returns true if every word holds the pattern of tag. */
static inline bool shm_has(const volatile uint64_t *w, uint64_t tag)
{
	for (uint32_t i = 0; i < SHM_WORDS; i++) {
		if (w[i] != (tag | i))
			return false;
	}
	return true;
}

#endif
