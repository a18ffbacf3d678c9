/*
 * manifest.c - the boot manifest: decoded and checked before anything
 * runs, then used to start the system.
 *
 * A manifest that does not decode or whose service graph is wrong stops
 * the boot with a message that names the problem: nothing half-starts.
 */
#include <manifest/manifest_decode.h>
#include <string.h>
#include <kernel/arch.h>
#include <kernel/manifest.h>
#include <kernel/mm.h>
#include <kernel/printk.h>

static struct manifest_storage storage;
static struct manifest_graph graph;
static struct manifest_plan plan;
static struct manifest_name module_names[BOOT_MAX_MODULES];

static __attribute__((noreturn)) void refuse(const char *why)
{
	kprintf("manifest: invalid: %s\n", why);
	kprintf("manifest: the system cannot start; halted.\n");
	console_silence();
	if (panic_exits())
		arch_qemu_exit(QEMU_EXIT_FAIL);
	arch_halt_forever();
}

static void print_summary(void)
{
	kprintf("manifest: schema %u, %zu binaries, init \"%.*s\" with %zu "
	        "caps, %zu services\n",
	        graph.schema_version, graph.nbinaries,
	        (int)graph.init_binary.len, graph.init_binary.str,
	        graph.ninit_caps, graph.nservices);
	for (size_t i = 0; i < plan.count; i++) {
		const struct manifest_service *s =
		    &graph.services[plan.order[i]];

		kprintf("manifest:   %zu. %.*s (binary %.*s, %zu caps, %zu "
		        "exports)\n",
		        i + 1, (int)s->name.len, s->name.str,
		        (int)s->binary.len, s->binary.str, s->ncaps,
		        s->nexports);
	}
}

const struct manifest_graph *manifest_load(const struct boot_info *bi,
                                           const struct manifest_plan **out)
{
	const struct boot_module *m = NULL;
	char msg[MANIFEST_MSG_SIZE];
	size_t nmods = 0;

	for (uint32_t i = 0; i < bi->nmodules; i++) {
		if (!strcmp(bi->modules[i].name, "manifest.bin"))
			m = &bi->modules[i];
		else
			module_names[nmods++] = (struct manifest_name){
			    bi->modules[i].name, strlen(bi->modules[i].name)};
	}
	if (!m)
		refuse("no manifest.bin boot module");
	if (manifest_decode(phys_to_virt(m->start), m->end - m->start, &storage,
	                    &graph, msg, sizeof(msg)))
		refuse(msg);
	if (manifest_graph_check(&graph, module_names, nmods, &plan, msg,
	                         sizeof(msg)))
		refuse(msg);
	print_summary();
	*out = &plan;
	return &graph;
}
