/*
 * test_cap_table.c - unit tests for lib/cap_table.c: insert, lookup and
 * remove; every kind of bad CapId; quota and full table leaving the table
 * untouched; a slot driven through all 65535 generations to retirement;
 * the reserve / commit_move / rollback and alloc / install / cancel
 * transactions; iteration; the replay record; a long randomized run
 * against a reference model; and lock-free lookups racing a writer.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <capos/errors.h>
#include <capos/transfer.h>
#include "cap_table.h"

#define NSLOTS 64

static struct cap_slot slots[NSLOTS];
static struct cap_slot saved_slots[NSLOTS];
static struct cap_table saved_table;
static int objs[NSLOTS * 4];

static struct cap_table make(uint32_t capacity, uint32_t quota)
{
	struct cap_table t;

	memset(slots, 0xA5, sizeof(slots));
	assert_int_equal(cap_table_init(&t, slots, capacity, quota), 0);
	return t;
}

static void save(const struct cap_table *t)
{
	memcpy(saved_slots, slots, sizeof(slots));
	saved_table = *t;
}

/* The table and its storage are byte for byte as at the last save(),
 * but for the change counter: a rollback is a change lock-free readers
 * must see (it only grows, and is even between changes). */
static void assert_unchanged(const struct cap_table *t)
{
	struct cap_table now = *t;

	assert_memory_equal(slots, saved_slots, sizeof(slots));
	assert_true(now.seq >= saved_table.seq && now.seq % 2 == 0);
	now.seq = saved_table.seq;
	assert_memory_equal(&now, &saved_table, sizeof(now));
	assert_true(cap_table_check(t));
}

static capos_cap_t insert(struct cap_table *t, void *obj)
{
	capos_cap_t id = 0;

	assert_int_equal(
	    cap_table_insert(t, obj, 0x1234, CAPOS_XFER_ALLOW_COPY, 7, &id), 0);
	return id;
}

static void assert_bad(struct cap_table *t, capos_cap_t id)
{
	struct cap_slot *s = NULL;

	assert_int_equal(cap_table_lookup(t, id, &s), CAPOS_E_BAD_CAP);
	assert_null(s);
}

static void test_init_rejects_capacity_above_max(void **state)
{
	(void)state;
	struct cap_table t;

	assert_int_equal(cap_table_init(&t, slots, CAP_TABLE_MAX_SLOTS + 1, 8),
	                 CAPOS_E_TOO_LARGE);
	assert_int_equal(t.capacity, 0);
	assert_int_equal(cap_table_available(&t), 0);
}

static void test_fresh_table_issues_indices_in_order_at_gen_1(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);

	assert_true(cap_table_check(&t));
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(insert(&t, &objs[i]), CAPOS_CAPID_MAKE(i, 1));
	assert_int_equal(cap_table_used(&t), 8);
	assert_true(cap_table_check(&t));
}

static void test_insert_then_lookup_returns_content(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	struct cap_slot *s;
	capos_cap_t id;

	assert_int_equal(cap_table_insert(&t, &objs[3], 0xABCDEF0123ull,
	                                  CAPOS_XFER_ALLOW_MOVE, 42, &id),
	                 0);
	assert_int_equal(cap_table_lookup(&t, id, &s), 0);
	assert_ptr_equal(s->object, &objs[3]);
	assert_int_equal(s->interface_id, 0xABCDEF0123ull);
	assert_int_equal(s->xfer_allow, CAPOS_XFER_ALLOW_MOVE);
	assert_int_equal(s->kind, 42);
	assert_int_equal(s->state, CAP_SLOT_LIVE);
}

static void test_capid_zero_rejected_even_with_slot_0_live(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t id = insert(&t, &objs[0]);

	assert_int_equal(CAPOS_CAPID_INDEX(id), 0);
	assert_bad(&t, CAPOS_CAP_NULL);
	assert_int_equal(cap_table_remove(&t, CAPOS_CAP_NULL, NULL),
	                 CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_reserve(&t, CAPOS_CAP_NULL),
	                 CAPOS_E_BAD_CAP);
}

