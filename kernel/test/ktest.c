/*
 * ktest.c - runs the self-tests the boot command line selects.
 */
#include <cmdline.h>
#include <kernel/arch.h>
#include <kernel/ktest.h>
#include <kernel/printk.h>

extern const struct ktest __ktests_start[], __ktests_end[];

bool ktest_expect(struct ktest_ctx *t, bool ok, const char *what,
                  const char *file, int line)
{
	if (!ok) {
		kprintf("ktest: %s: check failed: %s (%s:%d)\n", t->name, what,
		        file, line);
		t->failures++;
	}
	return ok;
}

void ktest_run(const char *selector)
{
	int passed = 0, failed = 0, matched = 0;

	kprintf("ktest: running '%s'\n", selector);
	for (const struct ktest *k = __ktests_start; k < __ktests_end; k++) {
		struct ktest_ctx ctx = {k->name, 0};

		if (!cmdline_list_has(selector, k->name))
			continue;
		matched++;
		k->fn(&ctx);
		if (ctx.failures) {
			failed++;
			kprintf("ktest: %s ... FAIL\n", k->name);
		} else {
			passed++;
			kprintf("ktest: %s ... ok\n", k->name);
		}
	}
	if (!matched) {
		kprintf("ktest: no test matches '%s'\n", selector);
		failed++;
	}
	kprintf("%d passed, %d failed\n", passed, failed);
	arch_qemu_exit(failed ? QEMU_EXIT_FAIL : QEMU_EXIT_PASS);
	arch_halt_forever();
}
