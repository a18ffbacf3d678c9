/*
 * bench - the ring's own costs, measured from user mode: an empty
 * cap_enter, a NOP round trip, a batch of 16 NOPs, and a Timer.now CALL
 * (raw, with prebuilt params, and through the typed client); then, given
 * a "spawner", the cost of starting a program (spawn.c).
 *
 * Each line gives TSC cycles and Timer nanoseconds per operation. Under
 * QEMU -icount shift=0 one guest instruction takes one virtual
 * nanosecond, so the ns column is then guest instructions per operation.
 */
#include <capnp/capnp.h>
#include <capos/rt.h>
#include <capos/rt_process.h>
#include "bench.h"
#include <capos/rt_endpoint.h>

#define ITERS 2000

static capos_cap_t con, timer;

static char *put_u64(char *p, uint64_t v)
{
	char d[20];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = d[--n];
	return p;
}

void report(const char *name, uint64_t cycles, uint64_t ns, uint64_t ops)
{
	char line[128], *p = line;
	const char *s;

	for (s = "bench: "; *s; s++)
		*p++ = *s;
	for (s = name; *s; s++)
		*p++ = *s;
	*p++ = ' ';
	p = put_u64(p, cycles / ops);
	for (s = " cycles "; *s; s++)
		*p++ = *s;
	p = put_u64(p, ns / ops);
	for (s = " ns"; *s; s++)
		*p++ = *s;
	rt_console_write(con, line, (uint32_t)(p - line));
	rt_console_write(con, "\n", 1);
}

static uint64_t now_ns(void)
{
	uint64_t ns = 0;

	rt_timer_now(timer, &ns);
	return ns;
}

/* Posts n NOPs straight into the SQ (no runtime bookkeeping). */
static void push_nops(uint32_t n)
{
	struct capos_ring_header *h = &rt_ring->hdr;

	for (uint32_t i = 0; i < n; i++) {
		struct capos_sqe *s =
		    &rt_ring->sq[h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)];

		*s = (struct capos_sqe){.opcode = CAPOS_OP_NOP, .user_data = i};
		h->sq_tail++;
	}
}

static void consume(uint32_t n)
{
	rt_ring->hdr.cq_head += n;
}

static void bench_empty_enter(void)
{
	uint64_t c0, t0;

	t0 = now_ns();
	c0 = rdtsc();
	for (int i = 0; i < ITERS; i++)
		capos_cap_enter(0, 0);
	report("cap_enter_empty", rdtsc() - c0, now_ns() - t0, ITERS);
}

static void bench_nop(uint32_t batch, const char *name)
{
	uint64_t c0, t0;

	t0 = now_ns();
	c0 = rdtsc();
	for (int i = 0; i < ITERS; i++) {
		push_nops(batch);
		capos_cap_enter(batch, CAPOS_TIMEOUT_NONE);
		consume(batch);
	}
	report(name, rdtsc() - c0, now_ns() - t0, (uint64_t)ITERS * batch);
}

static void bench_timer_now_raw(void)
{
	static uint8_t params[16], result[64];
	struct capnp_builder b;
	struct capnp_bstruct root;
	const uint8_t *bytes;
	size_t len;
	struct capos_ring_header *h = &rt_ring->hdr;
	uint64_t c0, t0;

	capnp_builder_init(&b, params, sizeof(params));
	capnp_builder_root(&b, 0, 0, &root);
	capnp_builder_finish(&b, &bytes, &len);
	t0 = now_ns();
	c0 = rdtsc();
	for (int i = 0; i < ITERS; i++) {
		struct capos_sqe *s =
		    &rt_ring->sq[h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)];

		*s = (struct capos_sqe){.opcode = CAPOS_OP_CALL,
		                        .cap = timer,
		                        .params_addr = (uint64_t)params,
		                        .params_len = (uint32_t)len,
		                        .result_addr = (uint64_t)result,
		                        .result_len = sizeof(result)};
		h->sq_tail++;
		capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
		consume(1);
	}
	report("timer_now_call", rdtsc() - c0, now_ns() - t0, ITERS);
}

static void bench_timer_now_client(void)
{
	uint64_t c0, t0, ns;

	t0 = now_ns();
	c0 = rdtsc();
	for (int i = 0; i < ITERS; i++)
		rt_timer_now(timer, &ns);
	report("timer_now_client", rdtsc() - c0, now_ns() - t0, ITERS);
}

int main(void)
{
	capos_cap_t spawner, endpoints, threads;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	if (!con || !timer)
		return 1;
	bench_empty_enter();
	bench_nop(1, "nop_roundtrip");
	bench_nop(16, "nop_batch16_per_nop");
	bench_timer_now_raw();
	bench_timer_now_client();
	spawner = rt_capset_find("spawner", RT_IFACE_PROCESS_SPAWNER);
	if (spawner)
		bench_spawn(con, timer, spawner); /* failures print, no line */
	endpoints = rt_capset_find("endpoints", RT_IFACE_ENDPOINT_FACTORY);
	if (spawner && endpoints && bench_endpoint(endpoints, spawner, now_ns))
		rt_console_write_line(con, "bench: endpoint setup failed");
	threads = rt_capset_find("threads", CAPOS_THREAD_SPAWNER_INTERFACE_ID);
	if (threads && bench_park(threads, now_ns))
		rt_console_write_line(con, "bench: park setup failed");
	rt_console_write_line(con, "bench: done");
	return 0;
}
