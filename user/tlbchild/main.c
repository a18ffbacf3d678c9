/*
 * tlbchild - one round of tlbtest (layout and modes: ../tlbtest/tlb.h).
 * Maps a test page, starts TLB_THREADS threads that keep touching it, so
 * that every CPU they run on caches its translation, waits until each has
 * touched it TLB_SPIN_MIN times, then changes the mapping while they
 * still run (unmap, decommit or protect, by the mode the parent wrote in
 * the shared page) and raises a flag. Each thread that sees the flag
 * touches the page once more: the kernel must have invalidated every
 * CPU's translation before the change call returned, so that touch
 * faults and the kernel kills the whole process, which is how a good
 * round ends. A touch that goes through used a stale TLB entry: it is
 * counted in the shared page and the process exits TLB_EXIT_STALE.
 *
 * The first thread never touches the page after the change: on its own
 * CPU the kernel flushed locally, and its fault could kill the process
 * before a thread on another CPU had shown the stale entry.
 */
#include <capos/rt.h>
#include <capos/rt_memory.h>
#include <capos/rt_thread.h>
#include "../tlbtest/tlb.h"

#define MS           (1000ull * 1000)
#define WAIT_MS      5000 /* the longest we wait for the threads */
#define LINE_BYTES   64   /* each thread touches its own cache line */
#define PAGE_PATTERN 0x746c627465737400ull

static struct tlb_shared *sh;
static uint32_t mode;
static uint32_t nap_word; /* parked on with a timeout: a short sleep */

static void nap_ms(uint32_t ms)
{
	rt_park(&nap_word, 0, ms * MS);
}

/* Counts a touch after the change that did not fault, and ends the
 * process with TLB_EXIT_STALE (its first thread would, too). */
static __attribute__((noreturn)) void stale(volatile uint64_t *w)
{
	uint64_t none = 0;

	__atomic_compare_exchange_n(&sh->stale_addr, &none, (uint64_t)w, false,
	                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sh->stale, 1, __ATOMIC_SEQ_CST);
	rt_unpark(&sh->stale, RT_UNPARK_ALL);
	capos_exit(TLB_EXIT_STALE);
}

static int64_t toucher(void *arg)
{
	uint32_t idx = (uint32_t)(uintptr_t)arg;
	volatile uint64_t *w =
	    (volatile uint64_t *)(sh->page + LINE_BYTES * (idx + 1));
	bool writes = tlb_mode_writes(mode);
	uint64_t n = PAGE_PATTERN + idx, spins = 0;

	*w = n; /* the first touch: a write, so the translation is dirty */
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	rt_unpark(&sh->ready, RT_UNPARK_ALL);
	while (!__atomic_load_n(&sh->changed, __ATOMIC_ACQUIRE)) {
		if (writes)
			*w = ++n;
		else if (*w != n)
			__atomic_add_fetch(&sh->bad_read, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&sh->spins[idx], ++spins, __ATOMIC_RELAXED);
	}
	/* The change was made before the flag: this touch must fault. */
	if (writes) {
		if (*w != n) /* reading stays allowed and keeps the data */
			__atomic_add_fetch(&sh->bad_read, 1, __ATOMIC_RELAXED);
		*w = n + 1;
	} else {
		(void)*w;
	}
	stale(w);
}

/* Maps the test page read-write (through vm, or a new MemoryObject in
 * *mem) and writes it. Returns its address, or 0. */
static uint64_t map_page(capos_cap_t vm, capos_cap_t frames, capos_cap_t *mem)
{
	uint64_t a = 0;

	if (mode == TLB_MEM_UNMAP || mode == TLB_MEM_PROTECT_R) {
		if (rt_frames_alloc(frames, 1, false, mem) ||
		    rt_memory_map(*mem, 0, 0, TLB_PAGE, RT_PROT_READ_WRITE, &a))
			return 0;
	} else if (rt_vm_map(vm, 0, TLB_PAGE, CAPOS_PROTECTION_READ_WRITE,
	                     &a)) {
		return 0;
	}
	*(volatile uint64_t *)a = PAGE_PATTERN;
	return a;
}

