/*
 * test_transfer.c - unit tests for lib/transfer.c: copy, move and mixed
 * batches; every refused batch (bad descriptor, bad cap, object policy,
 * duplicate move, receiver out of quota or of slots mid-batch, replay)
 * leaving both tables byte for byte as before; prepare/abort; transfers
 * within one table; and a randomized run checking that references are
 * conserved (no cap lost, none duplicated without an on_copy). Then the
 * transaction split in time (prepare_send at CALL, prepare_receive at
 * RECV): receiver out of room, abort and cancel, the sender's table in
 * use meanwhile, several transactions in flight, replays while in flight,
 * teardown of a dying sender, and a randomized run of many in flight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <capos/errors.h>
#include <capos/transfer.h>
#include "transfer.h"

#define NA   32
#define NB   32
#define NOBJ 16

#define ALLOW_ALL (CAPOS_XFER_ALLOW_COPY | CAPOS_XFER_ALLOW_MOVE)

struct obj {
	int refs; /* slots referring to it, as the kernel would count */
};

static struct cap_slot sa[NA], sb[NB];
static struct cap_table A, B;
static struct obj objs[NOBJ];
static int copies; /* on_copy calls */

static struct cap_slot saved_sa[NA], saved_sb[NB];
static struct cap_table saved_A, saved_B;

static void on_copy(void *ctx, void *object)
{
	assert_ptr_equal(ctx, &copies);
	((struct obj *)object)->refs++;
	copies++;
}

static const struct xfer_ops ops = {.on_copy = on_copy, .ctx = &copies};

static int setup(void **state)
{
	(void)state;
	memset(objs, 0, sizeof(objs));
	copies = 0;
	cap_table_init(&A, sa, NA, NA);
	cap_table_init(&B, sb, NB, NB);
	return 0;
}

static void save(void)
{
	memcpy(saved_sa, sa, sizeof(sa));
	memcpy(saved_sb, sb, sizeof(sb));
	saved_A = A;
	saved_B = B;
}

/* A table as at save(), but for its change counter: a rollback is a
 * change lock-free readers must see (it only grows, and is even between
 * changes). */
static void assert_table_unchanged(const struct cap_table *t,
                                   const struct cap_table *saved)
{
	struct cap_table now = *t;

	assert_true(now.seq >= saved->seq && now.seq % 2 == 0);
	now.seq = saved->seq;
	assert_memory_equal(&now, saved, sizeof(now));
}

/* Both tables and their storage are byte for byte as at save(). */
static void assert_unchanged(void)
{
	assert_memory_equal(sa, saved_sa, sizeof(sa));
	assert_memory_equal(sb, saved_sb, sizeof(sb));
	assert_table_unchanged(&A, &saved_A);
	assert_table_unchanged(&B, &saved_B);
	assert_true(cap_table_check(&A));
	assert_true(cap_table_check(&B));
}

/* Gives table t a cap to objs[o] (one reference), with policy `allow`. */
static capos_cap_t give(struct cap_table *t, int o, uint8_t allow)
{
	capos_cap_t id;

	assert_int_equal(
	    cap_table_insert(t, &objs[o], 0x100 + o, allow, 10 + o, &id), 0);
	objs[o].refs++;
	return id;
}

static struct cap_xfer_key key(uint64_t seq)
{
	struct cap_xfer_key k = {.sender = 77, .seq = seq, .call_id = 5};

	return k;
}

/* Asserts id names objs[o] in t with the content give() put there. */
static void assert_holds(struct cap_table *t, capos_cap_t id, int o,
                         uint8_t allow)
{
	struct cap_slot *s;

	assert_int_equal(cap_table_lookup(t, id, &s), 0);
	assert_ptr_equal(s->object, &objs[o]);
	assert_int_equal(s->interface_id, 0x100 + o);
	assert_int_equal(s->kind, 10 + o);
	assert_int_equal(s->xfer_allow, allow);
}

static void assert_gone(struct cap_table *t, capos_cap_t id)
{
	struct cap_slot *s;

	assert_int_equal(cap_table_lookup(t, id, &s), CAPOS_E_BAD_CAP);
}

/* Runs a batch expected to fail with `err`, changing nothing. */
static void refuse(const struct capos_xfer *d, uint32_t n, int err)
{
	struct cap_xfer_key k = key(999);
	capos_cap_t out[CAPOS_XFER_MAX + 1];
	int c = copies;

	save();
	assert_int_equal(xfer_run(&A, &B, &k, d, n, &ops, out), err);
	assert_unchanged();
	assert_int_equal(copies, c);
}

static void test_copy_gives_receiver_a_slot_and_sender_keeps_its(void **st)
{
	(void)st;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[1];
	struct capos_xfer d[] = {{a, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);

	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, out), 1);
	assert_holds(&A, a, 0, ALLOW_ALL);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
	assert_int_equal(copies, 1);
	assert_int_equal(objs[0].refs, 2);
	assert_int_equal(A.xfer_epoch, 1);
	assert_int_equal(B.xfer_epoch, 0);
}

static void test_move_removes_sender_slot_and_installs_receiver(void **st)
{
	(void)st;
	capos_cap_t a = give(&A, 1, CAPOS_XFER_ALLOW_MOVE), out[1];
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(1);

	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, out), 1);
	assert_gone(&A, a);
	assert_int_equal(sa[CAPOS_CAPID_INDEX(a)].gen, CAPOS_CAPID_GEN(a) + 1);
	assert_int_equal(cap_table_used(&A), 0);
	assert_holds(&B, out[0], 1, CAPOS_XFER_ALLOW_MOVE);
	assert_int_equal(copies, 0);
	assert_int_equal(objs[1].refs, 1);
}

static void test_mixed_batch_lands_in_descriptor_order(void **st)
{
	(void)st;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	capos_cap_t c = give(&A, 2, CAPOS_XFER_ALLOW_COPY);
	struct capos_xfer d[] = {
	    {a, CAPOS_XFER_COPY, 0},
	    {b, CAPOS_XFER_MOVE, 0},
	    {c, CAPOS_XFER_COPY, 0},
	    {a, CAPOS_XFER_COPY, 0},
	};
	struct cap_xfer_key k = key(1);
	capos_cap_t out[4];

	give(&B, 5, ALLOW_ALL);
	assert_int_equal(xfer_run(&A, &B, &k, d, 4, &ops, out), 4);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
	assert_holds(&B, out[1], 1, ALLOW_ALL);
	assert_holds(&B, out[2], 2, CAPOS_XFER_ALLOW_COPY);
	assert_holds(&B, out[3], 0, ALLOW_ALL);
	assert_holds(&A, a, 0, ALLOW_ALL);
	assert_gone(&A, b);
	assert_holds(&A, c, 2, CAPOS_XFER_ALLOW_COPY);
	assert_int_equal(objs[0].refs, 3);
	assert_int_equal(objs[1].refs, 1);
	assert_int_equal(objs[2].refs, 2);
	assert_int_equal(copies, 3);
	assert_int_equal(cap_table_used(&B), 5);
}

static void test_receiver_out_of_slots_mid_batch_rolls_back_exactly(void **s)
{
	(void)s;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	capos_cap_t c = give(&A, 2, ALLOW_ALL);
	struct capos_xfer d[] = {
	    {a, CAPOS_XFER_MOVE, 0},
	    {b, CAPOS_XFER_COPY, 0},
	    {c, CAPOS_XFER_MOVE, 0},
	};

	/* B: quota would allow all three, but only two slots are free, so
	 * the moves are reserved and two slots allocated before it fails. */
	cap_table_init(&B, sb, 6, 100);
	for (int i = 0; i < 4; i++)
		give(&B, 8 + i, ALLOW_ALL);
	assert_int_equal(cap_table_available(&B), 2);
	refuse(d, 3, CAPOS_E_QUOTA);
	assert_holds(&A, a, 0, ALLOW_ALL);
	assert_holds(&A, c, 2, ALLOW_ALL);
}

