/*
 * main.c - the kernel's entry from boot.S: bring up the machine in
 * dependency order, then run what the command line asks for.
 */
#include <capos/version.h>
#include <cmdline.h>
#include <multiboot2.h>
#include <string.h>
#include <kernel/arch.h>
#include <kernel/crash.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/printk.h>
#include <kernel/symbols.h>
#include <kernel/vm.h>

#define TICK_HZ 100
/* boot.S maps this much with its own tables; the rest waits for vm_init. */
#define BOOT_MAPPED (4ull << 30)
#define MBI_MAX     (1u << 20)

static struct boot_info boot_info;
static char cmdline[2 * BOOT_CMDLINE_MAX];

static const char *region_type(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE:
		return "available";
	case MB2_MEM_ACPI:
		return "ACPI reclaimable";
	case MB2_MEM_NVS:
		return "ACPI NVS";
	case MB2_MEM_BAD:
		return "bad";
	default:
		return "reserved";
	}
}

static void print_memory_map(const struct boot_info *bi)
{
	uint64_t avail = 0;

	kprintf("memory map (%u regions):\n", bi->nregions);
	for (uint32_t i = 0; i < bi->nregions; i++) {
		const struct boot_region *r = &bi->regions[i];

		kprintf("  0x%012lx-0x%012lx %9lu KiB %s\n", r->base,
		        r->base + r->len - 1, r->len >> 10,
		        region_type(r->type));
		if (r->type == MB2_MEM_AVAILABLE)
			avail += r->len;
	}
	kprintf("  %lu MiB available\n", avail >> 20);
}

/* The command line baked into the ISO, then QEMU's fw_cfg one (tests). */
static void read_cmdline(const struct boot_info *bi)
{
	size_t n;

	memcpy(cmdline, bi->cmdline, strlen(bi->cmdline) + 1);
	n = strlen(cmdline);
	if (n + 1 < sizeof(cmdline)) {
		cmdline[n] = ' ';
		arch_fw_cmdline(cmdline + n + 1, sizeof(cmdline) - n - 1);
	}
	kprintf("cmdline: %s\n", cmdline);
}

static void record_modules(const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->nmodules; i++) {
		const struct boot_module *m = &bi->modules[i];

		kprintf("module: %-16s %#010lx %7lu bytes\n", m->name, m->start,
		        m->end - m->start);
		if (!strcmp(m->name, "kernel.sym"))
			symbols_init(phys_to_virt(m->start), m->end - m->start);
	}
}

static bool scheduler_running;

void kernel_tick(void)
{
	if (!scheduler_running)
		return;
	console_poll_input();
	sched_tick();
}

static const struct boot_module *find_module(const char *name)
{
	for (uint32_t i = 0; i < boot_info.nmodules; i++) {
		if (!strcmp(boot_info.modules[i].name, name))
			return &boot_info.modules[i];
	}
	return NULL;
}

/* Starts each program named in the comma list `names` with the console
 * and the timer. (The manifest takes this over with init.) */
static void start_programs(const char *names)
{
	static const char *const cap_names[] = {"console", "timer"};
	struct proc_grant grants[2] = {{cap_names[0], &console_object},
	                               {cap_names[1], &timer_object}};
	char name[BOOT_MODNAME_MAX];
	const char *p = names;

	while (*p) {
		size_t n = 0;
		const struct boot_module *m;
		int err;

		while (*p && *p != ',' && n + 1 < sizeof(name))
			name[n++] = *p++;
		name[n] = 0;
		if (*p == ',')
			p++;
		m = find_module(name);
		if (!m) {
			kprintf("[kernel] no boot module '%s'\n", name);
			continue;
		}
		if (!process_spawn(name, phys_to_virt(m->start),
		                   m->end - m->start, grants, 2, &err))
			kprintf("[kernel] cannot start %s: error %d\n", name,
			        err);
	}
}

static void idle_with_ticks(void)
{
	uint64_t next = TICK_HZ;

	kprintf("capOS: nothing to start yet; idling.\n");
	for (;;) {
		arch_wait_for_interrupt();
		if (next <= 3 * TICK_HZ && arch_timer_ticks() >= next) {
			kprintf("timer: %lu ticks (%lu s)\n",
			        arch_timer_ticks(), next / TICK_HZ);
			next += TICK_HZ;
		}
	}
}

void kmain(uint32_t magic, uint32_t mbi_phys)
{
	char arg[64];
	int rc;

	arch_console_init();
	kprintf("\ncapOS %s - a capability operating system (x86_64)\n",
	        CAPOS_VERSION);
	rc = mb2_parse(magic, phys_to_virt(mbi_phys), MBI_MAX, &boot_info);
	if (rc != MB2_OK) {
		kprintf("boot: %s; halted.\n", mb2_strerror(rc));
		arch_halt_forever();
	}
	arch_cpu_init();
	read_cmdline(&boot_info);
	if (cmdline_get(cmdline, "panic", arg, sizeof(arg)))
		panic_set_exit_on_panic(!strcmp(arg, "exit"));
	kprintf(
	    "cpu: %s, features:%s%s%s%s%s\n", arch_features.brand,
	    arch_features.nx ? " nx" : "", arch_features.smep ? " smep" : "",
	    arch_features.smap ? " smap" : "", arch_features.pge ? " pge" : "",
	    arch_features.pdpe1gb ? " 1g-pages" : "");

	print_memory_map(&boot_info);
	frames_init(&boot_info, mbi_phys, BOOT_MAPPED);
	vm_init(frames_highest_address(), &boot_info);
	frames_release_high(&boot_info, BOOT_MAPPED);
	record_modules(&boot_info);
	heap_init();
	kprintf("frames: %lu free of %lu (%lu MiB free)\n", frames_free_count(),
	        frames_total_count(), frames_free_count() >> 8);

	arch_timer_init(TICK_HZ);
	arch_irq_enable();

	if (cmdline_get(cmdline, "crash", arg, sizeof(arg)))
		crash_run(arg);
	if (cmdline_get(cmdline, "test", arg, sizeof(arg)))
		ktest_run(arg);
	if (cmdline_get(cmdline, "run", arg, sizeof(arg)) && arg[0]) {
		sched_init();
		start_programs(arg);
		scheduler_running = true;
		sched_start();
	}
	idle_with_ticks();
}
