/*
 * init - the first process and the only one the kernel starts. It reads
 * the manifest through its BootPackage capability, decodes and checks the
 * service graph with the same code the kernel uses, starts every service
 * in dependency order through ProcessSpawner, and then supervises them
 * (supervise.c). It never exits. docs/init.md describes what it does.
 */
#include <stdarg.h>
#include <format.h>
#include <string.h>

#include "init.h"

#define LINE_MAX_LEN  200
#define IDLE_SLEEP_NS (3600ull * 1000 * 1000 * 1000)

capos_cap_t init_console, init_timer, init_spawner;

static uint8_t manifest[64 * 1024] __attribute__((aligned(8)));
static struct manifest_storage st;
static struct manifest_graph g;
static struct manifest_plan plan;
static struct service services[MANIFEST_MAX_SERVICES];
static const struct system sys = {&g, &plan, services};

void say(const char *fmt, ...)
{
	char line[LINE_MAX_LEN + 1];
	va_list ap;

	va_start(ap, fmt);
	format_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (init_console)
		rt_console_write_line(init_console, line);
}

const char *init_strerror(int rc)
{
	static const char *const names[] = {
	    "ok",
	    "bad SQE",
	    "bad capability",
	    "no such method",
	    "bad pointer",
	    "too large",
	    "buffer too small",
	    "over quota",
	    "peer closed",
	    "timed out",
	    "transfer refused",
	    "not allowed",
	    "ring corrupt",
	    "not supported",
	    "bad system call",
	    "bad message",
	    "interrupted",
	};

	if (rc > 0 || -rc >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown error";
	return names[-rc];
}

void idle_forever(void)
{
	for (;;) {
		/* Without a timer, cap_enter with nothing queued waits for
		 * a completion that never comes. */
		if (!init_timer || rt_timer_sleep(init_timer, IDLE_SLEEP_NS))
			capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
	}
}

/* Reads, decodes and checks the manifest; returns 0 or -1 (reported). */
static int load_manifest(void)
{
	capos_cap_t boot = capset_by_interface(CAPOS_BOOT_PACKAGE_INTERFACE_ID);
	char msg[MANIFEST_MSG_SIZE];
	long size;

	if (!boot) {
		say("init: no BootPackage capability");
		return -1;
	}
	size = manifest_read(boot, manifest, sizeof(manifest));
	if (size < 0) {
		say("init: cannot read the manifest: %s",
		    init_strerror((int)size));
		return -1;
	}
	if (manifest_decode(manifest, (size_t)size, &st, &g, msg,
	                    sizeof(msg)) ||
	    manifest_graph_check(&g, NULL, 0, &plan, msg, sizeof(msg))) {
		say("init: %s", msg);
		return -1;
	}
	say("init: manifest %ld bytes, %zu services, start order:", size,
	    g.nservices);
	for (size_t i = 0; i < plan.count; i++) {
		const struct manifest_service *s = &g.services[plan.order[i]];

		say("init:   %.*s (%.*s, %zu caps)", (int)s->name.len,
		    s->name.str, (int)s->binary.len, s->binary.str, s->ncaps);
	}
	return 0;
}

int main(void)
{
	/* Found by interface until the manifest says which name is which. */
	init_console = capset_by_interface(CAPOS_CONSOLE_INTERFACE_ID);
	if (load_manifest())
		idle_forever();
	init_timer = source_cap(&g, MANIFEST_KSRC_TIMER);
	init_spawner = source_cap(&g, MANIFEST_KSRC_PROCESS_SPAWNER);
	if (!init_spawner)
		say("init: no ProcessSpawner capability; nothing can start");
	for (size_t i = 0; i < g.nservices; i++)
		services[i].decl = &g.services[i];
	/* In plan order, so a service starts after those it imports from. */
	for (size_t i = 0; i < plan.count; i++)
		service_start(&sys, plan.order[i]);
	supervise(&sys);
}
