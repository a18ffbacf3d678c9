/*
 * main.c - the kernel's entry from boot.S: bring up the machine in
 * dependency order, then run what the command line asks for.
 */
#include <capos/version.h>
#include <cmdline.h>
#include <multiboot2.h>
#include <string.h>
#include <kernel/arch.h>
#include <kernel/biglock.h>
#include <kernel/boot_modules.h>
#include <kernel/crash.h>
#include <kernel/endpoint.h>
#include <kernel/ktest.h>
#include <format.h>
#include <kernel/manifest.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
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

static const char *strchr_bounded(const char *s, char c)
{
	for (; *s; s++) {
		if (*s == c)
			return s;
	}
	return NULL;
}

/*
 * Every CPU's timer interrupt, without the big lock: the boot CPU takes
 * it only if there is shared work (console input waiting, a sleeper or
 * kernel timer due), so a tick never stalls lock-free work elsewhere.
 */
void kernel_tick(void)
{
	if (!scheduler_running)
		return;
	if (this_cpu()->id == 0 &&
	    (arch_console_input_ready() || sched_tick_due())) {
		bool taken = kernel_lock_trap_enter();

		console_poll_input();
		sched_tick();
		kernel_lock_trap_exit(taken);
	}
	sched_tick_local();
}

static const struct boot_module *find_module(const char *name)
{
	for (uint32_t i = 0; i < boot_info.nmodules; i++) {
		if (!strcmp(boot_info.modules[i].name, name))
			return &boot_info.modules[i];
	}
	return NULL;
}

/* The kernel capabilities a program can be started with, by CapSet name. */
static const struct proc_grant kernel_sources[] = {
    {"console", &console_object},
    {"timer", &timer_object},
    {"thread", &thread_control_object},
    {"frames", &frame_allocator_object},
    {"boot", &boot_package_object},
    {"spawner", &process_spawner_object},
    {"endpoints", &endpoint_factory_object},
    {"threads", &thread_spawner_object},
    {"vm", &virtual_memory_object},
    {"caps", &capability_manager_object},
};
#define NSOURCES (sizeof(kernel_sources) / sizeof(kernel_sources[0]))

/*
 * Parses "name" or "name:cap+cap" into the program name and its grants
 * (all kernel sources when no list is given). Returns the grant count.
 */
static uint32_t parse_program(const char *item, size_t len, char *name,
                              struct proc_grant *grants)
{
	size_t n = 0, i = 0;
	uint32_t ng = 0;

	while (i < len && item[i] != ':' && n + 1 < BOOT_MODNAME_MAX)
		name[n++] = item[i++];
	name[n] = 0;
	if (i == len) {
		for (uint32_t k = 0; k < NSOURCES; k++)
			grants[ng++] = kernel_sources[k];
		return ng;
	}
	while (i < len) {
		size_t start = ++i;

		while (i < len && item[i] != '+')
			i++;
		for (uint32_t k = 0; k < NSOURCES; k++) {
			if (strlen(kernel_sources[k].name) == i - start &&
			    !strncmp(kernel_sources[k].name, item + start,
			             i - start))
				grants[ng++] = kernel_sources[k];
		}
	}
	return ng;
}

/* Starts each program of the comma list `names` (see parse_program).
 * The manifest and init take this over. */
static void start_programs(const char *names)
{
	struct proc_grant grants[NSOURCES * 4];
	char name[BOOT_MODNAME_MAX];
	const char *p = names;

	while (*p) {
		const char *end = p;
		const struct boot_module *m;
		uint32_t ng;
		int err;

		while (*end && *end != ',')
			end++;
		ng = parse_program(p, (size_t)(end - p), name, grants);
		p = *end ? end + 1 : end;
		m = find_module(name);
		if (!m) {
			kprintf("[kernel] no boot module '%s'\n", name);
			continue;
		}
		if (!process_spawn(name, phys_to_virt(m->start),
		                   m->end - m->start, grants, ng, NULL, &err))
			kprintf("[kernel] cannot start %s: error %d\n", name,
			        err);
	}
}

/*
 * spawnloop=<program>:<count>: starts the program and waits for it to
 * end, count times, then checks that frames, heap and processes are back
 * where they started, prints the cost of one spawn-to-exit, and ends QEMU
 * with pass or fail.
 */
static char spawnloop_arg[BOOT_CMDLINE_MAX];