static void test_receiver_quota_checked_before_any_change(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};

	give(&B, 3, ALLOW_ALL);
	cap_table_set_quota(&B, 2);
	refuse(d, 2, CAPOS_E_QUOTA);
	cap_table_set_quota(&B, 3);
	struct cap_xfer_key k = key(1);
	assert_int_equal(xfer_run(&A, &B, &k, d, 2, &ops, NULL), 2);
}

static void test_non_transferable_object_refused(void **state)
{
	(void)state;
	capos_cap_t none = give(&A, 0, CAPOS_XFER_ALLOW_NONE);
	capos_cap_t ok = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{ok, CAPOS_XFER_MOVE, 0},
	                         {none, CAPOS_XFER_COPY, 0}};

	refuse(d, 2, CAPOS_E_TRANSFER_REFUSED);
	d[1].mode = CAPOS_XFER_MOVE;
	refuse(d, 2, CAPOS_E_TRANSFER_REFUSED);
}

static void test_mode_not_allowed_by_object_refused(void **state)
{
	(void)state;
	capos_cap_t copy_only = give(&A, 0, CAPOS_XFER_ALLOW_COPY);
	capos_cap_t move_only = give(&A, 1, CAPOS_XFER_ALLOW_MOVE);
	struct capos_xfer d1[] = {{copy_only, CAPOS_XFER_MOVE, 0}};
	struct capos_xfer d2[] = {{move_only, CAPOS_XFER_COPY, 0}};

	refuse(d1, 1, CAPOS_E_TRANSFER_REFUSED);
	refuse(d2, 1, CAPOS_E_TRANSFER_REFUSED);
}

static void test_unknown_mode_refused(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	static const uint32_t bad[] = {0, 3, 4, 0x80000001u, 0xFFFFFFFFu};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct capos_xfer d[] = {{a, bad[i], 0}};

		refuse(d, 1, CAPOS_E_BAD_SQE);
	}
}

static void test_reserved_field_nonzero_refused(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 1ull << 63}};

	refuse(d, 2, CAPOS_E_BAD_SQE);
	d[1].reserved = 1;
	refuse(d, 2, CAPOS_E_BAD_SQE);
}

static void test_bad_sender_cap_refused(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t stale = give(&A, 1, ALLOW_ALL);
	capos_cap_t bad[] = {CAPOS_CAP_NULL, CAPOS_CAPID_MAKE(NA + 3, 1), stale,
	                     CAPOS_CAPID_MAKE(5, 1)};

	cap_table_remove(&A, stale, NULL);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
		                         {bad[i], CAPOS_XFER_COPY, 0}};

		refuse(d, 2, CAPOS_E_BAD_CAP);
	}
}

static void test_cap_moved_twice_or_moved_and_copied_refused(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer mm[] = {{a, CAPOS_XFER_MOVE, 0},
	                          {b, CAPOS_XFER_COPY, 0},
	                          {a, CAPOS_XFER_MOVE, 0}};
	struct capos_xfer cm[] = {{a, CAPOS_XFER_COPY, 0},
	                          {a, CAPOS_XFER_MOVE, 0}};
	struct capos_xfer mc[] = {{a, CAPOS_XFER_MOVE, 0},
	                          {a, CAPOS_XFER_COPY, 0}};

	refuse(mm, 3, CAPOS_E_TRANSFER_REFUSED);
	refuse(cm, 2, CAPOS_E_TRANSFER_REFUSED);
	refuse(mc, 2, CAPOS_E_TRANSFER_REFUSED);
}

static void test_same_cap_copied_twice_gives_two_slots(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[2];
	struct capos_xfer d[] = {{a, CAPOS_XFER_COPY, 0},
	                         {a, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);

	assert_int_equal(xfer_run(&A, &B, &k, d, 2, &ops, out), 2);
	assert_int_not_equal(out[0], out[1]);
	assert_int_equal(objs[0].refs, 3);
}

static void test_too_many_descriptors_refused(void **state)
{
	(void)state;
	struct capos_xfer d[CAPOS_XFER_MAX + 1];

	for (int i = 0; i < CAPOS_XFER_MAX + 1; i++)
		d[i] = (struct capos_xfer){give(&A, i % NOBJ, ALLOW_ALL),
		                           CAPOS_XFER_COPY, 0};
	refuse(d, CAPOS_XFER_MAX + 1, CAPOS_E_BAD_SQE);
	struct cap_xfer_key k = key(1);
	assert_int_equal(xfer_run(&A, &B, &k, d, CAPOS_XFER_MAX, &ops, NULL),
	                 CAPOS_XFER_MAX);
}

static void test_replayed_key_refused(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_COPY, 0}};
	struct capos_xfer d2[] = {{b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(42), other;
	int c;

	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, NULL), 1);
	c = copies;
	save();
	/* Same SQE again: same key, descriptors still valid. */
	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, NULL),
	                 CAPOS_E_TRANSFER_REFUSED);
	/* Different descriptors do not make it a different SQE. */
	assert_int_equal(xfer_run(&A, &B, &k, d2, 1, &ops, NULL),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_unchanged();
	assert_int_equal(copies, c);
	/* Any field of the key makes another transfer. */
	other = k, other.seq++;
	assert_int_equal(xfer_run(&A, &B, &other, d, 1, &ops, NULL), 1);
	other = k, other.call_id++;
	assert_int_equal(xfer_run(&A, &B, &other, d, 1, &ops, NULL), 1);
	other = k, other.sender++;
	assert_int_equal(xfer_run(&A, &B, &other, d, 1, &ops, NULL), 1);
	assert_int_equal(A.xfer_epoch, 4);
}

static void test_replay_of_a_move_refused_after_cap_reused(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), a2;
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(7), fresh = key(8);

	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, NULL), 1);
	/* The slot is reused, so the replayed SQE names a valid cap again:
	 * only the key tells that this SQE already moved something. */
	a2 = give(&A, 1, ALLOW_ALL);
	assert_int_equal(CAPOS_CAPID_INDEX(a2), CAPOS_CAPID_INDEX(a));
	d[0].cap = a2;
	save();
	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, NULL),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_unchanged();
	assert_int_equal(xfer_run(&A, &B, &fresh, d, 1, &ops, NULL), 1);
}

static void test_aborted_transfer_may_be_retried_with_same_key(void **st)
{
	(void)st;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[1];
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(3);
	struct xfer_txn tx;

	assert_int_equal(xfer_prepare(&tx, &A, &B, &k, d, 1), 0);
	assert_int_equal(xfer_abort(&tx), 0);
	assert_int_equal(A.xfer_epoch, 0);
	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, out), 1);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
}

static void test_replay_window_forgets_after_window_commits(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1000);

	cap_table_init(&B, sb, NB, 1000);
	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, NULL), 1);
	for (uint64_t i = 1; i < CAP_XFER_REPLAY_WINDOW; i++) {
		struct cap_xfer_key o = key(i);
		void *obj;
		capos_cap_t out[1];

		assert_int_equal(xfer_run(&A, &B, &o, d, 1, &ops, out), 1);
		cap_table_remove(&B, out[0], &obj);
	}
	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, NULL),
	                 CAPOS_E_TRANSFER_REFUSED);
	struct cap_xfer_key o = key(5000);
	assert_int_equal(xfer_run(&A, &B, &o, d, 1, &ops, NULL), 1);
	/* The documented bound: WINDOW commits later, k is forgotten. */
	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, NULL), 1);
}

