/*
 * cmdline.h - reads "key=value" words from a kernel command line.
 *
 * Words are separated by spaces; a word without '=' is a flag whose value
 * is empty. The last occurrence of a key wins, so a test runner can
 * append to the command line baked into the image and override it.
 */
#ifndef CAPOS_LIB_CMDLINE_H
#define CAPOS_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies the value of `key` into out (NUL-terminated, truncated to
 * max-1 bytes). Returns true if the key is present, false otherwise (out
 * is then the empty string).
 */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t max);

/* Returns true if `item` is one of the comma-separated names in `list`
 * (or `list` is "all"). */
bool cmdline_list_has(const char *list, const char *item);

#endif