static void test_generation_zero_rejected(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);

	for (uint32_t i = 0; i < 8; i++)
		insert(&t, &objs[i]);
	for (uint32_t i = 0; i < 8; i++)
		assert_bad(&t, CAPOS_CAPID_MAKE(i, 0));
}

static void test_out_of_range_index_rejected(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);

	for (uint32_t i = 0; i < 8; i++)
		insert(&t, &objs[i]);
	/* The memory past the table looks like a live slot: never read. */
	slots[8] = slots[0];
	assert_bad(&t, CAPOS_CAPID_MAKE(8, 1));
	assert_bad(&t, CAPOS_CAPID_MAKE(0xFFFF, 1));
	assert_int_equal(cap_table_remove(&t, CAPOS_CAPID_MAKE(8, 1), NULL),
	                 CAPOS_E_BAD_CAP);
}

static void test_stale_generation_rejected_after_reuse(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t old = insert(&t, &objs[0]);
	capos_cap_t fresh;
	struct cap_slot *s;

	assert_int_equal(cap_table_remove(&t, old, NULL), 0);
	fresh = insert(&t, &objs[1]);
	assert_int_equal(CAPOS_CAPID_INDEX(fresh), CAPOS_CAPID_INDEX(old));
	assert_int_equal(CAPOS_CAPID_GEN(fresh), CAPOS_CAPID_GEN(old) + 1);
	assert_bad(&t, old);
	assert_int_equal(cap_table_remove(&t, old, NULL), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_lookup(&t, fresh, &s), 0);
	assert_ptr_equal(s->object, &objs[1]);
}

static void test_future_generation_rejected(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t id = insert(&t, &objs[0]);

	assert_bad(&t, CAPOS_CAPID_MAKE(CAPOS_CAPID_INDEX(id), 2));
}

static void test_never_issued_free_slot_rejected(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);

	insert(&t, &objs[0]);
	/* Slot 1 is free at generation 1: the CapId it would get next. */
	assert_bad(&t, CAPOS_CAPID_MAKE(1, 1));
	assert_int_equal(cap_table_remove(&t, CAPOS_CAPID_MAKE(1, 1), NULL),
	                 CAPOS_E_BAD_CAP);
}

static void test_remove_returns_object_and_frees_slot(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t id = insert(&t, &objs[5]);
	void *obj = NULL;

	assert_int_equal(cap_table_remove(&t, id, &obj), 0);
	assert_ptr_equal(obj, &objs[5]);
	assert_int_equal(cap_table_used(&t), 0);
	assert_int_equal(slots[0].state, CAP_SLOT_FREE);
	assert_null(slots[0].object);
	assert_true(cap_table_check(&t));
}

static void test_double_remove_rejected(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t id = insert(&t, &objs[0]);

	assert_int_equal(cap_table_remove(&t, id, NULL), 0);
	save(&t);
	assert_int_equal(cap_table_remove(&t, id, NULL), CAPOS_E_BAD_CAP);
	assert_unchanged(&t);
}

static void test_reuse_is_lifo(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t id[4];

	for (int i = 0; i < 4; i++)
		id[i] = insert(&t, &objs[i]);
	cap_table_remove(&t, id[1], NULL);
	cap_table_remove(&t, id[3], NULL);
	assert_int_equal(CAPOS_CAPID_INDEX(insert(&t, &objs[9])), 3);
	assert_int_equal(CAPOS_CAPID_INDEX(insert(&t, &objs[9])), 1);
	assert_int_equal(CAPOS_CAPID_INDEX(insert(&t, &objs[9])), 4);
}

static void test_quota_exceeded_changes_nothing(void **state)
{
	(void)state;
	struct cap_table t = make(16, 3);
	capos_cap_t id = 0xDEAD;

	for (int i = 0; i < 3; i++)
		insert(&t, &objs[i]);
	save(&t);
	assert_int_equal(cap_table_insert(&t, &objs[3], 1, 0, 0, &id),
	                 CAPOS_E_QUOTA);
	assert_int_equal(id, 0xDEAD);
	assert_unchanged(&t);
	assert_int_equal(cap_table_alloc(&t, &id), CAPOS_E_QUOTA);
	assert_unchanged(&t);
}

