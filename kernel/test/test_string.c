/*
 * test_string.c - the kernel's memcpy and memset (string instructions in
 * words, then a byte tail): every length and alignment around a word
 * boundary lands exactly, and nothing past the end is touched.
 */
#include <stdint.h>
#include <string.h>
#include <kernel/ktest.h>

static uint8_t src[64 + 16], dst[64 + 16];

KTEST(string_copy)
{
	bool exact = true;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n <= 64; n++) {
			memset(dst, 0xEE, sizeof(dst));
			KEXPECT(memcpy(dst + off, src + (7 - off), n) ==
			        dst + off);
			for (size_t i = 0; i < sizeof(dst); i++) {
				bool in = i >= off && i < off + n;
				uint8_t want =
				    in ? src[7 - off + i - off] : 0xEE;

				exact &= dst[i] == want;
			}
			memset(dst, 0xEE, sizeof(dst));
			KEXPECT(memset(dst + off, 0x5A, n) == dst + off);
			for (size_t i = 0; i < sizeof(dst); i++) {
				bool in = i >= off && i < off + n;

				exact &= dst[i] == (in ? 0x5A : 0xEE);
			}
		}
	}
	KEXPECT(exact);
}
