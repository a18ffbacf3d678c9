/*
 * symtab.h - address-to-symbol lookup over the kernel.sym boot module.
 *
 * The module is the text `nm -n` prints, filtered to code symbols: one
 * "<16 hex digits> <name>\n" line per symbol, sorted by address. Lines
 * that do not parse are skipped, so a damaged module degrades to fewer
 * names, never to a fault.
 */
#ifndef CAPOS_LIB_SYMTAB_H
#define CAPOS_LIB_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symtab_hit {
	const char *name; /* points into the module text, not NUL-terminated */
	size_t name_len;
	uint64_t addr;
};

/*
 * Finds the symbol with the greatest address <= pc. Returns true and fills
 * hit, or false if no symbol lies at or below pc.
 */
bool symtab_lookup(const char *text, size_t len, uint64_t pc,
                   struct symtab_hit *hit);

#endif
