/*
 * format.h - printf-style formatting without libc.
 *
 * Used by the kernel's printf and, later, by anything else that needs to
 * format text without a libc. Output goes through a callback one chunk at a
 * time so the caller decides where bytes land (a UART, a buffer).
 *
 * Supported: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' ' ' '+' '#',
 * field width and precision (also '*'), length modifiers hh h l ll z t j.
 * No floating point (the kernel has none). An unknown conversion (and %n)
 * is printed literally, from the '%' to the offending character.
 * Deviations from C: %s of NULL prints "(null)" (then cut by precision like
 * any string); %p prints "0x" and lowercase hex, so NULL is "0x0".
 */
#ifndef CAPOS_LIB_FORMAT_H
#define CAPOS_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Field widths and precisions above this are clamped to it, so a hostile
 * or mistaken "%*d" cannot make a conversion emit gigabytes.
 */
#define FORMAT_MAX_WIDTH 4096

typedef void (*format_sink)(void *ctx, const char *s, size_t len);

/* Returns the number of bytes produced. */
size_t format_v(format_sink sink, void *ctx, const char *fmt, va_list ap);

/*
 * snprintf semantics: writes at most size-1 bytes plus a NUL (if size > 0)
 * and returns the length the full output would have had.
 */
size_t format_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t format_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
