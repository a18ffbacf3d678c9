/*
 * endpoint.c - the endpoint round trip, from the client's side, in TSC
 * cycles (guest instructions under -icount): CALL on a client facet ->
 * the server process (user/benchsrv) RECVs and RETURNs the params ->
 * the client's completion. Empty and 1 KiB messages, one call at a time
 * and 16 in flight (reported per call).
 */
#include <string.h>
#include "bench.h"
#include <capnp/capnp.h>
#include <capos/rt_endpoint.h>
#include <capos/rt_process.h>

#define EP_ITERS 200
#define EP_BATCH 16

/* Enough for the server; the bench's own ledger is the default one. */
static const struct rt_quotas server_q = {256, 8, 1, 0, 65536};

static uint8_t params_1k[1024 + 64] __attribute__((aligned(8)));
static uint32_t params_1k_len;
static uint8_t results[EP_BATCH][1024 + 128] __attribute__((aligned(8)));

/* A Data message of 1 KiB, the shape of Echo.echo's params. */
static void encode_1k(void)
{
	struct capnp_builder b;
	struct capnp_bstruct root;
	static uint8_t data[1024];
	const uint8_t *msg;
	size_t len;

	memset(data, 0x5a, sizeof(data));
	capnp_builder_init(&b, params_1k, sizeof(params_1k));
	capnp_builder_root(&b, 0, 1, &root);
	capnp_bstruct_set_data(&root, 0, data, sizeof(data));
	capnp_builder_finish(&b, &msg, &len);
	params_1k_len = (uint32_t)len;
}

/* The CALL each case makes: empty params, or the 1 KiB message. */
static struct capos_sqe call_sqe(capos_cap_t client, bool big)
{
	return (struct capos_sqe){
	    .opcode = CAPOS_OP_CALL,
	    .cap = client,
	    .params_addr = big ? (uint64_t)params_1k : 0,
	    .params_len = big ? params_1k_len : 0,
	    .result_addr = (uint64_t)results[0],
	    .result_len = sizeof(results[0]),
	};
}

/*
 * Runs EP_ITERS synchronous calls, each submitted and waited for as any
 * one-at-a-time client does (what the Linux ping-pongs measure too);
 * returns cycles, -1 on error.
 */
static int64_t run_one(capos_cap_t client, bool big)
{
	const struct capos_sqe sqe = call_sqe(client, big);
	uint64_t c0 = rdtsc();

	for (uint32_t i = 0; i < EP_ITERS; i++) {
		struct capos_cqe cqe;

		if (rt_enter_wait(rt_submit(&sqe), &cqe) < 0 || cqe.result < 0)
			return -1;
	}
	return (int64_t)(rdtsc() - c0);
}

/* Runs EP_ITERS batches of `batch` calls in flight together; returns
 * cycles, -1 on error. */
static int64_t run_batch(capos_cap_t client, uint32_t batch, bool big)
{
	struct capos_sqe sqe = call_sqe(client, big);
	uint64_t ud[EP_BATCH], c0 = rdtsc();

	for (uint32_t i = 0; i < EP_ITERS; i++) {
		for (uint32_t k = 0; k < batch; k++) {
			sqe.result_addr = (uint64_t)results[k];
			sqe.user_data = 0;
			ud[k] = rt_submit(&sqe);
		}
		for (uint32_t k = 0; k < batch; k++) {
			struct capos_cqe cqe;
			/* The first wait takes the batch to the kernel. */
			int rc = k ? rt_wait(ud[k], &cqe)
			           : rt_enter_wait(ud[k], &cqe);

			if (rc < 0 || cqe.result < 0)
				return -1;
		}
	}
	return (int64_t)(rdtsc() - c0);
}

int bench_endpoint(capos_cap_t factory, capos_cap_t spawner,
                   uint64_t (*now_ns)(void))
{
	static const struct {
		const char *name;
		uint32_t batch;
		bool big;
	} cases[] = {
	    {"ep_roundtrip_empty", 1, false},
	    {"ep_roundtrip_1k", 1, true},
	    {"ep_batch16_empty_per_call", EP_BATCH, false},
	    {"ep_batch16_1k_per_call", EP_BATCH, true},
	};
	capos_cap_t server, client, handle;
	struct rt_grant g;
	int rc;

	encode_1k();
	rc = rt_endpoint_create(factory, CAPOS_ECHO_INTERFACE_ID, &server,
	                        &client);
	if (rc)
		return -1;
	g = (struct rt_grant){"server", server, CAPOS_XFER_MOVE};
	rc = rt_spawn(spawner, "benchsrv", "benchsrv", &g, 1, &server_q,
	              &handle, NULL, 0);
	if (rc)
		return -1;
	if (run_one(client, false) < 0) /* warm-up: the server is running */
		return -1;
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t t0 = now_ns();
		int64_t cycles =
		    cases[i].batch == 1
		        ? run_one(client, cases[i].big)
		        : run_batch(client, cases[i].batch, cases[i].big);

		if (cycles < 0)
			return -1;
		report(cases[i].name, (uint64_t)cycles, now_ns() - t0,
		       (uint64_t)EP_ITERS * cases[i].batch);
	}
	rt_process_kill(handle);
	rt_release_now(handle);
	rt_release_now(client);
	return 0;
}
