/*
 * smp.h - bringing up the other processors (kernel/arch/x86_64/smp.c).
 *
 * Each application processor is started, sets itself up (its own GDT,
 * TSS, per-CPU data, LAPIC), says it is online and waits; once the boot
 * CPU starts the scheduler, every AP takes the big kernel lock, starts
 * its LAPIC timer and runs threads from its own run queue. docs/smp.md.
 */
#ifndef CAPOS_KERNEL_SMP_H
#define CAPOS_KERNEL_SMP_H

#include <stdint.h>
#include <multiboot2.h>
#include <kernel/vm.h>

struct cpu;

/*
 * Finds every CPU in the ACPI MADT and starts the others, waiting a
 * bounded time for each; prints what came up. Call once on the boot CPU
 * after the LAPIC timer is calibrated, before the scheduler starts.
 * `smp=off` on the command line stops after discovery.
 */
void smp_start_aps(const struct boot_info *bi);

/* CPUs running (the boot CPU and every AP that came online). */
uint32_t smp_cpus_online(void);

/* Lets the waiting APs into the scheduler (sched_start calls it). */
void smp_release_aps(void);

/* Interrupts CPU c so it looks at its run queue (and, in user mode,
 * passes through the kernel: a killed thread dies at once). */
void smp_kick(struct cpu *c);

/*
 * TLB shootdown, called with the big kernel lock held after a user page
 * table entry of `root` changed: every other CPU that has `root` loaded
 * forgets the translation of `va` (SMP_TLB_ALL: all of them), or, with
 * SMP_TLB_DROP, switches to the kernel's tables because root is about
 * to be freed. Returns once every such CPU has done it. The caller
 * handles its own CPU.
 */
#define SMP_TLB_ALL  (~0ull)
#define SMP_TLB_PAGE 0
#define SMP_TLB_DROP 1
void smp_tlb_shootdown(paddr_t root, uint64_t va, unsigned how);

/* On panic: halts every other CPU (best effort, does not wait). */
void smp_stop_others(void);

#endif
