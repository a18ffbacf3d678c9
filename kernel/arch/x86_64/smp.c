/*
 * smp.c - finding the processors (ACPI MADT, lib/acpi.c) and starting
 * the application processors (APs) with INIT, SIPI, SIPI.
 *
 * An AP sets itself up (GDT, TSS and IST stacks of its own, the shared
 * IDT, per-CPU data in GS, its LAPIC with the timer masked), marks itself
 * online and waits with interrupts off, touching no shared state but its
 * own slot's `state`: everything it used so far was allocated by the
 * boot CPU before the start. When the boot CPU starts the scheduler
 * (smp_release_aps), each AP takes the big kernel lock, starts its tick
 * and becomes one more CPU of the scheduler (sched_ap_start).
 *
 * Also here: the inter-processor interrupts the scheduler and the
 * address spaces need (kick, TLB shootdown, stop on panic).
 *
 * APs are started one at a time, because they share the trampoline page
 * and its data block. One that does not answer within AP_TIMEOUT_US is
 * sent INIT again, which holds it in wait-for-SIPI for good, so it can
 * never wake later on another AP's stack.
 */
#include <acpi.h>
#include <cmdline.h>
#include <string.h>
#include <kernel/arch.h>
#include <kernel/as.h>
#include <kernel/biglock.h>
#include <kernel/cpu.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <kernel/thread.h>
#include <kernel/vm.h>
#include "cpu.h"
#include "gdt.h"
#include "lapic.h"
#include "pt.h"
#include "smp.h"
#include "trap.h"

#define AP_STACK_SIZE 16384
#define INIT_WAIT_US  10000
#define SIPI_WAIT_US  200
#define AP_TIMEOUT_US 2000000 /* generous: TCG may run vCPUs slowly */
#define EFER_LME      (1u << 8)
#define MAX_CMDLINE   512

enum ap_state {
	AP_OFF = 0,
	AP_ONLINE = 1,
	AP_NO_LAPIC = 2, /* ran, but its LAPIC is not where the BSP's is */
};

/* One AP's resources, handed over before its start. */
struct ap {
	uint32_t apic_id;
	uint32_t seen_apic_id; /* what the AP itself read */
	struct cpu *cpu;
	void *tables; /* gdt_cpu_tables_size() bytes */
	void *stack;  /* AP_STACK_SIZE bytes */
	uint32_t state;
};

static struct ap aps[ACPI_MAX_CPUS];
static struct idtr_image ap_idtr;
static uint32_t cpus_online = 1;
static uint32_t aps_released; /* set once by smp_release_aps */

uint32_t smp_cpus_online(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
}

void ap_main(uint64_t index)
{
	struct ap *a = &aps[index];
	uint32_t state = AP_NO_LAPIC;

	cpu_init_ap_tables(a->tables, &ap_idtr);
	cpu_init_ap(a->cpu, (uint32_t)index, a->tables);
	a->cpu->arch_id = a->apic_id;
	if (lapic_init_ap()) {
		a->seen_apic_id = lapic_id();
		state = AP_ONLINE;
		__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&a->state, state, __ATOMIC_RELEASE);
	if (state != AP_ONLINE || a->seen_apic_id != a->apic_id)
		arch_halt_forever();
	while (!__atomic_load_n(&aps_released, __ATOMIC_ACQUIRE))
		cpu_pause();
	kernel_lock();
	lapic_timer_start();
	sched_ap_start(a->cpu);
}

void smp_release_aps(void)
{
	__atomic_store_n(&aps_released, 1, __ATOMIC_RELEASE);
}

void smp_kick(struct cpu *c)
{
	lapic_send_ipi(c->arch_id, ICR_FIXED | VEC_RESCHED);
}

/* Answers this CPU's TLB request, if one is waiting. */
static void tlb_answer(void)
{
	struct cpu *c = this_cpu();
	uint32_t req = __atomic_load_n(&c->tlb_req, __ATOMIC_ACQUIRE);

	if (req == c->tlb_done)
		return;
	if (c->active_root == c->tlb_root) {
		if (c->tlb_how == SMP_TLB_DROP)
			as_activate_kernel();
		else if (c->tlb_va == SMP_TLB_ALL)
			write_cr3(read_cr3());
		else
			invlpg(c->tlb_va);
	}
	__atomic_store_n(&c->tlb_done, req, __ATOMIC_RELEASE);
}

void arch_cpu_relax(void)
{
	cpu_pause();
	tlb_answer();
}

