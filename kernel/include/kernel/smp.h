/*
 * smp.h - bringing up the other processors (kernel/arch/x86_64/smp.c).
 *
 * For now each application processor is started, sets itself up (its
 * own GDT, TSS, per-CPU data, LAPIC with the timer masked), says it is
 * online and parks with interrupts off; only the boot CPU runs the
 * kernel. docs/smp.md.
 */
#ifndef CAPOS_KERNEL_SMP_H
#define CAPOS_KERNEL_SMP_H

#include <stdint.h>
#include <multiboot2.h>

/*
 * Finds every CPU in the ACPI MADT and starts the others, waiting a
 * bounded time for each; prints what came up. Call once on the boot CPU
 * after the LAPIC timer is calibrated, before the scheduler starts.
 * `smp=off` on the command line stops after discovery.
 */
void smp_start_aps(const struct boot_info *bi);

/* CPUs running (the boot CPU and every AP that came online). */
uint32_t smp_cpus_online(void);

#endif
