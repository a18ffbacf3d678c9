/*
 * test_format.c - unit tests for lib/format.c. Where C defines the output,
 * results are compared byte for byte with the host libc's vsnprintf over
 * generated tables of formats and values; the deliberate deviations (%p,
 * NULL %s, clamping, unknown conversions) are tested against fixed strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>

#include "format.h"

#define BUF 512

static int mismatches;

/*
 * Formats with both implementations and records a mismatch (printing it)
 * rather than failing at once, so one run shows every broken case.
 */
static void vcompare(int line, const char *fmt, va_list ap)
{
	char want[BUF], got[BUF];
	va_list aq;
	int n;
	size_t m;

	memset(want, 'W', sizeof(want));
	memset(got, 'G', sizeof(got));
	va_copy(aq, ap);
	n = vsnprintf(want, sizeof(want), fmt, ap);
	m = format_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	assert_true(n >= 0 && n < BUF);
	if (m != (size_t)n || memcmp(want, got, (size_t)n + 1) != 0) {
		if (mismatches < 20) /* enough to diagnose, not a flood */
			print_message(
			    "line %d: fmt \"%s\": libc %d \"%s\", got %zu "
			    "\"%.*s\"\n",
			    line, fmt, n, want, m, (int)(m < BUF ? m : 0), got);
		mismatches++;
	}
}

static void compare(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcompare(line, fmt, ap);
	va_end(ap);
}

/* Same as compare() but lets the compiler check literal formats. */
__attribute__((format(printf, 2, 3))) static void
compare_checked(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcompare(line, fmt, ap);
	va_end(ap);
}

#define SAME(...) compare_checked(__LINE__, __VA_ARGS__)

/* format_vsnprintf without the format attribute, for deliberate misuse. */
static size_t fmt_raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static int reset(void **state)
{
	(void)state;
	mismatches = 0;
	return 0;
}

static const int64_t values[] = {
    0,
    1,
    -1,
    7,
    -7,
    42,
    127,
    128,
    255,
    256,
    -128,
    -129,
    32767,
    -32768,
    65535,
    65536,
    INT32_MAX,
    INT32_MIN,
    (int64_t)UINT32_MAX,
    (int64_t)1 << 32,
    INT64_MAX,
    INT64_MIN,
    (int64_t)UINT64_MAX,
    0x123456789abcdefll,
};

/* Passes v with the type the length modifier and conversion expect. */
static void compare_int(const char *fmt, const char *len, char conv, int64_t v)
{
	bool sgn = conv == 'd' || conv == 'i';
	uint64_t u = (uint64_t)v;

	if (!strcmp(len, "l"))
		sgn ? compare(__LINE__, fmt, (long)v)
		    : compare(__LINE__, fmt, (unsigned long)u);
	else if (!strcmp(len, "ll"))
		sgn ? compare(__LINE__, fmt, (long long)v)
		    : compare(__LINE__, fmt, (unsigned long long)u);
	else if (!strcmp(len, "z"))
		sgn ? compare(__LINE__, fmt, (ssize_t)v)
		    : compare(__LINE__, fmt, (size_t)u);
	else if (!strcmp(len, "t"))
		sgn ? compare(__LINE__, fmt, (ptrdiff_t)v)
		    : compare(__LINE__, fmt, (size_t)u);
	else if (!strcmp(len, "j"))
		sgn ? compare(__LINE__, fmt, (intmax_t)v)
		    : compare(__LINE__, fmt, (uintmax_t)u);
	else
		/* hh, h and none all take an int (truncation is the point). */
		sgn ? compare(__LINE__, fmt, (int)v)
		    : compare(__LINE__, fmt, (unsigned)u);
}

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

