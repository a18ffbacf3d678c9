/*
 * lapic.h - the local APIC (x86_64 only).
 */
#ifndef CAPOS_ARCH_LAPIC_H
#define CAPOS_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* ICR delivery modes and flags for lapic_send_ipi. */
#define ICR_INIT           0x00000500
#define ICR_STARTUP        0x00000600
#define ICR_LEVEL_ASSERT   0x00004000
#define ICR_LEVEL_DEASSERT 0x00000000
#define ICR_TRIGGER_LEVEL  0x00008000
#define ICR_FIXED          0x00000000 /* | vector */

void lapic_init(void);
/*
 * Sends the IPI `icr` (low ICR word) to the local APIC `apic_id`, in
 * x2APIC or xAPIC mode as the boot CPU runs. Returns 0, or -1 if the ID
 * cannot be addressed or the IPI was never accepted.
 */
int lapic_send_ipi(uint32_t apic_id, uint32_t icr);
/* On an application processor: software-enables its LAPIC with the
 * timer masked. Returns false if it cannot be reached like the BSP's. */
bool lapic_init_ap(void);
/* Starts this CPU's periodic tick at the rate the boot CPU measured. */
void lapic_timer_start(void);
void lapic_eoi(void);
uint32_t lapic_id(void);

#endif
