/*
 * trap.h - the saved register state of an interrupt or exception.
 */
#ifndef CAPOS_ARCH_TRAP_H
#define CAPOS_ARCH_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches isr.S");

#define VEC_PAGE_FAULT    14
#define VEC_DOUBLE_FAULT  8
#define VEC_NMI           2
#define VEC_MACHINE_CHECK 18
#define VEC_TIMER         0x20
/*
 * The LAPIC delivers an interrupt only if its class (vector >> 4) is
 * above the class of the one in service. A CPU may wait for the big lock
 * inside the timer or kick handler, so those two sit in lower classes
 * than the IPIs that must reach a waiter: TLB and wake (class 0xF).
 */
#define VEC_RESCHED  0xE0 /* IPI: look at your run queue */
#define VEC_TLB      0xF1 /* IPI: answer a TLB shootdown */
#define VEC_STOP     0xF2 /* IPI: another CPU panicked; halt */
#define VEC_WAKE     0xF3 /* IPI: a lock you sleep on is free */
#define VEC_SPURIOUS 0xFF

typedef void (*irq_handler)(struct trap_frame *tf);

void idt_init(void);
void trap_set_handler(uint8_t vector, irq_handler fn);
void trap_dispatch(struct trap_frame *tf);

#endif