static void spawnloop_thread(void *arg)
{
	char name[BOOT_MODNAME_MAX];
	struct proc_grant grants[NSOURCES];
	const char *colon = strchr_bounded(spawnloop_arg, ':');
	uint32_t count = 0, ng = 0, failures = 0;
	uint64_t frames0 = 0, frames1, t0 = 0, cycles;
	struct heap_stats h0 = {0}, h1;
	const struct boot_module *m;

	(void)arg;
	for (const char *c = colon ? colon + 1 : ""; *c >= '0' && *c <= '9';
	     c++)
		count = count * 10 + (uint32_t)(*c - '0');
	ng = parse_program(spawnloop_arg,
	                   colon ? (size_t)(colon - spawnloop_arg)
	                         : strlen(spawnloop_arg),
	                   name, grants);
	m = find_module(name);
	if (!m || !count) {
		kprintf("spawnloop: bad argument '%s'\n", spawnloop_arg);
		arch_qemu_exit(QEMU_EXIT_FAIL);
	}
	/* Run 0 warms the caches (heap size classes keep their pages) and is
	 * not counted; the books must balance from run 1 on. */
	for (uint32_t i = 0; i <= count; i++) {
		if (i == 1) {
			frames0 = frames_free_count();
			heap_get_stats(&h0);
			t0 = arch_cycles();
		}
		int err;
		struct process *p =
		    process_spawn(name, phys_to_virt(m->start),
		                  m->end - m->start, grants, ng, NULL, &err);

		if (!p) {
			failures++;
			continue;
		}
		process_get(p);
		process_wait_dead(p);
		if (p->exit_kind != EXIT_NORMAL || p->exit_code != 0)
			failures++;
		process_put(p);
	}
	cycles = (arch_cycles() - t0) / count;
	frames1 = frames_free_count();
	heap_get_stats(&h1);
	kprintf("spawnloop: %u runs of %s, %u failed\n", count, name, failures);
	kprintf("spawnloop: frames free %lu -> %lu, heap %lu -> %lu bytes "
	        "in %lu -> %lu blocks, processes %u\n",
	        frames0, frames1, h0.bytes_in_use, h1.bytes_in_use,
	        h0.allocations, h1.allocations, process_count());
	kprintf("spawnloop: %lu cycles per spawn-to-exit\n", cycles);
	arch_qemu_exit(failures || frames0 != frames1 ||
	                       h0.bytes_in_use != h1.bytes_in_use ||
	                       process_count()
	                   ? QEMU_EXIT_FAIL
	                   : QEMU_EXIT_PASS);
	arch_halt_forever();
}

/* The kernel source a manifest names, as an object (NULL: not yet built). */
static struct kobject *kernel_source(uint16_t source)
{
	switch (source) {
	case MANIFEST_KSRC_CONSOLE:
		return &console_object;
	case MANIFEST_KSRC_TIMER:
		return &timer_object;
	case MANIFEST_KSRC_FRAME_ALLOCATOR:
		return &frame_allocator_object;
	case MANIFEST_KSRC_VIRTUAL_MEMORY:
		return &virtual_memory_object;
	case MANIFEST_KSRC_BOOT_PACKAGE:
		return &boot_package_object;
	case MANIFEST_KSRC_THREAD_CONTROL:
		return &thread_control_object;
	case MANIFEST_KSRC_PROCESS_SPAWNER:
		return &process_spawner_object;
	case MANIFEST_KSRC_ENDPOINT_FACTORY:
		return &endpoint_factory_object;
	case MANIFEST_KSRC_THREAD_SPAWNER:
		return &thread_spawner_object;
	case MANIFEST_KSRC_CAPABILITY_MANAGER:
		return &capability_manager_object;
	}
	return NULL;
}

static char grant_names[MANIFEST_MAX_GRANTS][MANIFEST_MAX_NAME + 1];

/*
 * The kernel starts init and nothing else: init with the kernel sources
 * InitConfig.caps names (one it cannot provide yet is left out, and
 * init hears of it by its absence) and the whole machine as its ledger.
 * init starts the services (user/init, docs/init.md).
 */
