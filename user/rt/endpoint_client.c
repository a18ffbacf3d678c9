/*
 * endpoint_client.c - endpoints from a program's side (rt_endpoint.h):
 * EndpointFactory.create, RECV and RETURN on a server facet, result
 * capabilities and CapExceptions.
 */
#include <string.h>
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>
#include "rt_private.h"

#define CREATE_RESULT 256 /* results (24) + two CapIds, or a CapException */

int rt_exception_decode(const void *result, uint32_t len,
                        struct rt_exception *ex)
{
	struct capnpc_msg m;
	struct capos_cap_exception e;
	const char *s;
	uint32_t n;

	ex->type = CAPOS_EXCEPTION_TYPE_FAILED;
	ex->reason[0] = 0;
	if (capos_cap_exception_decode(result, len, &m, &e) ||
	    capos_cap_exception_get_reason(&e, &s, &n))
		return CAPOS_E_BAD_MESSAGE;
	ex->type = capos_cap_exception_get_type(&e);
	if (n >= sizeof(ex->reason))
		n = sizeof(ex->reason) - 1;
	memcpy(ex->reason, s, n);
	ex->reason[n] = 0;
	return 0;
}

/* Each thread keeps its own last exception, as errno would be. */
void rt_exception_note(const void *result, uint32_t len)
{
	rt_exception_decode(result, len, &rt_self()->exception);
}

const struct rt_exception *rt_exception_last(void)
{
	return &rt_self()->exception;
}

int rt_result_cap(const void *result, uint32_t result_size,
                  const struct capos_cqe *cqe, uint32_t index, capos_cap_t *cap)
{
	uint64_t at;

	if (cqe->result < 0 || index >= cqe->caps)
		return CAPOS_E_BAD_MESSAGE;
	at = (((uint64_t)cqe->result + 7) & ~7ull) + 4ull * index;
	if (at + sizeof(*cap) > result_size)
		return CAPOS_E_BAD_MESSAGE;
	memcpy(cap, (const uint8_t *)result + at, sizeof(*cap));
	return 0;
}

int rt_endpoint_create(capos_cap_t factory, uint64_t interface_id,
                       capos_cap_t *server, capos_cap_t *client)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[CREATE_RESULT] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_endpoint_factory_create_results r;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	capos_endpoint_factory_create_encode_params(arena, sizeof(arena),
	                                            interface_id, &msg, &len);
	rc = rt_call_xfer(factory, CAPOS_ENDPOINT_FACTORY_METHOD_CREATE, msg,
	                  (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	if (rc < 0)
		return rc;
	if (cqe.flags & CAPOS_CQE_EXCEPTION) {
		rt_exception_note(res, (uint32_t)rc);
		return RT_E_EXCEPTION;
	}
	if (capos_endpoint_factory_create_decode_results(res, (size_t)rc, &m,
	                                                 &r) ||
	    rt_result_cap(res, sizeof(res), &cqe,
	                  capos_endpoint_factory_create_results_get_server(&r),
	                  server) ||
	    rt_result_cap(res, sizeof(res), &cqe,
	                  capos_endpoint_factory_create_results_get_client(&r),
	                  client))
		return CAPOS_E_BAD_MESSAGE;
	return 0;
}

uint64_t rt_recv_submit(capos_cap_t server, void *buf, uint32_t len)
{
	struct capos_sqe sqe = {
	    .opcode = CAPOS_OP_RECV,
	    .cap = server,
	    .result_addr = (uint64_t)buf,
	    .result_len = len,
	};

	return rt_submit(&sqe);
}

int rt_recv_decode(const struct capos_cqe *cqe, const void *buf, uint32_t len,
                   struct rt_incoming *in)
{
	const struct capos_recv_header *h = buf;
	uint64_t off;

	if (cqe->result < 0)
		return cqe->result;
	/* The kernel wrote it, but a header that points outside what it
	 * wrote would make every later read a guess. */
	if ((uint32_t)cqe->result > len || (uint32_t)cqe->result < sizeof(*h))
		return CAPOS_E_BAD_MESSAGE;
	off = capos_recv_params_offset(h->caps);
	if (off + h->params_len > (uint32_t)cqe->result)
		return CAPOS_E_BAD_MESSAGE;
	in->hdr = h;
	in->caps = (const capos_cap_t *)(h + 1);
	in->params = (const uint8_t *)buf + off;
	in->params_len = h->params_len;
	return 0;
}

int rt_recv(capos_cap_t server, void *buf, uint32_t len, struct rt_incoming *in)
{
	struct capos_cqe cqe;
	uint64_t ud;
	int rc;

	while (!(ud = rt_recv_submit(server, buf, len)))
		rt_flush();
	rc = rt_wait(ud, &cqe);
	if (rc < 0)
		return rc;
	return rt_recv_decode(&cqe, buf, len, in);
}

int rt_return(capos_cap_t server, uint32_t call_id, const void *msg,
              uint32_t len, bool exception, const struct capos_xfer *xfer,
              uint16_t n)
{
	struct capos_sqe sqe = {
	    .opcode = CAPOS_OP_RETURN,
	    .flags = exception ? CAPOS_RETURN_EXCEPTION : 0,
	    .cap = server,
	    .params_addr = len ? (uint64_t)msg : 0,
	    .params_len = len,
	    .call_id = call_id,
	    .xfer_count = n,
	    .xfer_addr = n ? (uint64_t)xfer : 0,
	};

	return rt_submit_wait(&sqe, NULL);
}

uint32_t rt_exception_build(void *arena, size_t size,
                            enum capos_exception_type type, const char *reason)
{
	struct capnp_builder b;
	struct capos_cap_exception_builder e;
	const uint8_t *msg;
	size_t len;

	capnp_builder_init(&b, arena, size);
	capos_cap_exception_init_root(&b, &e);
	capos_cap_exception_set_type(&e, type);
	capos_cap_exception_set_reason(&e, reason, (uint32_t)strlen(reason));
	if (capnp_builder_finish(&b, &msg, &len) != CAPNP_OK)
		return 0;
	return (uint32_t)len;
}

int rt_return_exception(capos_cap_t server, uint32_t call_id,
                        enum capos_exception_type type, const char *reason)
{
	uint8_t arena[256] __attribute__((aligned(8)));
	uint32_t len = rt_exception_build(arena, sizeof(arena), type, reason);

	if (!len)
		len = rt_exception_build(arena, sizeof(arena), type, "");
	return rt_return(server, call_id, arena, len, true, NULL, 0);
}
