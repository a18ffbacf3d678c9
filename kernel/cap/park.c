/*
 * park.c - PARK and UNPARK: threads waiting on a 32-bit word in user
 * memory, the kernel half of user-level locks (include/capos/ring.h,
 * docs/threads.md).
 *
 * A word is named by its physical address, so two processes that map one
 * MemoryObject park on the same word. Parked SQEs wait in a small hash of
 * FIFO lists; the check of the word's value and the enqueue happen with
 * interrupts off on the one CPU, so an UNPARK that follows a changed
 * value always finds the parked SQE (no lost wake-up). A parked SQE is a
 * pending completion of its thread: it ends by UNPARK, by its timeout, or
 * by the thread's death (cancel).
 */
#include <capos/errors.h>
#include <capos/ring.h>
#include <kernel/arch.h>
#include <kernel/call.h>
#include <kernel/ktimer.h>
#include <kernel/mm.h>
#include <kernel/park.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>

#define PARK_BUCKETS 64

struct parked {
	struct pending_call pc;
	struct ktimer timer;
	paddr_t word;
	struct parked *next;
};

static struct parked *buckets[PARK_BUCKETS];

static struct parked **bucket(paddr_t word)
{
	return &buckets[(word >> 2) % PARK_BUCKETS];
}

static void unlink_parked(struct parked *w)
{
	for (struct parked **pp = bucket(w->word); *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
	KASSERT(!"parked SQE not in its bucket");
}

static void park_end(struct parked *w, int result)
{
	unlink_parked(w);
	ktimer_cancel(&w->timer);
	pending_complete(&w->pc, result, NULL, 0, 0);
	kfree(w);
}

static void park_timeout(struct ktimer *k)
{
	struct parked *w =
	    (struct parked *)((uint8_t *)k -
	                      __builtin_offsetof(struct parked, timer));

	park_end(w, CAPOS_E_TIMED_OUT);
}

static void park_cancel(struct pending_call *pc)
{
	struct parked *w = (struct parked *)pc;

	unlink_parked(w);
	ktimer_cancel(&w->timer);
	kfree(w);
}

/* Finds the word's physical address. Returns 0 or a transport error. */
static int word_of(struct thread *t, uint64_t addr, paddr_t *pa)
{
	/* Aligned: the word's four bytes share a page. */
	if (addr & 3)
		return CAPOS_E_BAD_SQE;
	if (!as_user_frame(&t->proc->as, addr, false, pa))
		return CAPOS_E_BAD_POINTER;
	return 0;
}

static bool fields_clear(const struct capos_sqe *s, bool timeout_allowed)
{
	return !s->cap && !s->method && !s->result_len && !s->call_id &&
	       !s->xfer_count && !s->xfer_addr &&
	       (timeout_allowed || !s->result_addr);
}

int park_submit(struct thread *t, const struct capos_sqe *s)
{
	struct parked *w;
	paddr_t pa;
	uint32_t value;
	int rc;

	if (!fields_clear(s, true))
		return CAPOS_E_BAD_SQE;
	rc = word_of(t, s->params_addr, &pa);
	if (rc)
		return rc;
	/* Interrupts are off (ring_enter): nothing runs between this read
	 * and the enqueue. */
	value = *(volatile uint32_t *)phys_to_virt(pa);
	if (value != s->params_len)
		return CAPOS_E_CHANGED;
	w = kzalloc(sizeof(*w));
	if (!w)
		return CAPOS_E_QUOTA;
	w->word = pa;
	pending_init(&w->pc, t, s->user_data, 0, 0, park_cancel);
	/* FIFO: UNPARK wakes the oldest first. */
	struct parked **pp = bucket(pa);

	while (*pp)
		pp = &(*pp)->next;
	*pp = w;
	if (s->result_addr) {
		uint64_t now = time_now_ns();
		uint64_t d = s->result_addr > UINT64_MAX - now
		                 ? UINT64_MAX
		                 : now + s->result_addr;

		ktimer_arm(&w->timer, d, park_timeout);
	}
	return CALL_PENDING;
}

int unpark_submit(struct thread *t, const struct capos_sqe *s)
{
	paddr_t pa;
	uint32_t woken = 0;
	int rc;

	if (!fields_clear(s, false))
		return CAPOS_E_BAD_SQE;
	rc = word_of(t, s->params_addr, &pa);
	if (rc)
		return rc;
	for (struct parked *w = *bucket(pa), *next; w && woken < s->params_len;
	     w = next) {
		next = w->next;
		if (w->word != pa)
			continue;
		park_end(w, 0);
		woken++;
	}
	return (int)woken;
}