static void start_init(const struct manifest_graph *g)
{
	struct proc_grant grants[MANIFEST_MAX_GRANTS];
	uint64_t limits[LEDGER_COUNT];
	char bname[BOOT_MODNAME_MAX];
	const struct boot_module *m;
	struct process *p;
	uint32_t ng = 0;
	int err;

	format_snprintf(bname, sizeof(bname), "%.*s", (int)g->init_binary.len,
	                g->init_binary.str);
	for (size_t i = 0; i < g->ninit_caps; i++) {
		struct manifest_name cn = g->init_caps[i].name;
		struct kobject *o = kernel_source(g->init_caps[i].source);

		if (!o) {
			kprintf(
			    "[kernel] init: cap \"%.*s\" not available yet; "
			    "left out\n",
			    (int)cn.len, cn.str);
			continue;
		}
		format_snprintf(grant_names[ng], sizeof(grant_names[ng]),
		                "%.*s", (int)cn.len, cn.str);
		grants[ng].name = grant_names[ng];
		grants[ng].obj = o;
		ng++;
	}
	process_root_limits(limits);
	m = find_module(bname);
	p = m ? process_spawn(bname, phys_to_virt(m->start), m->end - m->start,
	                      grants, ng, limits, &err)
	      : NULL;
	if (!p)
		panic("cannot start init (%s): error %d", bname, m ? err : 0);
	p->session = 1; /* every session descends from init's */
}

/*
 * With run=, the kernel's books are printed before the first process
 * starts and again once every process is gone, so a test can see the
 * kernel heap come back to where it was (frames differ by what the
 * heap's size classes keep).
 */
static bool report_when_idle;
static struct heap_stats books_heap;
static uint64_t books_frames;

static void record_books(void)
{
	heap_get_stats(&books_heap);
	books_frames = frames_free_count();
	kprintf("[kernel] before any process: frames free %lu, heap %lu "
	        "bytes in %lu blocks\n",
	        books_frames, books_heap.bytes_in_use, books_heap.allocations);
}

void kernel_idle(void)
{
	struct endpoint_stats ep;
	struct heap_stats h;

	if (!report_when_idle || process_count() != 0)
		return;
	report_when_idle = false;
	endpoint_get_stats(&ep);
	if (ep.calls) /* the endpoint tests check where their calls went */
		kprintf("[kernel] endpoint calls: %lu (fast %lu, queued %lu, "
		        "with caps %lu, params on the heap %lu, spans walked "
		        "again %lu, direct %lu, direct replies %lu)\n",
		        ep.calls, ep.fast, ep.queued, ep.with_caps,
		        ep.heap_params, ep.spans_walked, ep.direct,
		        ep.direct_replies);
	heap_get_stats(&h);
	kprintf("[kernel] no process left: heap %lu -> %lu bytes in %lu -> "
	        "%lu blocks, frames free %lu -> %lu\n",
	        books_heap.bytes_in_use, h.bytes_in_use, books_heap.allocations,
	        h.allocations, books_frames, frames_free_count());
}

static __attribute__((noreturn)) void idle_with_ticks(void)
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
	const struct manifest_graph *manifest;
	const struct manifest_plan *plan;
	char arg[BOOT_CMDLINE_MAX];
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
	sched_early_init(); /* per-CPU data; this CPU takes the big lock */
	read_cmdline(&boot_info);
	if (cmdline_get(cmdline, "panic", arg, sizeof(arg)))
		panic_set_exit_on_panic(!strcmp(arg, "exit"));
	if (cmdline_get(cmdline, "quiet", arg, sizeof(arg)))
		process_log_exits = strcmp(arg, "exits") != 0;
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
	boot_package_init(&boot_info);
	boot_modules_init(&boot_info);
	endpoint_init(arch_cycles() ^ mbi_phys);
	heap_init();
	kprintf("frames: %lu free of %lu (%lu MiB free)\n", frames_free_count(),
	        frames_total_count(), frames_free_count() >> 8);

	arch_timer_init(TICK_HZ);
	smp_start_aps(&boot_info);
	arch_irq_enable();

	if (cmdline_get(cmdline, "crash", arg, sizeof(arg)))
		crash_run(arg);
	if (cmdline_get(cmdline, "test", arg, sizeof(arg)))
		ktest_run(arg);
	if (cmdline_get(cmdline, "spawnloop", spawnloop_arg,
	                sizeof(spawnloop_arg))) {
		struct thread *t;

		sched_init();
		t = thread_create_kernel(spawnloop_thread, NULL);
		if (!t)
			panic("spawnloop: no memory");
		sched_make_runnable(t);
		scheduler_running = true;
		sched_start();
	}
	if (cmdline_get(cmdline, "run", arg, sizeof(arg))) {
		if (!arg[0])
			idle_with_ticks(); /* run= with nothing: kernel only */
		sched_init();
		record_books();
		report_when_idle = true;
		start_programs(arg);
		scheduler_running = true;
		sched_start();
	}
	manifest = manifest_load(&boot_info, &plan);
	(void)plan; /* init makes its own from the same manifest */
	sched_init();
	start_init(manifest);
	scheduler_running = true;
	sched_start();
}
