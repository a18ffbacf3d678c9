/*
 * cpu.h - per-CPU data. The architecture keeps a pointer to it where it
 * can be found in one instruction (the GS base on x86_64); the syscall
 * entry relies on the first three fields' offsets.
 */
#ifndef CAPOS_KERNEL_CPU_H
#define CAPOS_KERNEL_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread;

struct cpu {
	struct cpu *self;       /* offset 0 */
	uint64_t kernel_rsp;    /* offset 8: top of current's kernel stack */
	uint64_t user_rsp;      /* offset 16: scratch for the syscall entry */
	struct thread *current; /* offset 24 */
	struct thread *idle;
	uint32_t id;
	volatile bool need_resched;
};

_Static_assert(offsetof(struct cpu, kernel_rsp) == 8, "syscall entry");
_Static_assert(offsetof(struct cpu, user_rsp) == 16, "syscall entry");

struct cpu *this_cpu(void);
void cpu_init_this(struct cpu *c, uint32_t id);

#endif
