/*
 * format.c - printf-style formatting core (see format.h).
 *
 * One pass over the format: literal text goes to the sink in runs, each
 * conversion is parsed into a struct spec and rendered as
 *   [pad][sign][prefix][zeros][body][pad]
 * with every piece sent straight to the sink, so nothing needs a buffer
 * larger than the digits of one 64-bit number.
 */
#include <stdbool.h>
#include <stdint.h>

#include "format.h"

struct out {
	format_sink sink;
	void *ctx;
	size_t total;
};

struct spec {
	bool left;  /* '-' */
	bool zero;  /* '0' */
	bool space; /* ' ' */
	bool plus;  /* '+' */
	bool alt;   /* '#' */
	bool has_prec;
	unsigned width;
	unsigned prec;
	char length; /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z', 't', 'j' */
};

static void emit(struct out *o, const char *s, size_t len)
{
	if (len == 0)
		return;
	o->sink(o->ctx, s, len);
	o->total += len;
}

/* Emits n copies of c (' ' or '0'). */
static void pad(struct out *o, char c, size_t n)
{
	static const char spaces[] = "                                ";
	static const char zeros[] = "00000000000000000000000000000000";
	const char *src = c == '0' ? zeros : spaces;

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		emit(o, src, k);
		n -= k;
	}
}

static size_t bounded_strlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* Emits a string body of len bytes padded to the field width. */
static void put_padded(struct out *o, const struct spec *sp, const char *s,
                       size_t len)
{
	size_t fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		pad(o, ' ', fill);
	emit(o, s, len);
	if (sp->left)
		pad(o, ' ', fill);
}

/* Writes v in base into the end of buf; returns the digit count (0 for 0). */
static size_t to_digits(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;

	while (v != 0) {
		*--end = digits[v % base];
		v /= base;
		n++;
	}
	return n;
}

/*
 * Renders an integer. conv is one of d u x X o p; neg says the magnitude
 * v came from a negative signed value.
 */
static void put_int(struct out *o, struct spec sp, char conv, uint64_t v,
                    bool neg)
{
	char buf[24]; /* 22 octal digits for 2^64-1 */
	unsigned base = conv == 'o'                    ? 8
	                : (conv == 'd' || conv == 'u') ? 10
	                                               : 16;
	size_t nd = to_digits(buf + sizeof(buf), v, base, conv == 'X');
	const char *prefix = "";
	char sign = 0;
	size_t prec = sp.has_prec ? sp.prec : 1;

	if (conv == 'd')
		sign = neg ? '-' : sp.plus ? '+' : sp.space ? ' ' : 0;
	if (conv == 'p')
		prefix = "0x";
	else if (sp.alt && v != 0 && conv == 'x')
		prefix = "0x";
	else if (sp.alt && v != 0 && conv == 'X')
		prefix = "0X";
	/* '#' with %o: the first digit printed must be a 0. */
	if (conv == 'o' && sp.alt && prec <= nd)
		prec = nd + 1;

	size_t zeros = prec > nd ? prec - nd : 0;
	size_t len = (sign ? 1 : 0) + bounded_strlen(prefix, 2) + zeros + nd;
	size_t fill = sp.width > len ? sp.width - len : 0;

	if (sp.zero && !sp.left && !sp.has_prec) {
		zeros += fill;
		fill = 0;
	}
	if (!sp.left)
		pad(o, ' ', fill);
	if (sign)
		emit(o, &sign, 1);
	emit(o, prefix, bounded_strlen(prefix, 2));
	pad(o, '0', zeros);
	emit(o, buf + sizeof(buf) - nd, nd);
	if (sp.left)
		pad(o, ' ', fill);
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
	case 't':
		/* size_t and ptrdiff_t have the same size on every target. */
		return va_arg(*ap, ptrdiff_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
	case 't':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* Parses decimal digits at *p, clamping the value to FORMAT_MAX_WIDTH. */
static unsigned parse_num(const char **p)
{
	unsigned n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n <= FORMAT_MAX_WIDTH)
			n = n * 10 + (unsigned)(**p - '0');
		(*p)++;
	}
	return n > FORMAT_MAX_WIDTH ? FORMAT_MAX_WIDTH : n;
}