/* sti;hlt is atomic: a wake sent after the lock check still ends it. */
void arch_cpu_sleep(void)
{
	asm volatile("sti; hlt; cli" ::: "memory");
}

void arch_cpu_wake(uint32_t id)
{
	struct cpu *c = id < MAX_CPUS ? cpu_by_id[id] : NULL;

	if (c)
		lapic_send_ipi(c->arch_id, ICR_FIXED | VEC_WAKE);
}

static void wake_ipi(struct trap_frame *tf)
{
	(void)tf; /* its only work was to end a hlt */
}

/*
 * One request slot per CPU is enough: only the big lock's holder asks,
 * and it waits for every answer before it goes on. The set of CPUs with
 * `root` loaded cannot grow meanwhile: loading one takes the big lock.
 */
void smp_tlb_shootdown(paddr_t root, uint64_t va, unsigned how)
{
	struct cpu *self = this_cpu();
	struct cpu *asked[MAX_CPUS];
	uint32_t n = 0;
	/* Interrupts off: a nested request would reuse the slots. */
	uint64_t s = arch_irq_save();

	KASSERT(kernel_lock_held());
	for (uint32_t i = 0; i < cpu_id_limit; i++) {
		struct cpu *c = cpu_by_id[i];

		if (!c || c == self ||
		    __atomic_load_n(&c->active_root, __ATOMIC_RELAXED) != root)
			continue;
		c->tlb_root = root;
		c->tlb_va = va;
		c->tlb_how = how;
		__atomic_store_n(&c->tlb_req, c->tlb_done + 1,
		                 __ATOMIC_RELEASE);
		lapic_send_ipi(c->arch_id, ICR_FIXED | VEC_TLB);
		asked[n++] = c;
	}
	for (uint32_t i = 0; i < n; i++) {
		while (__atomic_load_n(&asked[i]->tlb_done, __ATOMIC_ACQUIRE) !=
		       asked[i]->tlb_req)
			cpu_pause();
	}
	arch_irq_restore(s);
}

static void tlb_ipi(struct trap_frame *tf)
{
	(void)tf;
	tlb_answer();
}

static void resched_ipi(struct trap_frame *tf)
{
	(void)tf;
	this_cpu()->need_resched = true;
}

static void stop_ipi(struct trap_frame *tf)
{
	(void)tf;
	arch_halt_forever();
}

void smp_stop_others(void)
{
	for (uint32_t i = 0; i < cpu_id_limit; i++) {
		struct cpu *c = cpu_by_id[i];

		if (c && c != this_cpu())
			lapic_send_ipi(c->arch_id, ICR_FIXED | VEC_STOP);
	}
}

/* Busy-waits `us` microseconds on the TSC (calibrated by the timer). */
static void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + arch_cycles_per_second() * us / 1000000;

	while (rdtsc() < end)
		cpu_pause();
}

/* Waits up to `us` for the AP to leave AP_OFF; returns its state. */
static uint32_t wait_for(struct ap *a, uint64_t us)
{
	uint64_t end = rdtsc() + arch_cycles_per_second() * us / 1000000;
	uint32_t s;

	do {
		s = __atomic_load_n(&a->state, __ATOMIC_ACQUIRE);
		if (s != AP_OFF)
			return s;
		cpu_pause();
	} while (rdtsc() < end);
	return AP_OFF;
}

/* Returns true if the page at pa lies in a region the memory map lists. */
static bool in_memory_map(const struct boot_info *bi, paddr_t pa)
{
	for (uint32_t i = 0; i < bi->nregions; i++) {
		const struct boot_region *r = &bi->regions[i];

		if (r->base <= pa && pa + PAGE_SIZE <= r->base + r->len)
			return true;
	}
	return false;
}

/*
 * The acpi_map_fn over the direct map. paging.c maps RAM and the ACPI
 * regions above it; SeaBIOS keeps its tables in a plain "reserved"
 * region past the last RAM, so pages missing from the direct map are
 * mapped read-only there, if the memory map lists them (never a hole,
 * where a device could sit).
 */
static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
	const struct boot_info *bi = ctx;
	paddr_t pa;
	unsigned flags;

	if (!len || phys + len < phys)
		return NULL;
	for (uint64_t p = PAGE_ROUND_DOWN(phys); p < phys + len;
	     p += PAGE_SIZE) {
		uint64_t va = (uint64_t)phys_to_virt(p);

		if (vm_query(va, &pa, &flags))
			continue;
		if (!in_memory_map(bi, p) ||
		    vm_map_kernel(va, p, PAGE_SIZE, VM_READ | VM_GLOBAL))
			return NULL;
	}
	return phys_to_virt(phys);
}

