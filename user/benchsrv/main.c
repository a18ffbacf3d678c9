/*
 * benchsrv - the server side of the endpoint benchmark (user/bench):
 * answers every call on its "server" facet with the call's own params,
 * keeping one RECV outstanding and sending each RETURN (quiet: no CQE
 * unless it fails) in the same cap_enter as the next RECV, as rt_serve
 * does.
 */
#include <capos/endpoint.h>
#include <capos/rt.h>

#define BUF_SIZE (2048 + 64)

static uint8_t buf[BUF_SIZE] __attribute__((aligned(8)));

static uint64_t submit_recv(capos_cap_t server)
{
	struct capos_sqe recv = {
	    .opcode = CAPOS_OP_RECV,
	    .cap = server,
	    .result_addr = (uint64_t)buf,
	    .result_len = sizeof(buf),
	};

	return rt_submit(&recv);
}

int main(void)
{
	capos_cap_t server =
	    rt_capset_find("server", CAPOS_ENDPOINT_INTERFACE_ID);
	uint64_t ud;

	if (!server)
		return 1;
	ud = submit_recv(server);
	for (;;) {
		const struct capos_recv_header *h = (const void *)buf;
		struct capos_cqe cqe;

		if (rt_wait(ud, &cqe) < 0 || cqe.result < 0)
			return 2;
		/* The reply is the params as they came (RETURN copies them
		 * in before the next RECV can overwrite the buffer). */
		struct capos_sqe ret = {
		    .opcode = CAPOS_OP_RETURN,
		    .flags = CAPOS_RETURN_QUIET, /* wait for the RECV alone */
		    .cap = server,
		    .call_id = cqe.call_id,
		    .params_addr =
		        (uint64_t)(buf + capos_recv_params_offset(h->caps)),
		    .params_len = h->params_len,
		    .user_data = RT_USER_DATA_DISCARD,
		};
		rt_submit(&ret);
		ud = submit_recv(server);
	}
}