static void parse_flags(const char **p, struct spec *sp)
{
	for (;; (*p)++) {
		switch (**p) {
		case '-':
			sp->left = true;
			break;
		case '0':
			sp->zero = true;
			break;
		case ' ':
			sp->space = true;
			break;
		case '+':
			sp->plus = true;
			break;
		case '#':
			sp->alt = true;
			break;
		default:
			return;
		}
	}
}

/* A '*' width: negative means '-' flag; computed unsigned, no overflow. */
static void star_width(struct spec *sp, int w)
{
	unsigned mag = w < 0 ? 0u - (unsigned)w : (unsigned)w;

	if (w < 0)
		sp->left = true;
	sp->width = mag > FORMAT_MAX_WIDTH ? FORMAT_MAX_WIDTH : mag;
}

static void parse_length(const char **p, struct spec *sp)
{
	char c = **p;

	if (c == 'h' || c == 'l') {
		(*p)++;
		sp->length = c;
		if (**p == c) {
			(*p)++;
			sp->length = c == 'h' ? 'H' : 'L';
		}
	} else if (c == 'z' || c == 't' || c == 'j') {
		(*p)++;
		sp->length = c;
	}
}

/*
 * Parses the conversion after a '%' at *p (pointing past the '%') and
 * renders it, consuming arguments. Returns false if the conversion is
 * unknown, leaving *p on the offending character (or the NUL).
 */
static bool convert(struct out *o, const char **p, va_list *ap)
{
	struct spec sp = {0};

	parse_flags(p, &sp);
	if (**p == '*') {
		(*p)++;
		star_width(&sp, va_arg(*ap, int));
	} else {
		sp.width = parse_num(p);
	}
	if (**p == '.') {
		(*p)++;
		sp.has_prec = true;
		if (**p == '*') {
			int pr = va_arg(*ap, int);

			(*p)++;
			/* A negative precision is taken as if omitted. */
			sp.has_prec = pr >= 0;
			sp.prec = pr > FORMAT_MAX_WIDTH
			              ? FORMAT_MAX_WIDTH
			              : (unsigned)(pr < 0 ? 0 : pr);
		} else {
			sp.prec = parse_num(p);
		}
	}
	parse_length(p, &sp);

	switch (**p) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(&sp, ap);
		uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

		put_int(o, sp, 'd', mag, v < 0);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		put_int(o, sp, **p, arg_unsigned(&sp, ap), false);
		break;
	case 'p':
		put_int(o, sp, 'p', (uintptr_t)va_arg(*ap, void *), false);
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (s == NULL)
			s = "(null)";
		put_padded(o, &sp, s,
		           bounded_strlen(s, sp.has_prec ? sp.prec : SIZE_MAX));
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		put_padded(o, &sp, &c, 1);
		break;
	}
	case '%':
		emit(o, "%", 1);
		break;
	default:
		return false;
	}
	(*p)++;
	return true;
}

size_t format_v(format_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = {sink, ctx, 0};
	const char *p = fmt;
	va_list aq;

	/* A copy, so helpers can take its address portably. */
	va_copy(aq, ap);
	while (*p != '\0') {
		const char *start = p;

		while (*p != '\0' && *p != '%')
			p++;
		emit(&o, start, (size_t)(p - start));
		if (*p == '\0')
			break;
		start = p++;
		if (!convert(&o, &p, &aq)) {
			/* Print "%<flags...><bad char>" as it stood. */
			if (*p != '\0')
				p++;
			emit(&o, start, (size_t)(p - start));
		}
	}
	va_end(aq);
	return o.total;
}

struct buf_ctx {
	char *buf;
	size_t size; /* capacity including the NUL; 0 = write nothing */
	size_t used; /* bytes stored, always < size when size > 0 */
};

static void buf_sink(void *ctx, const char *s, size_t len)
{
	struct buf_ctx *b = ctx;
	size_t room;

	if (b->size == 0)
		return;
	room = b->size - 1 - b->used;
	if (len > room)
		len = room;
	for (size_t i = 0; i < len; i++)
		b->buf[b->used + i] = s[i];
	b->used += len;
}

size_t format_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_ctx b = {buf, size, 0};
	size_t n = format_v(buf_sink, &b, fmt, ap);

	if (size > 0)
		buf[b.used] = '\0';
	return n;
}

size_t format_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
