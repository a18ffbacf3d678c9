/*
 * transfer.c - the all-or-nothing capability transfer (see transfer.h).
 *
 * Each half first checks everything that needs no side effect, then takes
 * the side effects in an order it can undo exactly: the send half reserves
 * the moved sender slots (state flips only), the receive half allocates
 * the receiver slots (free list pops). Undo runs the other way: cancel the
 * allocations newest first (so the free list is rebuilt as it was), then
 * roll the reservations back.
 *
 * A non-empty transaction is in flight from the end of prepare_send to
 * commit or abort: it sits on a doubly linked list headed by
 * from->xfer_inflight, pushed at the head, so that the last one prepared
 * and the first one undone leave the head as it was.
 */
#include <stddef.h>
#include "transfer.h"

#include <string.h>
#include <capos/errors.h>

static bool mode_allowed(uint32_t mode, uint8_t allow)
{
	if (mode == CAPOS_XFER_COPY)
		return (allow & CAPOS_XFER_ALLOW_COPY) != 0;
	return (allow & CAPOS_XFER_ALLOW_MOVE) != 0;
}

static bool key_equal(const struct cap_xfer_key *a,
                      const struct cap_xfer_key *b)
{
	return a->sender == b->sender && a->seq == b->seq &&
	       a->call_id == b->call_id;
}

static bool in_flight(const struct cap_table *from,
                      const struct cap_xfer_key *key)
{
	for (const struct xfer_txn *t = from->xfer_inflight; t; t = t->next) {
		if (key_equal(&t->key, key))
			return true;
	}
	return false;
}

static void link_txn(struct xfer_txn *tx)
{
	tx->prev = NULL;
	tx->next = tx->from->xfer_inflight;
	if (tx->next)
		tx->next->prev = tx;
	tx->from->xfer_inflight = tx;
}

static void unlink_txn(struct xfer_txn *tx)
{
	if (tx->prev)
		tx->prev->next = tx->next;
	else if (tx->from->xfer_inflight == tx)
		tx->from->xfer_inflight = tx->next;
	if (tx->next)
		tx->next->prev = tx->prev;
	tx->prev = tx->next = NULL;
}

/*
 * Returns 0 if desc[i] may be sent, given desc[0 .. i-1] before it, and
 * records the sender's slot in tx->item[i].
 */
static int check_one(struct xfer_txn *tx, const struct capos_xfer *desc,
                     uint32_t i)
{
	const struct capos_xfer *d = &desc[i];
	struct xfer_item *it = &tx->item[i];
	struct cap_slot *s;

	if (d->reserved != 0)
		return CAPOS_E_BAD_SQE;
	if (d->mode != CAPOS_XFER_COPY && d->mode != CAPOS_XFER_MOVE)
		return CAPOS_E_BAD_SQE;
	if (cap_table_lookup(tx->from, d->cap, &s))
		return CAPOS_E_BAD_CAP;
	if (!mode_allowed(d->mode, s->xfer_allow))
		return CAPOS_E_TRANSFER_REFUSED;
	/* A moved cap must be the only mention of it: the order of "copy X,
	 * move X" would otherwise decide the outcome. Copying twice is fine. */
	for (uint32_t j = 0; j < i; j++) {
		if (desc[j].cap == d->cap && (d->mode == CAPOS_XFER_MOVE ||
		                              desc[j].mode == CAPOS_XFER_MOVE))
			return CAPOS_E_TRANSFER_REFUSED;
	}
	it->src = d->cap;
	it->mode = d->mode;
	it->object = s->object;
	it->interface_id = s->interface_id;
	it->kind = s->kind;
	it->xfer_allow = s->xfer_allow;
	return 0;
}

static int check_send(struct xfer_txn *tx, const struct capos_xfer *desc,
                      uint32_t count)
{
	if (count > CAPOS_XFER_MAX)
		return CAPOS_E_BAD_SQE;
	if (count == 0)
		return 0;
	if (cap_table_xfer_seen(tx->from, &tx->key) ||
	    in_flight(tx->from, &tx->key))
		return CAPOS_E_TRANSFER_REFUSED;
	for (uint32_t i = 0; i < count; i++) {
		int err = check_one(tx, desc, i);

		if (err)
			return err;
	}
	return 0;
}

