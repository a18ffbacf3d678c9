/*
 * fuzz_capnp_reader.c - libFuzzer target for the Cap'n Proto reader
 * (lib/capnp/reader.c). Built and run by `make fuzz` (mk/capnp.mk) with
 * AddressSanitizer and UBSan, seeded with the reference-encoded conformance
 * messages.
 *
 * Each input is read three ways: as a framed stream; as one raw segment
 * (no table, so every byte is pointer material); and as the same bytes cut
 * into three raw segments at points chosen by the first two bytes (so far
 * pointers have somewhere to land). Each message is walked generically
 * (tests/capnp/capnp_walk.h): every pointer of every struct and list is
 * followed, every field and element read, and every typed getter tried on
 * every pointer. The reader must return an error code for whatever it
 * cannot accept; the sanitizers catch any read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "capnp/capnp.h"
#include "../capnp/capnp_walk.h"

/*
 * A smaller traversal budget than the default keeps each input fast; the
 * limit logic does not depend on its value.
 */
static const struct capnp_limits limits = {1u << 11, CAPNP_DEFAULT_NESTING};

static void walk(struct capnp_msg *msg)
{
	struct walk_stats ws;
	struct capnp_struct root;

	walk_message_probe(msg, &ws, true);
	if (ws.overrun)
		__builtin_trap(); /* a limit failed to stop the walk */
	capnp_msg_set_limits(msg, &limits);
	if (capnp_root(msg, &root) == CAPNP_OK)
		walk_struct(&root, &ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnp_segment segs[16];
	struct capnp_msg msg;
	uint32_t words = (uint32_t)(size / 8), a, b;

	if (capnp_msg_init_stream_limits(&msg, data, size, segs, 16, &limits) ==
	    CAPNP_OK)
		walk(&msg);

	segs[0] = (struct capnp_segment){data, words};
	if (capnp_msg_init_segments(&msg, segs, 1, &limits) == CAPNP_OK)
		walk(&msg);

	if (words < 2)
		return 0;
	a = 1 + data[0] % (words - 1);
	b = a + (data[1] % (words - a + 1));
	segs[0] = (struct capnp_segment){data, a};
	segs[1] = (struct capnp_segment){data + (size_t)a * 8, b - a};
	segs[2] = (struct capnp_segment){data + (size_t)b * 8, words - b};
	if (capnp_msg_init_segments(&msg, segs, 3, &limits) == CAPNP_OK)
		walk(&msg);
	return 0;
}
