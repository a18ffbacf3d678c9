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

/* FrameAllocator and MemoryObject, on the generated stubs. */
int rt_frames_alloc(capos_cap_t frames, uint32_t pages, bool contiguous,
                    capos_cap_t *memory)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[SMALL_RESULT] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_frame_allocator_alloc_results r;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	uint32_t idx;
	int rc;

	if (capos_frame_allocator_alloc_encode_params(arena, sizeof(arena),
	                                              pages, contiguous, &msg,
	                                              &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(frames, CAPOS_FRAME_ALLOCATOR_METHOD_ALLOC, msg,
	                  (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	if (rc < 0)
		return rc;
	if (cqe.flags & CAPOS_CQE_EXCEPTION)
		return CAPOS_E_NOT_ALLOWED;
	if (capos_frame_allocator_alloc_decode_results(res, (size_t)rc, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	idx = capos_frame_allocator_alloc_results_get_memory(&r);
	if (idx >= cqe.caps)
		return CAPOS_E_BAD_MESSAGE;
	/* The CapIds follow the message at the next 8-byte boundary. */
	memcpy(memory, res + ((rc + 7) & ~7) + 4 * idx, sizeof(*memory));
	return 0;
}

int rt_memory_map(capos_cap_t memory, uint64_t hint, uint64_t offset,
                  uint64_t length, uint16_t prot, uint64_t *addr)
{
	uint8_t arena[96] __attribute__((aligned(8)));
	uint8_t res[SMALL_RESULT] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_memory_object_map_results r;
	const uint8_t *msg;
	size_t len;
	int rc;

	if (capos_memory_object_map_encode_params(
	        arena, sizeof(arena), hint, offset, length,
	        (enum capos_protection)prot, &msg, &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = call_bytes(memory, CAPOS_MEMORY_OBJECT_METHOD_MAP, msg, len, res,
	                sizeof(res));
	if (rc < 0)
		return rc;
	if (capos_memory_object_map_decode_results(res, (size_t)rc, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	*addr = capos_memory_object_map_results_get_addr(&r);
	return 0;
}

int rt_memory_unmap(capos_cap_t memory, uint64_t addr, uint64_t length)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[SMALL_RESULT] __attribute__((aligned(8)));
	const uint8_t *msg;
	size_t len;
	int rc;

	if (capos_memory_object_unmap_encode_params(
	        arena, sizeof(arena), addr, length, &msg, &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = call_bytes(memory, CAPOS_MEMORY_OBJECT_METHOD_UNMAP, msg, len, res,
	                sizeof(res));
	return rc < 0 ? rc : 0;
}

int rt_memory_pages(capos_cap_t memory, uint32_t *pages)
{
	uint8_t arena[32] __attribute__((aligned(8)));
	uint8_t res[SMALL_RESULT] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_memory_object_info_results r;
	const uint8_t *msg;
	size_t len;
	int rc;

	capos_memory_object_info_encode_params(arena, sizeof(arena), &msg,
	                                       &len);
	rc = call_bytes(memory, CAPOS_MEMORY_OBJECT_METHOD_INFO, msg, len, res,
	                sizeof(res));
	if (rc < 0)
		return rc;
	if (capos_memory_object_info_decode_results(res, (size_t)rc, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	*pages = capos_memory_object_info_results_get_pages(&r);
	return 0;
}
