/*
 * lapic.c - local APIC, its timer, and the legacy PIC (masked).
 *
 * The LAPIC timer's rate is not architectural, so it is measured against
 * the PIT (a fixed 1.193182 MHz) over a 10 ms window; the TSC is measured
 * over the same window to give the kernel its clock. Under TCG both
 * follow QEMU's virtual clock, so the numbers are consistent if not real.
 */
#include <kernel/arch.h>
#include <kernel/cpu.h>
#include <kernel/printk.h>
#include <kernel/vm.h>
#include "cpu.h"
#include "lapic.h"
#include "trap.h"

#define LAPIC_ID         0x020
#define LAPIC_EOI        0x0B0
#define LAPIC_SVR        0x0F0
#define LAPIC_ICR_LO     0x300
#define LAPIC_ICR_HI     0x310
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3E0
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)
#define ICR_PENDING      (1u << 12)
#define APIC_BASE_EXTD   (1u << 10) /* x2APIC mode */
#define APIC_BASE_ENABLE (1u << 11)
#define MSR_X2APIC_ICR   0x830
#define IPI_WAIT_LOOPS   1000000

#define PIT_HZ       1193182
#define CALIBRATE_MS 10

static volatile uint32_t *lapic;
static uint64_t tsc_hz;
static uint32_t lapic_ticks_per_ms;
static volatile uint64_t ticks;
static uint32_t timer_count; /* initial count for the tick rate */

static uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
	(void)lapic[LAPIC_ID / 4]; /* posted-write flush */
}

void lapic_eoi(void)
{
	if (lapic)
		lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
}

/* Remap the 8259s away from the exception vectors, then mask every line:
 * a stray legacy IRQ must never look like a CPU exception. */
static void pic_disable(void)
{
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, 0xE0);
	outb(0xA1, 0xE8);
	outb(0x21, 4);
	outb(0xA1, 2);
	outb(0x21, 1);
	outb(0xA1, 1);
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
}

void lapic_init(void)
{
	paddr_t base = rdmsr(MSR_APIC_BASE) & 0xFFFFFF000ull;

	pic_disable();
	lapic = vm_map_mmio(base, PAGE_SIZE);
	if (!lapic)
		panic("lapic: cannot map registers at %#lx", base);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
}

int lapic_send_ipi(uint32_t apic_id, uint32_t icr)
{
	uint64_t s;
	int rc = -1;

	if (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) {
		/* x2APIC: one MSR write, no delivery status to wait on. */
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | icr);
		return 0;
	}
	if (!lapic || apic_id > 0xFF)
		return -1;
	/* An interrupt between the two writes could send an IPI of its own
	 * and leave its destination in ICR_HI for ours. */
	s = arch_irq_save();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr);
	for (int i = 0; i < IPI_WAIT_LOOPS; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING)) {
			rc = 0;
			break;
		}
		cpu_pause();
	}
	arch_irq_restore(s);
	return rc;
}

bool lapic_init_ap(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* The registers are reached through the boot CPU's mapping, which
	 * only works if this CPU's APIC sits at the same address. */
	if (!lapic || (base & APIC_BASE_EXTD) ||
	    (base & 0xFFFFFF000ull) != virt_to_phys((const void *)lapic))
		return false;
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
	return true;
}

/* Runs the PIT's channel 2 one-shot for CALIBRATE_MS and returns how far
 * the LAPIC timer counted down and the TSC counted up meanwhile. */
static void calibrate(uint32_t *lapic_counts, uint64_t *tsc_counts)
{
	uint16_t pit = PIT_HZ * CALIBRATE_MS / 1000;
	uint64_t t0;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xB0);                       /* ch2, lo/hi, mode 0 */
	outb(0x42, pit & 0xFF);
	outb(0x42, pit >> 8);
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	/* Restart the count by toggling the gate, then time the window. */
	outb(0x61, inb(0x61) & ~0x01);
	outb(0x61, inb(0x61) | 0x01);
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		cpu_pause();
	*tsc_counts = rdtsc() - t0;
	*lapic_counts = 0xFFFFFFFF - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

static void timer_tick(struct trap_frame *tf)
{
	(void)tf;
	if (this_cpu()->id == 0) /* one CPU counts the ticks of the clock */
		ticks++;
	kernel_tick();
}

void arch_timer_init(unsigned hz)
{
	uint32_t counts;
	uint64_t tsc;

	lapic_init();
	calibrate(&counts, &tsc);
	lapic_ticks_per_ms = counts / CALIBRATE_MS;
	tsc_hz = tsc * (1000 / CALIBRATE_MS);
	if (!lapic_ticks_per_ms)
		panic("lapic: timer did not count during calibration");
	trap_set_handler(VEC_TIMER, timer_tick);
	timer_count = lapic_ticks_per_ms * 1000 / hz;
	lapic_timer_start();
	kprintf("timer: LAPIC %u kHz (/16), TSC %lu MHz, tick %u Hz\n",
	        lapic_ticks_per_ms, tsc_hz / 1000000, hz);
}

void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, timer_count);
}

uint64_t arch_cycles_per_second(void)
{
	return tsc_hz;
}

uint64_t arch_timer_ticks(void)
{
	return ticks;
}
