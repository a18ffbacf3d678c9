/*
 * mm.h - physical frames, the direct map, and the kernel heap.
 */
#ifndef CAPOS_KERNEL_MM_H
#define CAPOS_KERNEL_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <capos/boot_layout.h>
#include <multiboot2.h>

typedef uint64_t paddr_t;

#define PAGE_SHIFT         12
#define FRAME_NONE         UINT64_MAX
#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(uint64_t)(PAGE_SIZE - 1))

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline paddr_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= KERNEL_VIRT_BASE)
		return v - KERNEL_VIRT_BASE;
	return v - DIRECT_MAP_BASE;
}

/* Physical memory (kernel/mm/frames.c). */
/*
 * Builds the frame allocator from the memory map, keeping the kernel
 * image, the boot information and every module reserved. Frames below
 * `limit` only; frames_release_high() adds the rest once the direct map
 * covers them.
 */
void frames_init(const struct boot_info *bi, paddr_t mbi_phys, paddr_t limit);
void frames_release_high(const struct boot_info *bi, paddr_t limit);
paddr_t frame_alloc(void);               /* zeroed; FRAME_NONE if none left */
paddr_t frame_alloc_run(uint64_t count); /* contiguous, zeroed */
void frame_free(paddr_t pa);             /* panics on a double free */
void frame_free_run(paddr_t pa, uint64_t count);
uint64_t frames_free_count(void);
uint64_t frames_total_count(void);
paddr_t frames_highest_address(void); /* end of the highest RAM region */
bool frames_check(void);

/* Kernel heap (kernel/mm/heap.c). */
void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

struct heap_stats {
	uint64_t bytes_in_use; /* requested bytes of live allocations */
	uint64_t allocations;  /* live allocations */
	uint64_t pages;        /* frames held by the heap */
};
void heap_get_stats(struct heap_stats *st);

#endif
