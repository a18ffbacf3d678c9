/*
 * siphash.c - SipHash-2-4 (see siphash.h): two compression rounds per
 * 8-byte word, four finalization rounds, little-endian words.
 */
#include "siphash.h"

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_absorb(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static uint64_t load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len)
{
	/* The initial constants spell "somepseudorandomlygeneratedbytes". */
	struct sip_state s = {
	    key->k0 ^ 0x736f6d6570736575ull,
	    key->k1 ^ 0x646f72616e646f6dull,
	    key->k0 ^ 0x6c7967656e657261ull,
	    key->k1 ^ 0x7465646279746573ull,
	};
	const uint8_t *p = data;
	size_t whole = len & ~(size_t)7;

	for (size_t i = 0; i < whole; i += 8)
		sip_absorb(&s, load_le(p + i, 8));
	sip_absorb(&s, load_le(p + whole, len - whole) | (uint64_t)len << 56);
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
