/*
 * capnp_bench.c - cost of building and of reading a typical call message
 * with lib/capnp/: the CallParams struct of tests/capnp/conformance.capnp
 * (a u64, a u32, a 32-byte text and a 64-byte data), as a ring CALL would
 * carry it. Run by `make bench-capnp` (mk/capnp.mk).
 *
 *   capnp_bench              median cycles (rdtsc) and ns per message,
 *                            over batches of BATCH messages
 *   capnp_bench --loop build|read N
 *                            just N builds or reads, inside bench_build_loop
 *                            or bench_read_loop, for callgrind to count
 *
 * "Build" is init + root + 4 setters + finish into a fresh arena; "read" is
 * stream parsing + root + 4 getters (text and data validated, one byte of
 * each touched), what a server does before acting on a call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "capnp/capnp.h"

#define BATCH   64
#define SAMPLES 2001

static const char name[33] = "console.writeLine/0123456789abcd";
static uint8_t payload[64];
static uint8_t arena[512] __attribute__((aligned(8)));
static const uint8_t *msg_bytes;
static size_t msg_len;
static volatile uint64_t sink;

static size_t build_message(const uint8_t **out)
{
	struct capnp_builder b;
	struct capnp_bstruct st;
	size_t len;

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 2, 2, &st);
	capnp_bstruct_set_u64(&st, 0, 0x0123456789abcdefull, 0);
	capnp_bstruct_set_u32(&st, 8, 3, 0);
	capnp_bstruct_set_text(&st, 0, name, 32);
	capnp_bstruct_set_data(&st, 1, payload, 64);
	if (capnp_builder_finish(&b, out, &len) != CAPNP_OK)
		abort();
	return len;
}

static void build_one(void)
{
	const uint8_t *out;

	sink += build_message(&out);
}

static void read_one(void)
{
	struct capnp_segment seg[4];
	struct capnp_msg msg;
	struct capnp_struct st;
	const char *s;
	const uint8_t *d;
	uint32_t slen, dlen;
	uint64_t acc;

	if (capnp_msg_init_stream(&msg, msg_bytes, msg_len, seg, 4) ||
	    capnp_root(&msg, &st) || capnp_struct_get_text(&st, 0, &s, &slen) ||
	    capnp_struct_get_data(&st, 1, &d, &dlen))
		abort();
	acc = capnp_struct_get_u64(&st, 0, 0) + capnp_struct_get_u32(&st, 8, 0);
	sink += acc + (uint8_t)s[slen - 1] + d[dlen - 1];
}

__attribute__((noinline)) void bench_build_loop(long n)
{
	for (long i = 0; i < n; i++)
		build_one();
}

__attribute__((noinline)) void bench_read_loop(long n)
{
	for (long i = 0; i < n; i++)
		read_one();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Median cycles and ns per message of `loop` over SAMPLES batches. */
static void measure(const char *what, void (*loop)(long))
{
	static uint64_t cyc[SAMPLES], ns[SAMPLES];

	loop(10000); /* warm up caches and branch predictors */
	for (int i = 0; i < SAMPLES; i++) {
		uint64_t t0 = now_ns(), c0 = __rdtsc(), c1, t1;

		loop(BATCH);
		c1 = __rdtsc();
		t1 = now_ns();
		cyc[i] = c1 - c0;
		ns[i] = t1 - t0;
	}
	qsort(cyc, SAMPLES, sizeof(cyc[0]), cmp_u64);
	qsort(ns, SAMPLES, sizeof(ns[0]), cmp_u64);
	printf("capnp %s: %.1f TSC cycles, %.1f ns per message "
	       "(median of %d batches of %d)\n",
	       what, (double)cyc[SAMPLES / 2] / BATCH,
	       (double)ns[SAMPLES / 2] / BATCH, SAMPLES, BATCH);
}

int main(int argc, char **argv)
{
	const uint8_t *out;
	uint8_t *copy;

	for (int i = 0; i < 64; i++)
		payload[i] = (uint8_t)i;
	/* The message read is the one built, copied out of the arena. */
	msg_len = build_message(&out);
	copy = malloc(msg_len);
	memcpy(copy, out, msg_len);
	msg_bytes = copy;
	if (argc == 4 && strcmp(argv[1], "--loop") == 0) {
		long n = atol(argv[3]);

		if (strcmp(argv[2], "build") == 0)
			bench_build_loop(n);
		else
			bench_read_loop(n);
		return 0;
	}
	printf("capnp message: %zu bytes\n", msg_len);
	measure("build", bench_build_loop);
	measure("read", bench_read_loop);
	return 0;
}
