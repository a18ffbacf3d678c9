/*
 * kobject.h - kernel objects: what a capability points at.
 *
 * Every object starts with a struct kobject: its type's operations (the
 * Cap'n Proto interface it serves and how to call it) and a reference
 * count (one per cap slot holding it, plus any the kernel holds). The
 * interface is the permission: an object answers exactly the methods of
 * its interface and nothing else.
 */
#ifndef CAPOS_KERNEL_KOBJECT_H
#define CAPOS_KERNEL_KOBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cap_table.h>
#include <capos/transfer.h>

struct thread;
struct capos_sqe;

struct kobject;
struct thread;

/* A spawn returns its handle and one client facet per export. */
#define CALL_MAX_OUT_CAPS 17

/* One CALL as the object sees it. Params are already in kernel memory. */
struct call {
	struct thread *caller;
	uint64_t user_data;
	uint16_t method;
	const uint8_t *params; /* a Cap'n Proto message, params_len bytes */
	uint32_t params_len;
	uint8_t *result; /* kernel buffer of result_cap bytes */
	uint32_t result_cap;
	uint64_t result_addr; /* the caller's buffer, for pending calls */
	uint32_t result_len;  /* out: bytes written */
	uint32_t needed;      /* out, with CAPOS_E_BUFFER_TOO_SMALL */
	bool exception;       /* out: result holds a CapException */
	/* out: capabilities for the caller, each holding one reference that
	 * moves into the caller's cap table (call_return_cap). */
	struct kobject *out_caps[CALL_MAX_OUT_CAPS];
	uint32_t nout_caps;
	uint32_t installed;     /* ring: caps put in the caller's table */
	uint32_t message_len;   /* ring: result_len before the CapIds */
	struct kobject *target; /* the object called (objects may set it) */
	/* The SQE's transfer descriptors, copied in but not checked: only
	 * an object with takes_transfers sees any, and it runs the
	 * transaction (lib/transfer.h) under xfer_key. */
	const struct capos_xfer *xfer;
	uint32_t nxfer;
	struct cap_xfer_key xfer_key;
};

/* A method may finish later (Timer.sleep): it returns CALL_PENDING and
 * posts the completion itself with ring_complete_pending(). */
#define CALL_PENDING 1
/* The method wrote its reply (an exception) into the result itself. */
#define CALL_REPLIED 2

struct kobject_ops {
	const char *name;
	uint64_t interface_id;
	uint8_t xfer_allow; /* CAPOS_XFER_ALLOW_* */
	/* Whether a CALL to it may carry transfer descriptors; to any other
	 * object they are CAPOS_E_TRANSFER_REFUSED before it runs. */
	bool takes_transfers;
	/* An endpoint's server or client facet (CAP_KIND_ENDPOINT). */
	bool endpoint_facet;
	/* Returns 0 (result_len set), CALL_PENDING, or a transport error. */
	int (*call)(struct kobject *obj, struct call *c);
	/* Methods (bit n: method n) that cap_enter may run without the big
	 * kernel lock, on several CPUs at once: they read only the call and
	 * state that never changes, never block, allocate, fault or touch
	 * another object, return no caps and take no transfers. Only a
	 * static object (destroy NULL) may have any (ring.c checks). */
	uint64_t lock_free_methods;
	/*
	 * Instead of call, for an object that passes the message on (an
	 * endpoint's client facet): takes the CALL SQE of thread t once it
	 * is checked up to the params' and result's pointers, before the
	 * ring copies the params in or makes a result buffer, so the message
	 * is copied once. xfer: the SQE's descriptors, copied in. Checks the
	 * rest itself; returns CALL_PENDING (its CQE is posted or will be)
	 * or a transport error for the ring to post.
	 */
	int (*route)(struct kobject *obj, struct thread *t,
	             const struct capos_sqe *s, const struct capos_xfer *xfer);
	/* The last reference went away. NULL for static objects. */
	void (*destroy)(struct kobject *obj);
};

struct kobject {
	const struct kobject_ops *ops;
	uint32_t refs;
	/* The interface it serves when that is not its type's (a client
	 * facet serves what its endpoint declared); 0: ops->interface_id. */
	uint64_t interface_id;
};

/*
 * What a cap slot's kind (lib/cap_table.h) tells cap_enter's lock-free
 * path: a static object is never freed, so a copy of its slot taken
 * without the big lock still points at a live object; any other object
 * may be gone by the time the copy is looked at.
 */
#define CAP_KIND_DYNAMIC 0u
#define CAP_KIND_STATIC  1u
/* Dynamic too, and one of the endpoint's facets: what cap_enter's
 * direct path (ring_enter.c) looks for before it takes the big lock. */
#define CAP_KIND_ENDPOINT 2u

static inline uint32_t kobject_cap_kind(const struct kobject *o)
{
	if (o->ops->endpoint_facet)
		return CAP_KIND_ENDPOINT;
	return o->ops->destroy ? CAP_KIND_DYNAMIC : CAP_KIND_STATIC;
}

static inline uint64_t kobject_interface(const struct kobject *o)
{
	return o->interface_id ? o->interface_id : o->ops->interface_id;
}

static inline struct kobject *kobject_get(struct kobject *o)
{
	o->refs++;
	return o;
}

static inline void kobject_put(struct kobject *o)
{
	if (--o->refs == 0 && o->ops->destroy)
		o->ops->destroy(o);
}

#endif
