/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash
 * whose output cannot be predicted or inverted without the key. The
 * kernel derives endpoint session references with it, so a server can
 * tell sessions apart without learning who they are or matching them
 * across endpoints (risks.md R3).
 */
#ifndef CAPOS_LIB_SIPHASH_H
#define CAPOS_LIB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0, k1;
};

/* SipHash-2-4 of data[0..len) under key. */
uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len);

#endif