static void test_empty_batch_changes_nothing_and_records_nothing(void **st)
{
	(void)st;
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	give(&A, 0, ALLOW_ALL);
	save();
	assert_int_equal(xfer_run(&A, &B, &k, NULL, 0, &ops, NULL), 0);
	assert_int_equal(xfer_run(&A, &B, &k, NULL, 0, &ops, NULL), 0);
	assert_unchanged();
	assert_int_equal(xfer_prepare(&tx, &A, &B, &k, NULL, 0), 0);
	assert_int_equal(xfer_abort(&tx), 0);
	assert_unchanged();
}

static void test_prepare_holds_slots_and_abort_restores_exactly(void **st)
{
	(void)st;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	give(&B, 4, ALLOW_ALL);
	save();
	assert_int_equal(xfer_prepare(&tx, &A, &B, &k, d, 2), 0);
	/* Moved cap reserved: unusable, still charged; receiver slots
	 * allocated and charged but not yet visible. */
	assert_gone(&A, a);
	assert_holds(&A, b, 1, ALLOW_ALL);
	assert_int_equal(cap_table_used(&A), 2);
	assert_int_equal(cap_table_used(&B), 3);
	assert_gone(&B, tx.item[0].dst);
	assert_gone(&B, tx.item[1].dst);
	assert_int_equal(xfer_abort(&tx), 0);
	assert_unchanged();
	assert_int_equal(copies, 0);
}

static void test_commit_installs_the_ids_prepare_announced(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[1];
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	assert_int_equal(xfer_prepare(&tx, &A, &B, &k, d, 1), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 1);
	assert_int_equal(out[0], tx.item[0].dst);
	assert_int_equal(tx.epoch, 1);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
}

static void test_commit_and_abort_need_a_prepared_txn(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_COPY, 0}};
	struct capos_xfer bad[] = {{a, 9, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	assert_int_equal(xfer_prepare(&tx, &A, &B, &k, bad, 1),
	                 CAPOS_E_BAD_SQE);
	save();
	assert_int_equal(xfer_commit(&tx, &ops, NULL), -1);
	assert_int_equal(xfer_abort(&tx), -1);
	assert_unchanged();
	assert_int_equal(xfer_prepare(&tx, &A, &B, &k, d, 1), 0);
	assert_int_equal(xfer_commit(&tx, &ops, NULL), 1);
	save();
	assert_int_equal(xfer_commit(&tx, &ops, NULL), -1);
	assert_int_equal(xfer_abort(&tx), -1);
	assert_unchanged();
	assert_int_equal(copies, 1);
}

static void test_move_within_one_table(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[2];
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);

	assert_int_equal(xfer_run(&A, &A, &k, d, 2, &ops, out), 2);
	assert_gone(&A, a);
	assert_holds(&A, out[0], 0, ALLOW_ALL);
	assert_holds(&A, b, 1, ALLOW_ALL);
	assert_holds(&A, out[1], 1, ALLOW_ALL);
	assert_int_equal(cap_table_used(&A), 3);
	assert_true(cap_table_check(&A));
}

static void test_move_within_full_table_rolls_back_exactly(void **state)
{
	(void)state;
	capos_cap_t a;
	struct capos_xfer d[1];

	cap_table_init(&A, sa, 4, 4);
	a = give(&A, 0, ALLOW_ALL);
	for (int i = 1; i < 4; i++)
		give(&A, i, ALLOW_ALL);
	d[0] = (struct capos_xfer){a, CAPOS_XFER_MOVE, 0};
	save();
	struct cap_xfer_key k = key(1);
	assert_int_equal(xfer_run(&A, &A, &k, d, 1, &ops, NULL), CAPOS_E_QUOTA);
	assert_unchanged();
}

static void test_move_of_slot_at_last_generation_retires_it(void **state)
{
	(void)state;
	capos_cap_t a, out[1];
	struct capos_xfer d[1];
	struct cap_xfer_key k = key(1);

	cap_table_init(&A, sa, 1, 1);
	for (uint32_t g = 1; g < 0xFFFF; g++)
		cap_table_remove(&A, give(&A, 0, ALLOW_ALL), NULL);
	objs[0].refs = 0;
	a = give(&A, 0, ALLOW_ALL);
	d[0] = (struct capos_xfer){a, CAPOS_XFER_MOVE, 0};
	assert_int_equal(xfer_run(&A, &B, &k, d, 1, &ops, out), 1);
	assert_int_equal(sa[0].state, CAP_SLOT_RETIRED);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
	assert_true(cap_table_check(&A));
}

/* ---- randomized: references are conserved ------------------------------ */

static int slots_holding(const struct cap_slot *s, uint32_t n, void *obj)
{
	int c = 0;

	for (uint32_t i = 0; i < n; i++)
		c += (s[i].state == CAP_SLOT_LIVE ||
		      s[i].state == CAP_SLOT_RESERVED) &&
		     s[i].object == obj;
	return c;
}

static void check_refs(void)
{
	for (int o = 0; o < NOBJ; o++)
		assert_int_equal(objs[o].refs,
		                 slots_holding(sa, NA, &objs[o]) +
		                     slots_holding(sb, NB, &objs[o]));
	assert_true(cap_table_check(&A));
	assert_true(cap_table_check(&B));
}

/* Per sending table, the seqs of its last CAP_XFER_REPLAY_WINDOW commits. */
static uint64_t committed[2][CAP_XFER_REPLAY_WINDOW];
static uint64_t ncommitted[2];

static int nreplays, ncommits, nrefused; /* paths the random run took */

static int recently_committed(int sender, uint64_t seq)
{
	uint64_t n = ncommitted[sender] < CAP_XFER_REPLAY_WINDOW
	                 ? ncommitted[sender]
	                 : CAP_XFER_REPLAY_WINDOW;

	for (uint64_t i = 0; i < n; i++) {
		if (committed[sender][i] == seq)
			return 1;
	}
	return 0;
}

/* A random CapId of t: usually a live one, sometimes anything. */
static capos_cap_t pick(struct cap_table *t)
{
	uint32_t pos = (uint32_t)rand() % t->capacity;
	capos_cap_t id;

	if (rand() % 8 == 0)
		return CAPOS_CAPID_MAKE(rand() % (t->capacity + 2), rand() % 3);
	if (cap_table_next(t, &pos, &id, NULL))
		return id;
	pos = 0;
	if (cap_table_next(t, &pos, &id, NULL))
		return id;
	return CAPOS_CAP_NULL;
}

static void random_batch(struct cap_table *from, struct cap_table *to,
                         uint64_t seq)
{
	struct capos_xfer d[CAPOS_XFER_MAX];
	uint32_t n = (uint32_t)rand() % 5, moves = 0;
	struct cap_xfer_key k = {.sender = from == &A, .seq = seq};
	uint32_t used_from = cap_table_used(from);
	uint32_t used_to = cap_table_used(to);
	capos_cap_t out[CAPOS_XFER_MAX];
	int rc, replay;

	for (uint32_t i = 0; i < n; i++) {
		d[i].cap = pick(from);
		d[i].mode = rand() % 2 ? CAPOS_XFER_COPY : CAPOS_XFER_MOVE;
		d[i].reserved = rand() % 50 == 0;
		if (rand() % 50 == 0)
			d[i].mode = 7;
	}
	/* Now and then, replay a recent key. */
	if (rand() % 8 == 0 && seq > 8)
		k.seq = seq - 1 - (uint64_t)rand() % 8;
	replay = n > 0 && recently_committed((int)k.sender, k.seq);
	save();
	rc = xfer_run(from, to, &k, d, n, &ops, out);
	if (replay) {
		assert_int_equal(rc, CAPOS_E_TRANSFER_REFUSED);
		nreplays++;
	}
	if (rc < 0) {
		assert_unchanged();
		nrefused++;
		return;
	}
	ncommits += n > 0;
	assert_int_equal(rc, n);
	if (n > 0) {
		uint64_t *c = &ncommitted[k.sender];

		committed[k.sender][*c % CAP_XFER_REPLAY_WINDOW] = k.seq;
		(*c)++;
	}
	for (uint32_t i = 0; i < n; i++) {
		moves += d[i].mode == CAPOS_XFER_MOVE;
		assert_int_equal(
		    cap_table_lookup(to, out[i], &(struct cap_slot *){NULL}),
		    0);
	}
	assert_int_equal(cap_table_used(from), used_from - moves);
	assert_int_equal(cap_table_used(to), used_to + n);
}