/* Rolls back the reservations of the first `n` items, newest first. */
static void undo_send(struct xfer_txn *tx, uint32_t n)
{
	for (uint32_t i = n; i-- > 0;) {
		if (tx->item[i].mode == CAPOS_XFER_MOVE)
			cap_table_rollback(tx->from, tx->item[i].src);
	}
}

/* Cancels the receiver allocations of the first `n` items, newest first. */
static void undo_receive(struct xfer_txn *tx, uint32_t n)
{
	for (uint32_t i = n; i-- > 0;) {
		cap_table_cancel(tx->to, tx->item[i].dst);
		tx->item[i].dst = CAPOS_CAP_NULL;
	}
}

int xfer_prepare_send(struct xfer_txn *tx, struct cap_table *from,
                      const struct cap_xfer_key *key,
                      const struct capos_xfer *desc, uint32_t count)
{
	int err;

	/* The header only: items past `count` are never read, and a CALL
	 * with no transfers should not pay for clearing sixteen. */
	memset(tx, 0, offsetof(struct xfer_txn, item));
	if (count <= CAPOS_XFER_MAX)
		memset(tx->item, 0, count * sizeof(tx->item[0]));
	tx->from = from;
	tx->key = *key;
	tx->state = XFER_TXN_ABORTED;
	err = check_send(tx, desc, count);
	if (err) {
		memset(tx->item, 0,
		       (count <= CAPOS_XFER_MAX ? count : 0) *
		           sizeof(tx->item[0]));
		return err;
	}
	tx->count = count;
	/* Cannot fail: each moved cap was found live and is named once. */
	for (uint32_t i = 0; i < count; i++) {
		if (tx->item[i].mode == CAPOS_XFER_MOVE)
			cap_table_reserve(from, tx->item[i].src);
	}
	if (count > 0)
		link_txn(tx);
	tx->state = XFER_TXN_SEND_PREPARED;
	return 0;
}

int xfer_prepare_receive(struct xfer_txn *tx, struct cap_table *to)
{
	if (tx->state != XFER_TXN_SEND_PREPARED)
		return -1;
	if (cap_table_used(to) + (uint64_t)tx->count > to->quota)
		return CAPOS_E_QUOTA;
	tx->to = to;
	for (uint32_t i = 0; i < tx->count; i++) {
		/* Quota had room, but free slots may run out. */
		if (cap_table_alloc(to, &tx->item[i].dst)) {
			undo_receive(tx, i);
			tx->to = NULL;
			return CAPOS_E_QUOTA;
		}
	}
	tx->state = XFER_TXN_PREPARED;
	return 0;
}

int xfer_cancel_receive(struct xfer_txn *tx)
{
	if (tx->state != XFER_TXN_PREPARED)
		return -1;
	undo_receive(tx, tx->count);
	tx->to = NULL;
	tx->state = XFER_TXN_SEND_PREPARED;
	return 0;
}

int xfer_prepare(struct xfer_txn *tx, struct cap_table *from,
                 struct cap_table *to, const struct cap_xfer_key *key,
                 const struct capos_xfer *desc, uint32_t count)
{
	int err = xfer_prepare_send(tx, from, key, desc, count);

	if (err)
		return err;
	err = xfer_prepare_receive(tx, to);
	if (err) {
		xfer_abort(tx);
		tx->count = 0;
		return err;
	}
	return 0;
}