static void test_full_table_changes_nothing(void **state)
{
	(void)state;
	struct cap_table t = make(4, 100);
	capos_cap_t id;

	for (int i = 0; i < 4; i++)
		insert(&t, &objs[i]);
	assert_int_equal(cap_table_available(&t), 0);
	save(&t);
	assert_int_equal(cap_table_insert(&t, &objs[4], 1, 0, 0, &id),
	                 CAPOS_E_QUOTA);
	assert_unchanged(&t);
}

static void test_quota_lowered_below_used_refuses_until_released(void **s)
{
	(void)s;
	struct cap_table t = make(16, 8);
	capos_cap_t id[4], x;

	for (int i = 0; i < 4; i++)
		id[i] = insert(&t, &objs[i]);
	cap_table_set_quota(&t, 2);
	assert_int_equal(cap_table_available(&t), 0);
	assert_int_equal(cap_table_insert(&t, &objs[5], 1, 0, 0, &x),
	                 CAPOS_E_QUOTA);
	/* Held caps stay valid. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(cap_table_remove(&t, id[i], NULL), 0);
	assert_int_equal(cap_table_available(&t), 2);
}

static void test_generation_wrap_retires_slot(void **state)
{
	(void)state;
	struct cap_table t = make(1, 1);
	capos_cap_t id = 0, first = 0;

	for (uint32_t gen = 1; gen <= 0xFFFF; gen++) {
		id = insert(&t, &objs[0]);
		assert_int_equal(id, CAPOS_CAPID_MAKE(0, gen));
		if (gen == 1)
			first = id;
		assert_int_equal(cap_table_remove(&t, id, NULL), 0);
	}
	assert_int_equal(slots[0].state, CAP_SLOT_RETIRED);
	assert_int_equal(t.nretired, 1);
	assert_int_equal(cap_table_used(&t), 0);
	assert_true(cap_table_check(&t));
	assert_bad(&t, id);
	assert_bad(&t, first);
	save(&t);
	assert_int_equal(cap_table_insert(&t, &objs[0], 1, 0, 0, &id),
	                 CAPOS_E_QUOTA);
	assert_unchanged(&t);
}

static void test_retired_slot_not_charged_to_quota(void **state)
{
	(void)state;
	struct cap_table t = make(2, 1);
	capos_cap_t id;

	for (uint32_t gen = 1; gen <= 0xFFFF; gen++)
		cap_table_remove(&t, insert(&t, &objs[0]), NULL);
	assert_int_equal(slots[0].state, CAP_SLOT_RETIRED);
	/* Quota 1 still buys a cap: the retired slot does not use it up. */
	id = insert(&t, &objs[1]);
	assert_int_equal(id, CAPOS_CAPID_MAKE(1, 1));
	assert_true(cap_table_check(&t));
}

static void test_reserved_slot_unusable_then_rollback_restores(void **st)
{
	(void)st;
	struct cap_table t = make(8, 8);
	capos_cap_t id = insert(&t, &objs[0]);
	capos_cap_t other = insert(&t, &objs[1]);
	uint32_t pos = 0;
	capos_cap_t seen;

	save(&t);
	assert_int_equal(cap_table_reserve(&t, id), 0);
	assert_int_equal(cap_table_used(&t), 2);
	assert_bad(&t, id);
	assert_int_equal(cap_table_remove(&t, id, NULL), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_reserve(&t, id), CAPOS_E_BAD_CAP);
	assert_true(cap_table_next(&t, &pos, &seen, NULL));
	assert_int_equal(seen, other);
	assert_false(cap_table_next(&t, &pos, &seen, NULL));
	assert_int_equal(cap_table_rollback(&t, id), 0);
	assert_unchanged(&t);
}