static void test_random_transfers_conserve_references(void **state)
{
	(void)state;
	srand(777);
	memset(ncommitted, 0, sizeof(ncommitted));
	nreplays = ncommits = nrefused = 0;
	cap_table_set_quota(&A, 24);
	cap_table_set_quota(&B, 20);
	for (uint64_t step = 1; step <= 100000; step++) {
		int op = rand() % 10;
		struct cap_table *t = rand() % 2 ? &A : &B;
		void *obj;

		if (op < 2) {
			capos_cap_t id;
			int o = rand() % NOBJ;

			if (cap_table_insert(t, &objs[o], 0x100 + o,
			                     rand() % 4 ? ALLOW_ALL
			                                : (uint8_t)(rand() % 4),
			                     10 + o, &id) == 0)
				objs[o].refs++;
		} else if (op < 4) {
			if (cap_table_remove(t, pick(t), &obj) == 0)
				((struct obj *)obj)->refs--;
		} else {
			random_batch(t, t == &A ? &B : &A, step);
		}
		if (step % 16 == 0)
			check_refs();
	}
	check_refs();
	print_message("commits %d, refused %d (replays %d)\n", ncommits,
	              nrefused, nreplays);
	assert_true(nreplays > 100 && ncommits > 1000 && nrefused > 1000);
}

/* ---- split in time: prepare_send ... prepare_receive ------------------- */

#define NC 48

static struct cap_slot sc[NC];

/* The kernel's own reference to each copied object while tx waits. */
static void pin_copies(const struct xfer_txn *tx)
{
	for (uint32_t i = 0; i < tx->count; i++) {
		void *obj;

		if (tx->item[i].mode != CAPOS_XFER_COPY)
			continue;
		assert_int_equal(xfer_item_object(tx, i, &obj, NULL, NULL), 0);
		((struct obj *)obj)->refs++;
	}
}

static void unpin_copies(const struct xfer_txn *tx)
{
	for (uint32_t i = 0; i < tx->count; i++) {
		if (tx->item[i].mode == CAPOS_XFER_COPY)
			((struct obj *)tx->item[i].object)->refs--;
	}
}

static void test_send_then_receive_then_commit_delivers(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[2];
	capos_cap_t b = give(&A, 1, CAPOS_XFER_ALLOW_COPY);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	give(&B, 4, ALLOW_ALL);
	save();
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2), 0);
	assert_int_equal(tx.state, XFER_TXN_SEND_PREPARED);
	assert_null(tx.to);
	assert_memory_equal(sb, saved_sb, sizeof(sb));
	assert_memory_equal(&B, &saved_B, sizeof(B));
	assert_gone(&A, a);
	assert_int_equal(cap_table_used(&A), 2);
	assert_true(xfer_check(&A));
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	assert_int_equal(tx.state, XFER_TXN_PREPARED);
	assert_ptr_equal(tx.to, &B);
	assert_int_equal(cap_table_used(&B), 3);
	assert_gone(&B, tx.item[0].dst);
	assert_gone(&B, tx.item[1].dst);
	assert_int_equal(xfer_commit(&tx, &ops, out), 2);
	assert_int_equal(out[0], tx.item[0].dst);
	assert_int_equal(out[1], tx.item[1].dst);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
	assert_holds(&B, out[1], 1, CAPOS_XFER_ALLOW_COPY);
	assert_gone(&A, a);
	assert_holds(&A, b, 1, CAPOS_XFER_ALLOW_COPY);
	assert_int_equal(objs[0].refs, 1);
	assert_int_equal(objs[1].refs, 2);
	assert_int_equal(A.xfer_epoch, 1);
	assert_null(xfer_first_in_flight(&A));
	assert_true(xfer_check(&A));
	assert_true(cap_table_check(&A));
	assert_true(cap_table_check(&B));
}

static void test_receive_over_quota_keeps_send_prepared(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[2];
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);
	struct cap_table C;
	struct xfer_txn tx;

	give(&B, 4, ALLOW_ALL);
	cap_table_set_quota(&B, 2);
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2), 0);
	save();
	assert_int_equal(xfer_prepare_receive(&tx, &B), CAPOS_E_QUOTA);
	assert_unchanged();
	assert_int_equal(tx.state, XFER_TXN_SEND_PREPARED);
	assert_null(tx.to);
	assert_ptr_equal(xfer_first_in_flight(&A), &tx);
	/* A later RECV into a table with room takes it. */
	cap_table_init(&C, sc, NC, NC);
	assert_int_equal(xfer_prepare_receive(&tx, &C), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 2);
	assert_holds(&C, out[0], 0, ALLOW_ALL);
	assert_holds(&C, out[1], 1, ALLOW_ALL);
	assert_int_equal(cap_table_used(&B), 1);
	assert_true(cap_table_check(&C));
}

static void test_receive_out_of_slots_mid_batch_keeps_send_prepared(void **s)
{
	(void)s;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[3], x = 0;
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	capos_cap_t c = give(&A, 2, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0},
	                         {c, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	/* Quota room for three but two free slots: two allocations happen
	 * before the third fails, and must be given back exactly. */
	cap_table_init(&B, sb, 6, 100);
	for (int i = 0; i < 4; i++)
		x = give(&B, 8 + i, ALLOW_ALL);
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 3), 0);
	save();
	assert_int_equal(xfer_prepare_receive(&tx, &B), CAPOS_E_QUOTA);
	assert_unchanged();
	assert_int_equal(tx.state, XFER_TXN_SEND_PREPARED);
	/* The server releases a cap and RECVs again. */
	assert_int_equal(cap_table_remove(&B, x, NULL), 0);
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 3);
	assert_holds(&B, out[2], 2, ALLOW_ALL);
}

static void test_abort_from_send_prepared_restores_sender_exactly(void **s)
{
	(void)s;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	capos_cap_t c = give(&A, 2, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0},
	                         {c, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	save();
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 3), 0);
	pin_copies(&tx);
	assert_int_equal(xfer_abort(&tx), 0);
	unpin_copies(&tx);
	assert_int_equal(tx.state, XFER_TXN_ABORTED);
	assert_unchanged();
	assert_holds(&A, a, 0, ALLOW_ALL);
	assert_holds(&A, c, 2, ALLOW_ALL);
	assert_int_equal(objs[1].refs, 1);
	assert_int_equal(copies, 0);
	assert_int_equal(xfer_abort(&tx), -1);
}

static void test_abort_after_receive_restores_both_tables(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	give(&B, 3, ALLOW_ALL);
	save();
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 1), 0);
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	assert_int_equal(xfer_abort(&tx), 0);
	assert_unchanged();
}

