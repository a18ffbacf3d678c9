/*
 * manifest_read.c - init reads the encoded manifest through BootPackage,
 * one chunk per call, until it has the size the kernel reports.
 */
#include <string.h>

#include "init.h"

#define CHUNK 4096

long manifest_read(capos_cap_t boot, uint8_t *buf, size_t max)
{
	static uint8_t res[CHUNK + 64] __attribute__((aligned(8)));
	uint64_t off = 0, size = ~0ull;

	while (off < size) {
		uint8_t arena[64] __attribute__((aligned(8)));
		struct capnpc_msg m;
		struct capos_boot_package_manifest_results r;
		const uint8_t *params, *d;
		size_t len;
		uint32_t n;
		bool exc;
		int rc;

		if (capos_boot_package_manifest_encode_params(
		        arena, sizeof(arena), off, CHUNK, &params, &len))
			return CAPOS_E_TOO_LARGE;
		rc = rt_call(boot, CAPOS_BOOT_PACKAGE_METHOD_MANIFEST, params,
		             (uint32_t)len, res, sizeof(res), &exc);
		if (rc < 0 || exc)
			return rc < 0 ? rc : CAPOS_E_BAD_MESSAGE;
		if (capos_boot_package_manifest_decode_results(res, (size_t)rc,
		                                               &m, &r) ||
		    capos_boot_package_manifest_results_get_data(&r, &d, &n))
			return CAPOS_E_BAD_MESSAGE;
		size = capos_boot_package_manifest_results_get_size(&r);
		if (size > max || n > size - off)
			return CAPOS_E_TOO_LARGE;
		if (n == 0 && off < size)
			return CAPOS_E_BAD_MESSAGE; /* no progress */
		memcpy(buf + off, d, n);
		off += n;
	}
	return (long)size;
}
