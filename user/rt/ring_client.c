/*
 * ring_client.c - submitting SQEs and collecting CQEs by user_data, on the
 * calling thread's own ring.
 *
 * The kernel completes calls in any order (a sleep finishes after a later
 * now()), so completions read while waiting for another are held in a
 * small per-thread table until their own waiter asks. A completion only
 * ever lands on the ring of the thread that submitted it, so no thread
 * touches another's ring or table.
 */
#include <string.h>
#include <capos/rt.h>
#include "rt_private.h"

struct capos_ring *rt_ring;
uint64_t rt_thread_id;
const struct capos_capset_header *rt_capset;

struct rt_thread rt_main_thread = {.next_user_data = 1};
int rt_fs_self;
int rt_fs_foreign;

long rt_flush(void)
{
	return capos_cap_enter(0, 0);
}

/* Moves every posted CQE into t's held table. */
static void drain(struct rt_thread *t)
{
	struct capos_ring_header *h = &t->ring->hdr;
	uint32_t head = h->cq_head;
	uint32_t tail = __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE);

	while (head != tail && t->nheld < RT_HELD_MAX) {
		const struct capos_cqe *c =
		    &t->ring->cq[head & (CAPOS_RING_CQ_ENTRIES - 1)];

		/* Nobody waits for a deferred release: its CQE is dropped
		 * here, or the held table would fill with them. */
		if (c->user_data != RT_USER_DATA_DISCARD)
			t->held[t->nheld++] = *c;
		head++;
	}
	__atomic_store_n(&h->cq_head, head, __ATOMIC_RELEASE);
}

static bool take_held(struct rt_thread *t, uint64_t user_data,
                      struct capos_cqe *out)
{
	for (uint32_t i = 0; i < t->nheld; i++) {
		if (t->held[i].user_data == user_data) {
			*out = t->held[i];
			t->held[i] = t->held[--t->nheld];
			return true;
		}
	}
	return false;
}

/*
 * Reads posted CQEs up to the one for user_data, which goes straight to
 * *out (returns true); the others it passes go to t's held table. The
 * ones after it stay in the CQ for the next reader.
 */
static bool drain_until(struct rt_thread *t, uint64_t user_data,
                        struct capos_cqe *out)
{
	struct capos_ring_header *h = &t->ring->hdr;
	uint32_t head = h->cq_head;
	uint32_t tail = __atomic_load_n(&h->cq_tail, __ATOMIC_ACQUIRE);
	bool found = false;

	while (head != tail) {
		const struct capos_cqe *c =
		    &t->ring->cq[head & (CAPOS_RING_CQ_ENTRIES - 1)];

		if (c->user_data == user_data) {
			*out = *c;
			head++;
			found = true;
			break;
		}
		if (t->nheld >= RT_HELD_MAX)
			break;
		if (c->user_data != RT_USER_DATA_DISCARD)
			t->held[t->nheld++] = *c;
		head++;
	}
	__atomic_store_n(&h->cq_head, head, __ATOMIC_RELEASE);
	return found;
}

int rt_wait_on(struct rt_thread *t, uint64_t user_data, struct capos_cqe *cqe)
{
	for (;;) {
		long rc;

		/* Held ones came first: one read earlier while waiting for
		 * another completion. */
		if (t->nheld && take_held(t, user_data, cqe))
			return 0;
		if (drain_until(t, user_data, cqe))
			return 0;
		rc = capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
		if (rc < 0)
			return (int)rc;
	}
}

int rt_wait(uint64_t user_data, struct capos_cqe *cqe)
{
	return rt_wait_on(rt_self(), user_data, cqe);
}

int rt_call(capos_cap_t cap, uint16_t method, const void *params,
            uint32_t params_len, void *result, uint32_t result_len,
            bool *exception)
{
	struct capos_cqe cqe;
	int rc = rt_call_xfer(cap, method, params, params_len, result,
	                      result_len, NULL, 0, &cqe);

	if (rc >= 0 && exception)
		*exception = cqe.flags & CAPOS_CQE_EXCEPTION;
	return rc;
}

