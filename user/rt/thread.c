/*
 * thread.c - threads of the caller's own process (rt_thread.h): spawn,
 * the new thread's first instructions, join, exit.
 *
 * A thread finds its runtime state (struct rt_thread: ring, held
 * completions, ...) at FS:0. The first thread's is static and FS is set
 * to it only when the first other thread is spawned, so a program that
 * never spawns runs exactly as before threads existed. A spawned thread's
 * struct sits at the top of its own stack mapping (guard page, stack,
 * struct), so joining it frees everything with one unmap. Until the new
 * thread has pointed FS at its struct it uses the ring client on that
 * struct directly (rt_call_on).
 */
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>
#include <capos/rt_memory.h>
#include <capos/rt_thread.h>
#include "rt_private.h"

#define PAGE        4096ul
#define RESULT_SIZE CAPOS_MIN_RESULT_BUFFER

/* The kernel starts a thread here (ThreadSpawner.spawn): rsp 16-byte
 * aligned, rdi = its ring, rsi = its thread id, rdx = our arg (its
 * struct rt_thread). The call makes the stack what a C function expects. */
__asm__(".pushsection .text, \"ax\"\n"
        ".global rt_thread_entry\n"
        "rt_thread_entry:\n"
        "	xor %ebp, %ebp\n"
        "	call rt_thread_start\n"
        "	ud2\n"
        ".popsection\n");

void rt_thread_entry(void);
__attribute__((noreturn)) void
rt_thread_start(struct capos_ring *ring, uint64_t tid, struct rt_thread *t);

/* The CapSet's ThreadControl and VirtualMemory, found on first use (every
 * thread finds the same values, so racing finders agree). */
static capos_cap_t cap_of(capos_cap_t *cache, const char *name,
                          uint64_t interface_id)
{
	capos_cap_t c = __atomic_load_n(cache, __ATOMIC_RELAXED);

	if (!c) {
		c = rt_capset_find(name, interface_id);
		__atomic_store_n(cache, c, __ATOMIC_RELAXED);
	}
	return c;
}

static capos_cap_t thread_control(void)
{
	static capos_cap_t cache;

	return cap_of(&cache, "thread", RT_IFACE_THREAD_CONTROL);
}

static capos_cap_t virtual_memory(void)
{
	static capos_cap_t cache;

	return cap_of(&cache, "vm", RT_IFACE_VIRTUAL_MEMORY);
}

/* Turns a call's outcome into 0, the transport error or RT_REFUSED. */
static int outcome(int rc, const struct capos_cqe *cqe, const void *res)
{
	struct capnpc_msg m;
	struct capos_cap_exception ex;

	if (rc < 0 || !(cqe->flags & CAPOS_CQE_EXCEPTION))
		return rc < 0 ? rc : 0;
	if (capos_cap_exception_decode(res, (size_t)rc, &m, &ex) != CAPNP_OK)
		return RT_REFUSED(CAPOS_EXCEPTION_TYPE_FAILED);
	return RT_REFUSED(capos_cap_exception_get_type(&ex));
}

