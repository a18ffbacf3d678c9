/*
 * rt_memory.h - runtime clients for VirtualMemory (anonymous memory in
 * the caller's own address space) and MemoryObject.protect
 * (schema/capos.capnp, docs/memory.md).
 *
 * Every function returns 0 on success, a transport error (< 0, e.g.
 * CAPOS_E_QUOTA: over the frames or kernelMemory quota, nothing changed),
 * or RT_REFUSED(type) (> 0) when the object answered with a CapException
 * of that ExceptionType (CAPOS_EXCEPTION_TYPE_INVALID_ARGUMENT for every
 * bad input; nothing changed either). Addresses and lengths are bytes
 * and page multiples.
 */
#ifndef CAPOS_RT_MEMORY_H
#define CAPOS_RT_MEMORY_H

#include <stdint.h>
#include <capos/capid.h>
#include <capos.capnp.h>

#define RT_IFACE_VIRTUAL_MEMORY CAPOS_VIRTUAL_MEMORY_INTERFACE_ID

/* A CapException of this type, as a return value (always > 0). */
#define RT_REFUSED(type) (1000 + (int)(type))

/* Reserves length bytes (hint 0: anywhere, else exactly at hint) with no
 * memory behind them; *addr is where. */
int rt_vm_reserve(capos_cap_t vm, uint64_t hint, uint64_t length,
                  uint64_t *addr);
/* Backs uncommitted pages of a reservation with zeroed frames. */
int rt_vm_commit(capos_cap_t vm, uint64_t addr, uint64_t length,
                 enum capos_protection prot);
/* Frees the frames behind part of a reservation (uncommitted pages in
 * the range are fine); the range stays reserved. */
int rt_vm_decommit(capos_cap_t vm, uint64_t addr, uint64_t length);
/* reserve + commit in one call. */
int rt_vm_map(capos_cap_t vm, uint64_t hint, uint64_t length,
              enum capos_protection prot, uint64_t *addr);
/* Frees the frames and the reservation of a range inside one
 * reservation (all of it, or a part: the rest stays reserved). */
int rt_vm_unmap(capos_cap_t vm, uint64_t addr, uint64_t length);
/* Changes the access of committed pages of one reservation. */
int rt_vm_protect(capos_cap_t vm, uint64_t addr, uint64_t length,
                  enum capos_protection prot);

/* Changes the access of part of a mapping of a MemoryObject (at most
 * its maxProt; none makes a guard). */
int rt_memory_protect(capos_cap_t memory, uint64_t addr, uint64_t length,
                      enum capos_protection prot);

#endif
