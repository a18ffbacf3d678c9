/*
 * cap_table.c - the per-process capability table (see cap_table.h).
 *
 * Invariants, checked by cap_table_check():
 *  - used = #LIVE + #RESERVED + #PENDING, nfree = #FREE, nretired =
 *    #RETIRED, and the four add up to capacity;
 *  - the free list starting at free_head holds exactly the FREE slots;
 *  - a FREE or PENDING slot holds no object and zero content, so a slot's
 *    bytes depend only on its history, never on stale data;
 *  - every generation is in [1, 0xFFFF].
 */
#include "cap_table.h"

#include <string.h>
#include <capos/errors.h>

int cap_table_init(struct cap_table *t, struct cap_slot *slots,
                   uint32_t capacity, uint32_t quota)
{
	memset(t, 0, sizeof(*t));
	t->slots = slots;
	t->quota = quota;
	t->free_head = CAP_TABLE_NIL;
	if (capacity > CAP_TABLE_MAX_SLOTS)
		return CAPOS_E_TOO_LARGE;
	t->capacity = capacity;
	t->nfree = capacity;
	/* Thread the list in index order so a fresh table hands out 0, 1, ...
	 */
	for (uint32_t i = 0; i < capacity; i++) {
		/* One store per word of the slot: no call per slot. */
		slots[i] = (struct cap_slot){
		    .gen = CAP_GEN_FIRST,
		    .state = CAP_SLOT_FREE,
		    .next_free = i + 1 < capacity ? i + 1 : CAP_TABLE_NIL,
		};
	}
	if (capacity > 0)
		t->free_head = 0;
	return 0;
}

void cap_table_set_quota(struct cap_table *t, uint32_t quota)
{
	t->quota = quota;
}

uint32_t cap_table_used(const struct cap_table *t)
{
	return t->used;
}

uint32_t cap_table_available(const struct cap_table *t)
{
	uint32_t room = t->used < t->quota ? t->quota - t->used : 0;

	return room < t->nfree ? room : t->nfree;
}

/*
 * Returns the slot `id` names if it is in range, has the slot's current
 * generation and is in `state`; NULL otherwise. Generation 0 never
 * matches: no slot ever has it.
 */

static capos_cap_t slot_id(const struct cap_table *t, const struct cap_slot *s)
{
	return CAPOS_CAPID_MAKE((uint32_t)(s - t->slots), s->gen);
}

/*
 * Brackets a change to a slot that cap_table_lookup_copy could see (its
 * state, generation or content): the sequence number is odd during it. A
 * release fence after the odd store and a release store of the even one
 * order the slot's stores between them for a reader's acquire loads.
 */
static void write_begin(struct cap_table *t)
{
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void write_end(struct cap_table *t)
{
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
}

/* Pushes a zeroed slot on the free list (LIFO). */
static void push_free(struct cap_table *t, struct cap_slot *s)
{
	s->state = CAP_SLOT_FREE;
	s->next_free = t->free_head;
	t->free_head = (uint32_t)(s - t->slots);
	t->nfree++;
}

/* Clears a held slot's content and gives it up: free, or retired. */
static void release(struct cap_table *t, struct cap_slot *s)
{
	write_begin(t);
	s->object = NULL;
	s->interface_id = 0;
	s->kind = 0;
	s->xfer_allow = 0;
	t->used--;
	if (s->gen == CAP_GEN_LAST) {
		/* Reusing it would issue generation 0 or repeat old CapIds. */
		s->state = CAP_SLOT_RETIRED;
		t->nretired++;
	} else {
		s->gen++;
		push_free(t, s);
	}
	write_end(t);
}

int cap_table_alloc(struct cap_table *t, capos_cap_t *id)
{
	struct cap_slot *s;

	if (cap_table_available(t) == 0)
		return CAPOS_E_QUOTA;
	s = &t->slots[t->free_head];
	t->free_head = s->next_free;
	t->nfree--;
	s->next_free = 0;
	s->state = CAP_SLOT_PENDING;
	t->used++;
	*id = slot_id(t, s);
	return 0;
}

int cap_table_install(struct cap_table *t, capos_cap_t id, void *object,
                      uint64_t interface_id, uint8_t xfer_allow, uint32_t kind)
{
	struct cap_slot *s = cap_table_find(t, id, CAP_SLOT_PENDING);

	if (!s)
		return CAPOS_E_BAD_CAP;
	write_begin(t);
	s->object = object;
	s->interface_id = interface_id;
	s->xfer_allow = xfer_allow;
	s->kind = kind;
	s->state = CAP_SLOT_LIVE;
	write_end(t);
	return 0;
}

int cap_table_cancel(struct cap_table *t, capos_cap_t id)
{
	struct cap_slot *s = cap_table_find(t, id, CAP_SLOT_PENDING);

	if (!s)
		return CAPOS_E_BAD_CAP;
	t->used--;
	push_free(t, s);
	return 0;
}

int cap_table_insert(struct cap_table *t, void *object, uint64_t interface_id,
                     uint8_t xfer_allow, uint32_t kind, capos_cap_t *id)
{
	capos_cap_t got;
	int err = cap_table_alloc(t, &got);

	if (err)
		return err;
	cap_table_install(t, got, object, interface_id, xfer_allow, kind);
	*id = got;
	return 0;
}

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)

int cap_table_lookup_copy(const struct cap_table *t, capos_cap_t id,
                          struct cap_slot *copy)
{
	uint32_t idx = CAPOS_CAPID_INDEX(id), seq;
	const struct cap_slot *s;