static void test_moved_slot_invisible_while_send_prepared(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), id;
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct capos_xfer again[] = {{a, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1), k2 = key(2);
	struct xfer_txn tx, tx2;
	struct cap_slot *slot;
	uint32_t pos = 0;
	void *obj;

	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 1), 0);
	assert_int_equal(cap_table_lookup(&A, a, &slot), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_remove(&A, a, &obj), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_reserve(&A, a), CAPOS_E_BAD_CAP);
	assert_int_equal(xfer_prepare_send(&tx2, &A, &k2, again, 1),
	                 CAPOS_E_BAD_CAP);
	/* CapabilityManager.list and teardown walk live slots only. */
	assert_true(cap_table_next(&A, &pos, &id, NULL));
	assert_int_equal(id, b);
	assert_false(cap_table_next(&A, &pos, &id, NULL));
	/* Still held: charged to the quota, its index not reissued. */
	assert_int_equal(cap_table_used(&A), 2);
	id = give(&A, 2, ALLOW_ALL);
	assert_int_not_equal(CAPOS_CAPID_INDEX(id), CAPOS_CAPID_INDEX(a));
	assert_true(cap_table_check(&A));
	assert_true(xfer_check(&A));
	assert_int_equal(xfer_abort(&tx), 0);
	assert_holds(&A, a, 0, ALLOW_ALL);
}

static void test_sender_table_in_use_while_send_prepared(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[3], x;
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	capos_cap_t c = give(&A, 2, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0},
	                         {c, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);
	struct cap_slot *slot;
	struct xfer_txn tx;
	void *obj;

	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 3), 0);
	pin_copies(&tx);
	/* Other SQEs run: caps come and go, one copied cap is narrowed in
	 * place, the other released. */
	x = give(&A, 5, ALLOW_ALL);
	assert_int_equal(cap_table_lookup(&A, b, &slot), 0);
	slot->xfer_allow = CAPOS_XFER_ALLOW_NONE;
	assert_int_equal(cap_table_remove(&A, c, &obj), 0);
	((struct obj *)obj)->refs--;
	assert_int_equal(cap_table_remove(&A, x, &obj), 0);
	((struct obj *)obj)->refs--;
	/* The receiver gets the copies as they were sent. */
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 3);
	unpin_copies(&tx);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
	assert_holds(&B, out[1], 1, ALLOW_ALL);
	assert_holds(&B, out[2], 2, ALLOW_ALL);
	assert_holds(&A, b, 1, CAPOS_XFER_ALLOW_NONE);
	assert_int_equal(objs[1].refs, 2);
	assert_int_equal(objs[2].refs, 1);
	assert_int_equal(cap_table_used(&A), 1);
	assert_true(cap_table_check(&A));
}

static void test_abort_after_table_use_restores_exact_capids(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2), 0);
	for (int i = 0; i < 5; i++)
		cap_table_remove(&A, give(&A, 2 + i, ALLOW_ALL), NULL);
	give(&A, 8, ALLOW_ALL);
	assert_int_equal(xfer_abort(&tx), 0);
	assert_holds(&A, a, 0, ALLOW_ALL);
	assert_holds(&A, b, 1, ALLOW_ALL);
	assert_int_equal(cap_table_used(&A), 3);
	assert_true(cap_table_check(&A));
	assert_true(xfer_check(&A));
}

static void test_two_interleaved_transactions_from_one_sender(void **st)
{
	(void)st;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[2];
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	capos_cap_t c = give(&A, 2, ALLOW_ALL);
	struct capos_xfer d1[] = {{a, CAPOS_XFER_MOVE, 0},
	                          {c, CAPOS_XFER_COPY, 0}};
	struct capos_xfer d2[] = {{b, CAPOS_XFER_MOVE, 0},
	                          {c, CAPOS_XFER_COPY, 0}};
	struct capos_xfer steal[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k1 = key(1), k2 = key(2), k3 = key(3);
	struct xfer_txn t1, t2, t3;

	assert_int_equal(xfer_prepare_send(&t1, &A, &k1, d1, 2), 0);
	pin_copies(&t1);
	assert_int_equal(xfer_prepare_send(&t2, &A, &k2, d2, 2), 0);
	pin_copies(&t2);
	/* A cap reserved by one transaction is not there for the next. */
	assert_int_equal(xfer_prepare_send(&t3, &A, &k3, steal, 1),
	                 CAPOS_E_BAD_CAP);
	assert_true(xfer_check(&A));
	/* The second one is received and committed first. */
	assert_int_equal(xfer_prepare_receive(&t2, &B), 0);
	assert_int_equal(xfer_commit(&t2, &ops, out), 2);
	unpin_copies(&t2);
	assert_holds(&B, out[0], 1, ALLOW_ALL);
	assert_holds(&B, out[1], 2, ALLOW_ALL);
	assert_ptr_equal(xfer_first_in_flight(&A), &t1);
	assert_true(xfer_check(&A));
	/* The first one is abandoned: its move comes back, same CapId. */
	assert_int_equal(xfer_abort(&t1), 0);
	unpin_copies(&t1);
	assert_holds(&A, a, 0, ALLOW_ALL);
	assert_gone(&A, b);
	assert_null(xfer_first_in_flight(&A));
	assert_int_equal(A.xfer_epoch, 1);
	assert_int_equal(t2.epoch, 1);
	assert_int_equal(objs[2].refs, 2);
	assert_true(xfer_check(&A));
	assert_true(cap_table_check(&A));
}

static void test_key_in_flight_refused_until_committed(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct capos_xfer d2[] = {{b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(9);
	struct xfer_txn tx, replay;

	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 1), 0);
	save();
	/* The same SQE again, even naming other caps, while it waits. */
	assert_int_equal(xfer_prepare_send(&replay, &A, &k, d2, 1),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_int_equal(replay.state, XFER_TXN_ABORTED);
	assert_int_equal(xfer_run(&A, &B, &k, d2, 1, &ops, NULL),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_unchanged();
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	save();
	assert_int_equal(xfer_prepare_send(&replay, &A, &k, d2, 1),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_unchanged();
	assert_int_equal(xfer_commit(&tx, &ops, NULL), 1);
	assert_int_equal(xfer_prepare_send(&replay, &A, &k, d2, 1),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_int_equal(copies, 0);
}

static void test_key_may_be_retried_after_abort_from_send_prepared(void **s)
{
	(void)s;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[1];
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(9);
	struct xfer_txn tx;

	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 1), 0);
	assert_int_equal(xfer_abort(&tx), 0);
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 1), 0);
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 1);
	assert_holds(&B, out[0], 0, ALLOW_ALL);
}

