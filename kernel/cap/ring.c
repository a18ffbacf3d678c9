/*
 * ring.c - cap_enter's SQEs (the system call itself, its NOP runs and
 * its wait are ring_enter.c): check and carry out each SQE, post CQEs,
 * complete calls that finish later.
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
 * every CQ change is made under the thread's ring_lock - but one: a
 * thread posts its own completions without the big lock, everyone else
 * with it, so the holder of the big lock may change the CQ of a thread
 * that is not running, or its own, without the ring lock (the endpoint's
 * direct path, pending_complete_direct).
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
#include "ring_private.h"

/* Params and results up to this size are copied through the kernel
 * stack (16 KiB; the deepest call path uses well under half of it). */
#define SMALL_MESSAGE 256

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
	                      ? CAPOS_RETURN_EXCEPTION | CAPOS_RETURN_QUIET |
	                            CAPOS_RETURN_RECV
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
	if (copy_from_user_checked(params, s->params_addr, s->params_len)) {
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
	/* Only the range checked above may be written. */
	KASSERT(c.result_len <= s->result_len);
	if (rc == 0 &&
	    copy_to_user_checked(s->result_addr, result, c.result_len)) {
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

	/* The result fields are the RECV's with CAPOS_RETURN_RECV (checked
	 * as the RECV's), and unused otherwise. */
	if (s->xfer_count > CAPOS_XFER_MAX || (s->xfer_addr && !xlen) ||
	    (!(s->flags & CAPOS_RETURN_RECV) &&
	     (s->result_addr || s->result_len)))
		return CAPOS_E_BAD_SQE;
	if (s->params_len > CAPOS_MSG_MAX)
		return CAPOS_E_TOO_LARGE;
	if (s->params_len && s->params_len < 16)
		return CAPOS_E_BAD_MESSAGE;
	/* The ranges read are checked as they are read; an empty one must
	 * still name a user address. */
	if (!as_check_user(&t->proc->as, s->params_addr, 0, false) ||
	    !as_check_user(&t->proc->as, s->xfer_addr, 0, false) ||
	    copy_from_user(xfer, s->xfer_addr, xlen))
		return CAPOS_E_BAD_POINTER;
	if (s->params_len <= sizeof(small))
		msg = small;
	else if (!(msg = kmalloc(s->params_len)))
		return CAPOS_E_QUOTA;
	/* Read through the thread's resolved ranges (as.h): a server's
	 * reply is usually in the buffer its RECV was resolved for. */
	if (!s->params_len) {
		rc = endpoint_return(t, s, call_empty_message,
		                     sizeof(call_empty_message), xfer);
	} else if (as_read_user_cached(&t->proc->as, &t->ucache, s->params_addr,
	                               s->params_len, msg)) {
		rc = CAPOS_E_BAD_POINTER;
	} else {
		if (!call_message_framing_ok(msg, s->params_len))
			rc = CAPOS_E_BAD_MESSAGE;
		else
			rc = endpoint_return(t, s, msg, s->params_len, xfer);
	}
	if (msg != small)
		kfree(msg);
	return rc;
}

/*
 * The rest of a RETURN with CAPOS_RETURN_RECV, whose RETURN gave rc: its
 * RECV, made as that RECV's own SQE would be, or (the RETURN failed) the
 * RETURN's error flagged CAPOS_CQE_RETURN_FAILED. One CQE either way.
 */
static void return_then_recv(struct thread *t, const struct capos_sqe *s,
                             int rc)
{
	const struct capos_sqe recv = {
	    .opcode = CAPOS_OP_RECV,
	    .cap = s->cap,
	    .user_data = s->user_data,
	    .result_addr = s->result_addr,
	    .result_len = s->result_len,
	};

	if (rc) {
		complete(t, s->user_data, rc, CAPOS_CQE_RETURN_FAILED, 0);
		return;
	}
	rc = endpoint_recv(t, &recv);
	if (rc != CALL_PENDING)
		complete(t, s->user_data, rc, 0, 0);
}

static void process_sqe_locked(struct thread *t, const struct capos_sqe *s);

/* Handles one SQE whose CQE slot is reserved. */
static void process_sqe(struct thread *t, const struct capos_sqe *s)
{
	int rc;

	if (!sqe_reserved_clear(s)) {
		/* Failed as a RETURN too, if it is one that would RECV. */
		complete(t, s->user_data, CAPOS_E_BAD_SQE,
		         s->opcode == CAPOS_OP_RETURN &&
		                 (s->flags & CAPOS_RETURN_RECV)
		             ? CAPOS_CQE_RETURN_FAILED
		             : 0,
		         0);
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
		if (s->flags & CAPOS_RETURN_RECV) {
			return_then_recv(t, s, rc);
			return;
		}
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
 * Takes the rest of a batch, `take` SQEs whose CQE slots are reserved,
 * the ring lock held; the SQE at the head is not a NOP (or was not when
 * the caller looked: the copy is handled whatever it holds). Only NOP
 * runs are taken under the ring lock. Publishes sq_head.
 */
void ring_take_rest(struct thread *t, uint32_t take)
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

void call_make_pending(struct call *c, struct pending_call *pc,
                       void (*cancel)(struct pending_call *pc))
{
	pending_init(pc, c->caller, c->user_data, c->result_addr, c->result_cap,
	             cancel);
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

	pending_unlink(pc);
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

/*
 * Posts a success with nothing to copy into pc's reserved slot, the CQE
 * written straight into it rather than built and copied (two of these
 * are on every endpoint round trip), and unlinks pc. Interrupts are off.
 * Returns true if the post woke pc's thread from its wait (waiting_cq
 * cleared: the caller wakes or runs it).
 */
static bool post_success(struct pending_call *pc, int result, uint32_t flags,
                         uint32_t call_id, uint16_t caps)
{
	struct thread *t = pc->thread;
	bool wake;

	KASSERT(result >= 0);
	pending_unlink(pc);
	spin_lock(&t->ring_lock);
	KASSERT(t->cq_reserved > 0);
	t->cq_reserved--;
	t->ring->cq[t->cq_tail & CQ_MASK] = (struct capos_cqe){
	    .user_data = pc->user_data,
	    .result = result,
	    .flags = flags,
	    .call_id = call_id,
	    .caps = caps,
	};
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&t->cq_tail, t->cq_tail + 1, __ATOMIC_RELEASE);
	t->ring->hdr.cq_tail = t->cq_tail;
	wake = t->waiting_cq && cq_pending(t) >= t->wait_min;
	if (wake)
		t->waiting_cq = false;
	spin_unlock(&t->ring_lock);
	return wake;
}

void pending_complete_handoff(struct pending_call *pc, int result,
                              uint32_t flags, uint32_t call_id, uint16_t caps)
{
	uint64_t s = arch_irq_save();

	if (post_success(pc, result, flags, call_id, caps)) {
		KASSERT(kernel_lock_held());
		sched_wake_handoff(pc->thread);
	}
	arch_irq_restore(s);
}

void ring_cancel_pending(struct thread *t)
{
	while (t->pending) {
		struct pending_call *pc = t->pending;

		t->pending = pc->next;
		pc->cancel(pc);
	}
}