static void test_rollback_and_commit_need_a_reserved_slot(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t id = insert(&t, &objs[0]);

	save(&t);
	assert_int_equal(cap_table_rollback(&t, id), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_commit_move(&t, id, NULL), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_rollback(&t, CAPOS_CAPID_MAKE(5, 1)),
	                 CAPOS_E_BAD_CAP);
	assert_unchanged(&t);
	cap_table_reserve(&t, id);
	/* The reserved slot answers only to its own generation. */
	assert_int_equal(cap_table_rollback(&t, CAPOS_CAPID_MAKE(0, 2)),
	                 CAPOS_E_BAD_CAP);
}

static void test_commit_move_releases_with_generation_bump(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t id = insert(&t, &objs[4]);
	void *obj = NULL;

	cap_table_reserve(&t, id);
	assert_int_equal(cap_table_commit_move(&t, id, &obj), 0);
	assert_ptr_equal(obj, &objs[4]);
	assert_int_equal(cap_table_used(&t), 0);
	assert_int_equal(slots[0].gen, 2);
	assert_bad(&t, id);
	assert_int_equal(cap_table_rollback(&t, id), CAPOS_E_BAD_CAP);
	assert_true(cap_table_check(&t));
}

static void test_commit_move_at_last_generation_retires(void **state)
{
	(void)state;
	struct cap_table t = make(1, 1);
	capos_cap_t id;

	for (uint32_t gen = 1; gen < 0xFFFF; gen++)
		cap_table_remove(&t, insert(&t, &objs[0]), NULL);
	id = insert(&t, &objs[0]);
	assert_int_equal(CAPOS_CAPID_GEN(id), 0xFFFF);
	cap_table_reserve(&t, id);
	assert_int_equal(cap_table_commit_move(&t, id, NULL), 0);
	assert_int_equal(slots[0].state, CAP_SLOT_RETIRED);
	assert_true(cap_table_check(&t));
}

static void test_pending_slot_invisible_and_cancel_restores(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t a, b;
	uint32_t pos = 0;
	capos_cap_t seen;

	insert(&t, &objs[0]);
	save(&t);
	assert_int_equal(cap_table_alloc(&t, &a), 0);
	assert_int_equal(cap_table_alloc(&t, &b), 0);
	assert_int_equal(cap_table_used(&t), 3);
	assert_bad(&t, a);
	assert_int_equal(cap_table_remove(&t, a, NULL), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_reserve(&t, a), CAPOS_E_BAD_CAP);
	assert_true(cap_table_next(&t, &pos, &seen, NULL));
	assert_false(cap_table_next(&t, &pos, &seen, NULL));
	assert_int_equal(cap_table_cancel(&t, b), 0);
	assert_int_equal(cap_table_cancel(&t, a), 0);
	assert_unchanged(&t);
}

static void test_install_and_cancel_need_a_pending_slot(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	capos_cap_t live = insert(&t, &objs[0]);
	capos_cap_t p;
	struct cap_slot *s;

	assert_int_equal(cap_table_install(&t, live, &objs[1], 1, 0, 0),
	                 CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_cancel(&t, live), CAPOS_E_BAD_CAP);
	assert_int_equal(
	    cap_table_install(&t, CAPOS_CAPID_MAKE(3, 1), &objs[1], 1, 0, 0),
	    CAPOS_E_BAD_CAP);
	cap_table_alloc(&t, &p);
	assert_int_equal(cap_table_install(&t, p, &objs[2], 9, 3, 4), 0);
	assert_int_equal(cap_table_lookup(&t, p, &s), 0);
	assert_ptr_equal(s->object, &objs[2]);
	assert_int_equal(cap_table_install(&t, p, &objs[2], 9, 3, 4),
	                 CAPOS_E_BAD_CAP);
}

