/*
 * tlb.h - what tlbtest and its child tlbchild share: the modes of a round
 * and the layout of the page the parent allocates and both map, through
 * which the child says where its test page is and how far it got (it is
 * killed by the fault that ends a good round, so it cannot tell us by
 * any other way).
 *
 * One round: the child maps a test page, starts TLB_THREADS threads that
 * keep touching it (so each CPU they run on caches its translation),
 * changes the page's mapping under them (the mode), then lets the threads
 * touch it once more. Every touch after the change must fault; one that
 * does not saw a stale TLB entry (no shootdown) and is counted in `stale`.
 */
#ifndef CAPOS_USER_TLB_H
#define CAPOS_USER_TLB_H

#include <stdint.h>

#define TLB_THREADS 3
#define TLB_PAGE    4096ull

/* What the child does to its test page while the threads run. */
enum tlb_mode {
	TLB_VM_UNMAP = 1,  /* VirtualMemory.unmap: reads must fault */
	TLB_VM_DECOMMIT,   /* VirtualMemory.decommit: reads must fault */
	TLB_VM_PROTECT_R,  /* VirtualMemory.protect to read: writes fault */
	TLB_VM_PROTECT_N,  /* VirtualMemory.protect to none: reads fault */
	TLB_MEM_UNMAP,     /* MemoryObject.unmap: reads must fault */
	TLB_MEM_PROTECT_R, /* MemoryObject.protect to read: writes fault */
	TLB_MODES
};

/* Whether the threads write the page (the change takes write access
 * away) or only read it (the change takes the page away). */
static inline int tlb_mode_writes(uint32_t mode)
{
	return mode == TLB_VM_PROTECT_R || mode == TLB_MEM_PROTECT_R;
}

/* How far the child's first thread got (stage). */
enum tlb_stage {
	TLB_STAGE_START = 1, /* mapped the shared page */
	TLB_STAGE_MAPPED,    /* mapped its test page */
	TLB_STAGE_RUNNING,   /* every thread touched it and spun a while */
	TLB_STAGE_CHANGING,  /* about to change the mapping */
	TLB_STAGE_CHANGED,   /* the change call returned 0 */
};

/* Child exit codes other than the fault a good round ends with. */
enum tlb_exit {
	TLB_EXIT_NO_CAPS = 90,   /* a capability is missing */
	TLB_EXIT_NO_PAGE = 91,   /* mapping the test page failed */
	TLB_EXIT_NO_THREAD = 92, /* a thread could not be spawned */
	TLB_EXIT_NOT_READY = 93, /* the threads did not all touch it */
	TLB_EXIT_CHANGE = 94,    /* the change call failed (change_rc) */
	TLB_EXIT_BAD_READ = 97,  /* a read after protect saw wrong data */
	TLB_EXIT_NO_FAULT = 98,  /* nobody touched it after the change */
	TLB_EXIT_STALE = 99,     /* a touch after the change went through */
};

/* Iterations every thread makes with the translation before the change. */
#define TLB_SPIN_MIN 2000u

struct tlb_shared {
	uint32_t mode;     /* parent -> child: enum tlb_mode */
	uint32_t stage;    /* enum tlb_stage */
	uint32_t ready;    /* threads that have touched the page */
	uint32_t changed;  /* 1 once the change call returned 0 */
	uint32_t stale;    /* touches after the change that did not fault */
	uint32_t bad_read; /* protect modes: a read back that was wrong */
	int32_t change_rc; /* the change call's result */
	uint32_t pad;
	uint64_t page;               /* the test page's address in the child */
	uint64_t stale_addr;         /* where the first stale touch went */
	uint64_t spins[TLB_THREADS]; /* touches per thread so far */
	uint64_t spins_at[TLB_THREADS]; /* ... when the change was made */
};

#endif
