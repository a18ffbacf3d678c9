/*
 * bench.h - what the bench program's files share: the TSC and the
 * "bench: NAME CYCLES cycles NS ns" line tools/run_tests.py reads.
 */
#ifndef CAPOS_USER_BENCH_H
#define CAPOS_USER_BENCH_H

#include <stdint.h>
#include <capos/rt.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Prints one result line: cycles and ns per operation. */
void report(const char *name, uint64_t cycles, uint64_t ns, uint64_t ops);

/* spawn.c: spawn-to-first-instruction and spawn-to-exit through the
 * spawner. Returns 0, or -1 (reported) if a spawn failed. */
int bench_spawn(capos_cap_t console, capos_cap_t timer, capos_cap_t spawner);

/* endpoint.c: the endpoint round trip against user/benchsrv. Returns
 * 0, or -1 if the server could not be set up (no lines then). */
int bench_endpoint(capos_cap_t factory, capos_cap_t spawner,
                   uint64_t (*now_ns)(void));

/* park.c: the PARK/UNPARK round trip between two threads. Returns 0,
 * or -1 if the second thread could not start. */
int bench_park(capos_cap_t threads, uint64_t (*now_ns)(void));

#endif