static void test_next_lists_live_slots_in_index_order(void **state)
{
	(void)state;
	struct cap_table t = make(16, 16);
	capos_cap_t id[6], seen, pend;
	struct cap_slot *s;
	uint32_t pos = 0, n = 0;

	for (int i = 0; i < 6; i++)
		id[i] = insert(&t, &objs[i]);
	cap_table_remove(&t, id[1], NULL);
	cap_table_reserve(&t, id[4]);
	cap_table_alloc(&t, &pend); /* takes slot 1 back, pending */
	while (cap_table_next(&t, &pos, &seen, &s)) {
		static const int want[] = {0, 2, 3, 5};

		assert_true(n < 4);
		assert_int_equal(seen, id[want[n]]);
		assert_ptr_equal(s->object, &objs[want[n]]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(pos, 16);
}

static void test_check_detects_corruption(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);

	insert(&t, &objs[0]);
	assert_true(cap_table_check(&t));
	slots[3].next_free = 2; /* 2 -> 3 -> 2: a cycle */
	assert_false(cap_table_check(&t));
	t = make(8, 8);
	slots[5].gen = 0;
	assert_false(cap_table_check(&t));
	t = make(8, 8);
	t.used = 1;
	assert_false(cap_table_check(&t));
}

static void test_xfer_record_remembers_last_window_keys(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	struct cap_xfer_key k = {.sender = 1, .seq = 100, .call_id = 7};
	struct cap_xfer_key zero = {0};

	/* A fresh table has seen nothing, not even the all-zero key. */
	assert_false(cap_table_xfer_seen(&t, &zero));
	assert_false(cap_table_xfer_seen(&t, &k));
	assert_int_equal(cap_table_xfer_record(&t, &k), 1);
	assert_true(cap_table_xfer_seen(&t, &k));
	k.call_id = 8;
	assert_false(cap_table_xfer_seen(&t, &k));
	k.call_id = 7;
	for (uint64_t i = 1; i < CAP_XFER_REPLAY_WINDOW; i++) {
		struct cap_xfer_key o = {.sender = 2, .seq = i};

		cap_table_xfer_record(&t, &o);
	}
	assert_true(cap_table_xfer_seen(&t, &k));
	struct cap_xfer_key last = {.sender = 3};
	assert_int_equal(cap_table_xfer_record(&t, &last),
	                 CAP_XFER_REPLAY_WINDOW + 1);
	assert_false(cap_table_xfer_seen(&t, &k));
}

/* ---- randomized run against a reference model -------------------------- */

#define M_CAP  24
#define M_OPS  200000
#define M_OBJS 1000

struct model {
	uint8_t state[M_CAP];     /* enum cap_slot_state */
	uint32_t next_gen[M_CAP]; /* generation the slot issues next */
	void *obj[M_CAP];
	capos_cap_t issued[M_OBJS]; /* some CapIds handed out, live or not */
	uint32_t nissued;
	uint32_t held;
};

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)rand() % n;
}

static void model_check(struct cap_table *t, struct model *m)
{
	uint32_t held = 0;

	assert_true(cap_table_check(t));
	for (uint32_t i = 0; i < M_CAP; i++) {
		assert_int_equal(slots[i].state, m->state[i]);
		if (m->state[i] != CAP_SLOT_FREE &&
		    m->state[i] != CAP_SLOT_RETIRED)
			held++;
	}
	assert_int_equal(held, m->held);
	assert_int_equal(cap_table_used(t), held);
}

/* Any issued CapId: live ones must resolve, others must not. */
static void model_probe(struct cap_table *t, struct model *m, capos_cap_t id)
{
	uint32_t i = CAPOS_CAPID_INDEX(id);
	struct cap_slot *s;
	int live = i < M_CAP && m->state[i] == CAP_SLOT_LIVE &&
	           CAPOS_CAPID_GEN(id) == m->next_gen[i];
	int err = cap_table_lookup(t, id, &s);

	if (live) {
		assert_int_equal(err, 0);
		assert_ptr_equal(s->object, m->obj[i]);
	} else {
		assert_int_equal(err, CAPOS_E_BAD_CAP);
	}
}

