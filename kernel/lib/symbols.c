/*
 * symbols.c - holds the kernel.sym module for backtraces (lib/symtab.c
 * does the parsing).
 */
#include <symtab.h>
#include <string.h>
#include <kernel/symbols.h>

static const char *sym_text;
static size_t sym_len;

void symbols_init(const char *text, size_t len)
{
	sym_text = text;
	sym_len = len;
}

bool symbols_lookup(uint64_t pc, const char **name, uint64_t *offset)
{
	static char buf[64];
	struct symtab_hit hit;
	size_t n;

	if (!symtab_lookup(sym_text, sym_len, pc, &hit))
		return false;
	n = hit.name_len < sizeof(buf) - 1 ? hit.name_len : sizeof(buf) - 1;
	memcpy(buf, hit.name, n);
	buf[n] = 0;
	*name = buf;
	*offset = pc - hit.addr;
	return true;
}
