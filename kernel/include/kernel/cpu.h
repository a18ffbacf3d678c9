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
#include <arch/percpu.h>

struct thread;

struct cpu {
	struct cpu *self;       /* offset 0 */
	uint64_t kernel_rsp;    /* offset 8: top of current's kernel stack */
	uint64_t user_rsp;      /* offset 16: scratch for the syscall entry */
	struct thread *current; /* offset 24 */
	struct thread *idle;
	uint32_t id;      /* 0 for the boot CPU, then 1, 2, ... */
	uint32_t arch_id; /* the interrupt controller's name for it */
	volatile bool need_resched;

	/* The scheduler's (sched.c), under the big kernel lock. */
	struct thread *run_head, *run_tail; /* FIFO of RUNNABLE threads */
	uint32_t nr_queued;
	bool idling;            /* halted with nothing to run: kick to wake */
	struct thread *to_reap; /* dead, its stack still in use here */

	/* The architecture's. */
	void *arch_tss;       /* this CPU's task state segment */
	uint64_t active_root; /* page-table root loaded on this CPU */
	/* A TLB shootdown request (smp.c): written by the big lock's holder,
	 * answered by this CPU when tlb_done catches up with tlb_req. */
	uint64_t tlb_root, tlb_va;
	uint32_t tlb_how;
	uint32_t tlb_req, tlb_done;
};
_Static_assert(offsetof(struct cpu, kernel_rsp) == 8, "syscall entry");
_Static_assert(offsetof(struct cpu, user_rsp) == 16, "syscall entry");
_Static_assert(offsetof(struct cpu, current) == 24, "arch/percpu.h");
_Static_assert(offsetof(struct cpu, id) == 40, "arch/percpu.h");

static inline struct cpu *this_cpu(void)
{
	return arch_this_cpu();
}

void cpu_init_this(struct cpu *c, uint32_t id);

/* The CPUs in the scheduler, by id (sched.c); NULL where none is. */
#define MAX_CPUS 64
extern struct cpu *cpu_by_id[MAX_CPUS];
extern uint32_t cpu_id_limit; /* every id in use is below it */

#endif