static void model_insert(struct cap_table *t, struct model *m, uint32_t quota)
{
	capos_cap_t id;
	void *obj = &objs[rnd(NSLOTS)];
	int err = cap_table_insert(t, obj, 5, 0, 0, &id);
	uint32_t i;

	if (err) {
		int any_free = 0;

		for (uint32_t k = 0; k < M_CAP; k++)
			any_free |= m->state[k] == CAP_SLOT_FREE;
		assert_int_equal(err, CAPOS_E_QUOTA);
		assert_true(m->held >= quota || !any_free);
		return;
	}
	i = CAPOS_CAPID_INDEX(id);
	assert_true(m->held < quota);
	assert_int_equal(m->state[i], CAP_SLOT_FREE);
	assert_int_equal(CAPOS_CAPID_GEN(id), m->next_gen[i]);
	m->state[i] = CAP_SLOT_LIVE;
	m->obj[i] = obj;
	m->held++;
	m->issued[m->nissued++ % M_OBJS] = id;
}

/* The slot was held and is released: bump or retire. */
static void model_release(struct model *m, uint32_t i)
{
	m->held--;
	m->obj[i] = NULL;
	if (m->next_gen[i] == 0xFFFF) {
		m->state[i] = CAP_SLOT_RETIRED;
	} else {
		m->next_gen[i]++;
		m->state[i] = CAP_SLOT_FREE;
	}
}

static void model_step(struct cap_table *t, struct model *m, uint32_t quota)
{
	uint32_t op = rnd(10);
	capos_cap_t id =
	    m->nissued
	        ? m->issued[rnd(m->nissued < M_OBJS ? m->nissued : M_OBJS)]
	        : CAPOS_CAPID_MAKE(rnd(M_CAP), 1);
	uint32_t i = CAPOS_CAPID_INDEX(id);
	int live = m->state[i] == CAP_SLOT_LIVE &&
	           CAPOS_CAPID_GEN(id) == m->next_gen[i];
	int reserved = m->state[i] == CAP_SLOT_RESERVED &&
	               CAPOS_CAPID_GEN(id) == m->next_gen[i];
	void *obj;
	int err;

	if (op < 4) {
		model_insert(t, m, quota);
	} else if (op < 6) {
		err = cap_table_remove(t, id, &obj);
		assert_int_equal(err, live ? 0 : CAPOS_E_BAD_CAP);
		if (live) {
			assert_ptr_equal(obj, m->obj[i]);
			model_release(m, i);
		}
	} else if (op == 6) {
		assert_int_equal(cap_table_reserve(t, id),
		                 live ? 0 : CAPOS_E_BAD_CAP);
		if (live)
			m->state[i] = CAP_SLOT_RESERVED;
	} else if (op == 7) {
		assert_int_equal(cap_table_rollback(t, id),
		                 reserved ? 0 : CAPOS_E_BAD_CAP);
		if (reserved)
			m->state[i] = CAP_SLOT_LIVE;
	} else if (op == 8) {
		err = cap_table_commit_move(t, id, &obj);
		assert_int_equal(err, reserved ? 0 : CAPOS_E_BAD_CAP);
		if (reserved) {
			assert_ptr_equal(obj, m->obj[i]);
			model_release(m, i);
		}
	} else {
		model_probe(t, m, id);
		model_probe(t, m, CAPOS_CAPID_MAKE(rnd(M_CAP + 2), rnd(4)));
	}
}

/*
 * Brings every even slot close to its last generation, so that the run
 * also retires slots. Removing a slot and inserting takes the same slot
 * back (LIFO), which is how one slot is aged while the rest are held.
 */
static void age_even_slots(struct cap_table *t, struct model *m)
{
	capos_cap_t id[M_CAP];

	for (uint32_t i = 0; i < M_CAP; i++) {
		id[i] = insert(t, &objs[i]);
		m->next_gen[i] = 1;
	}
	for (uint32_t i = 0; i < M_CAP; i += 2) {
		while (CAPOS_CAPID_GEN(id[i]) < 0xFFF0) {
			capos_cap_t old = id[i];

			cap_table_remove(t, id[i], NULL);
			id[i] = insert(t, &objs[i]);
			assert_int_equal(id[i], old + (1u << 16));
		}
		m->next_gen[i] = CAPOS_CAPID_GEN(id[i]);
	}
	for (uint32_t i = 0; i < M_CAP; i++) {
		cap_table_remove(t, id[i], NULL);
		m->next_gen[i]++;
	}
	assert_int_equal(cap_table_used(t), 0);
}

