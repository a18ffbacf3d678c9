/*
 * ring.h - the per-thread submission/completion ring (ABI, docs/abi.md).
 *
 * One 4 KiB page, mapped read-write in the owning process: a 64-byte
 * header, 16 SQEs of 64 bytes, 32 CQEs of 32 bytes. Indices are
 * free-running uint32_t, masked by the power-of-two entry counts. The
 * kernel reads sq_tail and cq_head once per cap_enter and checks them
 * against its own copies; it never trusts the header.
 */
#ifndef CAPOS_RING_H
#define CAPOS_RING_H

#include <stddef.h>
#include <stdint.h>

#define CAPOS_RING_SQ_ENTRIES 16
#define CAPOS_RING_CQ_ENTRIES 32

/* Opcodes. */
#define CAPOS_OP_NOP     0
#define CAPOS_OP_CALL    1
#define CAPOS_OP_RECV    2
#define CAPOS_OP_RETURN  3
#define CAPOS_OP_RELEASE 4
#define CAPOS_OP_PARK    5
#define CAPOS_OP_UNPARK  6

/*
 * PARK and UNPARK (futex style, docs/threads.md). The word is named by its
 * physical frame and offset, so threads of processes sharing memory can
 * park on one word.
 *  PARK    params_addr = address of a 32-bit word (4-byte aligned, mapped
 *          in the caller), params_len = the value the caller expects in
 *          it, result_addr = timeout in ns (0: none). If the word holds
 *          another value the SQE completes at once with CAPOS_E_CHANGED;
 *          otherwise when an UNPARK wakes it (result 0) or the timeout
 *          passes (CAPOS_E_TIMED_OUT). The check and the sleep are one
 *          step: an UNPARK after the check always finds the parked SQE.
 *  UNPARK  params_addr = the word, params_len = how many to wake at most
 *          (CAPOS_UNPARK_ALL: every one); completes at once with the
 *          number woken, oldest first.
 * Every other field (cap, method, result_len, call_id, xfer_*; result_addr
 * for UNPARK) must be 0: CAPOS_E_BAD_SQE. A word not mapped readable:
 * CAPOS_E_BAD_POINTER; not aligned: CAPOS_E_BAD_SQE.
 */
#define CAPOS_UNPARK_ALL 0xFFFFFFFFu

/* CQE flags. */
#define CAPOS_CQE_EXCEPTION 0x1 /* the result buffer holds a CapException */
/* A RETURN with CAPOS_RETURN_RECV failed (result: its error): no RECV
 * was made (include/capos/endpoint.h). */
#define CAPOS_CQE_RETURN_FAILED 0x2

/* Limits (abi.md "Limits"). */
#define CAPOS_MSG_MAX (64 * 1024) /* params or results of one message */

struct capos_ring_header {
	uint32_t sq_head;    /* kernel advances */
	uint32_t sq_tail;    /* user advances */
	uint32_t cq_head;    /* user advances */
	uint32_t cq_tail;    /* kernel advances */
	uint32_t sq_entries; /* CAPOS_RING_SQ_ENTRIES */
	uint32_t cq_entries; /* CAPOS_RING_CQ_ENTRIES */
	uint32_t flags;
	uint32_t reserved0;
	uint64_t sqes_rejected;  /* SQEs completed with CAPOS_E_BAD_SQE etc. */
	uint64_t cq_full_stalls; /* times the kernel stopped for a full CQ */
	uint64_t reserved1[2];
};

struct capos_sqe {
	uint8_t opcode;
	uint8_t flags; /* per opcode; unknown bits are an error */
	uint16_t method;
	uint32_t cap;
	uint64_t user_data;
	uint64_t params_addr;
	uint32_t params_len;
	uint32_t result_len;
	uint64_t result_addr;
	uint32_t call_id;
	uint16_t xfer_count;
	uint16_t reserved0;
	uint64_t xfer_addr;
	uint64_t reserved1;
};

