/*
 * init - the first process. Today it reads the manifest through its
 * BootPackage capability, decodes and checks the service graph with the
 * same code the kernel uses, and prints the start order. Spawning the
 * services itself waits for ProcessSpawner (issue 5); until then the
 * kernel starts them.
 */
#include <capnp/capnp.h>
#include <capos/rt.h>
#include <format.h>
#include <manifest/manifest_decode.h>
#include <string.h>

#define IFACE_BOOT 0xaf44c33700f86f48ull

static capos_cap_t con;
static uint8_t manifest[64 * 1024] __attribute__((aligned(8)));
static struct manifest_storage st;
static struct manifest_graph g;
static struct manifest_plan plan;

static void say(const char *s)
{
	rt_console_write_line(con, s);
}

/* Reads the whole manifest; returns its size or a negative error. */
static long read_manifest(capos_cap_t boot)
{
	static uint8_t res[4096 + 64] __attribute__((aligned(8)));
	uint64_t off = 0, size = ~0ull;

	while (off < size) {
		uint8_t arena[64];
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
		capnp_bstruct_set_u32(&root, 8, 4096, 0);
		capnp_builder_finish(&b, &bytes, &len);
		rc = rt_call(boot, 0, bytes, (uint32_t)len, res, sizeof(res),
		             &exc);
		if (rc < 0 || exc)
			return rc < 0 ? rc : CAPOS_E_BAD_MESSAGE;
		if (capnp_msg_init_stream(&msg, res, (size_t)rc, seg, 2) ||
		    capnp_root(&msg, &rs) ||
		    capnp_struct_get_data(&rs, 0, &d, &n))
			return CAPOS_E_BAD_MESSAGE;
		size = capnp_struct_get_u64(&rs, 0, 0);
		if (size > sizeof(manifest) || (n == 0 && off < size))
			return CAPOS_E_TOO_LARGE;
		memcpy(manifest + off, d, n);
		off += n;
	}
	return (long)size;
}

int main(void)
{
	capos_cap_t boot = rt_capset_find("boot", IFACE_BOOT);
	char line[160];
	long size;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	if (!con)
		return 1;
	if (!boot) {
		say("init: no BootPackage capability");
		return 2;
	}
	size = read_manifest(boot);
	if (size < 0) {
		say("init: cannot read the manifest");
		return 3;
	}
	if (manifest_decode(manifest, (size_t)size, &st, &g, line,
	                    sizeof(line)) ||
	    manifest_graph_check(&g, NULL, 0, &plan, line, sizeof(line))) {
		rt_console_write(con, "init: ", 6);
		say(line);
		return 4;
	}
	format_snprintf(line, sizeof(line),
	                "init: manifest %ld bytes, %zu services, start order:",
	                size, g.nservices);
	say(line);
	for (size_t i = 0; i < plan.count; i++) {
		const struct manifest_service *s = &g.services[plan.order[i]];

		format_snprintf(line, sizeof(line),
		                "init:   %.*s (%.*s, %zu caps)",
		                (int)s->name.len, s->name.str,
		                (int)s->binary.len, s->binary.str, s->ncaps);
		say(line);
	}
	return 0;
}