static void test_random_ops_match_reference_model(void **state)
{
	(void)state;
	static struct model m;
	uint32_t quota = M_CAP;
	struct cap_table t = make(M_CAP, quota);
	uint32_t retired = 0;

	srand(12345);
	memset(&m, 0, sizeof(m));
	age_even_slots(&t, &m);
	for (uint32_t n = 0; n < M_OPS; n++) {
		if (n % 20000 == 0) {
			quota = 4 + rnd(M_CAP);
			cap_table_set_quota(&t, quota);
		}
		model_step(&t, &m, quota);
		if (n % 64 == 0)
			model_check(&t, &m);
	}
	model_check(&t, &m);
	for (uint32_t i = 0; i < M_CAP; i++)
		retired += m.state[i] == CAP_SLOT_RETIRED;
	/* The run did reach the retirement path. */
	assert_true(retired > 0);
	assert_int_equal(t.nretired, retired);
}

/* lookup_copy answers what lookup answers, and every change a reader
 * could see moves the counter by two (even between changes). */
static void test_lookup_copy_matches_lookup_and_counts_changes(void **state)
{
	(void)state;
	struct cap_table t = make(8, 8);
	struct cap_slot copy, *s;
	capos_cap_t a = insert(&t, &objs[0]), b;
	uint32_t seq = t.seq;

	assert_int_equal(seq % 2, 0);
	assert_int_equal(cap_table_lookup_copy(&t, a, &copy), 0);
	assert_int_equal(cap_table_lookup(&t, a, &s), 0);
	assert_ptr_equal(copy.object, s->object);
	assert_int_equal(copy.interface_id, 0x1234);
	assert_int_equal(copy.kind, 7);
	assert_int_equal(copy.xfer_allow, CAPOS_XFER_ALLOW_COPY);
	assert_int_equal(copy.gen, CAPOS_CAPID_GEN(a));
	assert_int_equal(copy.next_free, 0);
	assert_int_equal(cap_table_kind_hint(&t, a, 99), 7);
	assert_int_equal(cap_table_lookup_copy(&t, 0, &copy), CAPOS_E_BAD_CAP);
	assert_int_equal(
	    cap_table_lookup_copy(&t, CAPOS_CAPID_MAKE(8, 1), &copy),
	    CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_reserve(&t, a), 0);
	assert_int_equal(t.seq, seq + 2);
	assert_int_equal(cap_table_lookup_copy(&t, a, &copy), CAPOS_E_BAD_CAP);
	assert_int_equal(cap_table_rollback(&t, a), 0);
	assert_int_equal(t.seq, seq + 4);
	assert_int_equal(cap_table_remove(&t, a, NULL), 0);
	assert_int_equal(t.seq, seq + 6);
	assert_int_equal(cap_table_lookup_copy(&t, a, &copy), CAPOS_E_BAD_CAP);
	/* The kind hint reads the slot's kind, whatever its state. */
	assert_int_equal(cap_table_kind_hint(&t, a, 99), 0);
	assert_int_equal(cap_table_kind_hint(&t, CAPOS_CAPID_MAKE(8, 1), 99),
	                 99);
	/* Changes no reader can see (a pending slot) leave it alone. */
	assert_int_equal(cap_table_alloc(&t, &b), 0);
	assert_int_equal(cap_table_cancel(&t, b), 0);
	assert_int_equal(t.seq, seq + 6);
}

/*
 * One writer keeps replacing slot 0's cap, alternating two objects each
 * with its own interface id and kind, while a reader on another thread
 * looks it up without any lock. Every copy it gets must be whole: the
 * object with its own interface id and kind, and the generation asked
 * for. Without the counter (write_begin/write_end) the reader sees
 * half-written slots. A slot lasts 65,534 generations, so the race runs
 * on a fresh table several times.
 */
#define RACE_TABLES 12u
#define RACE_ROUNDS 60000u

