/*
 * ring.c - cap_enter: consume the calling thread's SQEs, post CQEs, and
 * wait for completions.
 *
 * The ring page is shared with user code that may be hostile, so the
 * kernel reads each user-written index once, checks it against its own
 * private copy, copies each SQE before looking at it, and never lets a
 * value it read steer a kernel access outside the ring. A CQE slot is
 * reserved before an SQE is consumed: when the CQ is full the kernel
 * stops consuming (back-pressure) rather than drop a completion.
 *
 * Locking: cap_enter starts without the big kernel lock. NOPs, malformed
 * SQEs, bad CapIds and calls to lock-free methods of static objects
 * (kobject.h) are handled without it, so threads on different CPUs do
 * them at the same time; the first SQE that needs more takes the lock
 * (kernel_lock_ensure), and it is kept until the return to user mode.
 * The CQ is shared with whoever completes this thread's calls later, so
 * every CQ change is made under the thread's ring_lock.
 */
#include <stddef.h>
#include <string.h>
#include <capos/capid.h>
#include <capos/errors.h>
#include <capos/syscall.h>
#include <capos/endpoint.h>
#include <capos/ring.h>
#include <capos/transfer.h>
#include <kernel/arch.h>
#include <kernel/biglock.h>
#include <kernel/call.h>
#include <kernel/endpoint.h>
#include <kernel/park.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/ring.h>
#include <kernel/thread.h>
#include <kernel/uaccess.h>

#define SQ_MASK (CAPOS_RING_SQ_ENTRIES - 1)
/* Params and results up to this size are copied through the kernel
 * stack (16 KiB; the deepest call path uses well under half of it). */
#define SMALL_MESSAGE 256
#define CQ_MASK       (CAPOS_RING_CQ_ENTRIES - 1)

static uint32_t read_once(const volatile uint32_t *p)
{
	return *p;
}

void ring_init(struct thread *t, struct capos_ring *kview, uint64_t user)
{
	memset(kview, 0, sizeof(*kview));
	kview->hdr.sq_entries = CAPOS_RING_SQ_ENTRIES;
	kview->hdr.cq_entries = CAPOS_RING_CQ_ENTRIES;
	t->ring = kview;
	t->ring_user = user;
	t->sq_head = t->cq_tail = t->cq_reserved = 0;
	t->ring_lock = (struct spinlock)SPINLOCK_INIT("ring");
}

/* CQEs the user has not consumed yet, by the last cq_head we read.
 * Under the ring lock, or the big lock with the thread not running. */
static uint32_t cq_pending(const struct thread *t)
{
	return t->cq_tail - t->cq_head_seen;
}

/* The same, for the running thread without the lock: others may post
 * meanwhile, so it is a lower bound (what cap_enter returns). */
static uint32_t ring_posted(const struct thread *t)
{
	return __atomic_load_n(&t->cq_tail, __ATOMIC_ACQUIRE) - t->cq_head_seen;
}

/* Posts one CQE into a slot reserved earlier, counting the ones that
 * refused their SQE, and wakes t if it waits for it (handing it the CPU
 * if asked: sched_wake_handoff). Interrupts are off. A thread waiting
 * for its CQ is woken only by others, who hold the big lock (the waiter
 * set waiting_cq under it). */
static void post_cqe(struct thread *t, const struct capos_cqe *cqe,
                     bool handoff)
{
	bool wake;

	spin_lock(&t->ring_lock);
	KASSERT(t->cq_reserved > 0);
	t->cq_reserved--;
	t->ring->cq[t->cq_tail & CQ_MASK] = *cqe;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&t->cq_tail, t->cq_tail + 1, __ATOMIC_RELEASE);
	t->ring->hdr.cq_tail = t->cq_tail;
	if (cqe->result < 0 && cqe->result != CAPOS_E_BUFFER_TOO_SMALL)
		t->ring->hdr.sqes_rejected++;
	wake = t->waiting_cq && cq_pending(t) >= t->wait_min;
	if (wake)
		t->waiting_cq = false;
	spin_unlock(&t->ring_lock);
	if (wake) {
		KASSERT(kernel_lock_held());
		if (handoff)
			sched_wake_handoff(t);
		else
			sched_wake(t);
	}
}

