/*
 * fwcfg.c - QEMU's fw_cfg interface, read for one file: the test
 * selector "opt/capos/cmdline" that the test runner passes with
 * -fw_cfg. This lets one ISO run any test without rebuilding it.
 * Layout facts from QEMU's fw_cfg specification (docs/specs/fw_cfg).
 */
#include <string.h>
#include <kernel/arch.h>
#include "cpu.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR  0x0019
#define CMDLINE_FILE     "opt/capos/cmdline"

static void fw_select(uint16_t key)
{
	outw(FW_CFG_PORT_SEL, key);
}

static void fw_read(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

size_t arch_fw_cmdline(char *buf, size_t max)
{
	uint8_t sig[4], hdr[4], entry[64];
	uint32_t count;

	if (max == 0)
		return 0;
	fw_select(FW_CFG_SIGNATURE);
	fw_read(sig, 4);
	if (memcmp(sig, "QEMU", 4) != 0)
		return 0;
	fw_select(FW_CFG_FILE_DIR);
	fw_read(hdr, 4);
	count = be32(hdr);
	for (uint32_t i = 0; i < count && i < 4096; i++) {
		uint32_t size;
		uint16_t key;

		fw_read(entry, sizeof(entry));
		entry[63] = 0;
		if (strcmp((char *)entry + 8, CMDLINE_FILE) != 0)
			continue;
		size = be32(entry);
		key = (uint16_t)(entry[4] << 8 | entry[5]);
		if (size > max - 1)
			size = max - 1;
		fw_select(key);
		fw_read(buf, size);
		buf[size] = 0;
		return strnlen(buf, size);
	}
	return 0;
}
