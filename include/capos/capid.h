/*
 * capid.h - CapId: a process-local capability handle (ABI, docs/abi.md).
 *
 * Low 16 bits: the cap table slot. High 16 bits: the slot's generation,
 * bumped on every release. Generation 0 is never issued, so CapId 0 is
 * always invalid; a slot whose generation would wrap is retired.
 */
#ifndef CAPOS_CAPID_H
#define CAPOS_CAPID_H

#include <stdint.h>

typedef uint32_t capos_cap_t;

#define CAPOS_CAP_NULL             0u
#define CAPOS_CAPID_INDEX(id)      ((uint32_t)(id)&0xFFFFu)
#define CAPOS_CAPID_GEN(id)        ((uint32_t)(id) >> 16)
#define CAPOS_CAPID_MAKE(idx, gen) (((uint32_t)(gen) << 16) | ((idx)&0xFFFFu))

/* Default cap slots per process (abi.md "Limits"). */
#define CAPOS_CAP_SLOTS_DEFAULT 256

#endif
