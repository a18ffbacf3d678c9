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
 * The transaction, in one step (both tables known at once: RETURN, spawn):
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
 * Or split in time (a CALL queued on an endpoint: the receiving table is
 * known only when a server RECVs it):
 *  xfer_prepare_send     at CALL: the sender half of xfer_prepare (same
 *                        checks, same order, but no receiver). The moved
 *                        slots are RESERVED, each item's object, interface
 *                        id, kind and policy recorded (xfer_item_object).
 *                        -> SEND_PREPARED. The sender's table may now be
 *                        used by anything else: the reserved slots are
 *                        invisible (lookup, remove, reserve, next and
 *                        other transfers refuse them).
 *  xfer_prepare_receive  at RECV: allocates the receiver's slots, all or
 *                        none. -> PREPARED, or CAPOS_E_QUOTA with the
 *                        receiver untouched and tx still SEND_PREPARED, to
 *                        be received later or aborted.
 *  xfer_cancel_receive   PREPARED -> SEND_PREPARED, giving the receiver's
 *                        slots back (e.g. writing the RECV buffer failed).
 *  xfer_commit / xfer_abort  as above; abort also works from SEND_PREPARED
 *                        and puts every moved slot back LIVE under its
 *                        exact CapId (byte for byte if nothing else
 *                        touched the table).
 * xfer_prepare is exactly xfer_prepare_send then xfer_prepare_receive.
 *
 * Copies are recorded, not reserved: the sender keeps using a copied cap
 * and may even release it while the transaction waits. Commit installs
 * what was recorded at prepare time, never re-reading the sender's slot,
 * so the receiver gets the cap as it was when it was sent. The object must
 * therefore stay alive until commit or abort: when anything may run
 * between prepare and commit, the kernel takes its own reference to each
 * copied object after prepare (xfer_item_object) and drops it after commit
 * or abort (commit's on_copy takes the receiver's reference as usual).
 *
 * In flight. A non-empty transaction from SEND_PREPARED (or PREPARED) to
 * commit or abort is linked into its sending table (cap_table.xfer_inflight)
 * so a replay can be refused and a dying table's transfers found
 * (xfer_first_in_flight). While in flight: tx must stay at the same
 * address (prepare it where it will live, e.g. in the queued call, never
 * copy it), its storage must not be reused, and it must be committed or
 * aborted before either table is torn down: a table's teardown walks live
 * slots only, so a reserved slot would leak its reference. For a dying
 * sender: abort every transaction xfer_first_in_flight finds, then tear
 * the table down. A closed endpoint aborts its queued calls (the senders
 * get their caps back). Transactions from one table are independent: each
 * reserves its own moved slots (a cap reserved by one is BAD_CAP to the
 * next), either may commit or abort first, copies of one cap may be in
 * several. The lib is not thread-safe: the kernel serialises each table.
 *
 * Exactly-once (R5). Every transfer carries a key (struct cap_xfer_key:
 * sender, SQE sequence, call id) that the kernel makes unique per SQE.
 * Commit records the key in the sending table and bumps its xfer_epoch
 * (tx.epoch says which epoch the transfer committed as). Prepare refuses
 * with CAPOS_E_TRANSFER_REFUSED, changing nothing, a key that is in flight
 * from the same sending table (the same SQE cannot be pending twice) or
 * among the last CAP_XFER_REPLAY_WINDOW keys committed from it: replaying
 * an SQE that is transferring or already transferred cannot copy or move
 * again. A key is recorded only on commit, so after an abort the same SQE
 * may be retried: every key commits at most once. The window is the bound
 * of the guarantee: a replay that comes after CAP_XFER_REPLAY_WINDOW other
 * commits from the same table is no longer recognised, so the kernel must
 * retire (complete or fail) an SQE before that many others commit after
 * it. The kernel makes keys from a per-thread SQE counter it advances once
 * per SQE taken, so a replay can only be a kernel bug; these checks are
 * the backstop. An empty batch transfers nothing and is neither checked,
 * linked nor recorded. The in-flight check costs a walk over the
 * transactions in flight from the same table.
 *
 * Errors from prepare and prepare_send (nothing changed in any table):
 *  CAPOS_E_BAD_SQE          count > CAPOS_XFER_MAX, a descriptor's
 *                           reserved field is not 0, or its mode is
 *                           neither COPY nor MOVE
 *  CAPOS_E_BAD_CAP          a descriptor's cap is not a live CapId of the
 *                           sender (reserved by another transfer included)
 *  CAPOS_E_TRANSFER_REFUSED the object does not allow that mode; a moved
 *                           cap appears more than once in the batch; or a
 *                           replay (above)
 *  CAPOS_E_QUOTA            the receiver cannot hold `count` more slots
 *                           (quota or free slots); prepare and
 *                           prepare_receive only
 * The checks run in this order: count, replay, then each descriptor in
 * turn (reserved, mode, cap, allowed, duplicate), then the receiver.
 */