void rt_release(capos_cap_t cap)
{
	struct capos_sqe sqe = {.opcode = CAPOS_OP_RELEASE,
	                        .cap = cap,
	                        .user_data = RT_USER_DATA_DISCARD};

	while (!rt_submit(&sqe))
		rt_flush();
}

int rt_submit_wait(const struct capos_sqe *sqe, struct capos_cqe *cqe)
{
	struct capos_cqe local;
	uint64_t ud;
	int rc;

	if (!cqe)
		cqe = &local;
	while (!(ud = rt_submit(sqe)))
		rt_flush();
	rc = rt_enter_wait(ud, cqe);
	return rc < 0 ? rc : cqe->result;
}

int rt_release_now(capos_cap_t cap)
{
	struct capos_sqe sqe = {.opcode = CAPOS_OP_RELEASE, .cap = cap};

	return rt_submit_wait(&sqe, NULL);
}

capos_cap_t rt_capset_find(const char *name, uint64_t interface_id)
{
	const struct capos_capset_entry *e;

	if (!rt_capset || rt_capset->magic != CAPOS_CAPSET_MAGIC)
		return CAPOS_CAP_NULL;
	e = (const struct capos_capset_entry *)(rt_capset + 1);
	for (uint32_t i = 0; i < rt_capset->count; i++) {
		if (strncmp(e[i].name, name, CAPOS_CAPSET_NAME_MAX) == 0)
			return e[i].interface_id == interface_id
			           ? e[i].cap
			           : CAPOS_CAP_NULL;
	}
	return CAPOS_CAP_NULL;
}

void rt_first_thread(struct capos_ring *ring, uint64_t tid,
                     const struct capos_capset_header *capset)
{
	rt_ring = ring;
	rt_thread_id = tid;
	rt_capset = capset;
	rt_main_thread.self = &rt_main_thread;
	rt_main_thread.ring = ring;
	rt_main_thread.tid = tid;
}

void rt_start(struct capos_ring *ring, uint64_t tid,
              const struct capos_capset_header *capset);

void rt_start(struct capos_ring *ring, uint64_t tid,
              const struct capos_capset_header *capset)
{
	rt_first_thread(ring, tid, capset);
	capos_exit(main());
}

int rt_wait_any(const uint64_t *user_data, uint32_t n, struct capos_cqe *cqe)
{
	struct rt_thread *t = rt_self();

	for (;;) {
		long rc;

		drain(t);
		for (uint32_t i = 0; i < n; i++) {
			if (user_data[i] && take_held(t, user_data[i], cqe))
				return (int)i;
		}
		rc = capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
		if (rc < 0)
			return (int)rc;
	}
}

int rt_call_on(struct rt_thread *t, capos_cap_t cap, uint16_t method,
               const void *params, uint32_t params_len, void *result,
               uint32_t result_len, const struct capos_xfer *xfer,
               uint16_t nxfer, struct capos_cqe *cqe)
{
	struct capos_sqe sqe = {
	    .opcode = CAPOS_OP_CALL,
	    .method = method,
	    .cap = cap,
	    .params_addr = (uint64_t)params,
	    .params_len = params_len,
	    .result_addr = (uint64_t)result,
	    .result_len = result_len,
	    .xfer_count = nxfer,
	    .xfer_addr = nxfer ? (uint64_t)xfer : 0,
	};
	uint64_t ud;
	int rc;

	while (!(ud = rt_submit_on(t, &sqe)))
		rt_flush();
	rc = rt_enter_wait_on(t, ud, cqe);
	return rc < 0 ? rc : cqe->result;
}

int rt_call_xfer(capos_cap_t cap, uint16_t method, const void *params,
                 uint32_t params_len, void *result, uint32_t result_len,
                 const struct capos_xfer *xfer, uint16_t nxfer,
                 struct capos_cqe *cqe)
{
	return rt_call_on(rt_self(), cap, method, params, params_len, result,
	                  result_len, xfer, nxfer, cqe);
}