/* Compares "<%" spec length conv ">" for every length, conversion, value. */
static long compare_spec(const char *spec)
{
	static const char *lens[] = {"hh", "h", "", "l", "ll", "z", "t", "j"};
	static const char convs[] = "diuxXo";
	char fmt[32];
	long n = 0;

	for (size_t l = 0; l < COUNT(lens); l++) {
		for (size_t c = 0; c < sizeof(convs) - 1; c++) {
			snprintf(fmt, sizeof(fmt), "<%%%s%s%c>", spec, lens[l],
			         convs[c]);
			for (size_t v = 0; v < COUNT(values); v++)
				compare_int(fmt, lens[l], convs[c], values[v]);
			n += COUNT(values);
		}
	}
	return n;
}

/* Every flag set x width x precision x length x conversion x value. */
static void test_integers_match_libc(void **state)
{
	(void)state;
	static const char *flags[] = {"",   "-",  "0",  " ",   "+",  "#",
	                              "-+", "0#", "+ ", "-0#", "0+", "0 "};
	static const char *widths[] = {"", "1", "5", "25"};
	static const char *precs[] = {"", ".", ".0", ".1", ".5", ".30"};
	char spec[16];
	long n = 0;

	for (size_t f = 0; f < COUNT(flags); f++) {
		for (size_t w = 0; w < COUNT(widths); w++) {
			for (size_t p = 0; p < COUNT(precs); p++) {
				snprintf(spec, sizeof(spec), "%s%s%s", flags[f],
				         widths[w], precs[p]);
				n += compare_spec(spec);
			}
		}
	}
	print_message("%ld integer formats compared\n", n);
	assert_int_equal(mismatches, 0);
}

static void test_star_width_and_precision_match_libc(void **state)
{
	(void)state;
	static const int stars[] = {-30, -5, -1, 0, 1, 3, 12};

	for (size_t i = 0; i < sizeof(stars) / sizeof(*stars); i++) {
		for (size_t j = 0; j < sizeof(stars) / sizeof(*stars); j++) {
			SAME("[%*.*d]", stars[i], stars[j], -42);
			compare(__LINE__, "[%0*.*x]", stars[i], stars[j],
			        0xbeefu);
			SAME("[%-*.*s]", stars[i], stars[j], "hello");
		}
		SAME("[%*d]", stars[i], 17);
		SAME("[%-*u]", stars[i], 17u);
		SAME("[%0*d]", stars[i], -17);
		SAME("[%.*d]", stars[i], 0);
	}
	assert_int_equal(mismatches, 0);
}

static void test_strings_match_libc(void **state)
{
	(void)state;
	static const char *strs[] = {"", "a", "hello", "hello, world"};

	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		SAME("[%s]", strs[i]);
		SAME("[%10s]", strs[i]);
		SAME("[%-10s]", strs[i]);
		SAME("[%.0s]", strs[i]);
		SAME("[%.3s]", strs[i]);
		SAME("[%8.3s]", strs[i]);
		SAME("[%-8.3s]", strs[i]);
		SAME("[%.40s]", strs[i]);
		SAME("[%2s]", strs[i]);
	}
	SAME("%s and %s", "this", "that");
	assert_int_equal(mismatches, 0);
}

static void test_string_precision_does_not_read_past_it(void **state)
{
	(void)state;
	char abc[3] = {'a', 'b', 'c'}; /* no NUL: ASan flags an over-read */
	char buf[16];

	assert_int_equal(format_snprintf(buf, sizeof(buf), "%.3s|", abc), 4);
	assert_string_equal(buf, "abc|");
	assert_int_equal(format_snprintf(buf, sizeof(buf), "%.2s", abc), 2);
	assert_string_equal(buf, "ab");
}

static void test_chars_and_percent_match_libc(void **state)
{
	(void)state;

	SAME("[%c]", 'x');
	SAME("[%5c]", 'x');
	SAME("[%-5c]", 'x');
	SAME("[%c%c%c]", 'a', 'b', 'c');
	SAME("[%c]", 0x141); /* converted to unsigned char */
	SAME("[%%]");
	SAME("100%% of %d%%", 5);
	SAME("%%%d%%", 1);
	SAME("plain text, no conversions");
	SAME("%s", "");
	assert_int_equal(mismatches, 0);
}

static void test_char_nul_is_output(void **state)
{
	(void)state;
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(format_snprintf(buf, sizeof(buf), "a%cb", '\0'), 3);
	assert_memory_equal(buf, "a\0b\0", 4);
}