/* The change the mode names, on the page at a. Returns the call's result. */
static int change(capos_cap_t vm, capos_cap_t mem, uint64_t a)
{
	switch (mode) {
	case TLB_VM_UNMAP:
		return rt_vm_unmap(vm, a, TLB_PAGE);
	case TLB_VM_DECOMMIT:
		return rt_vm_decommit(vm, a, TLB_PAGE);
	case TLB_VM_PROTECT_R:
		return rt_vm_protect(vm, a, TLB_PAGE, CAPOS_PROTECTION_READ);
	case TLB_VM_PROTECT_N:
		return rt_vm_protect(vm, a, TLB_PAGE, CAPOS_PROTECTION_NONE);
	case TLB_MEM_UNMAP:
		return rt_memory_unmap(mem, a, TLB_PAGE);
	case TLB_MEM_PROTECT_R:
		return rt_memory_protect(mem, a, TLB_PAGE,
		                         CAPOS_PROTECTION_READ);
	}
	return CAPOS_E_BAD_SQE;
}

/* Waits until every thread has touched the page TLB_SPIN_MIN times. */
static bool all_spinning(void)
{
	for (uint32_t ms = 0; ms < WAIT_MS; ms++) {
		uint32_t r = __atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE);
		uint32_t spun = 0;

		for (uint32_t i = 0; i < TLB_THREADS; i++)
			spun +=
			    __atomic_load_n(&sh->spins[i], __ATOMIC_RELAXED) >=
			    TLB_SPIN_MIN;
		if (r == TLB_THREADS && spun == TLB_THREADS)
			return true;
		if (r < TLB_THREADS)
			rt_park(&sh->ready, r, MS);
		else
			nap_ms(1);
	}
	return false;
}

int main(void)
{
	capos_cap_t vm = rt_capset_find("vm", RT_IFACE_VIRTUAL_MEMORY);
	capos_cap_t threads =
	    rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	capos_cap_t frames = rt_capset_find("frames", RT_IFACE_FRAME_ALLOCATOR);
	capos_cap_t shared = rt_capset_find("shared", RT_IFACE_MEMORY_OBJECT);
	capos_cap_t mem = 0;
	rt_thread_t t[TLB_THREADS];
	uint64_t a = 0;
	int rc;

	if (!vm || !threads || !frames || !shared ||
	    rt_memory_map(shared, 0, 0, TLB_PAGE, RT_PROT_READ_WRITE, &a))
		return TLB_EXIT_NO_CAPS;
	sh = (struct tlb_shared *)a;
	mode = sh->mode;
	sh->stage = TLB_STAGE_START;
	a = map_page(vm, frames, &mem);
	if (!a)
		return TLB_EXIT_NO_PAGE;
	sh->page = a;
	sh->stage = TLB_STAGE_MAPPED;
	for (uint32_t i = 0; i < TLB_THREADS; i++) {
		if (rt_thread_spawn(threads, toucher, (void *)(uintptr_t)i,
		                    RT_STACK_MIN, &t[i]))
			return TLB_EXIT_NO_THREAD;
	}
	if (!all_spinning())
		return TLB_EXIT_NOT_READY;
	for (uint32_t i = 0; i < TLB_THREADS; i++)
		sh->spins_at[i] =
		    __atomic_load_n(&sh->spins[i], __ATOMIC_RELAXED);
	__atomic_store_n(&sh->stage, TLB_STAGE_CHANGING, __ATOMIC_SEQ_CST);
	rc = change(vm, mem, a);
	sh->change_rc = rc;
	if (rc)
		return TLB_EXIT_CHANGE;
	__atomic_store_n(&sh->stage, TLB_STAGE_CHANGED, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sh->changed, 1, __ATOMIC_RELEASE);
	/* A good kernel kills us while we wait here. */
	for (uint32_t ms = 0; ms < WAIT_MS; ms += 100) {
		if (__atomic_load_n(&sh->stale, __ATOMIC_ACQUIRE))
			return TLB_EXIT_STALE;
		rt_park(&sh->stale, 0, 100 * MS);
	}
	return __atomic_load_n(&sh->stale, __ATOMIC_ACQUIRE)
	           ? TLB_EXIT_STALE
	           : TLB_EXIT_NO_FAULT;
}
