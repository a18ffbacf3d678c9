/*
 * errors.h - transport errors: the negative results of CQEs and of
 * cap_enter (ABI, docs/abi.md). Application-level failures are not here:
 * they are CapException messages, flagged by CAPOS_CQE_EXCEPTION.
 *
 * Append-only: a value, once assigned, keeps its meaning.
 */
#ifndef CAPOS_ERRORS_H
#define CAPOS_ERRORS_H

enum capos_error {
	CAPOS_OK = 0,
	CAPOS_E_BAD_SQE = -1,        /* unknown opcode, flags, reserved != 0 */
	CAPOS_E_BAD_CAP = -2,        /* CapId null, out of range or stale */
	CAPOS_E_UNKNOWN_METHOD = -3, /* the object has no such method */
	CAPOS_E_BAD_POINTER = -4,    /* a user buffer is not the caller's */
	CAPOS_E_TOO_LARGE = -5,      /* params or results above the limit */
	CAPOS_E_BUFFER_TOO_SMALL = -6, /* CQE.needed says how large */
	CAPOS_E_QUOTA = -7,            /* the caller's ledger cannot pay */
	CAPOS_E_PEER_CLOSED = -8, /* the server died or the cap was revoked */
	CAPOS_E_TIMED_OUT = -9,
	CAPOS_E_TRANSFER_REFUSED = -10, /* rolled back, nothing moved */
	CAPOS_E_NOT_ALLOWED = -11,      /* this facet does not allow the op */
	CAPOS_E_RING_CORRUPT = -12,     /* ring indices make no sense */
	CAPOS_E_NOT_SUPPORTED = -13,    /* opcode not implemented (yet) */
	CAPOS_E_BAD_SYSCALL = -14,      /* system call number not 0 or 1 */
	CAPOS_E_BAD_MESSAGE = -15,      /* params are not a valid message */
	CAPOS_E_INTERRUPTED = -16,      /* the thread is being torn down */
	CAPOS_E_CHANGED = -17,          /* PARK: the word held another value */
};

#define CAPOS_ERROR_MIN CAPOS_E_CHANGED

#endif
