/*
 * echo_client.c - the typed client stub of Echo (schema/capos.capnp), on
 * the generated encode_params / decode_results: what every endpoint
 * client stub looks like.
 */
#include <string.h>
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>
#include <capos/rt_thread.h>
#include "rt_private.h"

/* Small calls use buffers on the stack; a results message for n data
 * bytes takes 24 + n rounded up to 8, and a CapException fits in
 * CAPOS_MIN_RESULT_BUFFER. */
#define SMALL_DATA 512
#define SMALL_BUF  (SMALL_DATA + CAPOS_MIN_RESULT_BUFFER)

/* Large ones share static buffers, one thread at a time. */
static struct rt_mutex big_lock = RT_MUTEX_INIT;
static uint8_t big_arena[CAPOS_MSG_MAX] __attribute__((aligned(8)));
static uint8_t big_res[CAPOS_MSG_MAX] __attribute__((aligned(8)));

/* One Echo.echo with the given buffers. */
static int echo_with(capos_cap_t client, const void *data, uint32_t len,
                     void *out, uint32_t out_cap, uint32_t *out_len,
                     uint8_t *arena, uint32_t arena_size, uint8_t *res,
                     uint32_t res_size)
{
	struct capnpc_msg m;
	struct capos_echo_echo_results r;
	struct capos_cqe cqe;
	const uint8_t *msg, *d;
	uint32_t n;
	size_t plen;
	int rc;

	if (capos_echo_echo_encode_params(arena, arena_size, data, len, &msg,
	                                  &plen) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(client, CAPOS_ECHO_METHOD_ECHO, msg, (uint32_t)plen,
	                  res, res_size, NULL, 0, &cqe);
	if (rc < 0)
		return rc;
	if (cqe.flags & CAPOS_CQE_EXCEPTION) {
		rt_exception_note(res, (uint32_t)rc);
		return RT_E_EXCEPTION;
	}
	if (capos_echo_echo_decode_results(res, (size_t)rc, &m, &r) ||
	    capos_echo_echo_results_get_data(&r, &d, &n))
		return CAPOS_E_BAD_MESSAGE;
	*out_len = n;
	if (n > out_cap)
		return CAPOS_E_BUFFER_TOO_SMALL;
	memcpy(out, d, n);
	return 0;
}

int rt_echo(capos_cap_t client, const void *data, uint32_t len, void *out,
            uint32_t out_cap, uint32_t *out_len)
{
	uint8_t arena[SMALL_BUF] __attribute__((aligned(8)));
	uint8_t res[SMALL_BUF] __attribute__((aligned(8)));
	int rc;

	*out_len = 0;
	if (len > RT_ECHO_MAX)
		return CAPOS_E_TOO_LARGE;
	if (len <= SMALL_DATA)
		return echo_with(client, data, len, out, out_cap, out_len,
		                 arena, sizeof(arena), res, sizeof(res));
	rt_mutex_lock(&big_lock);
	rc = echo_with(client, data, len, out, out_cap, out_len, big_arena,
	               sizeof(big_arena), big_res, sizeof(big_res));
	rt_mutex_unlock(&big_lock);
	return rc;
}