static void post_reserved(struct thread *t, const struct capos_cqe *cqe)
{
	post_cqe(t, cqe, false);
}

/*
 * An SQE as eight words, for nop_run: the opcode and flags are the low
 * 16 bits of word 0, user_data is word 1, reserved0 the top 16 bits of
 * word 5, reserved1 word 7 (asserted below). may_alias: the ring holds
 * struct capos_sqe.
 */
typedef uint64_t __attribute__((may_alias)) sqe_word_t;
#define NOP_WORD0 ((uint64_t)CAPOS_OP_NOP) /* opcode NOP, flags 0 */
_Static_assert(offsetof(struct capos_sqe, flags) == 1, "nop_run");
_Static_assert(offsetof(struct capos_sqe, user_data) == 8, "nop_run");
_Static_assert(offsetof(struct capos_sqe, reserved0) == 46, "nop_run");
_Static_assert(offsetof(struct capos_sqe, reserved1) == 56, "nop_run");
_Static_assert(sizeof(struct capos_cqe) == 32, "nop_run");
#define SQ_BYTES_MASK (CAPOS_RING_SQ_ENTRIES * sizeof(struct capos_sqe) - 1)
#define CQ_BYTES_MASK (CAPOS_RING_CQ_ENTRIES * sizeof(struct capos_cqe) - 1)

/*
 * Completes the run of NOPs at the head of the running thread's SQ, at
 * most n of them and at least one (the caller saw a NOP there; if the
 * user rewrote it meanwhile it completes as a rejected NOP, so a user
 * rewriting the SQ cannot stall us). The ring lock is held (no one
 * waits on a running thread's CQ); cq_unlock publishes the new tail.
 * Returns how many it took.
 *
 * The hot loop of NOP batches: each SQE word is read once, each CQE
 * written as four words, and a rejected NOP (a flag or reserved field
 * set) leaves the loop's straight path. The caller holds the ring lock
 * and has n free CQE slots (its reservation is its own to give back).
 */
static inline __attribute__((always_inline)) uint32_t nop_run(struct thread *t,
                                                              uint32_t n)
{
	struct capos_ring *r = t->ring;
	/* Byte offsets of the next SQE and CQE, wrapped by a mask. */
	uint64_t so = (t->sq_head & SQ_MASK) * sizeof(struct capos_sqe);
	uint64_t co = (t->cq_tail & CQ_MASK) * sizeof(struct capos_cqe);
	uint32_t i = 0;

	do {
		const volatile sqe_word_t *u =
		    (const volatile sqe_word_t *)((uint8_t *)r->sq + so);
		sqe_word_t *c = (sqe_word_t *)((uint8_t *)r->cq + co);
		uint64_t w0 = u[0], result = 0;

		/* Anything but opcode NOP, flags 0, reserved0 and reserved1 0:
		 * the end of the run, or a rejected NOP (flags or reserved
		 * fields set, or the first SQE rewritten since the caller
		 * looked). */
		if (__builtin_expect(
		        ((uint16_t)w0 ^ NOP_WORD0) | (u[5] >> 48) | u[7], 0)) {
			if ((uint8_t)w0 != CAPOS_OP_NOP && i)
				break;
			result = (uint32_t)CAPOS_E_BAD_SQE; /* flags 0 */
			r->hdr.sqes_rejected++;
		}
		c[0] = u[1];
		c[1] = result;
		c[2] = 0;
		c[3] = 0;
		so = (so + sizeof(struct capos_sqe)) & SQ_BYTES_MASK;
		co = (co + sizeof(struct capos_cqe)) & CQ_BYTES_MASK;
	} while (++i < n);
	t->sq_head += i;
	t->cq_tail += i;
	t->sqe_seq += i;
	return i;
}

