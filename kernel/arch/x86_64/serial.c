/*
 * serial.c - the COM1 UART (16550) as the kernel console.
 *
 * Polled, 115200 8N1. The console is the system's only output until
 * userspace has a terminal, so it must work before anything else does.
 */
#include <kernel/arch.h>
#include "cpu.h"

#define COM1      0x3F8
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_THRE  0x20
#define LSR_DR    0x01

void arch_console_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + 0, 1);           /* 115200 / 1 */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0xC7); /* FIFO on, cleared, 14-byte trigger */
	outb(COM1 + UART_MCR, 0x03);
}

static void serial_put(char c)
{
	/* Bounded wait: a missing UART must not hang the kernel. */
	for (int i = 0; i < 100000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		cpu_pause();
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void arch_console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_put('\r');
		serial_put(s[i]);
	}
}

bool arch_console_input_ready(void)
{
	return inb(COM1 + UART_LSR) & LSR_DR;
}

int arch_console_read_byte(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_DATA);
}
