/*
 * endpoint.h - what RECV delivers and how RETURN answers (ABI,
 * docs/endpoints.md).
 *
 * RECV (SQE: opcode RECV, cap = an Endpoint (server facet), result_addr /
 * result_len = the server's buffer) completes with one call: the CQE's
 * result is the bytes written and its call_id the id to RETURN with. The
 * buffer holds a struct capos_recv_header, then `caps` CapIds (uint32_t,
 * the capabilities the caller transferred, now in the server's table),
 * padded to 8 bytes, then the params message (params_len bytes). A buffer
 * too small for all of it is CAPOS_E_BUFFER_TOO_SMALL with `needed`, and
 * the call stays queued.
 *
 * RETURN (SQE: opcode RETURN, cap = the same Endpoint, call_id, params =
 * the results message, xfer = capabilities for the caller) completes the
 * caller's CALL: its CQE result is the message length, the CapIds of the
 * transferred capabilities follow the message in its result buffer at the
 * next 8-byte boundary (CQE.caps of them), exactly like a kernel object's
 * result capabilities. With flag CAPOS_RETURN_EXCEPTION the message is a
 * CapException and the caller's CQE has CAPOS_CQE_EXCEPTION. RETURN's
 * own CQE: 0, or an error: CAPOS_E_PEER_CLOSED (the caller is gone),
 * CAPOS_E_BUFFER_TOO_SMALL or CAPOS_E_BAD_POINTER (the caller's result
 * buffer could not take the answer: the caller's CALL ends with the same
 * error) — in each case nothing was transferred and the call is over;
 * any other error (a bad descriptor, ...) leaves the call waiting for
 * another RETURN. With flag CAPOS_RETURN_QUIET a RETURN that succeeds
 * posts no CQE at all (its errors still do), so a server that sends its
 * answer and its next RECV together waits for the RECV alone.
 *
 * With flag CAPOS_RETURN_RECV one SQE is both (seL4's ReplyRecv): the
 * RETURN, quiet, then a RECV on the same cap made from the SQE's
 * result_addr, result_len and user_data, exactly as that RECV's own SQE
 * would be. The SQE posts one CQE: the RECV's; or, if the RETURN fails,
 * the RETURN's error with CAPOS_CQE_RETURN_FAILED and no RECV made.
 */
#ifndef CAPOS_ENDPOINT_H
#define CAPOS_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

/* SQE flags of RETURN. */
#define CAPOS_RETURN_EXCEPTION 0x1 /* params hold a CapException */
#define CAPOS_RETURN_QUIET     0x2 /* no CQE when it succeeds */
#define CAPOS_RETURN_RECV      0x4 /* then RECV into result_addr/len */

struct capos_recv_header {
	uint32_t call_id;      /* the id to RETURN with (also in the CQE) */
	uint16_t method;       /* the method ordinal the caller asked for */
	uint16_t caps;         /* CapIds after this header */
	uint64_t interface_id; /* the endpoint's declared interface */
	/* Opaque, stable for one (caller session, endpoint) pair and
	 * different across endpoints: key per-session state on it. */
	uint8_t session[16];
	uint32_t params_len; /* bytes of the params message */
	uint32_t reserved0;
	uint64_t reserved1;
};

_Static_assert(sizeof(struct capos_recv_header) == 48, "recv header");
_Static_assert(offsetof(struct capos_recv_header, call_id) == 0, "");
_Static_assert(offsetof(struct capos_recv_header, method) == 4, "");
_Static_assert(offsetof(struct capos_recv_header, caps) == 6, "");
_Static_assert(offsetof(struct capos_recv_header, interface_id) == 8, "");
_Static_assert(offsetof(struct capos_recv_header, session) == 16, "");
_Static_assert(offsetof(struct capos_recv_header, params_len) == 32, "");

/* Where the params start in a RECV buffer holding `caps` CapIds. */
static inline uint32_t capos_recv_params_offset(uint16_t caps)
{
	return (uint32_t)(sizeof(struct capos_recv_header) +
	                  ((4u * caps + 7u) & ~7u));
}

#endif
