/*
 * endpoint.h - endpoints (kernel/object/endpoint.c): the ring's RECV and
 * RETURN, and making endpoints (EndpointFactory, ProcessSpawner exports).
 */
#ifndef CAPOS_KERNEL_ENDPOINT_H
#define CAPOS_KERNEL_ENDPOINT_H

#include <stdint.h>
#include <capos/ring.h>
#include <capos/transfer.h>
#include <kernel/kobject.h>

struct process;
struct thread;

/* Seeds the per-boot key of session references. */
void endpoint_init(uint64_t seed);

/*
 * A new endpoint declared to serve interface_id, its memory charged to
 * owner: *server (an Endpoint) and *client (a ClientEndpoint), one
 * reference each. Returns 0 or CAPOS_E_QUOTA (nothing made).
 */
int endpoint_create(struct process *owner, uint64_t interface_id,
                    struct kobject **server, struct kobject **client);

/* RECV: returns CALL_PENDING (the CQE comes when a call does) or a
 * transport error for the SQE. */
int endpoint_recv(struct thread *t, const struct capos_sqe *s);

/* RETURN with the results msg[0..len) (kernel copy) and transfers:
 * returns 0 or a transport error for the SQE. */
int endpoint_return(struct thread *t, const struct capos_sqe *s,
                    const uint8_t *msg, uint32_t len,
                    const struct capos_xfer *xfer);

/*
 * What the calls took, since boot (under the big lock): the fast path is
 * a call delivered without transfers, its params in the call record, and
 * written through the RECV's kept span; the rest counts why not.
 */
struct endpoint_stats {
	uint64_t calls;        /* CALLs queued or delivered */
	uint64_t fast;         /* delivered the fast way */
	uint64_t queued;       /* no RECV waited when they came */
	uint64_t with_caps;    /* carried transfers */
	uint64_t heap_params;  /* params too big for the record */
	uint64_t spans_walked; /* a kept span was stale: walked again */
	/* The direct path (endpoint_direct.c): calls handed to a waiting
	 * server, and answers with the next RECV to a waiting caller. */
	uint64_t direct;
	uint64_t direct_replies;
};
void endpoint_get_stats(struct endpoint_stats *st);

/* Thread t is exiting, its pending calls cancelled: frees its call
 * record (thread.h). Its process paid for it with the thread. */
void endpoint_thread_exit(struct thread *t);
/* The size of that record, in the thread's kernel memory (THREAD_KMEM). */
extern const uint64_t endpoint_call_record_kmem;

#endif
