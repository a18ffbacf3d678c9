/*
 * transfer.h - the all-or-nothing capability transfer transaction carried
 * by CALL and RETURN (docs/abi.md "Transfer", risks R5).
 *
 * Pure logic over two cap tables (they may be the same table). Object
 * reference counts are the kernel's business: it passes an xfer_ops whose
 * on_copy hook runs once per copied capability, at commit only, so a
 * transfer that aborts never touches a refcount. A move hands the
 * sender's reference to the receiver and needs no hook.
 *
 * The transaction, in three calls:
 *  xfer_prepare  checks every descriptor, reserves the sender's moved
 *                slots and allocates every receiver slot. Either all of it
 *                happens, or nothing does and an error comes back. After
 *                it, tx.item[i].dst is the CapId the receiver will get for
 *                descriptor i, so the kernel can write the CapIds into the
 *                receiver's buffer (which may fail) before committing.
 *  xfer_commit   cannot fail: removes the moved slots from the sender,
 *                installs the receiver's slots, calls on_copy per copy,
 *                records the key (exactly-once, below).
 *  xfer_abort    undoes prepare; when nothing else touched the two tables
 *                in between, both are byte for byte as before prepare.
 * xfer_run does prepare + commit for callers with nothing in between.
 *
 * Exactly-once (R5). Every transfer carries a key (struct cap_xfer_key:
 * sender, SQE sequence, call id) that the kernel makes unique per SQE.
 * Commit records the key in the sending table and bumps its xfer_epoch
 * (tx.epoch says which epoch the transfer committed as). Prepare refuses
 * with CAPOS_E_TRANSFER_REFUSED, changing nothing, a key that is among the
 * last CAP_XFER_REPLAY_WINDOW keys committed from the same sending table:
 * replaying an SQE that already transferred cannot copy or move again.
 * A key is recorded only on commit, so after an abort the same SQE may be
 * retried: every key commits at most once. The window is the bound of the
 * guarantee: a replay that comes after CAP_XFER_REPLAY_WINDOW other
 * commits from the same table is no longer recognised, so the kernel must
 * retire (complete or fail) an SQE before that many others commit. An
 * empty batch transfers nothing and is neither checked nor recorded.
 *
 * Errors from prepare (nothing changed in either table):
 *  CAPOS_E_BAD_SQE          count > CAPOS_XFER_MAX, a descriptor's
 *                           reserved field is not 0, or its mode is
 *                           neither COPY nor MOVE
 *  CAPOS_E_BAD_CAP          a descriptor's cap is not a live CapId of the
 *                           sender
 *  CAPOS_E_TRANSFER_REFUSED the object does not allow that mode; a moved
 *                           cap appears more than once in the batch; or a
 *                           replay (above)
 *  CAPOS_E_QUOTA            the receiver cannot hold `count` more slots
 *                           (quota or free slots)
 * The checks run in this order: count, replay, then each descriptor in
 * turn (reserved, mode, cap, allowed, duplicate), then the receiver.
 */
#ifndef CAPOS_LIB_TRANSFER_H
#define CAPOS_LIB_TRANSFER_H

#include <stdint.h>
#include <capos/transfer.h>

#include "cap_table.h"

struct xfer_ops {
	/* A new slot now refers to `object`: take a reference. May be NULL. */
	void (*on_copy)(void *ctx, void *object);
	void *ctx;
};

enum xfer_txn_state {
	XFER_TXN_IDLE = 0,
	XFER_TXN_PREPARED,
	XFER_TXN_COMMITTED,
	XFER_TXN_ABORTED,
};

struct xfer_item {
	capos_cap_t src; /* the sender's CapId */
	capos_cap_t dst; /* the receiver's CapId (valid once prepared) */
	uint32_t mode;   /* CAPOS_XFER_COPY or CAPOS_XFER_MOVE */
};

struct xfer_txn {
	struct cap_table *from, *to;
	struct cap_xfer_key key;
	uint32_t count;
	uint32_t state; /* enum xfer_txn_state */
	uint64_t epoch; /* the sender's xfer_epoch after commit, else 0 */
	struct xfer_item item[CAPOS_XFER_MAX];
};

/*
 * Prepares moving/copying desc[0 .. count-1] from `from` to `to` under
 * `key`. Returns 0 (tx is PREPARED: commit or abort it before anything
 * else touches the two tables' involved slots) or an error listed above
 * (tx is ABORTED, the tables are untouched).
 */
int xfer_prepare(struct xfer_txn *tx, struct cap_table *from,
                 struct cap_table *to, const struct cap_xfer_key *key,
                 const struct capos_xfer *desc, uint32_t count);

/*
 * Commits a PREPARED transaction. `out` (if not NULL) receives the
 * receiver's CapIds in descriptor order. Returns the number of caps
 * installed, or -1 if tx was not PREPARED (nothing happens then).
 */
int xfer_commit(struct xfer_txn *tx, const struct xfer_ops *ops,
                capos_cap_t *out);

/* Aborts a PREPARED transaction. Returns 0, or -1 if it was not PREPARED. */
int xfer_abort(struct xfer_txn *tx);

/*
 * prepare + commit. Returns the number of caps installed (count) with
 * their CapIds in out[], or a prepare error with nothing changed.
 */
int xfer_run(struct cap_table *from, struct cap_table *to,
             const struct cap_xfer_key *key, const struct capos_xfer *desc,
             uint32_t count, const struct xfer_ops *ops, capos_cap_t *out);

#endif
