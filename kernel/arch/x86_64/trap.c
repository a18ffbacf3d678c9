/*
 * trap.c - the IDT, exception reports, and interrupt dispatch.
 *
 * An exception in the kernel is a kernel bug: print everything that helps
 * find it (registers, control registers, the faulting address, a
 * backtrace) and halt. An exception from user mode ends the process.
 *
 * Every way in takes the big kernel lock unless this CPU holds it already
 * (kernel code was interrupted); the TLB and stop IPIs take no lock, so a
 * CPU that spins for the lock, or holds it, can always be answered.
 */
#include <kernel/arch.h>
#include <kernel/biglock.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/thread.h>
#include "cpu.h"
#include "gdt.h"
#include "lapic.h"
#include "trap.h"

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t zero;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT gate is 16 bytes");

extern const uint64_t isr_stub_table[256];
extern volatile uint8_t probe_armed;
extern const char uaccess_copy_insn[], uaccess_copy_tail_insn[],
    uaccess_fixup[];
extern uint64_t probe_rsp, probe_resume;

static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler handlers[256];

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

static const char *fault_name(uint64_t v)
{
	return v < 32 ? exception_names[v] : "interrupt";
}

static void set_gate(int vec, uint64_t addr, uint8_t ist)
{
	idt[vec] = (struct idt_entry){
	    .offset_lo = addr & 0xFFFF,
	    .selector = GDT_KCODE,
	    .ist = ist,
	    .type_attr = 0x8E, /* present, DPL0, 64-bit interrupt gate */
	    .offset_mid = (addr >> 16) & 0xFFFF,
	    .offset_hi = addr >> 32,
	};
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};

	for (int v = 0; v < 256; v++)
		set_gate(v, isr_stub_table[v], 0);
	idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
	idt[VEC_NMI].ist = IST_NMI;
	idt[VEC_MACHINE_CHECK].ist = IST_MACHINE_CHECK;
	asm volatile("lidt %0" : : "m"(idtr));
}

void trap_set_handler(uint8_t vector, irq_handler fn)
{
	handlers[vector] = fn;
}

static void print_page_fault(const struct trap_frame *tf)
{
	uint64_t e = tf->error;

	kprintf("  fault address %#018lx: %s %s, %s mode%s%s\n", read_cr2(),
	        (e & 1) ? "protection violation on" : "not-present page on",
	        (e & 16)  ? "instruction fetch"
	        : (e & 2) ? "write"
	                  : "read",
	        (e & 4) ? "user" : "kernel",
	        (e & 8) ? ", reserved bit set" : "",
	        (e & 32) ? ", protection key" : "");
}

static void dump_frame(const struct trap_frame *tf)
{
	const char *name = tf->vector < 32 ? exception_names[tf->vector]
	                                   : "unexpected interrupt";

	kprintf("\nEXCEPTION: %s (vector %lu, error %#lx) in %s mode\n", name,
	        tf->vector, tf->error, (tf->cs & 3) ? "user" : "kernel");
	if (tf->vector == VEC_PAGE_FAULT)
		print_page_fault(tf);
	kprintf("  RIP %016lx  CS  %04lx  RFLAGS %016lx\n", tf->rip, tf->cs,
	        tf->rflags);
	kprintf("  RSP %016lx  SS  %04lx\n", tf->rsp, tf->ss);
	kprintf("  RAX %016lx  RBX %016lx  RCX %016lx\n", tf->rax, tf->rbx,
	        tf->rcx);
	kprintf("  RDX %016lx  RSI %016lx  RDI %016lx\n", tf->rdx, tf->rsi,
	        tf->rdi);
	kprintf("  RBP %016lx  R8  %016lx  R9  %016lx\n", tf->rbp, tf->r8,
	        tf->r9);
	kprintf("  R10 %016lx  R11 %016lx  R12 %016lx\n", tf->r10, tf->r11,
	        tf->r12);
	kprintf("  R13 %016lx  R14 %016lx  R15 %016lx\n", tf->r13, tf->r14,
	        tf->r15);
	kprintf("  CR0 %016lx  CR2 %016lx  CR3 %016lx  CR4 %016lx\n",
	        read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static __attribute__((noreturn)) void fatal_exception(struct trap_frame *tf)
{
	arch_irq_disable();
	smp_stop_others();
	dump_frame(tf);
	print_trace_at(tf->rip, tf->rbp);
	panic_halt();
}

static void dispatch(struct trap_frame *tf);

/*
 * What is handled without the big lock: kernel-mode exceptions (a probe,
 * or a user copy's fault, which only moves the copy to its failure exit
 * and so needs no lock whether or not the copy held it; or fatal: a
 * report needs no lock); the TLB, stop and wake IPIs (the lock's holder
 * or a waiter must be able to answer them); a kick that interrupted
 * kernel code (that code, or the idle loop, looks at the queue itself).
 * Everything else takes the lock unless the interrupted code holds it.
 */
static bool lock_free(const struct trap_frame *tf)
{
	uint64_t v = tf->vector;
	bool user = tf->cs & 3;

	return (v < 32 && !user) || v == VEC_TLB || v == VEC_STOP ||
	       v == VEC_WAKE || v == VEC_RESCHED || v == VEC_TIMER;
}

void trap_dispatch(struct trap_frame *tf)
{
	/* Whether the interrupted code held the lock. Anything taken since
	 * goes back on the way out (to user mode, after a switch: the lock
	 * belongs to the CPU and came along). */
	bool held = kernel_lock_held();

	if (!lock_free(tf)) {
		if (!held)
			kernel_lock();
		dispatch(tf);
	} else if (tf->vector < 32) {
		dispatch(tf);
		return;
	} else {
		handlers[tf->vector](tf);
		lapic_eoi();
		if (tf->cs & 3)
			sched_return_to_user(); /* takes the lock if it must */
	}
	if (!held && kernel_lock_held())
		kernel_unlock();
}

static void dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	if (v < 32) {
		/* A self-test probe expected this fault: resume after it. */
		if (probe_armed && (v == VEC_PAGE_FAULT || v == 13)) {
			probe_armed = 0;
			tf->rip = probe_resume;
			tf->rsp = probe_rsp;
			return;
		}
		/* A user copy hit an unmapped page: fail the copy, not the
		 * kernel. */
		if (v == VEC_PAGE_FAULT &&
		    (tf->rip == (uint64_t)uaccess_copy_insn ||
		     tf->rip == (uint64_t)uaccess_copy_tail_insn)) {
			tf->rip = (uint64_t)uaccess_fixup;
			return;
		}
		if (tf->cs & 3) {
			process_fault(fault_name(v), (uint8_t)v, tf->error,
			              v == VEC_PAGE_FAULT ? read_cr2() : 0,
			              tf->rip);
			sched_return_to_user();
			return;
		}
		fatal_exception(tf);
	}
	if (v == VEC_SPURIOUS)
		return;
	if (handlers[v]) {
		handlers[v](tf);
		lapic_eoi();
	} else {
		kprintf("trap: unexpected interrupt vector %lu\n", v);
		lapic_eoi();
	}
	if (tf->cs & 3)
		sched_return_to_user();
}
