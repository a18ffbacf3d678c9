/*
 * printk.c - kprintf over the architecture's console, and panic().
 *
 * Formatting is lib/format.c (host-tested); this file only routes bytes.
 */
#include <format.h>
#include <kernel/arch.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <kernel/symbols.h>

static volatile int console_silenced;
static volatile int panicking;
static int exit_on_panic;

static void console_sink(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	arch_console_write(s, len);
}

void kvprintf(const char *fmt, va_list ap)
{
	if (console_silenced)
		return;
	format_v(console_sink, 0, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void console_silence(void)
{
	console_silenced = 1;
}

static void print_frame(uint64_t pc, void *ctx)
{
	const char *name;
	uint64_t offset;

	(void)ctx;
	if (symbols_lookup(pc, &name, &offset))
		kprintf("  [<%016lx>] %s+0x%lx\n", pc, name, offset);
	else
		kprintf("  [<%016lx>]\n", pc);
}

void print_backtrace(uint64_t frame)
{
	kprintf("Backtrace:\n");
	arch_backtrace(frame, print_frame, 0);
}

void print_trace_at(uint64_t pc, uint64_t frame)
{
	kprintf("Backtrace:\n");
	print_frame(pc, 0);
	arch_backtrace(frame, print_frame, 0);
}

void panic_set_exit_on_panic(int on)
{
	exit_on_panic = on;
}

int panic_exits(void)
{
	return exit_on_panic;
}

void panic_halt(void)
{
	kprintf("System halted.\n");
	console_silence();
	if (exit_on_panic)
		arch_qemu_exit(QEMU_EXIT_PANIC);
	arch_halt_forever();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	arch_irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL))
		arch_halt_forever(); /* a second panic, here or elsewhere */
	smp_stop_others();
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	print_backtrace(0);
	panic_halt();
}
