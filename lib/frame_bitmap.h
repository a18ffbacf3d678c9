/*
 * frame_bitmap.h - physical frame allocator state as a bitmap.
 *
 * Pure logic: the caller supplies the bitmap storage and says which frames
 * exist and are free; this file never touches physical memory. One bit per
 * 4 KiB frame, 1 = in use (or absent), 0 = free. Compiled into the kernel
 * and, for unit tests, on the host.
 */
#ifndef CAPOS_LIB_FRAME_BITMAP_H
#define CAPOS_LIB_FRAME_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_BITMAP_NONE UINT64_MAX

struct frame_bitmap {
	uint64_t *words;     /* storage, FRAME_BITMAP_WORDS(nframes) words */
	uint64_t nframes;    /* frames covered: 0 .. nframes-1 */
	uint64_t free_count; /* frames whose bit is 0 */
	uint64_t hint;       /* word index where the next search starts */
};

#define FRAME_BITMAP_WORDS(nframes) (((nframes) + 63) / 64)

/* Initialises with every frame marked used (absent). */
void frame_bitmap_init(struct frame_bitmap *fb, uint64_t *words,
                       uint64_t nframes);

/* Marks [first, first+count) free; frames past nframes are ignored. */
void frame_bitmap_release_range(struct frame_bitmap *fb, uint64_t first,
                                uint64_t count);

/* Marks [first, first+count) used whatever their state; for reserving. */
void frame_bitmap_reserve_range(struct frame_bitmap *fb, uint64_t first,
                                uint64_t count);

/* Returns a free frame number and marks it used, or FRAME_BITMAP_NONE. */
uint64_t frame_bitmap_alloc(struct frame_bitmap *fb);

/*
 * Returns the first frame of `count` contiguous free frames whose first
 * frame is a multiple of `align` (a power of two, >= 1), marking them used,
 * or FRAME_BITMAP_NONE when no such run exists (nothing changes then).
 */
uint64_t frame_bitmap_alloc_run(struct frame_bitmap *fb, uint64_t count,
                                uint64_t align);

/*
 * Frees one frame. Returns 0, or -1 if the frame is out of range or
 * already free (a double free); the bitmap does not change on error.
 */
int frame_bitmap_free(struct frame_bitmap *fb, uint64_t frame);

/* Frees a run; returns 0, or -1 (and changes nothing) if any frame in it
 * is out of range or already free. */
int frame_bitmap_free_run(struct frame_bitmap *fb, uint64_t first,
                          uint64_t count);

/* Returns true if `frame` is in range and free. */
bool frame_bitmap_is_free(const struct frame_bitmap *fb, uint64_t frame);

/*
 * Self-check for tests and debug asserts: returns true if free_count equals
 * the number of free frames, bits past nframes are all set and every word
 * below hint is full. Costs a pass over the whole bitmap.
 */
bool frame_bitmap_check(const struct frame_bitmap *fb);

#endif
