/*
 * cap_table.h - the per-process capability table: CapId -> object.
 *
 * Pure logic: the caller supplies the slot storage and keeps the objects
 * alive; this file never dereferences an object pointer. Compiled into the
 * kernel and, for unit tests, on the host. See docs/cap-table.md.
 *
 * A CapId (include/capos/capid.h) is (generation << 16) | slot index.
 * Decisions:
 *  - Every index, 0 included, is a usable slot. Generations start at 1 and
 *    are never 0, so CapId 0 (index 0, generation 0) is never issued and
 *    any CapId with generation 0 is invalid.
 *  - Every release (remove, commit of a move) bumps the slot's generation,
 *    so a stale CapId never reaches the slot's next object. A slot released
 *    at generation 0xFFFF is retired for the life of the table: it keeps
 *    using storage (capacity) but no longer counts against the quota.
 *  - Free slots form a LIFO list threaded through the slots: insert is
 *    O(1) and reuses the most recently freed slot first; a fresh table
 *    hands out indices 0, 1, 2, ... in order.
 *  - The quota bounds the slots the process holds (live + reserved +
 *    pending); exceeding it, or running out of free slots, is
 *    CAPOS_E_QUOTA. Lowering the quota below the slots held is allowed: it
 *    only refuses new slots until enough are released.
 *
 * Slot states:
 *  FREE      on the free list; object, interface_id, kind, xfer_allow = 0.
 *  LIVE      usable by its CapId.
 *  RESERVED  a live slot being moved out (reserve, then commit_move or
 *            rollback): still owned and counted, but no lookup finds it.
 *  PENDING   allocated for an incoming capability (alloc, then install or
 *            cancel): counted, not yet visible to any lookup.
 *  RETIRED   generation exhausted; never used again.
 *
 * Exactly-once transfer (R5) keeps a small replay record in the sending
 * table, and the list of transfers in flight from it; transfer.h explains
 * both and is their only user.
 */
#ifndef CAPOS_LIB_CAP_TABLE_H
#define CAPOS_LIB_CAP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <capos/capid.h>
#include <capos/errors.h>

#define CAP_TABLE_MAX_SLOTS 65536u      /* indices are 16 bits */
#define CAP_TABLE_NIL       0xFFFFFFFFu /* end of the free list */
#define CAP_GEN_FIRST       1u
#define CAP_GEN_LAST        0xFFFFu

/* Committed transfer keys remembered per sending table (see transfer.h). */
#define CAP_XFER_REPLAY_WINDOW 32u

enum cap_slot_state {
	CAP_SLOT_FREE = 0,
	CAP_SLOT_LIVE = 1,
	CAP_SLOT_RESERVED = 2,
	CAP_SLOT_PENDING = 3,
	CAP_SLOT_RETIRED = 4,
};

/*
 * One slot. No implicit padding (the reserved word fills it), so two
 * tables in the same state compare equal byte for byte; rollback tests
 * rely on it.
 */
struct cap_slot {
	void *object; /* the kernel object; NULL unless LIVE/RESERVED */
	uint64_t interface_id; /* Cap'n Proto interface id of the object */
	uint32_t kind;         /* for the kernel: what sort of object it is */
	uint32_t next_free;    /* FREE: next free index or CAP_TABLE_NIL */
	uint16_t gen;          /* current generation, never 0 */
	uint8_t xfer_allow;    /* CAPOS_XFER_ALLOW_* bits */
	uint8_t state;         /* enum cap_slot_state */
	uint32_t reserved;     /* always 0 */
};
_Static_assert(sizeof(struct cap_slot) == 32, "cap_slot has no padding");

/*
 * Identifies one transfer: the kernel makes it unique per SQE that carries
 * transfers (sender = a never-reused thread serial, seq = that thread's
 * 64-bit SQE sequence number, call_id = the call the SQE belongs to).
 */
struct cap_xfer_key {
	uint64_t sender;
	uint64_t seq;
	uint32_t call_id;
	uint32_t reserved; /* 0 */
};

