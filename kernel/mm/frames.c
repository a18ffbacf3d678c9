/*
 * frames.c - the physical frame allocator: lib/frame_bitmap.c over the
 * Multiboot2 memory map.
 *
 * The bitmap lives in a free stretch of RAM found at boot, so its size
 * follows the machine rather than a compile-time guess. Frames are handed
 * out zeroed: nothing of one owner ever reaches the next.
 */
#include <frame_bitmap.h>
#include <string.h>
#include <kernel/mm.h>
#include <kernel/printk.h>

/* The first MiB holds firmware data and, later, the SMP trampoline. */
#define LOW_RESERVED 0x100000

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct frame_bitmap bitmap;
static paddr_t highest;
static uint64_t total_frames;

struct span {
	paddr_t start, end;
};

/* Regions no allocation may ever hand out, besides non-RAM. */
static int reserved_spans(const struct boot_info *bi, paddr_t mbi_phys,
                          struct span *out, int max)
{
	int n = 0;

	out[n++] = (struct span){0, LOW_RESERVED};
	out[n++] = (struct span){(paddr_t)__kernel_phys_start,
	                         (paddr_t)__kernel_phys_end};
	out[n++] = (struct span){mbi_phys, mbi_phys + bi->total_size};
	for (uint32_t i = 0; i < bi->nmodules && n < max; i++)
		out[n++] =
		    (struct span){bi->modules[i].start, bi->modules[i].end};
	return n;
}

static bool overlaps(paddr_t s, paddr_t e, const struct span *sp, int n)
{
	for (int i = 0; i < n; i++) {
		if (s < sp[i].end && sp[i].start < e)
			return true;
	}
	return false;
}

/* Finds `bytes` of page-aligned available RAM below limit clear of every
 * reserved span. */
static paddr_t find_storage(const struct boot_info *bi, uint64_t bytes,
                            const struct span *sp, int n, paddr_t limit)
{
	for (uint32_t i = 0; i < bi->nregions; i++) {
		const struct boot_region *r = &bi->regions[i];
		paddr_t s = PAGE_ROUND_UP(r->base);
		paddr_t e = PAGE_ROUND_DOWN(r->base + r->len);

		if (r->type != MB2_MEM_AVAILABLE)
			continue;
		for (; s + bytes <= e && s + bytes <= limit; s += PAGE_SIZE) {
			if (!overlaps(s, s + bytes, sp, n))
				return s;
		}
	}
	return FRAME_NONE;
}

static void release_available(const struct boot_info *bi, paddr_t lo,
                              paddr_t hi)
{
	for (uint32_t i = 0; i < bi->nregions; i++) {
		const struct boot_region *r = &bi->regions[i];
		paddr_t s = PAGE_ROUND_UP(r->base);
		paddr_t e = PAGE_ROUND_DOWN(r->base + r->len);

		if (r->type != MB2_MEM_AVAILABLE)
			continue;
		s = s < lo ? lo : s;
		e = e > hi ? hi : e;
		if (e > s)
			frame_bitmap_release_range(&bitmap, s >> PAGE_SHIFT,
			                           (e - s) >> PAGE_SHIFT);
	}
}

static void reserve_spans(const struct span *sp, int n)
{
	for (int i = 0; i < n; i++) {
		paddr_t s = PAGE_ROUND_DOWN(sp[i].start);
		paddr_t e = PAGE_ROUND_UP(sp[i].end);

		if (e > s)
			frame_bitmap_reserve_range(&bitmap, s >> PAGE_SHIFT,
			                           (e - s) >> PAGE_SHIFT);
	}
}

static struct span spans[BOOT_MAX_MODULES + 4];
static int nspans;

void frames_init(const struct boot_info *bi, paddr_t mbi_phys, paddr_t limit)
{
	uint64_t nframes, bytes;
	paddr_t storage;

	for (uint32_t i = 0; i < bi->nregions; i++) {
		const struct boot_region *r = &bi->regions[i];

		if (r->type == MB2_MEM_AVAILABLE && r->base + r->len > highest)
			highest = r->base + r->len;
	}
	nframes = highest >> PAGE_SHIFT;
	bytes = PAGE_ROUND_UP(FRAME_BITMAP_WORDS(nframes) * 8);
	nspans = reserved_spans(bi, mbi_phys, spans, BOOT_MAX_MODULES + 3);
	storage = find_storage(bi, bytes, spans, nspans, limit);
	if (storage == FRAME_NONE)
		panic("frames: no room for a %lu-byte frame bitmap", bytes);
	spans[nspans++] = (struct span){storage, storage + bytes};

	frame_bitmap_init(&bitmap, phys_to_virt(storage), nframes);
	release_available(bi, 0, limit);
	reserve_spans(spans, nspans);
	total_frames = 0;
	for (uint32_t i = 0; i < bi->nregions; i++) {
		if (bi->regions[i].type == MB2_MEM_AVAILABLE)
			total_frames += bi->regions[i].len >> PAGE_SHIFT;
	}
}

void frames_release_high(const struct boot_info *bi, paddr_t limit)
{
	release_available(bi, limit, highest);
	reserve_spans(spans, nspans);
}

paddr_t frame_alloc(void)
{
	uint64_t f = frame_bitmap_alloc(&bitmap);

	if (f == FRAME_BITMAP_NONE)
		return FRAME_NONE;
	memset(phys_to_virt(f << PAGE_SHIFT), 0, PAGE_SIZE);
	return f << PAGE_SHIFT;
}

paddr_t frame_alloc_run(uint64_t count)
{
	uint64_t f = frame_bitmap_alloc_run(&bitmap, count, 1);

	if (f == FRAME_BITMAP_NONE)
		return FRAME_NONE;
	memset(phys_to_virt(f << PAGE_SHIFT), 0, count * PAGE_SIZE);
	return f << PAGE_SHIFT;
}

void frame_free(paddr_t pa)
{
	if (frame_bitmap_free(&bitmap, pa >> PAGE_SHIFT) != 0)
		panic("frames: double or stray free of %#lx", pa);
}

void frame_free_run(paddr_t pa, uint64_t count)
{
	if (frame_bitmap_free_run(&bitmap, pa >> PAGE_SHIFT, count) != 0)
		panic("frames: double or stray free of %lu at %#lx", count, pa);
}

uint64_t frames_free_count(void)
{
	return bitmap.free_count;
}

uint64_t frames_total_count(void)
{
	return total_frames;
}

paddr_t frames_highest_address(void)
{
	return highest;
}

bool frames_check(void)
{
	return frame_bitmap_check(&bitmap);
}
