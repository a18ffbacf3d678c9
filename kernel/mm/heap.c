/*
 * heap.c - kmalloc/kfree: power-of-two size classes carved from frames,
 * and whole frame runs for anything bigger than half a page.
 *
 * Every block carries a 16-byte header (magic, class, size), so kfree
 * needs no size and catches frees of pointers it never handed out. With
 * CAPOS_DEBUG, freed memory is poisoned and the poison checked when the
 * block is handed out again: a write after free is reported, not silently
 * absorbed. The heap is not locked yet: one CPU, no interrupt-time use.
 */
#include <string.h>
#include <kernel/mm.h>
#include <kernel/printk.h>

#define MAGIC_LIVE  0xA110C8EDu
#define MAGIC_FREE  0xF4EEB10Cu
#define POISON_FREE 0x6B
#define POISON_NEW  0xA5
#define CLASS_LARGE 0xFFFF
#define MIN_SHIFT   5  /* 32 bytes */
#define MAX_SHIFT   11 /* 2048 bytes */
#define NCLASSES    (MAX_SHIFT - MIN_SHIFT + 1)

struct header {
	uint32_t magic;
	uint16_t class;
	uint16_t reserved;
	uint64_t size; /* requested size */
};
_Static_assert(sizeof(struct header) == 16, "keeps payloads 16-aligned");

struct free_block {
	struct header h;
	struct free_block *next;
};

static struct free_block *free_lists[NCLASSES];
static struct heap_stats stats;

void heap_init(void)
{
	memset(free_lists, 0, sizeof(free_lists));
	memset(&stats, 0, sizeof(stats));
}

static int class_for(size_t total)
{
	for (int c = 0; c < NCLASSES; c++) {
		if (total <= (1ul << (MIN_SHIFT + c)))
			return c;
	}
	return -1;
}

/* Carves a fresh frame into blocks of class c. Returns false if no frame. */
static bool refill(int c)
{
	size_t bsize = 1ul << (MIN_SHIFT + c);
	paddr_t pa = frame_alloc();
	uint8_t *page;

	if (pa == FRAME_NONE)
		return false;
	page = phys_to_virt(pa);
	stats.pages++;
	for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
		struct free_block *b = (struct free_block *)(page + off);

		if (CAPOS_DEBUG)
			memset(b, POISON_FREE, bsize);
		b->h.magic = MAGIC_FREE;
		b->h.class = (uint16_t)c;
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return true;
}

static void check_poison(const struct free_block *b, size_t bsize)
{
	const uint8_t *p = (const uint8_t *)(b + 1);
	size_t n = bsize - sizeof(*b);

	for (size_t i = 0; i < n; i++) {
		if (p[i] != POISON_FREE)
			panic("heap: write after free at %p (+%lu in a "
			      "%lu-byte block)",
			      (void *)(p + i), sizeof(*b) + i, bsize);
	}
}

static uint64_t large_frames(size_t size)
{
	return PAGE_ROUND_UP(size + sizeof(struct header)) / PAGE_SIZE;
}

static void *alloc_large(size_t size)
{
	uint64_t frames = large_frames(size);
	paddr_t pa = frame_alloc_run(frames);
	struct header *h;

	if (pa == FRAME_NONE)
		return NULL;
	h = phys_to_virt(pa);
	h->magic = MAGIC_LIVE;
	h->class = CLASS_LARGE;
	h->size = size;
	stats.pages += frames;
	return h + 1;
}

void *kmalloc(size_t size)
{
	int c = class_for(size + sizeof(struct header));
	struct free_block *b;
	void *p;

	if (size == 0 || size > (1ul << 30))
		return NULL;
	if (c < 0) {
		p = alloc_large(size);
	} else {
		if (!free_lists[c] && !refill(c))
			return NULL;
		b = free_lists[c];
		if (b->h.magic != MAGIC_FREE)
			panic("heap: free list corrupted at %p", (void *)b);
		if (CAPOS_DEBUG)
			check_poison(b, 1ul << (MIN_SHIFT + c));
		free_lists[c] = b->next;
		b->h.magic = MAGIC_LIVE;
		b->h.size = size;
		p = &b->h + 1;
		if (CAPOS_DEBUG)
			memset(p, POISON_NEW, size);
	}
	if (p) {
		stats.bytes_in_use += size;
		stats.allocations++;
	}
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	/* A large block's frames came zeroed from frame_alloc_run. */
	if (p && class_for(size + sizeof(struct header)) >= 0)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct header *h;
	size_t bsize;

	if (!p)
		return;
	h = (struct header *)p - 1;
	if (h->magic != MAGIC_LIVE)
		panic("heap: kfree(%p): %s", p,
		      h->magic == MAGIC_FREE ? "double free"
		                             : "not a heap block");
	if (h->class != CLASS_LARGE && h->class >= NCLASSES)
		panic("heap: kfree(%p): corrupt header", p);
	stats.allocations--;
	stats.bytes_in_use -= h->size;
	if (h->class == CLASS_LARGE) {
		uint64_t frames = large_frames(h->size);

		h->magic = MAGIC_FREE;
		stats.pages -= frames;
		frame_free_run(virt_to_phys(h), frames);
		return;
	}
	bsize = 1ul << (MIN_SHIFT + h->class);
	if (CAPOS_DEBUG)
		memset(p, POISON_FREE, bsize - sizeof(*h));
	h->magic = MAGIC_FREE;
	((struct free_block *)h)->next = free_lists[h->class];
	free_lists[h->class] = (struct free_block *)h;
}

void heap_get_stats(struct heap_stats *st)
{
	*st = stats;
}
