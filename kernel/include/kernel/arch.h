/*
 * arch.h - what the portable kernel asks of the architecture.
 *
 * Implemented under kernel/arch/<arch>/. Nothing here names a register.
 */
#ifndef CAPOS_KERNEL_ARCH_H
#define CAPOS_KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/irq.h>

/* Serial console. */
void arch_console_init(void);
void arch_console_write(const char *s, size_t len);
/* Returns the next received byte, or -1 if none is waiting. */
int arch_console_read_byte(void);
/* True if a byte is waiting (arch_console_read_byte would return it). */
bool arch_console_input_ready(void);

/* Descriptor tables, CPU feature enables (NX, SMEP, SMAP, WP, PGE). */
void arch_cpu_init(void);

struct arch_features {
	bool nx, smep, smap, pge, pdpe1gb, xsave, invariant_tsc;
	char vendor[13];
	char brand[49];
};
extern struct arch_features arch_features;

/* Which protections are switched on in the CPU right now. */
#define ARCH_PROT_WP   0x1 /* the kernel honours read-only pages */
#define ARCH_PROT_NX   0x2
#define ARCH_PROT_SMEP 0x4
#define ARCH_PROT_SMAP 0x8
unsigned arch_active_protections(void);

/* Interrupts: arch_irq_enable/disable/save/restore (arch/irq.h). */
void arch_wait_for_interrupt(void);
__attribute__((noreturn)) void arch_halt_forever(void);

/* Timer: calibrated LAPIC periodic tick at `hz`; TSC as the clock. */
void arch_timer_init(unsigned hz);
uint64_t arch_cycles(void);
uint64_t arch_cycles_per_second(void);
uint64_t arch_timer_ticks(void);
/* The portable kernel's tick handler, called by the arch timer interrupt. */
void kernel_tick(void);

/*
 * Calls fn(pc, ctx) for each return address on the stack, newest first,
 * starting from the caller's frame (frame = 0) or from a saved frame
 * pointer. Stops at a frame pointer outside the kernel's stacks.
 */
void arch_backtrace(uint64_t frame, void (*fn)(uint64_t pc, void *ctx),
                    void *ctx);

/* QEMU: ends the emulator with status (code << 1) | 1 when the
 * isa-debug-exit device is present; returns if it is not. */
void arch_qemu_exit(uint32_t code);

/* QEMU fw_cfg file "opt/capos/cmdline" into buf; returns its length or 0. */
size_t arch_fw_cmdline(char *buf, size_t max);

/*
 * Fault probes for self-tests: each returns 0 if the access succeeded and
 * 1 if it faulted (the fault is absorbed, nothing is printed).
 */
int arch_probe_read(const volatile void *addr);
int arch_probe_write(volatile void *addr);
int arch_probe_exec(const void *addr);

#endif