struct xfer_txn; /* transfer.h */

struct cap_table {
	struct cap_slot *slots; /* caller's storage, `capacity` entries */
	uint32_t capacity;
	uint32_t quota;      /* max slots held (live + reserved + pending) */
	uint32_t used;       /* slots held now */
	uint32_t nfree;      /* slots on the free list */
	uint32_t free_head;  /* first free index or CAP_TABLE_NIL */
	uint32_t nretired;   /* slots retired for good */
	uint64_t xfer_epoch; /* transfers committed from this table so far */
	/* Transfers prepared from this table, not yet committed or aborted:
	 * a list through the transactions, kept by transfer.c. */
	struct xfer_txn *xfer_inflight;
	struct cap_xfer_key replay[CAP_XFER_REPLAY_WINDOW]; /* ring, by epoch */
	/* Odd while a slot change a lookup could see is under way; bumped
	 * twice by each (cap_table_lookup_copy reads without the lock). */
	uint32_t seq;
};

/*
 * Initialises the table over `slots[0 .. capacity-1]` (every slot free,
 * generation 1). Returns 0, or CAPOS_E_TOO_LARGE if capacity exceeds
 * CAP_TABLE_MAX_SLOTS (the table is then empty, capacity 0).
 */
int cap_table_init(struct cap_table *t, struct cap_slot *slots,
                   uint32_t capacity, uint32_t quota);

void cap_table_set_quota(struct cap_table *t, uint32_t quota);

/* Slots held (live, reserved or pending): what the quota is charged. */
uint32_t cap_table_used(const struct cap_table *t);

/* Slots that could still be handed out: min(quota room, free slots). */
uint32_t cap_table_available(const struct cap_table *t);

/*
 * Installs `object` in a free slot. Returns 0 and sets *id, or
 * CAPOS_E_QUOTA (quota reached or no free slot; nothing changes).
 */
int cap_table_insert(struct cap_table *t, void *object, uint64_t interface_id,
                     uint8_t xfer_allow, uint32_t kind, capos_cap_t *id);

/*
 * Finds the live slot named by `id`. Returns 0 and sets *slot, or
 * CAPOS_E_BAD_CAP if id is null, its index is out of range, its
 * generation is not the slot's, or the slot is not LIVE. The caller may
 * read the slot and update object, interface_id, kind or xfer_allow in
 * place (e.g. to narrow what a cap allows); it must not touch gen, state,
 * next_free or reserved. What it points to may change with any later
 * call that changes the table.
 */
/* The slot id names if it is in `state`, or NULL (inline: every call
 * through the ring looks its cap up). */
static inline struct cap_slot *cap_table_find(struct cap_table *t,
                                              capos_cap_t id, uint8_t state)
{
	uint32_t idx = CAPOS_CAPID_INDEX(id);
	struct cap_slot *s;

	if (idx >= t->capacity)
		return NULL;
	s = &t->slots[idx];
	if (s->state != state || s->gen != CAPOS_CAPID_GEN(id))
		return NULL;
	return s;
}

static inline int cap_table_lookup(struct cap_table *t, capos_cap_t id,
                                   struct cap_slot **slot)
{
	struct cap_slot *s = cap_table_find(t, id, CAP_SLOT_LIVE);

	if (!s)
		return CAPOS_E_BAD_CAP;
	*slot = s;
	return 0;
}

/*
 * The same answer as cap_table_lookup, as a copy of the slot (next_free
 * and reserved read as 0), for a reader that does not hold the lock the
 * table's writers hold: it retries until it read the slot between two
 * changes, so it never sees one half-done. One writer at a time, always;
 * any number of these readers alongside. The copy is what the slot held
 * at one moment; the object may be gone the next (the caller knows why
 * it is not, e.g. the object is never freed).
 */
int cap_table_lookup_copy(const struct cap_table *t, capos_cap_t id,
                          struct cap_slot *copy);