/* Publishes what post_own_locked posted and gives the ring lock back. */
static void cq_unlock(struct thread *t)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->ring->hdr.cq_tail = t->cq_tail;
	spin_unlock(&t->ring_lock);
}

static void complete(struct thread *t, uint64_t user_data, int result,
                     uint32_t flags, uint32_t needed)
{
	struct capos_cqe cqe = {
	    .user_data = user_data,
	    .result = result,
	    .flags = flags,
	    .needed = needed,
	};

	post_reserved(t, &cqe);
}

/* Rejects what no opcode allows: reserved fields and unknown flags. */
static bool sqe_reserved_clear(const struct capos_sqe *s)
{
	uint8_t allowed = s->opcode == CAPOS_OP_RETURN
	                      ? CAPOS_RETURN_EXCEPTION | CAPOS_RETURN_QUIET
	                      : 0;

	return !(s->flags & ~allowed) && s->reserved0 == 0 && s->reserved1 == 0;
}

/* Puts the call's result caps in the caller's table, all or none, and
 * appends their CapIds to the result (after the message, 8-aligned). */
static int install_caps(struct process *p, struct call *c)
{
	uint32_t off = (c->result_len + 7) & ~7u;
	uint32_t need = off + 4 * c->nout_caps;
	capos_cap_t ids[CALL_MAX_OUT_CAPS];
	uint32_t i;

	if (need > c->result_cap) {
		c->needed = need;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	for (i = 0; i < c->nout_caps; i++) {
		struct kobject *o = c->out_caps[i];

		if (cap_table_insert(&p->caps, o, kobject_interface(o),
		                     o->ops->xfer_allow, kobject_cap_kind(o),
		                     &ids[i]))
			break;
	}
	if (i < c->nout_caps) { /* roll back: the table is as before */
		while (i--)
			cap_table_remove(&p->caps, ids[i], NULL);
		return CAPOS_E_QUOTA;
	}
	memset(c->result + c->result_len, 0, off - c->result_len);
	memcpy(c->result + off, ids, 4 * c->nout_caps);
	c->installed = c->nout_caps;
	c->nout_caps = 0; /* the table holds their references now */
	c->message_len = c->result_len;
	c->result_len = need;
	return 0;
}

static void drop_caps(struct call *c)
{
	for (uint32_t i = 0; i < c->nout_caps; i++)
		kobject_put(c->out_caps[i]);
	c->nout_caps = 0;
}

/* Copies the SQE's transfer descriptors in, if the object takes any.
 * Returns 0 or a transport error (nothing has happened yet). */
static int read_transfers(struct thread *t, const struct capos_sqe *s,
                          const struct kobject *obj, struct capos_xfer *xfer)
{
	uint64_t len = (uint64_t)s->xfer_count * sizeof(*xfer);

	if (!s->xfer_count)
		return 0;
	if (!obj->ops->takes_transfers)
		return CAPOS_E_TRANSFER_REFUSED;
	if (!as_check_user(&t->proc->as, s->xfer_addr, len, false) ||
	    copy_from_user(xfer, s->xfer_addr, len))
		return CAPOS_E_BAD_POINTER;
	return 0;
}

/* A lock-free call: to a static object's lock-free method, small
 * messages, no transfers (kobject.h). */
static bool call_lock_free(const struct cap_slot *slot,
                           const struct capos_sqe *s)
{
	const struct kobject *obj = slot->object;

	return slot->kind == CAP_KIND_STATIC && s->method < 64 &&
	       (obj->ops->lock_free_methods >> s->method & 1) &&
	       !s->xfer_count && s->params_len <= SMALL_MESSAGE &&
	       s->result_len <= SMALL_MESSAGE;
}

/*
 * Finds what a CALL calls. Without the big lock it copies the slot (the
 * table's writers hold the lock; lib/cap_table.h); if the call cannot run
 * lock-free it takes the lock and looks again, since a dynamic object
 * seen in the copy may have been released meanwhile. Returns 0 or
 * CAPOS_E_BAD_CAP.
 */
static int call_target(struct thread *t, const struct capos_sqe *s,
                       struct kobject **obj)
{
	if (!kernel_lock_held()) {
		struct cap_slot copy;

		if (cap_table_lookup_copy(&t->proc->caps, s->cap, &copy))
			return CAPOS_E_BAD_CAP;
		if (call_lock_free(&copy, s)) {
			KASSERT(!((struct kobject *)copy.object)->ops->destroy);
			*obj = copy.object;
			return 0;
		}
		kernel_lock_ensure();
	}
	return process_cap_lookup(t->proc, s->cap, obj);
}

static int do_call(struct thread *t, const struct capos_sqe *s)
{
	struct process *p = t->proc;
	struct kobject *obj;
	struct call c;
	struct capos_xfer xfer[CAPOS_XFER_MAX];
	uint8_t small_params[SMALL_MESSAGE] __attribute__((aligned(8)));
	uint8_t small_result[SMALL_MESSAGE] __attribute__((aligned(8)));
	uint8_t *params, *result;
	int rc;

	if (s->call_id || (s->xfer_addr && !s->xfer_count) ||
	    s->xfer_count > CAPOS_XFER_MAX)
		return CAPOS_E_BAD_SQE;
	if (s->params_len > CAPOS_MSG_MAX || s->result_len > CAPOS_MSG_MAX)
		return CAPOS_E_TOO_LARGE;
	rc = call_target(t, s, &obj);
	if (rc)
		return rc;
	rc = read_transfers(t, s, obj, xfer);
	if (rc)
		return rc;
	if (s->params_len && s->params_len < 16)
		return CAPOS_E_BAD_MESSAGE; /* shorter than any message */
	if (obj->ops->route)
		return obj->ops->route(obj, t, s, xfer);
	if (!as_check_user(&p->as, s->params_addr, s->params_len, false) ||
	    !as_check_user(&p->as, s->result_addr, s->result_len, true))
		return CAPOS_E_BAD_POINTER;
	/* Typical messages fit on the kernel stack; only big ones cost a
	 * heap allocation. */
	if (s->params_len <= sizeof(small_params))
		params = small_params;
	else if (!(params = kmalloc(s->params_len)))
		return CAPOS_E_QUOTA;
	if (s->result_len <= sizeof(small_result)) {
		result = small_result;
		memset(result, 0, s->result_len);
	} else if (!(result = kzalloc(s->result_len))) {
		if (params != small_params)
			kfree(params);
		return CAPOS_E_QUOTA;
	}
	if (copy_from_user(params, s->params_addr, s->params_len)) {
		rc = CAPOS_E_BAD_POINTER;
		goto out;
	}
	/* Every object gets a well-framed message (or none): the framing is
	 * checked once here, the contents by the object's reader. */
	if (s->params_len && !call_message_framing_ok(params, s->params_len)) {
		rc = CAPOS_E_BAD_MESSAGE;
		goto out;
	}
	c = (struct call){
	    .caller = t,
	    .user_data = s->user_data,
	    .method = s->method,
	    .params = s->params_len ? params : call_empty_message,
	    .params_len =
	        s->params_len ? s->params_len : sizeof(call_empty_message),
	    .result = result,
	    .result_cap = s->result_len,
	    .result_addr = s->result_addr,
	    .xfer = xfer,
	    .nxfer = s->xfer_count,
	    .xfer_key = {.sender = (uint64_t)p->pid << 32 | t->tid,
	                 .seq = t->sqe_seq},
	};
	rc = obj->ops->call(obj, &c);
	KASSERT(kernel_lock_held() || (rc != CALL_PENDING && !c.nout_caps));
	if (rc == CALL_REPLIED)
		rc = 0;
	if (rc == CALL_PENDING)
		goto out;
	if (c.nout_caps) {
		int crc = rc == 0 ? install_caps(p, &c) : CAPOS_E_QUOTA;

		if (rc == 0)
			rc = crc;
		drop_caps(&c); /* whatever was not installed */
	}
	if (rc == CAPOS_E_BUFFER_TOO_SMALL) {
		complete(t, s->user_data, rc, 0, c.needed);
		rc = CALL_PENDING; /* completed already */
		goto out;
	}
	if (rc == 0 && !c.installed)
		c.message_len = c.result_len;
	if (rc == 0 && copy_to_user(s->result_addr, result, c.result_len)) {
		/* Too late to hand the caps over: take them back. */
		const uint8_t *ids = result + ((c.message_len + 7) & ~7u);

		for (uint32_t i = 0; i < c.installed; i++) {
			void *o;
			capos_cap_t id;

			memcpy(&id, ids + 4 * i, sizeof(id));
			if (cap_table_remove(&p->caps, id, &o) == 0)
				kobject_put(o);
		}
		rc = CAPOS_E_BAD_POINTER;
	}
	if (rc == 0) {
		struct capos_cqe cqe = {
		    .user_data = s->user_data,
		    .result = (int)c.message_len,
		    .flags = c.exception ? CAPOS_CQE_EXCEPTION : 0,
		    .caps = (uint16_t)c.installed,
		};

		post_reserved(t, &cqe);
		rc = CALL_PENDING;
	}
out:
	if (params != small_params)
		kfree(params);
	if (result != small_result)
		kfree(result);
	return rc;
}

/* RETURN: copies the results and transfer descriptors in, then lets the
 * endpoint answer. Returns 0 or a transport error. */
static int do_return(struct thread *t, const struct capos_sqe *s)
{
	struct capos_xfer xfer[CAPOS_XFER_MAX];
	uint8_t small[SMALL_MESSAGE] __attribute__((aligned(8)));
	uint8_t *msg;
	uint64_t xlen = (uint64_t)s->xfer_count * sizeof(xfer[0]);
	int rc;

	if (s->xfer_count > CAPOS_XFER_MAX || (s->xfer_addr && !xlen) ||
	    s->result_addr || s->result_len)
		return CAPOS_E_BAD_SQE;
	if (s->params_len > CAPOS_MSG_MAX)
		return CAPOS_E_TOO_LARGE;
	if (s->params_len && s->params_len < 16)
		return CAPOS_E_BAD_MESSAGE;
	/* copy_from_user checks the ranges it reads; an empty one must
	 * still name a user address. */
	if (!as_check_user(&t->proc->as, s->params_addr, 0, false) ||
	    !as_check_user(&t->proc->as, s->xfer_addr, 0, false) ||
	    copy_from_user(xfer, s->xfer_addr, xlen))
		return CAPOS_E_BAD_POINTER;
	if (s->params_len <= sizeof(small))
		msg = small;
	else if (!(msg = kmalloc(s->params_len)))
		return CAPOS_E_QUOTA;
	if (copy_from_user(msg, s->params_addr, s->params_len))
		rc = CAPOS_E_BAD_POINTER;
	else if (s->params_len && !call_message_framing_ok(msg, s->params_len))
		rc = CAPOS_E_BAD_MESSAGE;
	else if (s->params_len)
		rc = endpoint_return(t, s, msg, s->params_len, xfer);
	else
		rc = endpoint_return(t, s, call_empty_message,
		                     sizeof(call_empty_message), xfer);
	if (msg != small)
		kfree(msg);
	return rc;
}

static void process_sqe_locked(struct thread *t, const struct capos_sqe *s);

/* Handles one SQE whose CQE slot is reserved. */
static void process_sqe(struct thread *t, const struct capos_sqe *s)
{
	int rc;

	if (!sqe_reserved_clear(s)) {
		complete(t, s->user_data, CAPOS_E_BAD_SQE, 0, 0);
		return;
	}
	switch (s->opcode) {
	case CAPOS_OP_NOP:
		rc = 0;
		break;
	case CAPOS_OP_CALL:
		rc = do_call(t, s);
		if (rc == CALL_PENDING)
			return; /* posted (or will be) by do_call's path */
		break;
	default:
		kernel_lock_ensure();
		process_sqe_locked(t, s);
		return;
	}
	complete(t, s->user_data, rc, 0, 0);
}

/* The opcodes that need the big lock. */
static void process_sqe_locked(struct thread *t, const struct capos_sqe *s)
{
	int rc;

	switch (s->opcode) {
	case CAPOS_OP_RELEASE:
		rc = process_cap_release(t->proc, s->cap);
		break;
	case CAPOS_OP_RECV:
		rc = endpoint_recv(t, s);
		if (rc == CALL_PENDING)
			return;
		break;
	case CAPOS_OP_RETURN:
		rc = do_return(t, s);
		if (rc == 0 && (s->flags & CAPOS_RETURN_QUIET)) {
			spin_lock(&t->ring_lock); /* its slot is not needed */
			t->cq_reserved--;
			spin_unlock(&t->ring_lock);
			return;
		}
		break;
	case CAPOS_OP_PARK:
		rc = park_submit(t, s);
		if (rc == CALL_PENDING)
			return;
		break;
	case CAPOS_OP_UNPARK:
		rc = unpark_submit(t, s);
		break;
	default:
		rc = CAPOS_E_BAD_SQE;
		break;
	}
	complete(t, s->user_data, rc, 0, 0);
}

/*
 * The way back to user mode when something is to be done first: a kill,
 * a reschedule, or the big lock to give back. Interrupts are off.
 * Returns rc.
 */
static __attribute__((noinline)) long leave_slow(long rc)
{
	sched_return_to_user();
	kernel_lock_leave();
	return rc;
}

/* Returns rc to user mode (interrupts off). A kill or kick that comes
 * after this look is an interrupt taken once in user mode. */
static inline long to_user(struct thread *t, long rc)
{
	if (__builtin_expect(
	        t->killed || this_cpu()->need_resched || kernel_lock_held(), 0))
		return leave_slow(rc);
	return rc;
}

/*
 * Takes the rest of a batch, `take` SQEs whose CQE slots are reserved,
 * the ring lock held; the SQE at the head is not a NOP (or was not when
 * the caller looked: the copy is handled whatever it holds). Only NOP
 * runs are taken under the ring lock. Publishes sq_head.
 */
static __attribute__((noinline)) void take_rest(struct thread *t, uint32_t take)
{
	struct capos_ring *r = t->ring;

	cq_unlock(t);
	for (;;) {
		struct capos_sqe sqe = r->sq[t->sq_head & SQ_MASK];

		t->sq_head++;
		t->sqe_seq++;
		process_sqe(t, &sqe);
		if (!--take)
			break;
		/* A run of NOPs completes under one hold of the ring lock. */
		if (r->sq[t->sq_head & SQ_MASK].opcode == CAPOS_OP_NOP) {
			uint32_t n;

			spin_lock(&t->ring_lock);
			n = nop_run(t, take);
			t->cq_reserved -= n;
			take -= n;
			cq_unlock(t);
			if (!take)
				break;
		}
	}
	r->hdr.sq_head = t->sq_head;
}

/*
 * Takes up to `take` SQEs (the user's count, checked). Interrupts are
 * off for the whole batch: the ring lock is taken with interrupts off,
 * and a lock-free batch is never preempted half-way. A batch of NOPs
 * never leaves this function.
 */
static inline void ring_take(struct thread *t, uint32_t take)
{
	struct capos_ring *r = t->ring;
	uint32_t room;

	/* Room for the whole batch is counted at once, and what the NOP
	 * run at its head does not complete under this hold of the lock is
	 * reserved: other CPUs' completions move slots from reserved to
	 * posted, never changing the sum. */
	spin_lock(&t->ring_lock);
	room = CAPOS_RING_CQ_ENTRIES - cq_pending(t) - t->cq_reserved;
	if (__builtin_expect(take > room, 0)) {
		r->hdr.cq_full_stalls++;
		take = room;
	}
	if (take && r->sq[t->sq_head & SQ_MASK].opcode == CAPOS_OP_NOP)
		take -= nop_run(t, take);
	if (take) {
		t->cq_reserved += take;
		take_rest(t, take);
		return;
	}
	cq_unlock(t);
	r->hdr.sq_head = t->sq_head;
}

/* Waits until min_complete CQEs are posted, the timeout passes or the
 * thread is killed. Entered with interrupts off, which it turns on;
 * returns like ring_enter. */
static __attribute__((noinline)) long
ring_wait(struct thread *t, uint64_t min_complete, uint64_t timeout_ns)
{
	uint64_t deadline = 0;
	long rc;

	arch_irq_enable();
	/* Waiting is the scheduler's business. */
	kernel_lock_ensure();
	if (timeout_ns != CAPOS_TIMEOUT_NONE) {
		uint64_t now = time_now_ns();

		deadline = timeout_ns > UINT64_MAX - now ? 0 : now + timeout_ns;
	}
	for (;;) {
		uint64_t s = arch_irq_save();

		if (cq_pending(t) >= min_complete || t->killed) {
			t->may_handoff = false;
			if (t->handoff)
				sched_handoff_place(t);
			arch_irq_restore(s);
			break;
		}
		t->wait_min = (uint32_t)min_complete;
		t->waiting_cq = true;
		if (!sched_block(deadline)) {
			t->waiting_cq = false;
			arch_irq_restore(s);
			if (cq_pending(t) < min_complete) {
				arch_irq_disable();
				return to_user(t, CAPOS_E_TIMED_OUT);
			}
			break;
		}
		arch_irq_restore(s);
	}
	arch_irq_disable();
	rc = cq_pending(t);
	return to_user(t, rc);
}

/* The cap_enter that has SQEs to take or may wait (ring_enter has
 * checked the indices and noted cq_head). */
static __attribute__((noinline)) long ring_batch(struct thread *t,
                                                 uint32_t take,
                                                 uint64_t min_complete,
                                                 uint64_t timeout_ns)
{
	long posted;

	if (min_complete > CAPOS_RING_CQ_ENTRIES)
		min_complete = CAPOS_RING_CQ_ENTRIES;
	/* A thread this batch hands the CPU to runs in our place once we
	 * wait (sched.c, the hand-off); it is placed as usual if we do not. */
	if (min_complete && timeout_ns)
		t->may_handoff = true;
	if (take)
		ring_take(t, take);
	posted = ring_posted(t);
	if (posted < (long)min_complete && timeout_ns)
		return ring_wait(t, min_complete, timeout_ns);
	if (t->may_handoff) {
		t->may_handoff = false;
		if (t->handoff) /* set under the big lock, this cap_enter */
			sched_handoff_place(t);
	}
	return to_user(t, posted);
}

long ring_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	struct thread *t = current_thread();
	struct capos_ring *r = t->ring;
	uint32_t take, cq_head, posted;

	if (!r)
		return to_user(t, CAPOS_E_NOT_SUPPORTED);
	take = read_once(&r->hdr.sq_tail) - t->sq_head;
	cq_head = read_once(&r->hdr.cq_head);
	posted = __atomic_load_n(&t->cq_tail, __ATOMIC_ACQUIRE) - cq_head;
	/* The user may not claim more SQEs than the SQ holds, nor to have
	 * consumed CQEs the kernel never posted. cq_tail only grows, and a
	 * CQE the user saw was counted in it before the user could see it. */
	if (take > CAPOS_RING_SQ_ENTRIES || posted > CAPOS_RING_CQ_ENTRIES)
		return to_user(t, CAPOS_E_RING_CORRUPT);
	/* Written without the ring lock: others read it only to wake this
	 * thread from a wait it is not in while it runs. */
	t->cq_head_seen = cq_head;
	/* Nothing to take, nothing to wait for, no hand-off left over. */
	if (!take && (posted >= min_complete || !timeout_ns) && !t->may_handoff)
		return to_user(t, posted);
	return ring_batch(t, take, min_complete, timeout_ns);
}

