/*
 * transfer.h - capability transfer descriptors carried by CALL and RETURN
 * (ABI, docs/abi.md "Transfer").
 */
#ifndef CAPOS_TRANSFER_H
#define CAPOS_TRANSFER_H

#include <stdint.h>
#include <capos/capid.h>

#define CAPOS_XFER_COPY 1 /* receiver gets a new slot; sender keeps its own */
#define CAPOS_XFER_MOVE                                      \
	2 /* sender's slot goes, atomically with the install \
	   */

/* Per-object transfer policy (which modes an object allows). */
#define CAPOS_XFER_ALLOW_NONE 0
#define CAPOS_XFER_ALLOW_COPY 1
#define CAPOS_XFER_ALLOW_MOVE 2

struct capos_xfer {
	capos_cap_t cap;
	uint32_t mode;     /* CAPOS_XFER_COPY or CAPOS_XFER_MOVE */
	uint64_t reserved; /* must be zero */
};
_Static_assert(sizeof(struct capos_xfer) == 16, "transfer descriptor");

#define CAPOS_XFER_MAX 16 /* descriptors per SQE */

#endif
