/*
 * call.c - reading a call's params and writing its reply (call.h).
 */
#include <string.h>
#include <capos/errors.h>
#include <capos.capnp.h>
#include <kernel/call.h>

const uint8_t call_empty_message[16] = {0,    0,    0,    0,    1, 0, 0, 0,
                                        0xFC, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};

bool call_message_framing_ok(const uint8_t *bytes, uint32_t len)
{
	struct capnp_segment segs[8];
	struct capnp_msg msg;

	/* One segment, the usual case: its size must fit in what follows
	 * the 8-byte table (what capnp_msg_init_stream checks, without
	 * setting up a reader; a size past the traversal limit cannot fit
	 * in a message of at most 4 GiB). */
	if (len >= 8) {
		uint64_t head;

		__builtin_memcpy(&head, bytes, sizeof(head)); /* inline */
		if ((uint32_t)head == 0)
			return call_message_one_segment_ok(head, len);
	}
	return capnp_msg_init_stream(&msg, bytes, len, segs, 8) == CAPNP_OK;
}

int call_params(struct call *c, struct capnp_msg *msg,
                struct capnp_segment *segs, uint32_t nsegs,
                struct capnp_struct *root)
{
	if (capnp_msg_init_stream(msg, c->params, c->params_len, segs, nsegs) !=
	        CAPNP_OK ||
	    capnp_root(msg, root) != CAPNP_OK)
		return CAPOS_E_BAD_MESSAGE;
	return 0;
}

int call_reply_begin(struct call *c, struct capnp_builder *b,
                     uint16_t data_words, uint16_t ptr_words,
                     struct capnp_bstruct *root)
{
	capnp_builder_init(b, c->result, c->result_cap);
	capnp_builder_root(b, data_words, ptr_words, root);
	return 0;
}

int call_reply_end(struct call *c, struct capnp_builder *b,
                   uint32_t size_needed)
{
	const uint8_t *bytes;
	size_t len;

	if (capnp_builder_finish(b, &bytes, &len) != CAPNP_OK) {
		c->needed = size_needed;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	c->result_len = (uint32_t)len;
	return 0;
}

int call_reply_empty(struct call *c)
{
	struct capnp_builder b;
	struct capnp_bstruct root;

	call_reply_begin(c, &b, 0, 0, &root);
	return call_reply_end(c, &b, 16);
}

int call_exception(struct call *c, enum cap_exception_type type,
                   const char *reason)
{
	struct capnp_builder b;
	struct capnp_bstruct root;
	size_t n = strlen(reason);
	int rc;

	/* CapException: type @0 :UInt16 enum (data word 0), reason @1 Text. */
	call_reply_begin(c, &b, 1, 1, &root);
	capnp_bstruct_set_u16(&root, 0, (uint16_t)type, 0);
	capnp_bstruct_set_text(&root, 0, reason, (uint32_t)n);
	rc = call_reply_end(c, &b, 16 + 8 + 8 + ((n + 8) & ~7u));
	if (rc == 0) {
		c->exception = true;
		rc = CALL_REPLIED;
	}
	return rc;
}

int call_dispatched(struct call *c, int rc, size_t result_len)
{
	switch (rc) {
	case CAPNPC_DISPATCH_OK:
		c->result_len = (uint32_t)result_len;
		return 0;
	case CAPNPC_DISPATCH_UNKNOWN_METHOD:
		return CAPOS_E_UNKNOWN_METHOD;
	case CAPNPC_DISPATCH_UNIMPLEMENTED:
		return call_exception(c, CAPEX_UNIMPLEMENTED,
		                      "method not implemented");
	case CAPNPC_DISPATCH_BAD_PARAMS:
		return CAPOS_E_BAD_MESSAGE;
	case CAPNPC_DISPATCH_RESULTS_TOO_SMALL:
		if (!c->needed)
			c->needed = CAPOS_MIN_RESULT_BUFFER;
		return CAPOS_E_BUFFER_TOO_SMALL;
	case CAPNPC_DISPATCH_RESULTS_INVALID:
		return call_exception(c, CAPEX_FAILED, "kernel reply broken");
	}
	return rc; /* CALL_PENDING, CALL_REPLIED or a transport error */
}

int call_return_cap(struct call *c, struct kobject *obj)
{
	if (c->nout_caps == CALL_MAX_OUT_CAPS) {
		kobject_put(obj);
		return -1;
	}
	c->out_caps[c->nout_caps] = obj;
	return (int)c->nout_caps++;
}