/* Returns true if [start, end) is available RAM clear of every module. */
static bool low_pages_free(const struct boot_info *bi, paddr_t start,
                           paddr_t end)
{
	bool in_ram = false;

	for (uint32_t i = 0; i < bi->nregions; i++) {
		const struct boot_region *r = &bi->regions[i];

		if (r->type == MB2_MEM_AVAILABLE && r->base <= start &&
		    r->base + r->len >= end)
			in_ram = true;
	}
	for (uint32_t i = 0; i < bi->nmodules; i++) {
		if (bi->modules[i].start < end && start < bi->modules[i].end)
			return false;
	}
	return in_ram;
}

/* The trampoline code and the start-up page tables in low memory. */
static struct ap_trampoline_data *install_trampoline(void)
{
	size_t code = (size_t)(ap_trampoline_end - ap_trampoline_start);
	size_t data_off = (size_t)(ap_trampoline_data - ap_trampoline_start);
	uint64_t *pml4 = phys_to_virt(AP_TRAMPOLINE_PML4);
	uint64_t *pdpt = phys_to_virt(AP_TRAMPOLINE_PDPT);
	uint64_t *pd = phys_to_virt(AP_TRAMPOLINE_PD);
	uint64_t *kpml4 = pt_kernel_pml4();
	struct ap_trampoline_data *d;

	KASSERT(code <= AP_TRAMPOLINE_PML4 - AP_TRAMPOLINE_PHYS);
	memcpy(phys_to_virt(AP_TRAMPOLINE_PHYS), ap_trampoline_start, code);
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, PAGE_SIZE);
	/* The kernel half shares the kernel's PDPTs (created once at boot
	 * and never replaced); the lower half maps 0-2 MiB 1:1, RWX. */
	for (unsigned i = 256; i < 512; i++)
		pml4[i] = kpml4[i];
	pml4[0] = AP_TRAMPOLINE_PDPT | PTE_P | PTE_W;
	pdpt[0] = AP_TRAMPOLINE_PD | PTE_P | PTE_W;
	pd[0] = 0 | PTE_P | PTE_W | PTE_PS;

	d = phys_to_virt(AP_TRAMPOLINE_PHYS + data_off);
	d->cr3 = AP_TRAMPOLINE_PML4;
	d->efer = EFER_LME | (arch_features.nx ? EFER_NXE : 0);
	d->kernel_cr3 = virt_to_phys(kpml4);
	d->entry = (uint64_t)ap_entry64;
	return d;
}

/* Everything an AP needs, allocated now: it must not allocate itself. */
static bool prepare_ap(struct ap *a, uint32_t apic_id)
{
	a->apic_id = apic_id;
	a->state = AP_OFF;
	a->cpu = kzalloc(sizeof(*a->cpu));
	a->tables = kmalloc(gdt_cpu_tables_size());
	a->stack = kmalloc(AP_STACK_SIZE);
	if (a->cpu && a->tables && a->stack && !((uint64_t)a->tables & 15) &&
	    !((uint64_t)a->stack & 15)) {
		a->cpu->id = (uint32_t)(a - aps);
		if (sched_prepare_cpu(a->cpu))
			return true;
	}
	kfree(a->cpu);
	kfree(a->tables);
	kfree(a->stack);
	a->cpu = a->tables = a->stack = NULL;
	return false;
}

/* INIT, 10 ms, SIPI, 200 us, SIPI if still silent; then waits. Returns
 * the AP's state; one still off is held in INIT. */