/*
 * A CALL's success result is the byte length of the result message. The
 * CapIds of capabilities installed for the caller (`caps` of them) follow
 * the message in the result buffer, at the next 8-byte boundary, one
 * uint32_t each. CAPOS_E_BUFFER_TOO_SMALL sets `needed`.
 */
struct capos_cqe {
	uint64_t user_data;
	int32_t result;
	uint32_t flags;
	uint32_t call_id; /* RECV: the id to RETURN with */
	uint16_t caps;
	uint16_t reserved0;
	uint32_t needed; /* CAPOS_E_BUFFER_TOO_SMALL: bytes required */
	uint32_t reserved1;
};

struct capos_ring {
	struct capos_ring_header hdr;
	struct capos_sqe sq[CAPOS_RING_SQ_ENTRIES];
	struct capos_cqe cq[CAPOS_RING_CQ_ENTRIES];
};

_Static_assert(sizeof(struct capos_ring_header) == 64, "ring header");
_Static_assert(offsetof(struct capos_ring_header, sq_head) == 0, "");
_Static_assert(offsetof(struct capos_ring_header, sq_tail) == 4, "");
_Static_assert(offsetof(struct capos_ring_header, cq_head) == 8, "");
_Static_assert(offsetof(struct capos_ring_header, cq_tail) == 12, "");
_Static_assert(offsetof(struct capos_ring_header, sq_entries) == 16, "");
_Static_assert(offsetof(struct capos_ring_header, cq_entries) == 20, "");
_Static_assert(offsetof(struct capos_ring_header, flags) == 24, "");
_Static_assert(offsetof(struct capos_ring_header, sqes_rejected) == 32, "");
_Static_assert(offsetof(struct capos_ring_header, cq_full_stalls) == 40, "");
_Static_assert(sizeof(struct capos_sqe) == 64, "SQE");
_Static_assert(offsetof(struct capos_sqe, opcode) == 0, "");
_Static_assert(offsetof(struct capos_sqe, flags) == 1, "");
_Static_assert(offsetof(struct capos_sqe, method) == 2, "");
_Static_assert(offsetof(struct capos_sqe, cap) == 4, "");
_Static_assert(offsetof(struct capos_sqe, user_data) == 8, "");
_Static_assert(offsetof(struct capos_sqe, params_addr) == 16, "");
_Static_assert(offsetof(struct capos_sqe, params_len) == 24, "");
_Static_assert(offsetof(struct capos_sqe, result_len) == 28, "");
_Static_assert(offsetof(struct capos_sqe, result_addr) == 32, "");
_Static_assert(offsetof(struct capos_sqe, call_id) == 40, "");
_Static_assert(offsetof(struct capos_sqe, xfer_count) == 44, "");
_Static_assert(offsetof(struct capos_sqe, xfer_addr) == 48, "");
_Static_assert(offsetof(struct capos_sqe, reserved1) == 56, "");
_Static_assert(sizeof(struct capos_cqe) == 32, "CQE");
_Static_assert(offsetof(struct capos_cqe, user_data) == 0, "");
_Static_assert(offsetof(struct capos_cqe, result) == 8, "");
_Static_assert(offsetof(struct capos_cqe, flags) == 12, "");
_Static_assert(offsetof(struct capos_cqe, call_id) == 16, "");
_Static_assert(offsetof(struct capos_cqe, caps) == 20, "");
_Static_assert(offsetof(struct capos_cqe, needed) == 24, "");
_Static_assert(offsetof(struct capos_ring, sq) == 64, "");
_Static_assert(offsetof(struct capos_ring, cq) == 64 + 16 * 64, "");
_Static_assert(sizeof(struct capos_ring) <= 4096, "ring fits one page");
_Static_assert((CAPOS_RING_SQ_ENTRIES & (CAPOS_RING_SQ_ENTRIES - 1)) == 0, "");
_Static_assert((CAPOS_RING_CQ_ENTRIES & (CAPOS_RING_CQ_ENTRIES - 1)) == 0, "");

#endif
