/*
 * printk.h - kernel console output and panic.
 */
#ifndef CAPOS_KERNEL_PRINTK_H
#define CAPOS_KERNEL_PRINTK_H

#include <stdarg.h>
#include <stdint.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* After a panic every further kprintf is dropped. */
void console_silence(void);

__attribute__((noreturn)) void panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Prints a register-free backtrace from `frame` (0: the caller), one
 * frame per line, with symbol names when the symbol module is loaded.
 */
void print_backtrace(uint64_t frame);
/* The same, first naming `pc` (where an exception hit). */
void print_trace_at(uint64_t pc, uint64_t frame);

/* What to do after a panic once it is printed: halt (default) or, in
 * tests, end QEMU with the panic status. */
void panic_set_exit_on_panic(int on);
/* Whether a fatal stop ends QEMU (tests) rather than halting. */
int panic_exits(void);
__attribute__((noreturn)) void panic_halt(void);

/* Exit codes written to QEMU's isa-debug-exit (status = code*2+1). */
#define QEMU_EXIT_PASS  0x10 /* status 33 */
#define QEMU_EXIT_FAIL  0x11 /* status 35 */
#define QEMU_EXIT_PANIC 0x12 /* status 37 */

#define KASSERT(cond)                                                          \
	do {                                                                   \
		if (!(cond))                                                   \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, \
			      __LINE__);                                       \
	} while (0)

/*
 * An invariant of a fast path (the endpoint's direct path, the direct
 * switch): checked in debug builds, which every test runs, and left out
 * of release builds, where it was a tenth of the path's checks (seL4's
 * assert does the same). Everywhere else, KASSERT.
 */
#define DASSERT(cond)                  \
	do {                           \
		if (CAPOS_DEBUG)       \
			KASSERT(cond); \
	} while (0)

#endif
