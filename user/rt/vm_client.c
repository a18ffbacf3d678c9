/*
 * vm_client.c - VirtualMemory and MemoryObject.protect clients
 * (rt_memory.h) on the generated stubs: encode the params, call, decode
 * the results or the CapException.
 */
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt.h>
#include <capos/rt_memory.h>

/* Big enough for every result here and for the kernel's exceptions. */
#define RESULT_SIZE CAPOS_MIN_RESULT_BUFFER

/* One params message being sent and the result it gets. */
struct vm_call {
	uint8_t arena[64];
	const uint8_t *msg;
	size_t len;
	uint8_t res[RESULT_SIZE] __attribute__((aligned(8)));
};

/*
 * Sends the message encoded into v (enc: what the stub returned). Returns
 * the result length, a transport error, or RT_REFUSED(type).
 */
static int call(capos_cap_t cap, uint16_t method, enum capnp_err enc,
                struct vm_call *v)
{
	struct capnpc_msg m;
	struct capos_cap_exception ex;
	bool exc = false;
	int rc;

	if (enc != CAPNP_OK)
		return CAPOS_E_TOO_LARGE;
	rc = rt_call(cap, method, v->msg, (uint32_t)v->len, v->res,
	             sizeof(v->res), &exc);
	if (rc < 0 || !exc)
		return rc;
	if (capos_cap_exception_decode(v->res, (size_t)rc, &m, &ex) != CAPNP_OK)
		return RT_REFUSED(CAPOS_EXCEPTION_TYPE_FAILED);
	return RT_REFUSED(capos_cap_exception_get_type(&ex));
}

/* 0 for a call that succeeded, whatever its result length. */
static int status(int rc)
{
	return rc < 0 || rc >= RT_REFUSED(0) ? rc : 0;
}

int rt_vm_reserve(capos_cap_t vm, uint64_t hint, uint64_t length,
                  uint64_t *addr)
{
	struct vm_call v;
	struct capnpc_msg m;
	struct capos_virtual_memory_reserve_results r;
	enum capnp_err enc = capos_virtual_memory_reserve_encode_params(
	    v.arena, sizeof(v.arena), hint, length, &v.msg, &v.len);
	int rc = call(vm, CAPOS_VIRTUAL_MEMORY_METHOD_RESERVE, enc, &v);

	if (status(rc))
		return rc;
	if (capos_virtual_memory_reserve_decode_results(v.res, (size_t)rc, &m,
	                                                &r))
		return CAPOS_E_BAD_MESSAGE;
	*addr = capos_virtual_memory_reserve_results_get_addr(&r);
	return 0;
}

int rt_vm_commit(capos_cap_t vm, uint64_t addr, uint64_t length,
                 enum capos_protection prot)
{
	struct vm_call v;
	enum capnp_err enc = capos_virtual_memory_commit_encode_params(
	    v.arena, sizeof(v.arena), addr, length, prot, &v.msg, &v.len);

	return status(call(vm, CAPOS_VIRTUAL_MEMORY_METHOD_COMMIT, enc, &v));
}

int rt_vm_decommit(capos_cap_t vm, uint64_t addr, uint64_t length)
{
	struct vm_call v;
	enum capnp_err enc = capos_virtual_memory_decommit_encode_params(
	    v.arena, sizeof(v.arena), addr, length, &v.msg, &v.len);

	return status(call(vm, CAPOS_VIRTUAL_MEMORY_METHOD_DECOMMIT, enc, &v));
}

int rt_vm_map(capos_cap_t vm, uint64_t hint, uint64_t length,
              enum capos_protection prot, uint64_t *addr)
{
	struct vm_call v;
	struct capnpc_msg m;
	struct capos_virtual_memory_map_results r;
	enum capnp_err enc = capos_virtual_memory_map_encode_params(
	    v.arena, sizeof(v.arena), hint, length, prot, &v.msg, &v.len);
	int rc = call(vm, CAPOS_VIRTUAL_MEMORY_METHOD_MAP, enc, &v);

	if (status(rc))
		return rc;
	if (capos_virtual_memory_map_decode_results(v.res, (size_t)rc, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	*addr = capos_virtual_memory_map_results_get_addr(&r);
	return 0;
}

int rt_vm_unmap(capos_cap_t vm, uint64_t addr, uint64_t length)
{
	struct vm_call v;
	enum capnp_err enc = capos_virtual_memory_unmap_encode_params(
	    v.arena, sizeof(v.arena), addr, length, &v.msg, &v.len);

	return status(call(vm, CAPOS_VIRTUAL_MEMORY_METHOD_UNMAP, enc, &v));
}

int rt_vm_protect(capos_cap_t vm, uint64_t addr, uint64_t length,
                  enum capos_protection prot)
{
	struct vm_call v;
	enum capnp_err enc = capos_virtual_memory_protect_encode_params(
	    v.arena, sizeof(v.arena), addr, length, prot, &v.msg, &v.len);

	return status(call(vm, CAPOS_VIRTUAL_MEMORY_METHOD_PROTECT, enc, &v));
}

int rt_memory_protect(capos_cap_t memory, uint64_t addr, uint64_t length,
                      enum capos_protection prot)
{
	struct vm_call v;
	enum capnp_err enc = capos_memory_object_protect_encode_params(
	    v.arena, sizeof(v.arena), addr, length, prot, &v.msg, &v.len);

	return status(
	    call(memory, CAPOS_MEMORY_OBJECT_METHOD_PROTECT, enc, &v));
}