void pending_init(struct pending_call *pc, struct thread *t, uint64_t user_data,
                  uint64_t result_addr, uint32_t result_cap,
                  void (*cancel)(struct pending_call *pc))
{
	pc->thread = t;
	pc->user_data = user_data;
	pc->result_addr = result_addr;
	pc->result_cap = result_cap;
	pc->needed = 0;
	pc->cancel = cancel;
	pc->next = t->pending;
	t->pending = pc;
}

void call_make_pending(struct call *c, struct pending_call *pc,
                       void (*cancel)(struct pending_call *pc))
{
	pending_init(pc, c->caller, c->user_data, c->result_addr, c->result_cap,
	             cancel);
}

static void unlink_pending(struct pending_call *pc)
{
	for (struct pending_call **p = &pc->thread->pending; *p;
	     p = &(*p)->next) {
		if (*p == pc) {
			*p = pc->next;
			return;
		}
	}
}

/* Copies into the caller's memory through its page tables (direct map),
 * so it works whatever address space is live. */
static int copy_to_thread(struct thread *t, uint64_t uaddr, const void *src,
                          uint32_t len)
{
	const uint8_t *s = src;

	while (len) {
		paddr_t pa;
		unsigned f;
		uint32_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));

		if (chunk > len)
			chunk = len;
		if (!as_query(&t->proc->as, uaddr, &pa, &f) ||
		    !(f & VM_WRITE) || !(f & VM_USER))
			return -1;
		memcpy(phys_to_virt(pa), s, chunk);
		uaddr += chunk;
		s += chunk;
		len -= chunk;
	}
	return 0;
}

