/*
 * echo - the example endpoint service: serves Echo on the server facet
 * named "echo" in its CapSet (the manifest's export), forever, through the
 * runtime's server loop (rt_serve) and the generated dispatch.
 */
#include <capos/rt.h>
#include <capos/rt_endpoint.h>

#define SLOTS 2
/* Any call fits (RT_RECV_MAX), and so do its results: 24 bytes and the
 * data rounded up to 8, at most a whole message. */
#define RECV_SIZE   ((RT_RECV_MAX + 7) & ~7u)
#define RESULT_SIZE CAPOS_MSG_MAX

static uint8_t buffers[RT_SERVE_BUFFERS(SLOTS, RECV_SIZE, RESULT_SIZE)]
    __attribute__((aligned(8)));

RT_DISPATCH(capos_echo)

static const struct capos_echo_server_ops ops = {.echo = rt_echo_answer};

int main(void)
{
	struct rt_server s = {
	    .endpoint = rt_capset_find("echo", RT_IFACE_ENDPOINT),
	    .dispatch = capos_echo_rt_dispatch,
	    .ops = &ops,
	    .slots = SLOTS,
	    .recv_size = RECV_SIZE,
	    .result_size = RESULT_SIZE,
	    .buffers = buffers,
	};

	if (!s.endpoint)
		return 2;
	/* Returns only when the endpoint cannot be served any more. */
	return rt_serve(&s) < 0 ? 3 : 0;
}