static void test_distinct_keys_in_flight_do_not_interact(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k1 = key(1), k2 = key(2), k3 = key(3);
	struct xfer_txn t1, t2, t3;

	/* Three calls carrying the same copy wait at once. */
	assert_int_equal(xfer_prepare_send(&t1, &A, &k1, d, 1), 0);
	assert_int_equal(xfer_prepare_send(&t2, &A, &k2, d, 1), 0);
	assert_int_equal(xfer_prepare_send(&t3, &A, &k3, d, 1), 0);
	/* Taken out of the list from its middle, its tail and its head. */
	assert_int_equal(xfer_prepare_receive(&t2, &B), 0);
	assert_int_equal(xfer_commit(&t2, &ops, NULL), 1);
	assert_true(xfer_check(&A));
	assert_int_equal(xfer_abort(&t1), 0);
	assert_true(xfer_check(&A));
	assert_int_equal(xfer_prepare_receive(&t3, &B), 0);
	assert_int_equal(xfer_commit(&t3, &ops, NULL), 1);
	assert_true(xfer_check(&A));
	assert_null(xfer_first_in_flight(&A));
	assert_int_equal(t2.epoch, 1);
	assert_int_equal(t3.epoch, 2);
	/* The committed keys stay refused, the aborted one may retry. */
	assert_int_equal(xfer_run(&A, &B, &k2, d, 1, &ops, NULL),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_int_equal(xfer_run(&A, &B, &k3, d, 1, &ops, NULL),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_int_equal(xfer_run(&A, &B, &k1, d, 1, &ops, NULL), 1);
	assert_int_equal(objs[0].refs, 4);
}

static void test_key_in_flight_from_another_table_is_not_a_replay(void **s)
{
	(void)s;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&B, 1, ALLOW_ALL);
	struct capos_xfer da[] = {{a, CAPOS_XFER_COPY, 0}};
	struct capos_xfer db[] = {{b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(4);
	struct xfer_txn ta, tb;

	assert_int_equal(xfer_prepare_send(&ta, &A, &k, da, 1), 0);
	assert_int_equal(xfer_prepare_send(&tb, &B, &k, db, 1), 0);
	assert_int_equal(xfer_abort(&ta), 0);
	assert_int_equal(xfer_abort(&tb), 0);
}

static void test_self_transfer_in_two_phases(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[2];
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1), k2 = key(2);
	struct xfer_txn tx;

	save();
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2), 0);
	assert_int_equal(xfer_prepare_receive(&tx, &A), 0);
	assert_int_equal(cap_table_used(&A), 4);
	assert_int_equal(xfer_abort(&tx), 0);
	assert_unchanged();
	/* Full table: the receive fails, the send side stays. */
	cap_table_set_quota(&A, 3);
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2), 0);
	assert_int_equal(xfer_prepare_receive(&tx, &A), CAPOS_E_QUOTA);
	assert_int_equal(tx.state, XFER_TXN_SEND_PREPARED);
	assert_gone(&A, a);
	cap_table_set_quota(&A, NA);
	assert_int_equal(xfer_prepare_receive(&tx, &A), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 2);
	assert_gone(&A, a);
	assert_holds(&A, out[0], 0, ALLOW_ALL);
	assert_holds(&A, out[1], 1, ALLOW_ALL);
	assert_holds(&A, b, 1, ALLOW_ALL);
	assert_int_equal(cap_table_used(&A), 3);
	/* The moved cap can travel on at once under a new key. */
	d[0].cap = out[0];
	assert_int_equal(xfer_prepare_send(&tx, &A, &k2, d, 1), 0);
	assert_int_equal(xfer_prepare_receive(&tx, &A), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 1);
	assert_holds(&A, out[0], 0, ALLOW_ALL);
	assert_true(cap_table_check(&A));
	assert_true(xfer_check(&A));
}

static void test_empty_batch_in_two_phases(void **state)
{
	(void)state;
	struct cap_xfer_key k = key(1);
	struct xfer_txn t1, t2;

	give(&A, 0, ALLOW_ALL);
	cap_table_set_quota(&B, 0);
	save();
	assert_int_equal(xfer_prepare_send(&t1, &A, &k, NULL, 0), 0);
	assert_int_equal(xfer_prepare_send(&t2, &A, &k, NULL, 0), 0);
	assert_int_equal(t1.state, XFER_TXN_SEND_PREPARED);
	assert_null(xfer_first_in_flight(&A));
	/* Nothing to take: even a table at its quota receives it. */
	assert_int_equal(xfer_prepare_receive(&t1, &B), 0);
	assert_int_equal(xfer_commit(&t1, &ops, NULL), 0);
	assert_int_equal(xfer_abort(&t2), 0);
	assert_int_equal(t1.epoch, 0);
	assert_int_equal(xfer_item_object(&t1, 0, NULL, NULL, NULL), -1);
	assert_unchanged();
}

static void test_prepare_receive_needs_send_prepared_txn(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_COPY, 0}};
	struct capos_xfer bad[] = {{a, 9, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	assert_int_equal(xfer_prepare_send(&tx, &A, &k, bad, 1),
	                 CAPOS_E_BAD_SQE);
	save();
	assert_int_equal(xfer_prepare_receive(&tx, &B), -1);
	assert_int_equal(xfer_cancel_receive(&tx), -1);
	assert_unchanged();
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 1), 0);
	/* SEND_PREPARED cannot be committed nor its receive cancelled. */
	save();
	assert_int_equal(xfer_commit(&tx, &ops, NULL), -1);
	assert_int_equal(xfer_cancel_receive(&tx), -1);
	assert_unchanged();
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	save();
	assert_int_equal(xfer_prepare_receive(&tx, &B), -1);
	assert_unchanged();
	assert_int_equal(xfer_commit(&tx, &ops, NULL), 1);
	save();
	assert_int_equal(xfer_prepare_receive(&tx, &B), -1);
	assert_int_equal(xfer_cancel_receive(&tx), -1);
	assert_unchanged();
}

static void test_cancel_receive_returns_to_send_prepared(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL), out[2];
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);
	struct cap_table C;
	struct xfer_txn tx;

	give(&B, 3, ALLOW_ALL);
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2), 0);
	save();
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	/* Say writing the CapIds into B's RECV buffer failed. */
	assert_int_equal(xfer_cancel_receive(&tx), 0);
	assert_unchanged();
	assert_int_equal(tx.state, XFER_TXN_SEND_PREPARED);
	assert_null(tx.to);
	cap_table_init(&C, sc, NC, NC);
	assert_int_equal(xfer_prepare_receive(&tx, &C), 0);
	assert_int_equal(xfer_commit(&tx, &ops, out), 2);
	assert_holds(&C, out[0], 0, ALLOW_ALL);
	assert_holds(&C, out[1], 1, ALLOW_ALL);
}

static void test_item_object_reports_the_sent_slot(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 3, CAPOS_XFER_ALLOW_MOVE);
	capos_cap_t b = give(&A, 4, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0},
	                         {b, CAPOS_XFER_COPY, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;
	uint64_t iface = 0;
	uint8_t allow = 0;
	void *obj = NULL;

	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2), 0);
	assert_int_equal(xfer_item_object(&tx, 0, &obj, &iface, &allow), 0);
	assert_ptr_equal(obj, &objs[3]);
	assert_int_equal(iface, 0x103);
	assert_int_equal(allow, CAPOS_XFER_ALLOW_MOVE);
	assert_int_equal(xfer_item_object(&tx, 1, &obj, &iface, &allow), 0);
	assert_ptr_equal(obj, &objs[4]);
	assert_int_equal(iface, 0x104);
	assert_int_equal(allow, ALLOW_ALL);
	assert_int_equal(xfer_item_object(&tx, 1, NULL, NULL, NULL), 0);
	assert_int_equal(xfer_item_object(&tx, 2, &obj, &iface, &allow), -1);
	assert_int_equal(xfer_prepare_receive(&tx, &B), 0);
	assert_int_equal(xfer_item_object(&tx, 0, &obj, NULL, NULL), 0);
	assert_ptr_equal(obj, &objs[3]);
	assert_int_equal(xfer_commit(&tx, &ops, NULL), 2);
	assert_int_equal(xfer_item_object(&tx, 1, &obj, NULL, NULL), 0);
	assert_ptr_equal(obj, &objs[4]);
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 2),
	                 CAPOS_E_TRANSFER_REFUSED);
	assert_int_equal(xfer_item_object(&tx, 0, &obj, NULL, NULL), -1);
}

