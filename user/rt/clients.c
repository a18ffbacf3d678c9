/*
 * clients.c - typed clients for Console and Timer: build the params
 * message, make the call, read the results.
 *
 * Console messages can be as large as a whole message (64 KiB), too much
 * for a thread's stack, so they are built in static buffers that one
 * thread at a time may use (console_lock, read_lock).
 */
#include <string.h>
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt.h>
#include <capos/rt_thread.h>

static struct rt_mutex console_lock = RT_MUTEX_INIT;
static struct rt_mutex read_lock = RT_MUTEX_INIT;

#define SMALL_RESULT 64

/* Makes one call with an encoded params message; returns the result
 * length, or a transport error, or CAPOS_E_NOT_ALLOWED for an exception. */
static int call_bytes(capos_cap_t cap, uint16_t method, const uint8_t *bytes,
                      size_t len, void *res, uint32_t res_len)
{
	bool exc = false;
	int rc = rt_call(cap, method, bytes, (uint32_t)len, res, res_len, &exc);

	if (rc >= 0 && exc)
		return CAPOS_E_NOT_ALLOWED; /* refused: see the CapException */
	return rc;
}

/* Calls with a params message being built in b. */
static int call_msg(capos_cap_t cap, uint16_t method, struct capnp_builder *b,
                    void *res, uint32_t res_len)
{
	const uint8_t *bytes;
	size_t len;

	if (capnp_builder_finish(b, &bytes, &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	return call_bytes(cap, method, bytes, len, res, res_len);
}

/* The Console and Timer clients use the generated stubs
 * (gen/capos.capnp.h): encode the params, call, decode the results. */
static uint8_t console_arena[CAPOS_MSG_MAX]; /* under console_lock */

/* Console.write or writeLine of data[0..len). */
static int console_put(capos_cap_t console, uint16_t method, const void *data,
                       uint32_t len)
{
	uint8_t res[SMALL_RESULT];
	const uint8_t *msg;
	size_t n;
	int rc;

	rt_mutex_lock(&console_lock);
	rc = method == CAPOS_CONSOLE_METHOD_WRITE
	         ? capos_console_write_encode_params(console_arena,
	                                             sizeof(console_arena),
	                                             data, len, &msg, &n)
	         : capos_console_write_line_encode_params(console_arena,
	                                                  sizeof(console_arena),
	                                                  data, len, &msg, &n);
	rc = rc != CAPNP_OK
	         ? CAPOS_E_TOO_LARGE
	         : call_bytes(console, method, msg, n, res, sizeof(res));
	rt_mutex_unlock(&console_lock);
	return rc < 0 ? rc : 0;
}

int rt_console_write(capos_cap_t console, const void *data, uint32_t len)
{
	return console_put(console, CAPOS_CONSOLE_METHOD_WRITE, data, len);
}

int rt_console_write_line(capos_cap_t console, const char *text)
{
	return console_put(console, CAPOS_CONSOLE_METHOD_WRITE_LINE, text,
	                   (uint32_t)strlen(text));
}

int rt_console_read(capos_cap_t console, void *buf, uint32_t max)
{
	static uint8_t res[24 + 4096] __attribute__((aligned(8)));
	uint8_t arena[64];
	struct capnpc_msg m;
	struct capos_console_read_results r;
	const uint8_t *msg, *d;
	size_t n;
	uint32_t got;
	int rc;

	if (max > 4096)
		max = 4096;
	if (capos_console_read_encode_params(arena, sizeof(arena), max, &msg,
	                                     &n) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	/* The static buffer: one reader at a time. Its own lock, as a read
	 * may wait long and writers should not wait with it. */
	rt_mutex_lock(&read_lock);
	rc = call_bytes(console, CAPOS_CONSOLE_METHOD_READ, msg, n, res,
	                sizeof(res));
	if (rc >= 0 &&
	    (capos_console_read_decode_results(res, (size_t)rc, &m, &r) ||
	     capos_console_read_results_get_data(&r, &d, &got) || got > max))
		rc = CAPOS_E_BAD_MESSAGE;
	if (rc >= 0) {
		memcpy(buf, d, got);
		rc = (int)got;
	}
	rt_mutex_unlock(&read_lock);
	return rc;
}

int rt_timer_now(capos_cap_t timer, uint64_t *ns)
{
	uint8_t arena[32], res[SMALL_RESULT] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_timer_now_results r;
	const uint8_t *msg;
	size_t n;
	int rc;

	if (capos_timer_now_encode_params(arena, sizeof(arena), &msg, &n) !=
	    CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc =
	    call_bytes(timer, CAPOS_TIMER_METHOD_NOW, msg, n, res, sizeof(res));
	if (rc < 0)
		return rc;
	if (capos_timer_now_decode_results(res, (size_t)rc, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	*ns = capos_timer_now_results_get_ns(&r);
	return 0;
}

int rt_timer_sleep(capos_cap_t timer, uint64_t ns)
{
	uint8_t arena[32], res[SMALL_RESULT];
	const uint8_t *msg;
	size_t n;
	int rc;

	if (capos_timer_sleep_encode_params(arena, sizeof(arena), ns, &msg,
	                                    &n) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = call_bytes(timer, CAPOS_TIMER_METHOD_SLEEP, msg, n, res,
	                sizeof(res));
	return rc < 0 ? rc : 0;
}

/* FrameAllocator and MemoryObject. */
enum { FRAMES_ALLOC };
enum { MEMORY_INFO, MEMORY_MAP, MEMORY_UNMAP, MEMORY_PROTECT };

int rt_frames_alloc(capos_cap_t frames, uint32_t pages, bool contiguous,
                    capos_cap_t *memory)
{
	uint8_t arena[32], res[SMALL_RESULT] __attribute__((aligned(8)));
	struct capnp_builder b;
	struct capnp_bstruct root;
	const uint8_t *bytes;
	size_t len;
	struct capos_sqe sqe;
	struct capos_cqe cqe;
	uint64_t ud;
	uint32_t off;
	int rc;

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 1, 0, &root);
	capnp_bstruct_set_u32(&root, 0, pages, 0);
	capnp_bstruct_set_bool(&root, 32, contiguous, false);
	if (capnp_builder_finish(&b, &bytes, &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	sqe = (struct capos_sqe){.opcode = CAPOS_OP_CALL,
	                         .cap = frames,
	                         .method = FRAMES_ALLOC,
	                         .params_addr = (uint64_t)bytes,
	                         .params_len = (uint32_t)len,
	                         .result_addr = (uint64_t)res,
	                         .result_len = sizeof(res)};
	while (!(ud = rt_submit(&sqe)))
		rt_flush();
	rc = rt_wait(ud, &cqe);
	if (rc < 0)
		return rc;
	if (cqe.result < 0)
		return cqe.result;
	if (cqe.flags & CAPOS_CQE_EXCEPTION || cqe.caps != 1)
		return CAPOS_E_NOT_ALLOWED;
	/* The CapIds follow the message at the next 8-byte boundary. */
	off = ((uint32_t)cqe.result + 7) & ~7u;
	memcpy(memory, res + off, sizeof(*memory));
	return 0;
}

int rt_memory_map(capos_cap_t memory, uint64_t hint, uint64_t offset,
                  uint64_t length, uint16_t prot, uint64_t *addr)
{
	uint8_t arena[64], res[SMALL_RESULT];
	struct capnp_builder b;
	struct capnp_bstruct root;
	struct capnp_segment seg[2];
	struct capnp_msg msg;
	struct capnp_struct rs;
	int rc;

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 4, 0, &root);
	capnp_bstruct_set_u64(&root, 0, hint, 0);
	capnp_bstruct_set_u64(&root, 8, offset, 0);
	capnp_bstruct_set_u64(&root, 16, length, 0);
	capnp_bstruct_set_u16(&root, 24, prot, 0);
	rc = call_msg(memory, MEMORY_MAP, &b, res, sizeof(res));
	if (rc < 0)
		return rc;
	if (capnp_msg_init_stream(&msg, res, (size_t)rc, seg, 2) ||
	    capnp_root(&msg, &rs))
		return CAPOS_E_BAD_MESSAGE;
	*addr = capnp_struct_get_u64(&rs, 0, 0);
	return 0;
}

int rt_memory_unmap(capos_cap_t memory, uint64_t addr, uint64_t length)
{
	uint8_t arena[48], res[SMALL_RESULT];
	struct capnp_builder b;
	struct capnp_bstruct root;
	int rc;

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 2, 0, &root);
	capnp_bstruct_set_u64(&root, 0, addr, 0);
	capnp_bstruct_set_u64(&root, 8, length, 0);
	rc = call_msg(memory, MEMORY_UNMAP, &b, res, sizeof(res));
	return rc < 0 ? rc : 0;
}

int rt_memory_pages(capos_cap_t memory, uint32_t *pages)
{
	uint8_t arena[32], res[SMALL_RESULT];
	struct capnp_builder b;
	struct capnp_bstruct root;
	struct capnp_segment seg[2];
	struct capnp_msg msg;
	struct capnp_struct rs;
	int rc;

	capnp_builder_init(&b, arena, sizeof(arena));
	capnp_builder_root(&b, 0, 0, &root);
	rc = call_msg(memory, MEMORY_INFO, &b, res, sizeof(res));
	if (rc < 0)
		return rc;
	if (capnp_msg_init_stream(&msg, res, (size_t)rc, seg, 2) ||
	    capnp_root(&msg, &rs))
		return CAPOS_E_BAD_MESSAGE;
	*pages = capnp_struct_get_u32(&rs, 0, 0);
	return 0;
}