	/* capacity and slots never change after cap_table_init. */
	if (idx >= t->capacity)
		return CAPOS_E_BAD_CAP;
	s = &t->slots[idx];
	do {
		seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
		*copy = (struct cap_slot){
		    .object = LOAD(s->object),
		    .interface_id = LOAD(s->interface_id),
		    .kind = LOAD(s->kind),
		    .gen = LOAD(s->gen),
		    .xfer_allow = LOAD(s->xfer_allow),
		    .state = LOAD(s->state),
		};
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) ||
	         __atomic_load_n(&t->seq, __ATOMIC_RELAXED) != seq);
	if (copy->state != CAP_SLOT_LIVE || copy->gen != CAPOS_CAPID_GEN(id))
		return CAPOS_E_BAD_CAP;
	return 0;
}

int cap_table_remove(struct cap_table *t, capos_cap_t id, void **object)
{
	struct cap_slot *s = cap_table_find(t, id, CAP_SLOT_LIVE);

	if (!s)
		return CAPOS_E_BAD_CAP;
	if (object)
		*object = s->object;
	release(t, s);
	return 0;
}

bool cap_table_next(struct cap_table *t, uint32_t *pos, capos_cap_t *id,
                    struct cap_slot **slot)
{
	for (uint32_t i = *pos; i < t->capacity; i++) {
		struct cap_slot *s = &t->slots[i];

		if (s->state != CAP_SLOT_LIVE)
			continue;
		*pos = i + 1;
		*id = slot_id(t, s);
		if (slot)
			*slot = s;
		return true;
	}
	*pos = t->capacity;
	return false;
}

int cap_table_reserve(struct cap_table *t, capos_cap_t id)
{
	struct cap_slot *s = cap_table_find(t, id, CAP_SLOT_LIVE);

	if (!s)
		return CAPOS_E_BAD_CAP;
	write_begin(t);
	s->state = CAP_SLOT_RESERVED;
	write_end(t);
	return 0;
}

int cap_table_commit_move(struct cap_table *t, capos_cap_t id, void **object)
{
	struct cap_slot *s = cap_table_find(t, id, CAP_SLOT_RESERVED);

	if (!s)
		return CAPOS_E_BAD_CAP;
	if (object)
		*object = s->object;
	release(t, s);
	return 0;
}

int cap_table_rollback(struct cap_table *t, capos_cap_t id)
{
	struct cap_slot *s = cap_table_find(t, id, CAP_SLOT_RESERVED);

	if (!s)
		return CAPOS_E_BAD_CAP;
	write_begin(t);
	s->state = CAP_SLOT_LIVE;
	write_end(t);
	return 0;
}

static bool key_equal(const struct cap_xfer_key *a,
                      const struct cap_xfer_key *b)
{
	return a->sender == b->sender && a->seq == b->seq &&
	       a->call_id == b->call_id;
}

bool cap_table_xfer_seen(const struct cap_table *t,
                         const struct cap_xfer_key *key)
{
	uint64_t n = t->xfer_epoch < CAP_XFER_REPLAY_WINDOW
	                 ? t->xfer_epoch
	                 : CAP_XFER_REPLAY_WINDOW;

	for (uint64_t i = 0; i < n; i++) {
		if (key_equal(&t->replay[i], key))
			return true;
	}
	return false;
}

uint64_t cap_table_xfer_record(struct cap_table *t,
                               const struct cap_xfer_key *key)
{
	struct cap_xfer_key *e =
	    &t->replay[t->xfer_epoch % CAP_XFER_REPLAY_WINDOW];

	e->sender = key->sender;
	e->seq = key->seq;
	e->call_id = key->call_id;
	e->reserved = 0;
	return ++t->xfer_epoch;
}

static bool slot_ok(const struct cap_slot *s)
{
	bool empty = s->object == NULL && s->interface_id == 0 &&
	             s->kind == 0 && s->xfer_allow == 0;

	if (s->gen == 0 || s->reserved != 0)
		return false;
	switch (s->state) {
	case CAP_SLOT_FREE:
		return empty;
	case CAP_SLOT_PENDING:
		return empty && s->next_free == 0;
	case CAP_SLOT_LIVE:
	case CAP_SLOT_RESERVED:
		return s->next_free == 0;
	case CAP_SLOT_RETIRED:
		return empty && s->next_free == 0 && s->gen == CAP_GEN_LAST;
	default:
		return false;
	}
}

/* Walks the free list: true if it has exactly nfree FREE slots. */
static bool free_list_ok(const struct cap_table *t)
{
	uint32_t n = 0;

	for (uint32_t i = t->free_head; i != CAP_TABLE_NIL;
	     i = t->slots[i].next_free) {
		/* More steps than slots means a cycle. */
		if (i >= t->capacity || n >= t->nfree ||
		    t->slots[i].state != CAP_SLOT_FREE)
			return false;
		n++;
	}
	return n == t->nfree;
}

bool cap_table_check(const struct cap_table *t)
{
	uint32_t held = 0, nfree = 0, retired = 0;

	if (t->capacity > CAP_TABLE_MAX_SLOTS)
		return false;
	for (uint32_t i = 0; i < t->capacity; i++) {
		const struct cap_slot *s = &t->slots[i];

		if (!slot_ok(s))
			return false;
		if (s->state == CAP_SLOT_FREE)
			nfree++;
		else if (s->state == CAP_SLOT_RETIRED)
			retired++;
		else
			held++;
	}
	return held == t->used && nfree == t->nfree && retired == t->nretired &&
	       free_list_ok(t);
}