/* Each refused batch: prepare_send gives prepare's error, changes nothing. */
static void test_prepare_send_refuses_like_prepare(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t none = give(&A, 1, CAPOS_XFER_ALLOW_NONE);
	capos_cap_t stale = give(&A, 2, ALLOW_ALL);
	struct capos_xfer ok = {a, CAPOS_XFER_COPY, 0};
	struct cap_xfer_key used = key(50), fresh = key(51);
	static struct capos_xfer many[CAPOS_XFER_MAX + 1];
	struct {
		struct capos_xfer d[2];
		uint32_t n;
		const struct cap_xfer_key *k;
		int err;
	} cases[] = {
	    {{{a, CAPOS_XFER_MOVE, 1}, ok}, 2, &fresh, CAPOS_E_BAD_SQE},
	    {{ok, {a, 0, 0}}, 2, &fresh, CAPOS_E_BAD_SQE},
	    {{ok, {stale, CAPOS_XFER_COPY, 0}}, 2, &fresh, CAPOS_E_BAD_CAP},
	    {{ok, {none, CAPOS_XFER_COPY, 0}},
	     2,
	     &fresh,
	     CAPOS_E_TRANSFER_REFUSED},
	    {{ok, {a, CAPOS_XFER_MOVE, 0}},
	     2,
	     &fresh,
	     CAPOS_E_TRANSFER_REFUSED},
	    /* Order: the replay before the descriptors, the descriptors in
	     * turn, the reserved field before the cap. */
	    {{{stale, 0, 0}, ok}, 2, &used, CAPOS_E_TRANSFER_REFUSED},
	    {{{none, CAPOS_XFER_COPY, 0}, {stale, 7, 0}},
	     2,
	     &fresh,
	     CAPOS_E_TRANSFER_REFUSED},
	    {{{stale, CAPOS_XFER_COPY, 1}, ok}, 2, &fresh, CAPOS_E_BAD_SQE},
	};
	struct xfer_txn tx;

	for (int i = 0; i < CAPOS_XFER_MAX + 1; i++)
		many[i] = ok;
	assert_int_equal(xfer_run(&A, &B, &used, &ok, 1, &ops, NULL), 1);
	cap_table_remove(&A, stale, NULL);
	save();
	assert_int_equal(
	    xfer_prepare_send(&tx, &A, &fresh, many, CAPOS_XFER_MAX + 1),
	    CAPOS_E_BAD_SQE);
	assert_unchanged();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(xfer_prepare_send(&tx, &A, cases[i].k,
		                                   cases[i].d, cases[i].n),
		                 cases[i].err);
		assert_int_equal(tx.state, XFER_TXN_ABORTED);
		assert_int_equal(tx.count, 0);
		assert_null(tx.to);
		assert_unchanged();
		assert_int_equal(xfer_prepare(&tx, &A, &B, cases[i].k,
		                              cases[i].d, cases[i].n),
		                 cases[i].err);
		assert_unchanged();
	}
}

static void test_dying_sender_aborts_in_flight_then_tears_down(void **s)
{
	(void)s;
	capos_cap_t c[6];
	struct xfer_txn tx[3];
	struct xfer_txn *t;
	capos_cap_t id;
	uint32_t pos = 0, n = 0;
	void *obj;

	for (int i = 0; i < 6; i++)
		c[i] = give(&A, i, ALLOW_ALL);
	for (int i = 0; i < 3; i++) {
		struct capos_xfer d[] = {{c[2 * i], CAPOS_XFER_MOVE, 0},
		                         {c[5], CAPOS_XFER_COPY, 0}};
		struct cap_xfer_key k = key(10 + i);

		assert_int_equal(xfer_prepare_send(&tx[i], &A, &k, d, 2), 0);
		pin_copies(&tx[i]);
	}
	/* The kernel: abort every queued call of the dying process... */
	while ((t = xfer_first_in_flight(&A)) != NULL) {
		assert_int_equal(xfer_abort(t), 0);
		unpin_copies(t);
		n++;
	}
	assert_int_equal(n, 3);
	assert_true(xfer_check(&A));
	/* ...then walk and drop its live caps: none is left behind. */
	while (cap_table_next(&A, &pos, &id, NULL)) {
		assert_int_equal(cap_table_remove(&A, id, &obj), 0);
		((struct obj *)obj)->refs--;
	}
	assert_int_equal(cap_table_used(&A), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(objs[i].refs, 0);
}

static void test_xfer_check_catches_inconsistencies(void **state)
{
	(void)state;
	capos_cap_t a = give(&A, 0, ALLOW_ALL);
	capos_cap_t b = give(&A, 1, ALLOW_ALL);
	struct capos_xfer d[] = {{a, CAPOS_XFER_MOVE, 0}};
	struct cap_xfer_key k = key(1);
	struct xfer_txn tx;

	assert_true(xfer_check(&A));
	/* A reserved slot no transaction owns. */
	assert_int_equal(cap_table_reserve(&A, b), 0);
	assert_false(xfer_check(&A));
	assert_int_equal(cap_table_rollback(&A, b), 0);
	assert_int_equal(xfer_prepare_send(&tx, &A, &k, d, 1), 0);
	assert_true(xfer_check(&A));
	/* A moved slot that is no longer reserved. */
	assert_int_equal(cap_table_rollback(&A, a), 0);
	assert_false(xfer_check(&A));
	assert_int_equal(cap_table_reserve(&A, a), 0);
	/* A broken link. */
	tx.prev = &tx;
	assert_false(xfer_check(&A));
	tx.prev = NULL;
	/* A transaction on the list that is not in flight. */
	tx.state = XFER_TXN_COMMITTED;
	assert_false(xfer_check(&A));
	tx.state = XFER_TXN_SEND_PREPARED;
	/* A cycle. */
	tx.next = &tx;
	assert_false(xfer_check(&A));
	tx.next = NULL;
	assert_true(xfer_check(&A));
	assert_int_equal(xfer_abort(&tx), 0);
	assert_true(xfer_check(&A));
}

/* ---- randomized, split in time: many transactions in flight ------------ */

#define NPOOL 8

static struct cap_table *const tables[2] = {&A, &B};
static struct xfer_txn pool[NPOOL];
static bool busy[NPOOL]; /* pool[i] is in flight */
static uint64_t window[2][CAP_XFER_REPLAY_WINDOW], nwindow[2];

static int table_of(const struct cap_table *t)
{
	return t == &B;
}

/* Copied objects the in-flight transactions keep alive. */
static int pins_of(const void *obj)
{
	int n = 0;

	for (int p = 0; p < NPOOL; p++) {
		for (uint32_t i = 0; busy[p] && i < pool[p].count; i++)
			n += pool[p].item[i].mode == CAPOS_XFER_COPY &&
			     pool[p].item[i].object == obj;
	}
	return n;
}

static void check_refs_in_flight(void)
{
	for (int o = 0; o < NOBJ; o++)
		assert_int_equal(objs[o].refs,
		                 slots_holding(sa, NA, &objs[o]) +
		                     slots_holding(sb, NB, &objs[o]) +
		                     pins_of(&objs[o]));
	for (int t = 0; t < 2; t++) {
		assert_true(cap_table_check(tables[t]));
		assert_true(xfer_check(tables[t]));
	}
}

/* Should prepare_send from table t refuse seq as a replay? */
static bool expect_replay(int t, uint64_t seq)
{
	uint64_t n = nwindow[t] < CAP_XFER_REPLAY_WINDOW
	                 ? nwindow[t]
	                 : CAP_XFER_REPLAY_WINDOW;

	for (uint64_t i = 0; i < n; i++) {
		if (window[t][i] == seq)
			return true;
	}
	for (int p = 0; p < NPOOL; p++) {
		if (busy[p] && pool[p].from == tables[t] &&
		    pool[p].key.seq == seq)
			return true;
	}
	return false;
}

static void random_send(int p, uint64_t step, int *nreplay)
{
	int t = rand() % 2;
	struct cap_table *from = tables[t];
	struct capos_xfer d[CAPOS_XFER_MAX];
	uint32_t n = 1 + (uint32_t)rand() % 4;
	struct cap_xfer_key k = {.sender = 1, .seq = step};
	uint32_t used = cap_table_used(from);
	bool replay;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		d[i].cap = pick(from);
		d[i].mode = rand() % 2 ? CAPOS_XFER_COPY : CAPOS_XFER_MOVE;
		d[i].reserved = 0;
	}
	if (rand() % 4 == 0 && step > 16)
		k.seq = step - 1 - (uint64_t)rand() % 16;
	replay = expect_replay(t, k.seq);
	rc = xfer_prepare_send(&pool[p], from, &k, d, n);
	if (replay) {
		assert_int_equal(rc, CAPOS_E_TRANSFER_REFUSED);
		(*nreplay)++;
	}
	assert_int_equal(cap_table_used(from), used);
	if (rc)
		return;
	busy[p] = true;
	pin_copies(&pool[p]);
}

