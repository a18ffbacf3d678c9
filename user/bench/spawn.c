/*
 * spawn.c - the cost of starting a program through ProcessSpawner, from
 * the parent's side, in TSC cycles (guest instructions under -icount):
 *
 *  spawner_first_insn    from just before the spawn CALL enters the
 *                        kernel to the child's first instruction: the
 *                        child (user/firstinsn) reads the TSC first thing
 *                        and exits with its low 32 bits.
 *  spawner_spawn_to_exit from the same point to the parent seeing wait
 *                        complete for user/minimal (exit and teardown
 *                        done, its ledger returned).
 *
 * The spawn params are encoded once, outside the measured part; the
 * handle's release is not measured either.
 */
#include <string.h>
#include "bench.h"
#include <capos/rt_process.h>

#define SPAWN_ITERS 200

/* Enough for either child; small, so they fit any parent. */
static const struct rt_quotas child_q = {64, 8, 1, 0, 32768};

static capos_cap_t con;

static void fail(const char *what, int rc)
{
	char line[80];
	const char *s = what;
	int n = 0;

	while (*s && n < 60)
		line[n++] = *s++;
	line[n++] = ' ';
	line[n++] = '-';
	line[n++] = (char)('0' + (-rc) / 10 % 10);
	line[n++] = (char)('0' + (-rc) % 10);
	rt_console_write(con, line, (uint32_t)n);
	rt_console_write(con, "\n", 1);
}

/* Encodes spawn(binary, no grants, child_q) once into arena. */
static int encode(const char *binary, uint8_t *arena, size_t size,
                  const uint8_t **msg, size_t *len)
{
	struct capnp_builder b;
	struct capos_process_spawner_spawn_params_builder p;
	struct capos_quotas_builder q;

	capnp_builder_init(&b, arena, size);
	capos_process_spawner_spawn_params_init_root(&b, &p);
	capos_process_spawner_spawn_params_set_name(&p, binary,
	                                            (uint32_t)strlen(binary));
	capos_process_spawner_spawn_params_set_binary(&p, binary,
	                                              (uint32_t)strlen(binary));
	capos_process_spawner_spawn_params_init_quotas(&p, &q);
	capos_quotas_set_frames(&q, child_q.frames);
	capos_quotas_set_cap_slots(&q, child_q.cap_slots);
	capos_quotas_set_threads(&q, child_q.threads);
	capos_quotas_set_endpoint_queue(&q, child_q.endpoint_queue);
	capos_quotas_set_kernel_memory(&q, child_q.kernel_memory);
	return capnp_builder_finish(&b, msg, len) ? -1 : 0;
}

/*
 * Spawns from prebuilt params; *t0 is the TSC read after the SQE is
 * queued, just before cap_enter hands it to the kernel. Returns the
 * handle, or 0 with *err.
 */
static capos_cap_t spawn(capos_cap_t spawner, const uint8_t *msg, size_t len,
                         uint64_t *t0, int *err)
{
	static uint8_t res[128] __attribute__((aligned(8)));
	struct capos_sqe sqe = {.opcode = CAPOS_OP_CALL,
	                        .cap = spawner,
	                        .method = CAPOS_PROCESS_SPAWNER_METHOD_SPAWN,
	                        .params_addr = (uint64_t)msg,
	                        .params_len = (uint32_t)len,
	                        .result_addr = (uint64_t)res,
	                        .result_len = sizeof(res)};
	struct capos_cqe cqe;
	capos_cap_t h;
	uint64_t ud;

	while (!(ud = rt_submit(&sqe)))
		rt_flush();
	*t0 = rdtsc();
	*err = rt_wait(ud, &cqe);
	if (!*err && cqe.result < 0)
		*err = cqe.result;
	if (!*err && ((cqe.flags & CAPOS_CQE_EXCEPTION) || cqe.caps != 1))
		*err = CAPOS_E_NOT_ALLOWED;
	if (*err)
		return 0;
	memcpy(&h, res + (((uint32_t)cqe.result + 7) & ~7u), sizeof(h));
	return h;
}

/*
 * Runs SPAWN_ITERS measured spawns of binary (after one warm-up) and
 * returns the summed cycles in *sum and the loop's cycles and ns (for
 * the ns column) in *loop_cycles, *loop_ns. first: measure to the child's
 * first instruction (its exit code) instead of to wait's completion.
 */
static int measure(capos_cap_t timer, capos_cap_t spawner, const char *binary,
                   bool first, uint64_t *sum, uint64_t *loop_cycles,
                   uint64_t *loop_ns)
{
	static uint8_t arena[256] __attribute__((aligned(8)));
	const uint8_t *msg;
	size_t len;
	uint64_t c0 = 0, n0 = 0, n1 = 0;

	if (encode(binary, arena, sizeof(arena), &msg, &len))
		return CAPOS_E_TOO_LARGE;
	*sum = 0;
	for (int i = 0; i <= SPAWN_ITERS; i++) {
		struct rt_exit_status st;
		uint64_t t0, t1;
		int err;
		capos_cap_t h;

		if (i == 1) {
			rt_timer_now(timer, &n0);
			c0 = rdtsc();
		}
		h = spawn(spawner, msg, len, &t0, &err);
		if (!h)
			return err;
		err = rt_process_wait(h, &st);
		t1 = rdtsc();
		rt_release_now(h);
		if (err)
			return err;
		if (st.kind != RT_EXITED)
			return CAPOS_E_INTERRUPTED;
		if (i == 0)
			continue; /* warm-up */
		if (first)
			*sum += (uint32_t)((uint32_t)st.code - (uint32_t)t0);
		else
			*sum += t1 - t0;
	}
	*loop_cycles = rdtsc() - c0;
	rt_timer_now(timer, &n1);
	*loop_ns = n1 - n0;
	return 0;
}

/* Reports sum cycles over SPAWN_ITERS, with ns scaled by the loop's
 * ns per cycle (1 under -icount shift=0). */
static void report_scaled(const char *name, uint64_t sum, uint64_t cycles,
                          uint64_t ns)
{
	report(name, sum, cycles ? sum * ns / cycles : 0, SPAWN_ITERS);
}

int bench_spawn(capos_cap_t console, capos_cap_t timer, capos_cap_t spawner)
{
	uint64_t sum, cycles, ns;
	int rc;

	con = console;
	rc = measure(timer, spawner, "firstinsn", true, &sum, &cycles, &ns);
	if (rc) {
		fail("bench: spawn of firstinsn failed:", rc);
		return -1;
	}
	report_scaled("spawner_first_insn", sum, cycles, ns);
	rc = measure(timer, spawner, "minimal", false, &sum, &cycles, &ns);
	if (rc) {
		fail("bench: spawn of minimal failed:", rc);
		return -1;
	}
	report_scaled("spawner_spawn_to_exit", sum, cycles, ns);
	return 0;
}