/*
 * The kind of the slot id's index names, read once without the writers'
 * lock and without looking at its state or generation: a hint for a
 * fast path's screen, which may be stale or name another cap by the time
 * it is used (a lookup decides). `none` if the index is out of range.
 */
static inline uint32_t cap_table_kind_hint(const struct cap_table *t,
                                           capos_cap_t id, uint32_t none)
{
	uint32_t idx = CAPOS_CAPID_INDEX(id);

	/* capacity and slots never change after cap_table_init. */
	if (idx >= t->capacity)
		return none;
	return __atomic_load_n(&t->slots[idx].kind, __ATOMIC_RELAXED);
}

/*
 * Releases a live slot: bumps its generation (retiring it after 0xFFFF)
 * and frees it. Returns 0 and sets *object (if not NULL) to the object the
 * caller must now drop, or CAPOS_E_BAD_CAP as for lookup.
 */
int cap_table_remove(struct cap_table *t, capos_cap_t id, void **object);

/*
 * Iterates live slots in index order, for CapabilityManager.list and
 * process teardown:
 *     uint32_t pos = 0;
 *     while (cap_table_next(t, &pos, &id, &slot)) ...
 * Returns true with the next live slot at index >= *pos (and sets *pos
 * past it), or false when there is none. `slot` may be NULL.
 */
bool cap_table_next(struct cap_table *t, uint32_t *pos, capos_cap_t *id,
                    struct cap_slot **slot);

/* ---- move-out transaction (sender side) -------------------------------- */

/*
 * LIVE -> RESERVED: the slot stays owned and counted but no lookup, remove
 * or second reserve finds it. Returns 0 or CAPOS_E_BAD_CAP.
 */
int cap_table_reserve(struct cap_table *t, capos_cap_t id);

/*
 * RESERVED -> released, exactly like remove (generation bump, maybe
 * retire). Returns 0 and sets *object (if not NULL), or CAPOS_E_BAD_CAP if
 * `id` does not name a reserved slot.
 */
int cap_table_commit_move(struct cap_table *t, capos_cap_t id, void **object);

/*
 * RESERVED -> LIVE, leaving the slot byte for byte as before the reserve.
 * Returns 0 or CAPOS_E_BAD_CAP if `id` does not name a reserved slot.
 */
int cap_table_rollback(struct cap_table *t, capos_cap_t id);

/* ---- move-in transaction (receiver side) ------------------------------- */

/*
 * Takes a free slot as PENDING (charged to the quota, invisible to lookup).
 * Returns 0 and sets *id (the CapId the slot will have once installed), or
 * CAPOS_E_QUOTA (nothing changes).
 */
int cap_table_alloc(struct cap_table *t, capos_cap_t *id);

/* PENDING -> LIVE with this content. Returns 0 or CAPOS_E_BAD_CAP. */
int cap_table_install(struct cap_table *t, capos_cap_t id, void *object,
                      uint64_t interface_id, uint8_t xfer_allow, uint32_t kind);

/*
 * PENDING -> FREE without a generation bump (the CapId was never visible).
 * Cancelling allocations in the reverse order of alloc, with nothing else
 * in between, restores the table byte for byte. Returns 0 or
 * CAPOS_E_BAD_CAP.
 */
int cap_table_cancel(struct cap_table *t, capos_cap_t id);

/* ---- exactly-once record (used by transfer.c) --------------------------- */

/* True if `key` is one of the last CAP_XFER_REPLAY_WINDOW recorded. */
bool cap_table_xfer_seen(const struct cap_table *t,
                         const struct cap_xfer_key *key);

/* Records `key` as committed; returns the new xfer_epoch (>= 1). */
uint64_t cap_table_xfer_record(struct cap_table *t,
                               const struct cap_xfer_key *key);

/*
 * Self-check for tests and debug asserts: every state valid, every
 * generation non-zero, free slots zeroed, the free list acyclic with nfree
 * entries all FREE, and used / nfree / nretired matching the states.
 * Costs a pass over the table.
 */
bool cap_table_check(const struct cap_table *t);

#endif