/* ThreadControl.setTlsBase(addr) on t's ring (t: the calling thread). */
static int set_tls_base_on(struct rt_thread *t, uint64_t addr)
{
	uint8_t arena[64], res[RESULT_SIZE] __attribute__((aligned(8)));
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	capos_cap_t tc = thread_control();
	int rc;

	if (!tc)
		return CAPOS_E_BAD_CAP;
	if (capos_thread_control_set_tls_base_encode_params(
	        arena, sizeof(arena), addr, &msg, &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_on(t, tc, CAPOS_THREAD_CONTROL_METHOD_SET_TLS_BASE, msg,
	                (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	return outcome(rc, &cqe, res);
}

int rt_thread_set_tls_base(uint64_t addr)
{
	return set_tls_base_on(rt_self(), addr);
}

/* ThreadControl.exit(code) on t's ring (t: the calling thread). */
__attribute__((noreturn)) static void exit_on(struct rt_thread *t, int64_t code)
{
	uint8_t arena[64], res[RESULT_SIZE] __attribute__((aligned(8)));
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	capos_cap_t tc = thread_control();

	if (tc && capos_thread_control_exit_encode_params(
	              arena, sizeof(arena), code, &msg, &len) == CAPNP_OK)
		rt_call_on(t, tc, CAPOS_THREAD_CONTROL_METHOD_EXIT, msg,
		           (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	/* Only without a ThreadControl (then this is the only thread: no
	 * other could have been spawned) does exit come back. */
	capos_exit(code);
}

void rt_thread_exit(int64_t code)
{
	exit_on(rt_self(), code);
}

void rt_thread_start(struct capos_ring *ring, uint64_t tid, struct rt_thread *t)
{
	t->self = t;
	t->ring = ring;
	__atomic_store_n(&t->tid, tid, __ATOMIC_RELAXED);
	t->next_user_data = 1;
	/* Without its FS base the thread cannot find its own ring. */
	if (set_tls_base_on(t, (uint64_t)t))
		exit_on(t, -1);
	exit_on(t, t->fn(t->arg));
}

/* Points the first thread's FS at its struct, once: from then on every
 * rt_self() reads FS:0. Only the first thread runs before that. */
static int threads_on(void)
{
	int rc;

	if (__atomic_load_n(&rt_fs_self, __ATOMIC_ACQUIRE))
		return 0;
	if (rt_fs_foreign)
		return CAPOS_E_NOT_SUPPORTED;
	rc = set_tls_base_on(&rt_main_thread, (uint64_t)&rt_main_thread);
	if (rc)
		return rc;
	__atomic_store_n(&rt_fs_self, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Maps a stack of size bytes above a guard page; the thread's struct at
 * its top. Returns 0 with *out (zeroed apart from the stack fields). */
static int stack_map(size_t size, struct rt_thread **out)
{
	capos_cap_t vm = virtual_memory();
	uint64_t base, len, top;
	int rc;

	if (!vm)
		return CAPOS_E_BAD_CAP;
	size = size ? size : RT_STACK_DEFAULT;
	if (size < RT_STACK_MIN)
		size = RT_STACK_MIN;
	size = (size + PAGE - 1) & ~(PAGE - 1);
	len = PAGE + size;
	rc = rt_vm_reserve(vm, 0, len, &base);
	if (rc)
		return rc;
	rc = rt_vm_commit(vm, base + PAGE, size, CAPOS_PROTECTION_READ_WRITE);
	if (rc) {
		rt_vm_unmap(vm, base, len);
		return rc;
	}
	top = base + len;
	*out = (struct rt_thread *)((top - sizeof(struct rt_thread)) & ~63ul);
	(*out)->stack_base = base;
	(*out)->stack_len = len;
	return 0;
}

static void stack_unmap(struct rt_thread *t)
{
	rt_vm_unmap(virtual_memory(), t->stack_base, t->stack_len);
}

/* ThreadSpawner.spawn(entry, stack, arg). Returns 0 with *handle and
 * *tid, a transport error or RT_REFUSED. */
static int spawn_call(capos_cap_t spawner, uint64_t entry, uint64_t stack,
                      uint64_t arg, capos_cap_t *handle, uint64_t *tid)
{
	uint8_t arena[96], res[RESULT_SIZE] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_thread_spawner_spawn_results r;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	if (capos_thread_spawner_spawn_encode_params(arena, sizeof(arena),
	                                             entry, stack, arg, &msg,
	                                             &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(spawner, CAPOS_THREAD_SPAWNER_METHOD_SPAWN, msg,
	                  (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	rc = outcome(rc, &cqe, res);
	if (rc)
		return rc;
	if (capos_thread_spawner_spawn_decode_results(res, (size_t)cqe.result,
	                                              &m, &r) != CAPNP_OK ||
	    rt_result_cap(res, sizeof(res), &cqe,
	                  capos_thread_spawner_spawn_results_get_thread(&r),
	                  handle))
		return CAPOS_E_BAD_MESSAGE;
	*tid = capos_thread_spawner_spawn_results_get_thread_id(&r);
	return 0;
}

int rt_thread_spawn(capos_cap_t spawner, int64_t (*fn)(void *arg), void *arg,
                    size_t stack_size, rt_thread_t *out)
{
	struct rt_thread *t;
	uint64_t tid;
	int rc;

	if (rt_fs_foreign)
		return CAPOS_E_NOT_SUPPORTED;
	if (!thread_control())
		return CAPOS_E_BAD_CAP;
	rc = threads_on();
	if (rc)
		return rc;
	rc = stack_map(stack_size, &t);
	if (rc)
		return rc;
	t->fn = fn;
	t->arg = arg;
	/* The thread may run (and end) before the call returns: all it
	 * reads is set above. */
	rc = spawn_call(spawner, (uint64_t)rt_thread_entry, (uint64_t)t & ~15ul,
	                (uint64_t)t, &t->handle, &tid);
	if (rc) {
		stack_unmap(t);
		return rc;
	}
	__atomic_store_n(&t->tid, tid, __ATOMIC_RELAXED);
	*out = t;
	return 0;
}

uint64_t rt_thread_id_of(rt_thread_t t)
{
	return __atomic_load_n(&t->tid, __ATOMIC_RELAXED);
}

int rt_thread_join(rt_thread_t t, int64_t *code)
{
	uint8_t arena[64], res[RESULT_SIZE] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_thread_handle_join_results r;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	if (capos_thread_handle_join_encode_params(arena, sizeof(arena), &msg,
	                                           &len) != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = rt_call_xfer(t->handle, CAPOS_THREAD_HANDLE_METHOD_JOIN, msg,
	                  (uint32_t)len, res, sizeof(res), NULL, 0, &cqe);
	rc = outcome(rc, &cqe, res);
	if (rc)
		return rc;
	if (capos_thread_handle_join_decode_results(res, (size_t)cqe.result, &m,
	                                            &r) != CAPNP_OK)
		return CAPOS_E_BAD_MESSAGE;
	*code = capos_thread_handle_join_results_get_code(&r);
	/* It has left user mode for good: its stack is free. */
	rt_release(t->handle);
	stack_unmap(t);
	return 0;
}
