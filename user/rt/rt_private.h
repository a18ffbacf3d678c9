/*
 * rt_private.h - what the runtime's own files share and programs do not
 * see.
 */
#ifndef CAPOS_RT_PRIVATE_H
#define CAPOS_RT_PRIVATE_H

#include <stdint.h>

/* Keeps the CapException in result[0..len) for rt_exception_last(). */
void rt_exception_note(const void *result, uint32_t len);

#endif
