/*
 * symbols.h - kernel symbol names for backtraces, from the kernel.sym
 * boot module (see Makefile). Without the module, addresses only.
 */
#ifndef CAPOS_KERNEL_SYMBOLS_H
#define CAPOS_KERNEL_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void symbols_init(const char *text, size_t len);

/* Returns true with a NUL-terminated name (static buffer) and offset. */
bool symbols_lookup(uint64_t pc, const char **name, uint64_t *offset);

#endif
