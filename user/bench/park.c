/*
 * park.c - the PARK/UNPARK round trip between two threads of one
 * process, in TSC cycles (guest instructions under -icount): the main
 * thread hands a turn word to a second thread and parks until it is
 * handed back, the way Linux's futex ping-pong does (the comparable
 * pair in the table).
 */
#include "bench.h"
#include <capos/rt_thread.h>

#define PARK_ITERS 200

enum { MAIN_TURN, PEER_TURN, STOP };

static uint32_t turn;

static uint32_t load(void)
{
	return __atomic_load_n(&turn, __ATOMIC_ACQUIRE);
}

static void hand_over(uint32_t to)
{
	__atomic_store_n(&turn, to, __ATOMIC_RELEASE);
	rt_unpark(&turn, 1);
}

static int64_t peer(void *arg)
{
	(void)arg;
	for (;;) {
		uint32_t v;

		while ((v = load()) == MAIN_TURN)
			rt_park(&turn, MAIN_TURN, 0);
		if (v == STOP)
			return 0;
		hand_over(MAIN_TURN);
	}
}

int bench_park(capos_cap_t threads, uint64_t (*now_ns)(void))
{
	rt_thread_t t;
	uint64_t c0, t0;
	int64_t code;

	turn = MAIN_TURN;
	if (rt_thread_spawn(threads, peer, NULL, 0, &t))
		return -1;
	for (int warm = 1; warm >= 0; warm--) {
		c0 = rdtsc();
		t0 = now_ns();
		for (int i = 0; i < PARK_ITERS; i++) {
			hand_over(PEER_TURN);
			while (load() == PEER_TURN)
				rt_park(&turn, PEER_TURN, 0);
		}
	}
	report("park_roundtrip", rdtsc() - c0, now_ns() - t0, PARK_ITERS);
	hand_over(STOP);
	return rt_thread_join(t, &code);
}
