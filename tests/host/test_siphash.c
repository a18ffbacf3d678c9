/*
 * test_siphash.c - lib/siphash.c against the reference test vector of
 * the SipHash paper (key 00..0f, message 00..0e), plus the properties
 * the kernel relies on: the key and every input byte change the output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "siphash.h"

static const struct siphash_key paper_key = {0x0706050403020100ull,
                                             0x0f0e0d0c0b0a0908ull};

static void paper_vector_15_bytes(void **state)
{
	uint8_t msg[15];

	(void)state;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(siphash24(&paper_key, msg, sizeof(msg)),
	                 0xa129ca6149be45e5ull);
}

static void empty_message_is_defined(void **state)
{
	(void)state;
	/* The first entry of the reference implementation's vector table
	 * (64-bit output, empty input), as a little-endian word. */
	assert_int_equal(siphash24(&paper_key, "", 0), 0x726fdb47dd0e0e31ull);
}

static void every_byte_and_the_key_matter(void **state)
{
	uint8_t msg[24] = {0};
	uint64_t base, other;
	struct siphash_key k2 = paper_key;

	(void)state;
	base = siphash24(&paper_key, msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(msg); i++) {
		msg[i] = 1;
		other = siphash24(&paper_key, msg, sizeof(msg));
		assert_true(other != base);
		msg[i] = 0;
	}
	k2.k1 ^= 1;
	assert_true(siphash24(&k2, msg, sizeof(msg)) != base);
	/* Length is part of the input: a trailing zero byte matters. */
	assert_true(siphash24(&paper_key, msg, 23) != base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(paper_vector_15_bytes),
	    cmocka_unit_test(empty_message_is_defined),
	    cmocka_unit_test(every_byte_and_the_key_matter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
