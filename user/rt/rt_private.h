/*
 * rt_private.h - what the runtime's own files share and programs do not
 * see.
 */
#ifndef CAPOS_RT_PRIVATE_H
#define CAPOS_RT_PRIVATE_H

#include <stdint.h>
#include <capos/rt.h>

/* Keeps the CapException in result[0..len) for rt_exception_last(). */
void rt_exception_note(const void *result, uint32_t len);

/* Records what _start was given (rt_start, rt_libc_start). */
void rt_first_thread(struct capos_ring *ring, uint64_t tid,
                     const struct capos_capset_header *capset);

/* Set by rt_libc_start: FS belongs to musl, so no rt threads. */
extern int rt_fs_foreign;

/*
 * The ring client on an explicit thread's state: for a new thread before
 * its FS base points at it (rt_self() cannot find it yet). As
 * rt_call_xfer (rt_submit_on, rt_wait_on and rt_enter_wait_on are in
 * rt.h).
 */
int rt_call_on(struct rt_thread *t, capos_cap_t cap, uint16_t method,
               const void *params, uint32_t params_len, void *result,
               uint32_t result_len, const struct capos_xfer *xfer,
               uint16_t nxfer, struct capos_cqe *cqe);

#endif
