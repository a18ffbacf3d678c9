/*
 * park.h - PARK and UNPARK (kernel/cap/park.c), called by the ring.
 */
#ifndef CAPOS_KERNEL_PARK_H
#define CAPOS_KERNEL_PARK_H

#include <capos/ring.h>

struct thread;

/* PARK: CALL_PENDING (parked) or a transport error (CAPOS_E_CHANGED: the
 * word held another value). */
int park_submit(struct thread *t, const struct capos_sqe *s);

/* UNPARK: the number of threads woken (>= 0) or a transport error. */
int unpark_submit(struct thread *t, const struct capos_sqe *s);

#endif