static void random_finish(int p, int *ncommit)
{
	struct xfer_txn *tx = &pool[p];
	int t = table_of(tx->from);

	if (tx->state == XFER_TXN_SEND_PREPARED && rand() % 3) {
		struct cap_table *to = tables[rand() % 2];
		uint32_t used = cap_table_used(to);
		int rc = xfer_prepare_receive(tx, to);

		if (rc) {
			assert_int_equal(rc, CAPOS_E_QUOTA);
			assert_int_equal(tx->state, XFER_TXN_SEND_PREPARED);
			assert_int_equal(cap_table_used(to), used);
		}
		return;
	}
	if (tx->state == XFER_TXN_PREPARED && rand() % 4 == 0) {
		assert_int_equal(xfer_cancel_receive(tx), 0);
		return;
	}
	if (tx->state == XFER_TXN_PREPARED && rand() % 3) {
		capos_cap_t out[CAPOS_XFER_MAX];

		assert_int_equal(xfer_commit(tx, &ops, out), (int)tx->count);
		for (uint32_t i = 0; i < tx->count; i++)
			assert_holds(
			    tx->to, out[i],
			    (int)((struct obj *)tx->item[i].object - objs),
			    tx->item[i].xfer_allow);
		window[t][nwindow[t]++ % CAP_XFER_REPLAY_WINDOW] = tx->key.seq;
		(*ncommit)++;
	} else {
		assert_int_equal(xfer_abort(tx), 0);
		/* Every moved cap is back under its own CapId (a copied
		 * one may have been released meanwhile). */
		for (uint32_t i = 0; i < tx->count; i++)
			if (tx->item[i].mode == CAPOS_XFER_MOVE)
				assert_int_equal(
				    cap_table_lookup(
				        tx->from, tx->item[i].src,
				        &(struct cap_slot *){NULL}),
				    0);
	}
	busy[p] = false;
	unpin_copies(tx);
}

static void test_random_split_transfers_conserve_references(void **state)
{
	(void)state;
	int nreplay = 0, ncommit = 0, nsend = 0;

	srand(4242);
	memset(busy, 0, sizeof(busy));
	memset(nwindow, 0, sizeof(nwindow));
	cap_table_set_quota(&A, 24);
	cap_table_set_quota(&B, 20);
	for (uint64_t step = 1; step <= 100000; step++) {
		int op = rand() % 10, p = rand() % NPOOL;
		struct cap_table *t = tables[rand() % 2];
		void *obj;

		if (op < 2) {
			capos_cap_t id;
			int o = rand() % NOBJ;

			if (cap_table_insert(t, &objs[o], 0x100 + o,
			                     rand() % 4 ? ALLOW_ALL
			                                : (uint8_t)(rand() % 4),
			                     10 + o, &id) == 0)
				objs[o].refs++;
		} else if (op < 4) {
			if (cap_table_remove(t, pick(t), &obj) == 0)
				((struct obj *)obj)->refs--;
		} else if (!busy[p]) {
			random_send(p, step, &nreplay);
			nsend += busy[p];
		} else {
			random_finish(p, &ncommit);
		}
		if (step % 16 == 0)
			check_refs_in_flight();
	}
	for (int p = 0; p < NPOOL; p++) {
		if (busy[p]) {
			assert_int_equal(xfer_abort(&pool[p]), 0);
			busy[p] = false;
			unpin_copies(&pool[p]);
		}
	}
	assert_null(xfer_first_in_flight(&A));
	assert_null(xfer_first_in_flight(&B));
	check_refs_in_flight();
	print_message("sent %d, committed %d, replays refused %d\n", nsend,
	              ncommit, nreplay);
	assert_true(nsend > 1000 && ncommit > 1000 && nreplay > 100);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_copy_gives_receiver_a_slot_and_sender_keeps_its),
	    T(test_move_removes_sender_slot_and_installs_receiver),
	    T(test_mixed_batch_lands_in_descriptor_order),
	    T(test_receiver_out_of_slots_mid_batch_rolls_back_exactly),
	    T(test_receiver_quota_checked_before_any_change),
	    T(test_non_transferable_object_refused),
	    T(test_mode_not_allowed_by_object_refused),
	    T(test_unknown_mode_refused),
	    T(test_reserved_field_nonzero_refused),
	    T(test_bad_sender_cap_refused),
	    T(test_cap_moved_twice_or_moved_and_copied_refused),
	    T(test_same_cap_copied_twice_gives_two_slots),
	    T(test_too_many_descriptors_refused),
	    T(test_replayed_key_refused),
	    T(test_replay_of_a_move_refused_after_cap_reused),
	    T(test_aborted_transfer_may_be_retried_with_same_key),
	    T(test_replay_window_forgets_after_window_commits),
	    T(test_empty_batch_changes_nothing_and_records_nothing),
	    T(test_prepare_holds_slots_and_abort_restores_exactly),
	    T(test_commit_installs_the_ids_prepare_announced),
	    T(test_commit_and_abort_need_a_prepared_txn),
	    T(test_move_within_one_table),
	    T(test_move_within_full_table_rolls_back_exactly),
	    T(test_move_of_slot_at_last_generation_retires_it),
	    T(test_random_transfers_conserve_references),
	    T(test_send_then_receive_then_commit_delivers),
	    T(test_receive_over_quota_keeps_send_prepared),
	    T(test_receive_out_of_slots_mid_batch_keeps_send_prepared),
	    T(test_abort_from_send_prepared_restores_sender_exactly),
	    T(test_abort_after_receive_restores_both_tables),
	    T(test_moved_slot_invisible_while_send_prepared),
	    T(test_sender_table_in_use_while_send_prepared),
	    T(test_abort_after_table_use_restores_exact_capids),
	    T(test_two_interleaved_transactions_from_one_sender),
	    T(test_key_in_flight_refused_until_committed),
	    T(test_key_may_be_retried_after_abort_from_send_prepared),
	    T(test_distinct_keys_in_flight_do_not_interact),
	    T(test_key_in_flight_from_another_table_is_not_a_replay),
	    T(test_self_transfer_in_two_phases),
	    T(test_empty_batch_in_two_phases),
	    T(test_prepare_receive_needs_send_prepared_txn),
	    T(test_cancel_receive_returns_to_send_prepared),
	    T(test_item_object_reports_the_sent_slot),
	    T(test_prepare_send_refuses_like_prepare),
	    T(test_dying_sender_aborts_in_flight_then_tears_down),
	    T(test_xfer_check_catches_inconsistencies),
	    T(test_random_split_transfers_conserve_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