int xfer_commit(struct xfer_txn *tx, const struct xfer_ops *ops,
                capos_cap_t *out)
{
	if (tx->state != XFER_TXN_PREPARED)
		return -1;
	if (tx->count > 0)
		unlink_txn(tx);
	for (uint32_t i = 0; i < tx->count; i++) {
		struct xfer_item *it = &tx->item[i];

		/* The reserved and pending slots cannot have changed, and a
		 * copy installs what was recorded: nothing here can fail. */
		if (it->mode == CAPOS_XFER_MOVE)
			cap_table_commit_move(tx->from, it->src, NULL);
		else if (ops && ops->on_copy)
			ops->on_copy(ops->ctx, it->object);
		cap_table_install(tx->to, it->dst, it->object, it->interface_id,
		                  it->xfer_allow, it->kind);
		if (out)
			out[i] = it->dst;
	}
	if (tx->count > 0)
		tx->epoch = cap_table_xfer_record(tx->from, &tx->key);
	tx->state = XFER_TXN_COMMITTED;
	return (int)tx->count;
}

int xfer_abort(struct xfer_txn *tx)
{
	if (tx->state == XFER_TXN_PREPARED)
		xfer_cancel_receive(tx);
	if (tx->state != XFER_TXN_SEND_PREPARED)
		return -1;
	undo_send(tx, tx->count);
	if (tx->count > 0)
		unlink_txn(tx);
	tx->state = XFER_TXN_ABORTED;
	return 0;
}

int xfer_item_object(const struct xfer_txn *tx, uint32_t i, void **object,
                     uint64_t *interface_id, uint8_t *xfer_allow)
{
	const struct xfer_item *it;

	if (tx->state != XFER_TXN_SEND_PREPARED &&
	    tx->state != XFER_TXN_PREPARED && tx->state != XFER_TXN_COMMITTED)
		return -1;
	if (i >= tx->count)
		return -1;
	it = &tx->item[i];
	if (object)
		*object = it->object;
	if (interface_id)
		*interface_id = it->interface_id;
	if (xfer_allow)
		*xfer_allow = it->xfer_allow;
	return 0;
}

struct xfer_txn *xfer_first_in_flight(const struct cap_table *from)
{
	return from->xfer_inflight;
}

/* True if tx, in flight from `from`, has its moved slots reserved. */
static bool txn_ok(const struct cap_table *from, const struct xfer_txn *tx)
{
	if (tx->from != from || tx->count == 0 || tx->count > CAPOS_XFER_MAX ||
	    (tx->state != XFER_TXN_SEND_PREPARED &&
	     tx->state != XFER_TXN_PREPARED))
		return false;
	for (uint32_t i = 0; i < tx->count; i++) {
		const struct xfer_item *it = &tx->item[i];
		uint32_t idx = CAPOS_CAPID_INDEX(it->src);
		const struct cap_slot *s;

		if (it->mode != CAPOS_XFER_MOVE)
			continue;
		if (idx >= from->capacity)
			return false;
		s = &from->slots[idx];
		if (s->state != CAP_SLOT_RESERVED ||
		    s->gen != CAPOS_CAPID_GEN(it->src) ||
		    s->object != it->object)
			return false;
	}
	return true;
}

bool xfer_check(const struct cap_table *from)
{
	uint64_t moves = 0, reserved = 0;
	const struct xfer_txn *prev = NULL;

	/* A cycle ends the walk too: the first entry reached twice is
	 * reached from another entry than its prev. */
	for (const struct xfer_txn *t = from->xfer_inflight; t; t = t->next) {
		if (t->prev != prev || !txn_ok(from, t))
			return false;
		for (uint32_t i = 0; i < t->count; i++)
			moves += t->item[i].mode == CAPOS_XFER_MOVE;
		prev = t;
	}
	for (uint32_t i = 0; i < from->capacity; i++)
		reserved += from->slots[i].state == CAP_SLOT_RESERVED;
	return moves == reserved;
}

int xfer_run(struct cap_table *from, struct cap_table *to,
             const struct cap_xfer_key *key, const struct capos_xfer *desc,
             uint32_t count, const struct xfer_ops *ops, capos_cap_t *out)
{
	struct xfer_txn tx;
	int err = xfer_prepare(&tx, from, to, key, desc, count);

	if (err)
		return err;
	return xfer_commit(&tx, ops, out);
}
