/*
 * span_cache.c - a thread's recently resolved user ranges (as.h,
 * struct as_span_cache), so that a server's RECV buffer or a client's
 * result buffer is walked once, not at every call.
 *
 * An entry is good while its address space's gen has the value it had
 * when the entry was filled: every unmap, protect and teardown bumps gen
 * (under the big lock, like every user of the cache), so an entry never
 * names a frame that left the range or lost the access it was checked
 * for.
 */
#include <string.h>
#include <kernel/as.h>
#include <kernel/mm.h>

uint64_t as_gen_next(void)
{
	static uint64_t last;

	return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

/* Copies the part of `from` covering [va, va+len) (inside it) to `to`. */
static void span_sub(const struct as_span *from, uint64_t va, uint32_t len,
                     struct as_span *to)
{
	uint64_t skip =
	    (PAGE_ROUND_DOWN(va) - PAGE_ROUND_DOWN(from->va)) / PAGE_SIZE;
	uint64_t n =
	    len ? (PAGE_ROUND_DOWN(va + len - 1) - PAGE_ROUND_DOWN(va)) /
	                  PAGE_SIZE +
	              1
	        : 0;

	to->va = va;
	to->len = len;
	for (uint64_t i = 0; i < n; i++)
		to->page[i] = from->page[skip + i];
}

/* The entry covering [va, va+len) with `write` access, or -1. */
static inline __attribute__((always_inline)) int
find(const struct addr_space *as, const struct as_span_cache *c, uint64_t va,
     uint32_t len, bool write)
{
	for (int i = 0; i < AS_SPAN_CACHE; i++) {
		const struct as_span *sp = &c->e[i].sp;

		if (c->e[i].valid && c->e[i].gen == as->gen &&
		    (c->e[i].write || !write) && va >= sp->va &&
		    va - sp->va <= sp->len && len <= sp->len - (va - sp->va))
			return i;
	}
	return -1;
}

/* Resolves [va, va+len) into a fresh entry. Returns its index or -1
 * (the range is not mapped as asked; the cache is unchanged). */
static int fill(const struct addr_space *as, struct as_span_cache *c,
                uint64_t va, uint32_t len, bool write)
{
	int i = (int)(c->next % AS_SPAN_CACHE);

	c->e[i].valid = false;
	if (!as_span_get(as, va, len, write, &c->e[i].sp))
		return -1;
	c->e[i].valid = true;
	c->e[i].write = write;
	c->e[i].gen = as->gen;
	c->next++;
	return i;
}

bool as_span_get_cached(const struct addr_space *as, struct as_span_cache *c,
                        uint64_t va, uint32_t len, bool write,
                        struct as_span *sp)
{
	int i;

	if (len > AS_SPAN_MAX)
		return false; /* as_span_get's answer too */
	i = find(as, c, va, len, write);
	if (i < 0 && (i = fill(as, c, va, len, write)) < 0)
		return false;
	span_sub(&c->e[i].sp, va, len, sp);
	return true;
}

int as_read_user_cached(const struct addr_space *as, struct as_span_cache *c,
                        uint64_t va, uint32_t len, void *dst)
{
	int i;

	if (len > AS_SPAN_MAX)
		return -1; /* no message is this long */
	i = find(as, c, va, len, false);
	if (i < 0 && (i = fill(as, c, va, len, false)) < 0)
		return -1;
	as_span_read(&c->e[i].sp, (uint32_t)(va - c->e[i].sp.va), dst, len);
	return 0;
}