static uint32_t start_ap(struct ap_trampoline_data *d, uint32_t index)
{
	struct ap *a = &aps[index];
	uint32_t sipi = ICR_STARTUP | (AP_TRAMPOLINE_PHYS >> 12);
	uint32_t s;

	d->stack = (uint64_t)a->stack + AP_STACK_SIZE;
	d->cpu = index;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (lapic_send_ipi(a->apic_id,
	                   ICR_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL))
		return AP_OFF;
	udelay(INIT_WAIT_US);
	if (lapic_send_ipi(a->apic_id, sipi))
		return AP_OFF;
	udelay(SIPI_WAIT_US);
	if (__atomic_load_n(&a->state, __ATOMIC_ACQUIRE) == AP_OFF &&
	    lapic_send_ipi(a->apic_id, sipi))
		return AP_OFF;
	s = wait_for(a, AP_TIMEOUT_US);
	if (s != AP_ONLINE)
		lapic_send_ipi(a->apic_id,
		               ICR_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
	return s;
}

/* smp=off, in GRUB's command line or QEMU's fw_cfg one. */
static bool smp_disabled(const struct boot_info *bi)
{
	char fw[MAX_CMDLINE], v[8];
	size_t n;

	if (cmdline_get(bi->cmdline, "smp", v, sizeof(v)))
		return !strcmp(v, "off");
	n = arch_fw_cmdline(fw, sizeof(fw) - 1);
	fw[n] = 0;
	return cmdline_get(fw, "smp", v, sizeof(v)) && !strcmp(v, "off");
}

static int discover(const struct boot_info *bi, struct acpi_cpus *cpus)
{
	const void *rsdp = bi->rsdp;
	size_t len = bi->rsdp_len;
	uint64_t phys;

	if (!len) {
		if (acpi_rsdp_scan(acpi_map, (void *)bi, &phys) != ACPI_OK)
			return ACPI_ERR_NOT_FOUND;
		rsdp = phys_to_virt(phys);
		len = ACPI_RSDP_V2_LEN;
		if (!acpi_map((void *)bi, phys, len))
			len = ACPI_RSDP_V1_LEN;
	}
	return acpi_find_cpus(rsdp, len, acpi_map, (void *)bi, cpus);
}

void smp_start_aps(const struct boot_info *bi)
{
	static struct acpi_cpus cpus;
	struct ap_trampoline_data *d = NULL;
	uint32_t bsp = lapic_id(), enabled = 0, naps = 0, online = 0;
	bool start = !smp_disabled(bi);
	uint64_t t0 = rdtsc();
	int rc;

	rc = discover(bi, &cpus);
	if (rc != ACPI_OK) {
		kprintf("smp: ACPI: %s; the boot CPU only\n",
		        acpi_strerror(rc));
		cpus.count = 0;
	}
	if (!start)
		kprintf("smp: smp=off: application processors not started\n");
	if (start && !arch_cycles_per_second())
		panic("smp: started before the timer was calibrated");
	if (start &&
	    !low_pages_free(bi, AP_TRAMPOLINE_PHYS, AP_TRAMPOLINE_END)) {
		kprintf("smp: %#x-%#x is not free RAM; APs not started\n",
		        AP_TRAMPOLINE_PHYS, AP_TRAMPOLINE_END - 1);
		start = false;
	}
	this_cpu()->arch_id = bsp;
	trap_set_handler(VEC_RESCHED, resched_ipi);
	trap_set_handler(VEC_TLB, tlb_ipi);
	trap_set_handler(VEC_STOP, stop_ipi);
	trap_set_handler(VEC_WAKE, wake_ipi);
	sidt(&ap_idtr);
	for (uint32_t i = 0; i < cpus.count; i++) {
		const struct acpi_cpu *c = &cpus.cpu[i];
		uint32_t index, s;

		if (c->online_capable)
			continue; /* hot-plug slot: nothing there yet */
		enabled++;
		if (c->apic_id == bsp || !start)
			continue;
		index = 1 + naps++;
		if (index >= ACPI_MAX_CPUS)
			break; /* the BSP was not listed: no slot left */
		if (!prepare_ap(&aps[index], c->apic_id)) {
			kprintf("smp: cpu %u (apic %u): no memory\n", index,
			        c->apic_id);
			continue;
		}
		if (!d)
			d = install_trampoline();
		s = start_ap(d, index);
		if (s == AP_ONLINE && aps[index].seen_apic_id == c->apic_id) {
			online++;
			continue;
		}
		kprintf("smp: cpu %u (apic %u) %s\n", index, c->apic_id,
		        s == AP_ONLINE     ? "came up with another APIC id"
		        : s == AP_NO_LAPIC ? "came up but cannot use its LAPIC"
		                           : "did not come up");
		sched_unprepare_cpu(aps[index].cpu); /* it will never run */
	}
	if (!enabled)
		enabled = 1;
	if (naps)
		kprintf("smp: starting %u APs took %lu ms\n", naps,
		        (rdtsc() - t0) / (arch_cycles_per_second() / 1000));
	kprintf("smp: %u CPUs (BSP apic %u), %u application processors "
	        "online\n",
	        enabled, bsp, online);
}
