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
#include "rt_private.h"

int rt_echo(capos_cap_t client, const void *data, uint32_t len, void *out,
            uint32_t out_cap, uint32_t *out_len)
{
	/* Params and results up to the largest message; static, as the
	 * runtime has one ring per thread and the stack is 64 KiB. */
	static uint8_t arena[CAPOS_MSG_MAX] __attribute__((aligned(8)));
	static uint8_t res[CAPOS_MSG_MAX] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_echo_echo_results r;
	struct capos_cqe cqe;
	const uint8_t *msg, *d;
	uint32_t n;
	size_t plen;
	int rc;

	*out_len = 0;
	if (len > RT_ECHO_MAX ||
	    capos_echo_echo_encode_params(arena, sizeof(arena), data, len, &msg,
	                                  &plen) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(client, CAPOS_ECHO_METHOD_ECHO, msg, (uint32_t)plen,
	                  res, sizeof(res), NULL, 0, &cqe);
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