#ifndef CAPOS_LIB_TRANSFER_H
#define CAPOS_LIB_TRANSFER_H

#include <stdbool.h>
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
	XFER_TXN_PREPARED, /* both sides ready: commit or abort */
	XFER_TXN_COMMITTED,
	XFER_TXN_ABORTED,       /* also: a prepare that failed */
	XFER_TXN_SEND_PREPARED, /* sender side ready, no receiver yet */
};

struct xfer_item {
	capos_cap_t src; /* the sender's CapId */
	capos_cap_t dst; /* the receiver's CapId (valid once PREPARED) */
	uint32_t mode;   /* CAPOS_XFER_COPY or CAPOS_XFER_MOVE */
	/* The sender's slot as it was at prepare: what commit installs. */
	uint32_t kind;
	void *object;
	uint64_t interface_id;
	uint8_t xfer_allow;
};

struct xfer_txn {
	struct cap_table *from, *to; /* to: NULL until PREPARED */
	struct cap_xfer_key key;
	uint32_t count;
	uint32_t state; /* enum xfer_txn_state */
	uint64_t epoch; /* the sender's xfer_epoch after commit, else 0 */
	/* In flight from `from` (see above); owned by transfer.c. */
	struct xfer_txn *prev, *next;
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
 * The sender half of xfer_prepare. Returns 0 (tx is SEND_PREPARED, tx->to
 * NULL, the moved slots reserved) or an error listed above other than
 * CAPOS_E_QUOTA (tx is ABORTED, `from` untouched).
 */
int xfer_prepare_send(struct xfer_txn *tx, struct cap_table *from,
                      const struct cap_xfer_key *key,
                      const struct capos_xfer *desc, uint32_t count);

/*
 * Allocates the receiver's slots for a SEND_PREPARED tx, all or none.
 * Returns 0 (tx is PREPARED, item[i].dst set), CAPOS_E_QUOTA (`to` cannot
 * hold tx->count more slots: `to` untouched, tx still SEND_PREPARED), or
 * -1 if tx was not SEND_PREPARED (nothing happens).
 */
int xfer_prepare_receive(struct xfer_txn *tx, struct cap_table *to);

/*
 * PREPARED -> SEND_PREPARED: frees the receiver's slots (the receiver is
 * byte for byte as before prepare_receive if nothing else touched it).
 * Returns 0, or -1 if tx was not PREPARED.
 */
int xfer_cancel_receive(struct xfer_txn *tx);

/*
 * Commits a PREPARED transaction. `out` (if not NULL) receives the
 * receiver's CapIds in descriptor order. Returns the number of caps
 * installed, or -1 if tx was not PREPARED (nothing happens then).
 */
int xfer_commit(struct xfer_txn *tx, const struct xfer_ops *ops,
                capos_cap_t *out);

/*
 * Aborts a PREPARED or SEND_PREPARED transaction. Returns 0, or -1 if it
 * was neither.
 */
int xfer_abort(struct xfer_txn *tx);

/*
 * What item i carries, as recorded at prepare: the object (for a copy,
 * the one to keep alive until commit or abort), its interface id and
 * transfer policy. Any output may be NULL. Returns 0, or -1 if i >=
 * tx->count or tx is not SEND_PREPARED, PREPARED or COMMITTED.
 */
int xfer_item_object(const struct xfer_txn *tx, uint32_t i, void **object,
                     uint64_t *interface_id, uint8_t *xfer_allow);

/*
 * A transaction in flight from `from` (SEND_PREPARED or PREPARED, count >
 * 0), or NULL when there is none. Abort (or commit) it and ask again to
 * drain a table before teardown.
 */
struct xfer_txn *xfer_first_in_flight(const struct cap_table *from);

/*
 * Self-check for tests and debug asserts: the in-flight list of `from` is
 * well formed (links, states, every entry's from), and the RESERVED slots
 * of `from` are exactly the moved items of its transactions in flight.
 */
bool xfer_check(const struct cap_table *from);

/*
 * prepare + commit. Returns the number of caps installed (count) with
 * their CapIds in out[], or a prepare error with nothing changed.
 */
int xfer_run(struct cap_table *from, struct cap_table *to,
             const struct cap_xfer_key *key, const struct capos_xfer *desc,
             uint32_t count, const struct xfer_ops *ops, capos_cap_t *out);

#endif
