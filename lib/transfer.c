/*
 * transfer.c - the all-or-nothing capability transfer (see transfer.h).
 *
 * Prepare first checks everything that needs no side effect, then takes
 * the side effects in an order it can undo exactly: reserve the moved
 * sender slots (state flips only), then allocate the receiver slots (free
 * list pops). Undo runs the other way: cancel the allocations newest
 * first (so the free list is rebuilt as it was), then roll the
 * reservations back.
 */
#include "transfer.h"

#include <string.h>
#include <capos/errors.h>

static bool mode_allowed(uint32_t mode, uint8_t allow)
{
	if (mode == CAPOS_XFER_COPY)
		return (allow & CAPOS_XFER_ALLOW_COPY) != 0;
	return (allow & CAPOS_XFER_ALLOW_MOVE) != 0;
}

/* Returns 0 if desc[i] may be sent, given desc[0 .. i-1] before it. */
static int check_one(struct cap_table *from, const struct capos_xfer *desc,
                     uint32_t i)
{
	const struct capos_xfer *d = &desc[i];
	struct cap_slot *s;

	if (d->reserved != 0)
		return CAPOS_E_BAD_SQE;
	if (d->mode != CAPOS_XFER_COPY && d->mode != CAPOS_XFER_MOVE)
		return CAPOS_E_BAD_SQE;
	if (cap_table_lookup(from, d->cap, &s))
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
	return 0;
}

static int check_all(struct xfer_txn *tx, const struct capos_xfer *desc,
                     uint32_t count)
{
	if (count > CAPOS_XFER_MAX)
		return CAPOS_E_BAD_SQE;
	if (count == 0)
		return 0;
	if (cap_table_xfer_seen(tx->from, &tx->key))
		return CAPOS_E_TRANSFER_REFUSED;
	for (uint32_t i = 0; i < count; i++) {
		int err = check_one(tx->from, desc, i);

		if (err)
			return err;
	}
	if (cap_table_used(tx->to) + (uint64_t)count > tx->to->quota)
		return CAPOS_E_QUOTA;
	return 0;
}

/* Undoes the first `nalloc` receiver allocations and `nres` reservations. */
static void undo(struct xfer_txn *tx, uint32_t nalloc, uint32_t nres)
{
	for (uint32_t i = nalloc; i-- > 0;)
		cap_table_cancel(tx->to, tx->item[i].dst);
	for (uint32_t i = nres; i-- > 0;) {
		if (tx->item[i].mode == CAPOS_XFER_MOVE)
			cap_table_rollback(tx->from, tx->item[i].src);
	}
}

/* Takes the side effects; on failure undoes its own and returns the error. */
static int take(struct xfer_txn *tx)
{
	int err;

	for (uint32_t i = 0; i < tx->count; i++) {
		if (tx->item[i].mode != CAPOS_XFER_MOVE)
			continue;
		err = cap_table_reserve(tx->from, tx->item[i].src);
		if (err) {
			undo(tx, 0, i);
			return err;
		}
	}
	for (uint32_t i = 0; i < tx->count; i++) {
		err = cap_table_alloc(tx->to, &tx->item[i].dst);
		if (err) {
			undo(tx, i, tx->count);
			return err;
		}
	}
	return 0;
}

int xfer_prepare(struct xfer_txn *tx, struct cap_table *from,
                 struct cap_table *to, const struct cap_xfer_key *key,
                 const struct capos_xfer *desc, uint32_t count)
{
	int err;

	memset(tx, 0, sizeof(*tx));
	tx->from = from;
	tx->to = to;
	tx->key = *key;
	tx->state = XFER_TXN_ABORTED;
	err = check_all(tx, desc, count);
	if (err)
		return err;
	tx->count = count;
	for (uint32_t i = 0; i < count; i++) {
		tx->item[i].src = desc[i].cap;
		tx->item[i].mode = desc[i].mode;
	}
	err = take(tx);
	if (err) {
		tx->count = 0;
		return err;
	}
	tx->state = XFER_TXN_PREPARED;
	return 0;
}

int xfer_commit(struct xfer_txn *tx, const struct xfer_ops *ops,
                capos_cap_t *out)
{
	if (tx->state != XFER_TXN_PREPARED)
		return -1;
	for (uint32_t i = 0; i < tx->count; i++) {
		struct xfer_item *it = &tx->item[i];
		struct cap_slot *s;
		void *obj;
		uint64_t iface;
		uint32_t kind;
		uint8_t allow;

		/* Reserved and pending slots cannot have changed: these hold.
		 */
		if (it->mode == CAPOS_XFER_MOVE) {
			s = &tx->from->slots[CAPOS_CAPID_INDEX(it->src)];
			iface = s->interface_id;
			kind = s->kind;
			allow = s->xfer_allow;
			cap_table_commit_move(tx->from, it->src, &obj);
		} else {
			cap_table_lookup(tx->from, it->src, &s);
			obj = s->object;
			iface = s->interface_id;
			kind = s->kind;
			allow = s->xfer_allow;
			if (ops && ops->on_copy)
				ops->on_copy(ops->ctx, obj);
		}
		cap_table_install(tx->to, it->dst, obj, iface, allow, kind);
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
	if (tx->state != XFER_TXN_PREPARED)
		return -1;
	undo(tx, tx->count, tx->count);
	tx->state = XFER_TXN_ABORTED;
	return 0;
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
