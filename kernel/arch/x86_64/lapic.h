/*
 * lapic.h - the local APIC (x86_64 only).
 */
#ifndef CAPOS_ARCH_LAPIC_H
#define CAPOS_ARCH_LAPIC_H

#include <stdint.h>

void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);

#endif