struct race {
	struct cap_table t;
	uint32_t done;
	uint32_t writer_errors;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	capos_cap_t id;

	for (uint32_t i = 0; i < RACE_ROUNDS; i++) {
		int o = i & 1;

		if (cap_table_insert(&r->t, &objs[o], 100 + o, 0, o, &id)) {
			r->writer_errors++;
			continue;
		}
		/* Leave it live a moment, or the reader hardly ever finds it.
		 */
		for (volatile int spin = 0; spin < 20; spin++)
			;
		if (cap_table_remove(&r->t, id, NULL))
			r->writer_errors++;
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_lookup_copy_never_sees_a_half_written_slot(void **state)
{
	(void)state;
	static struct race r;
	uint64_t torn = 0, seen = 0;

	for (uint32_t n = 0; n < RACE_TABLES; n++) {
		pthread_t w;

		memset(&r, 0, sizeof(r));
		assert_int_equal(cap_table_init(&r.t, slots, 1, 1), 0);
		assert_int_equal(pthread_create(&w, NULL, race_writer, &r), 0);
		while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
			uint16_t gen =
			    __atomic_load_n(&slots[0].gen, __ATOMIC_RELAXED);
			struct cap_slot c;
			bool one;

			if (cap_table_lookup_copy(&r.t,
			                          CAPOS_CAPID_MAKE(0, gen), &c))
				continue;
			seen++;
			one = c.object == &objs[1];
			if (c.gen != gen ||
			    (c.object != &objs[0] && c.object != &objs[1]) ||
			    c.interface_id != 100u + one || c.kind != one)
				torn++;
		}
		pthread_join(w, NULL);
		assert_int_equal(r.writer_errors, 0);
	}
	assert_int_equal(torn, 0);
	assert_true(seen > 0); /* the reader did see live caps */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_rejects_capacity_above_max),
	    cmocka_unit_test(test_fresh_table_issues_indices_in_order_at_gen_1),
	    cmocka_unit_test(test_insert_then_lookup_returns_content),
	    cmocka_unit_test(test_capid_zero_rejected_even_with_slot_0_live),
	    cmocka_unit_test(test_generation_zero_rejected),
	    cmocka_unit_test(test_out_of_range_index_rejected),
	    cmocka_unit_test(test_stale_generation_rejected_after_reuse),
	    cmocka_unit_test(test_future_generation_rejected),
	    cmocka_unit_test(test_never_issued_free_slot_rejected),
	    cmocka_unit_test(test_remove_returns_object_and_frees_slot),
	    cmocka_unit_test(test_double_remove_rejected),
	    cmocka_unit_test(test_reuse_is_lifo),
	    cmocka_unit_test(test_quota_exceeded_changes_nothing),
	    cmocka_unit_test(test_full_table_changes_nothing),
	    cmocka_unit_test(
	        test_quota_lowered_below_used_refuses_until_released),
	    cmocka_unit_test(test_generation_wrap_retires_slot),
	    cmocka_unit_test(test_retired_slot_not_charged_to_quota),
	    cmocka_unit_test(
	        test_reserved_slot_unusable_then_rollback_restores),
	    cmocka_unit_test(test_rollback_and_commit_need_a_reserved_slot),
	    cmocka_unit_test(test_commit_move_releases_with_generation_bump),
	    cmocka_unit_test(test_commit_move_at_last_generation_retires),
	    cmocka_unit_test(test_pending_slot_invisible_and_cancel_restores),
	    cmocka_unit_test(test_install_and_cancel_need_a_pending_slot),
	    cmocka_unit_test(test_next_lists_live_slots_in_index_order),
	    cmocka_unit_test(test_check_detects_corruption),
	    cmocka_unit_test(test_xfer_record_remembers_last_window_keys),
	    cmocka_unit_test(test_random_ops_match_reference_model),
	    cmocka_unit_test(
	        test_lookup_copy_matches_lookup_and_counts_changes),
	    cmocka_unit_test(test_lookup_copy_never_sees_a_half_written_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