void pending_complete(struct pending_call *pc, int result, const void *msg,
                      uint32_t len, uint32_t flags)
{
	if (result >= 0 && len > pc->result_cap) {
		pc->needed = len;
		result = CAPOS_E_BUFFER_TOO_SMALL;
	}
	pending_complete_full(pc, result >= 0 ? (int)len : result, msg, len,
	                      flags, 0, 0);
}

static void pending_post(struct pending_call *pc, int result, const void *msg,
                         uint32_t copy_len, uint32_t flags, uint32_t call_id,
                         uint16_t caps, bool handoff)
{
	struct thread *t = pc->thread;
	uint64_t s = arch_irq_save();
	struct capos_cqe cqe = {
	    .user_data = pc->user_data,
	    .result = result,
	    .flags = flags,
	    .call_id = call_id,
	    .caps = caps,
	    .needed = result == CAPOS_E_BUFFER_TOO_SMALL ? pc->needed : 0,
	};

	unlink_pending(pc);
	if (result >= 0 && copy_len &&
	    copy_to_thread(t, pc->result_addr, msg, copy_len)) {
		cqe = (struct capos_cqe){.user_data = pc->user_data,
		                         .result = CAPOS_E_BAD_POINTER};
	}
	post_cqe(t, &cqe, handoff);
	arch_irq_restore(s);
}

void pending_complete_full(struct pending_call *pc, int result, const void *msg,
                           uint32_t copy_len, uint32_t flags, uint32_t call_id,
                           uint16_t caps)
{
	pending_post(pc, result, msg, copy_len, flags, call_id, caps, false);
}

void pending_complete_handoff(struct pending_call *pc, int result,
                              uint32_t flags, uint32_t call_id, uint16_t caps)
{
	KASSERT(result >= 0);
	pending_post(pc, result, NULL, 0, flags, call_id, caps, true);
}

void ring_cancel_pending(struct thread *t)
{
	while (t->pending) {
		struct pending_call *pc = t->pending;

		t->pending = pc->next;
		pc->cancel(pc);
	}
}
