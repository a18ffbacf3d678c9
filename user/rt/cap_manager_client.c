/*
 * cap_manager_client.c - CapabilityManager client (rt_caps.h) on the
 * generated stubs: encode the params, call, decode the results or the
 * CapException.
 */
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt.h>
#include <capos/rt_caps.h>

/* list's results for n capabilities (schema: 32 + 16 per capability). */
#define LIST_RESULT_SIZE(n) (32u + 16u * (n))

/* The answer to a call: the result length, or RT_REFUSED(type). */
static int refused_or_len(int rc, const struct capos_cqe *cqe, const void *res)
{
	struct capnpc_msg m;
	struct capos_cap_exception ex;

	if (rc < 0 || !(cqe->flags & CAPOS_CQE_EXCEPTION))
		return rc;
	if (capos_cap_exception_decode(res, (size_t)rc, &m, &ex) != CAPNP_OK)
		return RT_REFUSED(CAPOS_EXCEPTION_TYPE_FAILED);
	return RT_REFUSED(capos_cap_exception_get_type(&ex));
}

int rt_caps_list(capos_cap_t caps, struct rt_cap_info *out, uint32_t max,
                 uint32_t *n)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[LIST_RESULT_SIZE(RT_CAPS_LIST_MAX)]
	    __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_capability_manager_list_results r;
	struct capos_list_of_cap_info l;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	uint32_t count;
	int rc;

	if (max > RT_CAPS_LIST_MAX)
		max = RT_CAPS_LIST_MAX;
	if (capos_capability_manager_list_encode_params(arena, sizeof(arena),
	                                                &msg, &len))
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(caps, CAPOS_CAPABILITY_MANAGER_METHOD_LIST, msg,
	                  (uint32_t)len, res, LIST_RESULT_SIZE(max), NULL, 0,
	                  &cqe);
	if (rc == CAPOS_E_BUFFER_TOO_SMALL && cqe.needed >= 32) {
		*n = (cqe.needed - 32) / 16;
		return rc;
	}
	rc = refused_or_len(rc, &cqe, res);
	if (rc < 0 || rc >= RT_REFUSED(0))
		return rc;
	if (capos_capability_manager_list_decode_results(res, (size_t)rc, &m,
	                                                 &r) ||
	    capos_capability_manager_list_results_get_caps(&r, &l))
		return CAPOS_E_BAD_MESSAGE;
	count = capos_list_of_cap_info_len(&l);
	if (count > max)
		return CAPOS_E_BAD_MESSAGE;
	for (uint32_t i = 0; i < count; i++) {
		struct capos_cap_info e;

		if (capos_list_of_cap_info_get(&l, i, &e))
			return CAPOS_E_BAD_MESSAGE;
		out[i].cap = capos_cap_info_get_cap_id(&e);
		out[i].transfer = capos_cap_info_get_transfer(&e);
		out[i].interface_id = capos_cap_info_get_interface_id(&e);
	}
	*n = count;
	return 0;
}

int rt_caps_revoke(capos_cap_t caps, capos_cap_t cap)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[CAPOS_MIN_RESULT_BUFFER] __attribute__((aligned(8)));
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	if (capos_capability_manager_revoke_encode_params(arena, sizeof(arena),
	                                                  cap, &msg, &len))
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(caps, CAPOS_CAPABILITY_MANAGER_METHOD_REVOKE, msg,
	                  (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	rc = refused_or_len(rc, &cqe, res);
	return rc < 0 || rc >= RT_REFUSED(0) ? rc : 0;
}
