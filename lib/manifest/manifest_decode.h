/*
 * manifest_decode.h - reads an encoded SystemManifest into the plain
 * struct manifest_graph that manifest_graph_check() validates.
 *
 * Names point into the message bytes, which must outlive the graph. It
 * reads through the generated accessors (gen/capos.capnp.h) over
 * lib/capnp, so a damaged message is an error, never a bad read.
 */
#ifndef CAPOS_LIB_MANIFEST_DECODE_H
#define CAPOS_LIB_MANIFEST_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <capos.capnp.h>
#include "manifest_graph.h"

#define MANIFEST_POOL_GRANTS  512 /* service caps, all services together */
#define MANIFEST_POOL_EXPORTS 256

struct manifest_storage {
	struct manifest_name binaries[MANIFEST_MAX_BINARIES];
	struct manifest_kernel_grant init_caps[MANIFEST_MAX_GRANTS];
	struct manifest_service services[MANIFEST_MAX_SERVICES];
	struct manifest_grant grants[MANIFEST_POOL_GRANTS];
	struct manifest_export exports[MANIFEST_POOL_EXPORTS];
	struct capnpc_msg msg;
};

enum manifest_decode_error {
	MANIFEST_DECODE_OK = 0,
	MANIFEST_DECODE_FRAMING,   /* not a Cap'n Proto message */
	MANIFEST_DECODE_STRUCTURE, /* a field has the wrong type or is bad */
	MANIFEST_DECODE_TOO_MANY,  /* a list exceeds what a graph can hold */
};

/*
 * Decodes bytes[0..len) into g (arrays in st). Returns
 * MANIFEST_DECODE_OK, or an error with a message naming the field in
 * msg (NUL-terminated, msg_size bytes at most).
 */
enum manifest_decode_error manifest_decode(const void *bytes, size_t len,
                                           struct manifest_storage *st,
                                           struct manifest_graph *g, char *msg,
                                           size_t msg_size);

#endif