static void test_pointer_non_null_matches_libc(void **state)
{
	(void)state;
	int x;

	SAME("%p", (void *)&x);
	SAME("[%20p]", (void *)&x);
	SAME("[%-20p]", (void *)&x);
	SAME("%p", (void *)1);
	SAME("%p", (void *)UINTPTR_MAX);
	assert_int_equal(mismatches, 0);
}

static void test_pointer_null_prints_0x0(void **state)
{
	(void)state;
	char buf[16];

	assert_int_equal(format_snprintf(buf, sizeof(buf), "%p", NULL), 3);
	assert_string_equal(buf, "0x0");
	assert_int_equal(format_snprintf(buf, sizeof(buf), "[%5p]", NULL), 7);
	assert_string_equal(buf, "[  0x0]");
	assert_int_equal(format_snprintf(buf, sizeof(buf), "[%-5p]", NULL), 7);
	assert_string_equal(buf, "[0x0  ]");
}

static void test_null_string_prints_null(void **state)
{
	(void)state;
	char buf[32];
	const char *null = NULL;

	assert_int_equal(fmt_raw(buf, sizeof(buf), "%s", null), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "[%8s]", null), 10);
	assert_string_equal(buf, "[  (null)]");
	/* Precision cuts it like any other string. */
	assert_int_equal(fmt_raw(buf, sizeof(buf), "[%.3s]", null), 5);
	assert_string_equal(buf, "[(nu]");
}

static void test_truncation_matches_libc_at_every_size(void **state)
{
	(void)state;
	const char *fmt = "%s=%08x (%-6d)";

	for (size_t size = 0; size < 32; size++) {
		char want[32], got[32];

		memset(want, '#', sizeof(want));
		memset(got, '#', sizeof(got));
		int n = snprintf(want, size, fmt, "key", 0xabcu, -12);
		size_t m = format_snprintf(got, size, fmt, "key", 0xabcu, -12);

		assert_int_equal(m, (size_t)n);
		assert_int_equal(n, 21);
		/* Same bytes written, same bytes left alone. */
		assert_memory_equal(got, want, sizeof(want));
	}
}

static void test_size_zero_writes_nothing(void **state)
{
	(void)state;
	char buf[4] = {'z', 'z', 'z', 'z'};

	assert_int_equal(format_snprintf(buf, 0, "%d", 12345), 5);
	assert_memory_equal(buf, "zzzz", 4);
	assert_int_equal(format_snprintf(NULL, 0, "%s", "hello"), 5);
}

static void test_size_one_writes_only_nul(void **state)
{
	(void)state;
	char buf[4] = {'z', 'z', 'z', 'z'};

	assert_int_equal(format_snprintf(buf, 1, "%d", 12345), 5);
	assert_memory_equal(buf, "\0zzz", 4);
}

struct collect {
	char buf[BUF];
	size_t len;
	int calls;
};

static void collect_sink(void *ctx, const char *s, size_t len)
{
	struct collect *c = ctx;

	assert_true(len > 0);
	assert_true(c->len + len <= sizeof(c->buf));
	memcpy(c->buf + c->len, s, len);
	c->len += len;
	c->calls++;
}

static size_t via_sink(struct collect *c, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_v(collect_sink, c, fmt, ap);
	va_end(ap);
	return n;
}

static void test_format_v_sends_all_bytes_to_sink(void **state)
{
	(void)state;
	struct collect c = {.len = 0};
	size_t n = via_sink(&c, "a%5db%-40sc%%", 42, "x");

	assert_int_equal(n, 49);
	assert_int_equal(c.len, 49);
	assert_memory_equal(c.buf, "a   42bx", 8);
	assert_memory_equal(c.buf + 47, "c%", 2);
	assert_true(c.calls > 1);
}

static void test_empty_format_produces_nothing(void **state)
{
	(void)state;
	char buf[4] = {'z', 'z', 'z', 'z'};

	assert_int_equal(fmt_raw(buf, sizeof(buf), ""), 0);
	assert_string_equal(buf, "");
}

