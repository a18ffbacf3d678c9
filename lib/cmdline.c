/*
 * cmdline.c - see cmdline.h.
 */
#include "cmdline.h"

#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t max)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *p = cmdline;

	if (max)
		out[0] = 0;
	while (p && *p) {
		const char *word, *end, *val;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		end = p;
		if (end == word || (size_t)(end - word) < klen ||
		    strncmp(word, key, klen) != 0)
			continue;
		if (word + klen == end)
			val = end; /* a flag */
		else if (word[klen] == '=')
			val = word + klen + 1;
		else
			continue; /* a longer key with this prefix */
		found = true;
		if (max) {
			size_t n = (size_t)(end - val);

			if (n > max - 1)
				n = max - 1;
			memcpy(out, val, n);
			out[n] = 0;
		}
	}
	return found;
}

bool cmdline_list_has(const char *list, const char *item)
{
	size_t ilen = strlen(item);
	const char *p = list;

	if (strcmp(list, "all") == 0)
		return true;
	while (*p) {
		const char *start = p;

		while (*p && *p != ',')
			p++;
		if ((size_t)(p - start) == ilen && !strncmp(start, item, ilen))
			return true;
		if (*p == ',')
			p++;
	}
	return false;
}
