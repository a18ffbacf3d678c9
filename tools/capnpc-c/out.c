/*
 * out.c - the generator's plumbing: an allocation pool freed at exit (so
 * LeakSanitizer stays quiet), fatal errors, growable text buffers, and the
 * C naming rules (snake_case, keywords, collision checks).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

struct pool_item {
	struct pool_item *next;
	max_align_t align[];
};

static struct pool_item *pool;

void *xmalloc(size_t n)
{
	struct pool_item *it = calloc(1, sizeof(*it) + n);

	if (!it)
		fatal("out of memory");
	it->next = pool;
	pool = it;
	return it->align;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *xsprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void pool_free_all(void)
{
	while (pool) {
		struct pool_item *next = pool->next;

		free(pool);
		pool = next;
	}
}

noreturn void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("capnpc-c: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pool_free_all();
	exit(1);
}

void check(enum capnp_err err, const char *what)
{
	if (err != CAPNP_OK)
		fatal("the request is malformed: %s: %s", what,
		      capnp_strerror(err));
}

/* ---- buffers ---------------------------------------------------------- */

static void out_reserve(struct out *o, size_t more)
{
	size_t cap = o->cap ? o->cap : 4096;
	char *p;

	if (o->len + more + 1 <= o->cap)
		return;
	while (cap < o->len + more + 1)
		cap *= 2;
	p = realloc(o->p, cap);
	if (!p)
		fatal("out of memory");
	o->p = p;
	o->cap = cap;
}

void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	out_reserve(o, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(o->p + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void out_append(struct out *o, const struct out *from)
{
	if (!from->len)
		return;
	out_reserve(o, from->len);
	memcpy(o->p + o->len, from->p, from->len);
	o->len += from->len;
	o->p[o->len] = 0;
}

void out_free(struct out *o)
{
	free(o->p);
	*o = (struct out){0};
}

void out_write_file(const struct out *o, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fatal("cannot create %s: %s", path, strerror(errno));
	if (fwrite(o->p, 1, o->len, f) != o->len || fclose(f) != 0)
		fatal("cannot write %s: %s", path, strerror(errno));
}

/* ---- names -------------------------------------------------------------- */

char *snake(const char *in)
{
	size_t n = strlen(in);
	char *o = xmalloc(2 * n + 1), *p = o;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		bool up = isupper((unsigned char)c);

		if (c == '.' || c == '$' || c == '_' || c == '-') {
			if (p > o && p[-1] != '_')
				*p++ = '_';
			continue;
		}
		/* Word start: aB, 1B, or the B of ABc (an acronym's end). */
		if (up && p > o && p[-1] != '_' &&
		    (islower((unsigned char)in[i - 1]) ||
		     isdigit((unsigned char)in[i - 1]) ||
		     (i + 1 < n && islower((unsigned char)in[i + 1]))))
			*p++ = '_';
		*p++ = (char)tolower((unsigned char)c);
	}
	*p = 0;
	return o;
}

char *upper(const char *s)
{
	char *o = xstrndup(s, strlen(s));

	for (char *p = o; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return o;
}

static const char *const keywords[] = {
    "auto",           "break",         "case",     "char",
    "const",          "continue",      "default",  "do",
    "double",         "else",          "enum",     "extern",
    "float",          "for",           "goto",     "if",
    "inline",         "int",           "long",     "register",
    "restrict",       "return",        "short",    "signed",
    "sizeof",         "static",        "struct",   "switch",
    "typedef",        "union",         "unsigned", "void",
    "volatile",       "while",         "bool",     "true",
    "false",          "NULL",          "_Bool",    "_Alignas",
    "_Alignof",       "_Atomic",       "_Generic", "_Noreturn",
    "_Static_assert", "_Thread_local", "asm",      "typeof",
};

char *c_safe(const char *name)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcmp(name, keywords[i]))
			return xsprintf("%s_", name);
	return xstrndup(name, strlen(name));
}

/* A small open-addressing set per namespace, reset for each file. */
struct name_set {
	const char **names, **owners;
	size_t cap, count;
};

static struct name_set tags, idents;

static size_t hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void set_claim(struct name_set *set, const char *name, const char *owner)
{
	size_t i;

	if (2 * (set->count + 1) > set->cap) {
		struct name_set old = *set;

		set->cap = old.cap ? 2 * old.cap : 1024;
		set->names = xmalloc(set->cap * sizeof(*set->names));
		set->owners = xmalloc(set->cap * sizeof(*set->owners));
		set->count = 0;
		for (i = 0; i < old.cap; i++)
			if (old.names[i])
				set_claim(set, old.names[i], old.owners[i]);
	}
	for (i = hash(name) % set->cap; set->names[i]; i = (i + 1) % set->cap) {
		if (!strcmp(set->names[i], name))
			fatal("generated name %s of %s collides with the one "
			      "of %s; rename one of them in the schema",
			      name, owner, set->owners[i]);
	}
	set->names[i] = name;
	set->owners[i] = owner;
	set->count++;
}

void names_reset(void)
{
	tags = (struct name_set){0};
	idents = (struct name_set){0};
}

void claim_tag(const char *name, const char *owner)
{
	set_claim(&tags, name, owner);
}

void claim_ident(const char *name, const char *owner)
{
	set_claim(&idents, name, owner);
}
