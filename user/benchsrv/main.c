/*
 * benchsrv - the server side of the endpoint benchmark (user/bench):
 * answers every call on its "server" facet with the call's own params,
 * keeping one RECV outstanding: each answer is one RETURN that makes the
 * next RECV (CAPOS_RETURN_RECV), as rt_serve's are.
 */
#include <capos/endpoint.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>

#define BUF_SIZE (2048 + 64)

static uint8_t buf[BUF_SIZE] __attribute__((aligned(8)));

int main(void)
{
	capos_cap_t server =
	    rt_capset_find("server", CAPOS_ENDPOINT_INTERFACE_ID);
	struct capos_sqe recv = rt_recv_sqe(server, buf, sizeof(buf));
	uint64_t ud;

	if (!server)
		return 1;
	ud = rt_submit(&recv);
	for (;;) {
		struct capos_cqe cqe;

		if (rt_echo_wait(server, buf, sizeof(buf), &ud, &cqe))
			return 2;
		/* The reply is the params as they came; the same SQE makes
		 * the next RECV. */
		struct capos_sqe ret =
		    rt_echo_return_recv_sqe(server, &cqe, buf, sizeof(buf));

		ud = rt_submit(&ret);
	}
}
