/*
 * arch/thread.h - the per-thread state the x86_64 code keeps, embedded in
 * struct thread (kernel/include/kernel/thread.h).
 */
#ifndef CAPOS_ARCH_THREAD_H
#define CAPOS_ARCH_THREAD_H

#include <stdint.h>

struct arch_thread {
	uint64_t rsp;     /* kernel stack pointer while switched out */
	uint64_t fs_base; /* user TLS base */
	/* FXSAVE image: x87, MMX, SSE state. User code (and libc) uses SSE. */
	uint8_t fpu[512] __attribute__((aligned(16)));
};

#endif
