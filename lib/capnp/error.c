/*
 * error.c - names for enum capnp_err, for logs and kernel error messages.
 */
#include "capnp/capnp.h"

static const char *const names[CAPNP_ERR_COUNT_] = {
    [CAPNP_OK] = "ok",
    [CAPNP_ERR_TRUNCATED] = "message truncated",
    [CAPNP_ERR_SEGMENT_COUNT] = "bad segment count",
    [CAPNP_ERR_MESSAGE_TOO_LARGE] = "message too large",
    [CAPNP_ERR_NO_ROOT] = "message has no root pointer",
    [CAPNP_ERR_OUT_OF_BOUNDS] = "pointer out of bounds",
    [CAPNP_ERR_FAR_SEGMENT] = "far pointer to unknown segment",
    [CAPNP_ERR_FAR_LANDING_PAD] = "bad far pointer landing pad",
    [CAPNP_ERR_DOUBLE_FAR_TAG] = "double-far tag is not a struct or list",
    [CAPNP_ERR_WRONG_KIND] = "wrong pointer kind",
    [CAPNP_ERR_CAPABILITY] = "capability where data expected",
    [CAPNP_ERR_RESERVED_POINTER] = "reserved pointer type",
    [CAPNP_ERR_ELEMENT_SIZE] = "incompatible list element size",
    [CAPNP_ERR_COMPOSITE_TAG] = "composite list tag is not a struct",
    [CAPNP_ERR_COMPOSITE_OVERRUN] = "composite list overruns its words",
    [CAPNP_ERR_TEXT_NOT_TERMINATED] = "text not NUL-terminated",
    [CAPNP_ERR_TRAVERSAL_LIMIT] = "traversal limit exceeded",
    [CAPNP_ERR_NESTING_LIMIT] = "nesting limit exceeded",
    [CAPNP_ERR_INDEX] = "list index out of range",
    [CAPNP_ERR_ARENA_FULL] = "builder arena full",
    [CAPNP_ERR_TOO_LARGE] = "object too large to encode",
    [CAPNP_ERR_INVALID_ARG] = "invalid argument",
};

const char *capnp_strerror(enum capnp_err err)
{
	if ((unsigned)err >= CAPNP_ERR_COUNT_ || !names[err])
		return "unknown capnp error";
	return names[err];
}