static void test_unknown_conversion_printed_literally(void **state)
{
	(void)state;
	char buf[64];

	assert_int_equal(fmt_raw(buf, sizeof(buf), "a%qb"), 4);
	assert_string_equal(buf, "a%qb");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "[%-5.2lq]"), 9);
	assert_string_equal(buf, "[%-5.2lq]");
	/* An unknown conversion consumes no argument. */
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%y%d", 7), 3);
	assert_string_equal(buf, "%y7");
}

static void test_percent_n_is_not_supported(void **state)
{
	(void)state;
	char buf[16];
	int target = 1234;

	assert_int_equal(fmt_raw(buf, sizeof(buf), "ab%n", &target), 4);
	assert_string_equal(buf, "ab%n");
	assert_int_equal(target, 1234);
}

static void test_trailing_percent_printed_literally(void **state)
{
	(void)state;
	char buf[16];

	assert_int_equal(fmt_raw(buf, sizeof(buf), "abc%"), 4);
	assert_string_equal(buf, "abc%");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "x%-08ll"), 7);
	assert_string_equal(buf, "x%-08ll");
}

static void test_huge_star_width_is_clamped(void **state)
{
	(void)state;
	char buf[8];

	assert_int_equal(fmt_raw(buf, sizeof(buf), "%*d", INT32_MAX, 1),
	                 FORMAT_MAX_WIDTH);
	assert_string_equal(buf, "       ");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%*d", INT32_MIN, 1),
	                 FORMAT_MAX_WIDTH);
	assert_string_equal(buf, "1      ");
}

static void test_huge_digit_width_is_clamped(void **state)
{
	(void)state;
	char buf[8];

	assert_int_equal(
	    fmt_raw(buf, sizeof(buf), "%99999999999999999999999d|", 5),
	    FORMAT_MAX_WIDTH + 1);
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%4097s", "x"),
	                 FORMAT_MAX_WIDTH);
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%4096s", "x"),
	                 FORMAT_MAX_WIDTH);
}

static void test_huge_precision_is_clamped(void **state)
{
	(void)state;
	char buf[8];

	assert_int_equal(fmt_raw(buf, sizeof(buf), "%.99999999999999d", 5),
	                 FORMAT_MAX_WIDTH);
	assert_string_equal(buf, "0000000");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%.*x", INT32_MAX, 5u),
	                 FORMAT_MAX_WIDTH);
	/* A string precision only limits, so a huge one changes nothing. */
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%.*s", INT32_MAX, "hi"), 2);
	assert_string_equal(buf, "hi");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_integers_match_libc, reset),
	    cmocka_unit_test_setup(test_star_width_and_precision_match_libc,
	                           reset),
	    cmocka_unit_test_setup(test_strings_match_libc, reset),
	    cmocka_unit_test(test_string_precision_does_not_read_past_it),
	    cmocka_unit_test_setup(test_chars_and_percent_match_libc, reset),
	    cmocka_unit_test(test_char_nul_is_output),
	    cmocka_unit_test_setup(test_pointer_non_null_matches_libc, reset),
	    cmocka_unit_test(test_pointer_null_prints_0x0),
	    cmocka_unit_test(test_null_string_prints_null),
	    cmocka_unit_test(test_truncation_matches_libc_at_every_size),
	    cmocka_unit_test(test_size_zero_writes_nothing),
	    cmocka_unit_test(test_size_one_writes_only_nul),
	    cmocka_unit_test(test_format_v_sends_all_bytes_to_sink),
	    cmocka_unit_test(test_empty_format_produces_nothing),
	    cmocka_unit_test(test_unknown_conversion_printed_literally),
	    cmocka_unit_test(test_percent_n_is_not_supported),
	    cmocka_unit_test(test_trailing_percent_printed_literally),
	    cmocka_unit_test(test_huge_star_width_is_clamped),
	    cmocka_unit_test(test_huge_digit_width_is_clamped),
	    cmocka_unit_test(test_huge_precision_is_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
