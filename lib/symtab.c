/*
 * symtab.c - see symtab.h. A linear scan: it only runs when the kernel
 * prints a backtrace, where simplicity beats speed.
 */
#include "symtab.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses one line at text[*pos]; advances *pos past it. Returns true if it
 * held "<hex> <name>". */
static bool parse_line(const char *text, size_t len, size_t *pos,
                       struct symtab_hit *out)
{
	size_t i = *pos;
	uint64_t addr = 0;
	int digits = 0;
	size_t name_start;
	bool ok = true;

	while (i < len && hex_value(text[i]) >= 0) {
		if (digits++ >= 16)
			ok = false;
		addr = (addr << 4) | (uint64_t)hex_value(text[i]);
		i++;
	}
	if (digits == 0 || i >= len || text[i] != ' ')
		ok = false;
	else
		i++;
	name_start = i;
	while (i < len && text[i] != '\n')
		i++;
	if (i == name_start)
		ok = false;
	out->addr = addr;
	out->name = text + name_start;
	out->name_len = i - name_start;
	*pos = i < len ? i + 1 : i;
	return ok;
}

bool symtab_lookup(const char *text, size_t len, uint64_t pc,
                   struct symtab_hit *hit)
{
	struct symtab_hit cur;
	size_t pos = 0;
	bool found = false;

	if (!text)
		return false;
	while (pos < len) {
		if (!parse_line(text, len, &pos, &cur))
			continue;
		if (cur.addr > pc)
			continue; /* tolerate unsorted input: keep scanning */
		if (!found || cur.addr >= hit->addr) {
			*hit = cur;
			found = true;
		}
	}
	return found;
}
