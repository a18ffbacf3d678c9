/*
 * boottest - reads the boot package: the manifest in small chunks (its
 * bytes must parse as a Cap'n Proto message) and a boot binary as a
 * read-only MemoryObject (ELF magic visible; a writable mapping refused).
 */
#include <format.h>
#include <capnp/capnp.h>
#include <capos/rt.h>
#include <string.h>

#define IFACE_BOOT 0xaf44c33700f86f48ull

static capos_cap_t con;
static int failed;

static void check(const char *what, bool ok)
{
	char line[200];

	/* One write: a line the kernel or another program prints
	 * meanwhile cannot split it. */
	format_snprintf(line, sizeof(line), "boottest: %s%s",
	                ok ? "ok   " : "FAIL ", what);
	rt_console_write_line(con, line);
	failed += !ok;
}

static uint8_t manifest[8192] __attribute__((aligned(8)));

/* Reads up to max bytes of the manifest at off; returns the bytes got and
 * the total size. */
static int chunk(capos_cap_t boot, uint64_t off, uint32_t max, uint64_t *size)
{
	uint8_t arena[64], res[256] __attribute__((aligned(8)));
	struct capnp_builder b;
	struct capnp_bstruct root;
	const uint8_t *bytes, *d;
	size_t len;
	struct capnp_segment seg[2];
	struct capnp_msg msg;
	struct capnp_struct rs;
	uint32_t n;
	bool exc;
	int rc;

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 2, 0, &root);
	capnp_bstruct_set_u64(&root, 0, off, 0);
	capnp_bstruct_set_u32(&root, 8, max, 0);
	capnp_builder_finish(&b, &bytes, &len);
	rc = rt_call(boot, 0, bytes, (uint32_t)len, res, sizeof(res), &exc);
	if (rc < 0 || exc)
		return -1;
	if (capnp_msg_init_stream(&msg, res, (size_t)rc, seg, 2) ||
	    capnp_root(&msg, &rs) || capnp_struct_get_data(&rs, 0, &d, &n) ||
	    off + n > sizeof(manifest))
		return -1;
	*size = capnp_struct_get_u64(&rs, 0, 0);
	for (uint32_t i = 0; i < n; i++)
		manifest[off + i] = d[i];
	return (int)n;
}

static int binary(capos_cap_t boot, const char *name, capos_cap_t *mem,
                  uint64_t *size)
{
	uint8_t arena[64], res[64] __attribute__((aligned(8)));
	struct capnp_builder b;
	struct capnp_bstruct root;
	const uint8_t *bytes;
	size_t len;
	struct capos_sqe sqe;
	struct capos_cqe cqe;
	uint64_t ud;

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 1, &root);
	capnp_bstruct_set_text(&root, 0, name, (uint32_t)strlen(name));
	capnp_builder_finish(&b, &bytes, &len);
	sqe = (struct capos_sqe){.opcode = CAPOS_OP_CALL,
	                         .cap = boot,
	                         .method = 1,
	                         .params_addr = (uint64_t)bytes,
	                         .params_len = (uint32_t)len,
	                         .result_addr = (uint64_t)res,
	                         .result_len = sizeof(res)};
	ud = rt_submit(&sqe);
	if (!ud || rt_wait(ud, &cqe) || cqe.result < 0)
		return -1;
	if ((cqe.flags & CAPOS_CQE_EXCEPTION) || cqe.caps != 1)
		return -2;
	*size = *(uint64_t *)(res + 16 + 8); /* data word 1 of the root */
	*mem = *(capos_cap_t *)(res + ((cqe.result + 7) & ~7));
	return 0;
}

int main(void)
{
	capos_cap_t boot = rt_capset_find("boot", IFACE_BOOT), mem = 0;
	uint64_t size = 0, off = 0, bsize = 0, addr = 0;
	struct capnp_segment seg[8];
	struct capnp_msg msg;
	struct capnp_struct root;
	int n;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	if (!boot)
		return 2;
	while ((n = chunk(boot, off, 100, &size)) > 0)
		off += (uint64_t)n;
	check("manifest read in 100-byte chunks to its end",
	      n == 0 && off == size && size > 16);
	check("manifest bytes are a Cap'n Proto message",
	      capnp_msg_init_stream(&msg, manifest, off, seg, 8) == CAPNP_OK &&
	          capnp_root(&msg, &root) == CAPNP_OK &&
	          capnp_struct_get_u32(&root, 0, 0) == 1);
	check("binary hello as a MemoryObject",
	      binary(boot, "hello", &mem, &bsize) == 0 && bsize > 1000);
	check("mapped read-only, it starts with the ELF magic",
	      rt_memory_map(mem, 0, 0, 4096, RT_PROT_READ, &addr) == 0 &&
	          *(volatile uint32_t *)addr == 0x464C457F);
	check("a writable mapping of it is refused",
	      rt_memory_map(mem, 0, 0, 4096, RT_PROT_READ_WRITE, &addr) != 0);
	check("an unknown binary is refused",
	      binary(boot, "nosuch", &mem, &bsize) == -2);
	check("the manifest is not a binary",
	      binary(boot, "manifest.bin", &mem, &bsize) == -2);
	return failed;
}
