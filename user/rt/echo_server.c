/*
 * echo_server.c - the Echo method as the tree's Echo servers answer it
 * (the manifest's echo service, smpstress's server thread): the data
 * back, unchanged. Servers that answer differently (echotest's, which
 * throws and gives caps on request) keep their own.
 */
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt_endpoint.h>

int rt_echo_answer(void *ctx, const struct capos_echo_echo_params *params,
                   struct capos_echo_echo_results_builder *results)
{
	const uint8_t *d;
	uint32_t n;

	if (capos_echo_echo_params_get_data(params, &d, &n))
		return rt_serve_throw(&results->s,
		                      CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT,
		                      "data is not Data");
	/* Too big for the arena: dispatch answers `failed`. */
	capos_echo_echo_results_set_data(results, d, n);
	if (ctx)
		__atomic_add_fetch((uint32_t *)ctx, 1, __ATOMIC_RELAXED);
	return 0;
}
