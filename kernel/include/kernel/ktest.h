/*
 * ktest.h - in-kernel self-tests, selected at boot with test=<names|all>.
 *
 * A test is a function registered with KTEST(name); the linker gathers
 * them into the .ktests section. Each check that fails prints its file and
 * line and marks the test failed; the run ends with "N passed, N failed"
 * and, under QEMU, exits with the pass or fail status.
 */
#ifndef CAPOS_KERNEL_KTEST_H
#define CAPOS_KERNEL_KTEST_H

#include <stdbool.h>

struct ktest_ctx {
	const char *name;
	int failures;
};

struct ktest {
	const char *name;
	void (*fn)(struct ktest_ctx *t);
};

#define KTEST(tname)                                                  \
	static void ktest_fn_##tname(struct ktest_ctx *t);            \
	static const struct ktest ktest_##tname                       \
	    __attribute__((section(".ktests"), used, aligned(8))) = { \
	        #tname, ktest_fn_##tname};                            \
	static void ktest_fn_##tname(struct ktest_ctx *t)

#define KEXPECT(cond) ktest_expect(t, (cond), #cond, __FILE__, __LINE__)

bool ktest_expect(struct ktest_ctx *t, bool ok, const char *what,
                  const char *file, int line);

/* Runs every test named in `selector` (comma list or "all"), prints the
 * summary, and ends QEMU. Does not return. */
__attribute__((noreturn)) void ktest_run(const char *selector);

#endif
