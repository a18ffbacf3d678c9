/*
 * process_client.c - clients for ProcessSpawner and ProcessHandle
 * (rt_process.h), on the generated builders and readers.
 */
#include <string.h>
#include <capnp/capnp.h>
#include <capos.capnp.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>
#include <capos/rt_process.h>
#include <capos/rt_thread.h>

#define SPAWN_ARENA 2048
/* Message (32 + 4 per export) + the handle's and the clients' CapIds. */
#define SPAWN_RESULT  256
#define LEDGER_RESULT 160
#define INFO_RESULT   256

static void set_quotas(struct capos_quotas_builder *q,
                       const struct rt_quotas *v)
{
	capos_quotas_set_frames(q, v->frames);
	capos_quotas_set_cap_slots(q, v->cap_slots);
	capos_quotas_set_threads(q, v->threads);
	capos_quotas_set_endpoint_queue(q, v->endpoint_queue);
	capos_quotas_set_kernel_memory(q, v->kernel_memory);
}

static void get_quotas(const struct capos_quotas *q, struct rt_quotas *v)
{
	v->frames = capos_quotas_get_frames(q);
	v->cap_slots = capos_quotas_get_cap_slots(q);
	v->threads = capos_quotas_get_threads(q);
	v->endpoint_queue = capos_quotas_get_endpoint_queue(q);
	v->kernel_memory = capos_quotas_get_kernel_memory(q);
}

/* Copies a CapException's reason into why (if wanted). */
static void exception_reason(const void *res, int len, char *why,
                             uint32_t why_len)
{
	struct capnpc_msg m;
	struct capos_cap_exception e;
	const char *s;
	uint32_t n;

	if (!why || !why_len)
		return;
	why[0] = 0;
	if (capos_cap_exception_decode(res, (size_t)len, &m, &e) ||
	    capos_cap_exception_get_reason(&e, &s, &n))
		return;
	if (n >= why_len)
		n = why_len - 1;
	memcpy(why, s, n);
	why[n] = 0;
}

/* Fills the exports list of spawn's params. */
static int build_exports(struct capos_process_spawner_spawn_params_builder *p,
                         const struct rt_export *exports, uint32_t n)
{
	struct capos_list_of_export_decl_builder el;
	int bad = 0;

	bad |= capos_process_spawner_spawn_params_init_exports(p, n, &el);
	for (uint32_t i = 0; i < n && !bad; i++) {
		struct capos_export_decl_builder e;

		bad |= capos_list_of_export_decl_builder_get(&el, i, &e);
		bad |= capos_export_decl_set_name(
		    &e, exports[i].name, (uint32_t)strlen(exports[i].name));
		bad |= capos_export_decl_set_interface_id(
		    &e, exports[i].interface_id);
	}
	return bad;
}

/* Encodes spawn's params. Returns 0 or -1 (the arena is too small). */
static int build_spawn(uint8_t *arena, const char *name, const char *binary,
                       const struct rt_grant *grants, uint32_t n,
                       const struct rt_export *exports, uint32_t nexports,
                       const struct rt_quotas *quotas, const uint8_t **msg,
                       size_t *len)
{
	struct capnp_builder b;
	struct capos_process_spawner_spawn_params_builder p;
	struct capos_list_of_spawn_grant_builder gl;
	struct capos_quotas_builder q;
	int bad = 0;

	capos_process_spawner_spawn_build_params(&b, arena, SPAWN_ARENA, &p);
	bad |= capos_process_spawner_spawn_params_set_name(
	    &p, name, (uint32_t)strlen(name));
	bad |= capos_process_spawner_spawn_params_set_binary(
	    &p, binary, (uint32_t)strlen(binary));
	bad |= capos_process_spawner_spawn_params_init_grants(&p, n, &gl);
	for (uint32_t i = 0; i < n && !bad; i++) {
		struct capos_spawn_grant_builder g;

		bad |= capos_list_of_spawn_grant_builder_get(&gl, i, &g);
		bad |= capos_spawn_grant_set_name(
		    &g, grants[i].name, (uint32_t)strlen(grants[i].name));
		bad |= capos_spawn_grant_set_cap(&g, i);
	}
	if (nexports && !bad)
		bad |= build_exports(&p, exports, nexports);
	if (quotas) {
		bad |= capos_process_spawner_spawn_params_init_quotas(&p, &q);
		if (!bad)
			set_quotas(&q, quotas);
	}
	bad |= capnp_builder_finish(&b, msg, len);
	return bad ? -1 : 0;
}

/*
 * Reads spawn's results: the handle and nexports client facets. Returns 0
 * or CAPOS_E_BAD_MESSAGE.
 */
static int spawn_results(const uint8_t *res, const struct capos_cqe *cqe,
                         uint32_t nexports, capos_cap_t *handle,
                         capos_cap_t *clients)
{
	struct capnpc_msg m;
	struct capos_process_spawner_spawn_results r;
	struct capnpc_list_of_u32 cl;

	if (capos_process_spawner_spawn_decode_results(res, (size_t)cqe->result,
	                                               &m, &r) ||
	    rt_result_cap(res, SPAWN_RESULT, cqe,
	                  capos_process_spawner_spawn_results_get_process(&r),
	                  handle))
		return CAPOS_E_BAD_MESSAGE;
	if (!nexports)
		return 0;
	if (capos_process_spawner_spawn_results_get_clients(&r, &cl) ||
	    capnpc_list_of_u32_len(&cl) != nexports)
		return CAPOS_E_BAD_MESSAGE;
	for (uint32_t i = 0; i < nexports; i++)
		if (rt_result_cap(res, SPAWN_RESULT, cqe,
		                  capnpc_list_of_u32_get(&cl, i), &clients[i]))
			return CAPOS_E_BAD_MESSAGE;
	return 0;
}

int rt_spawn_exports(capos_cap_t spawner, const char *name, const char *binary,
                     const struct rt_grant *grants, uint32_t n,
                     const struct rt_export *exports, uint32_t nexports,
                     const struct rt_quotas *quotas, capos_cap_t *handle,
                     capos_cap_t *clients, char *why, uint32_t why_len)
{
	uint8_t arena[SPAWN_ARENA] __attribute__((aligned(8)));
	uint8_t res[SPAWN_RESULT] __attribute__((aligned(8)));
	struct capos_xfer xfer[CAPOS_XFER_MAX];
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	if (n > CAPOS_XFER_MAX || nexports > RT_SPAWN_MAX_EXPORTS)
		return CAPOS_E_TOO_LARGE;
	if (build_spawn(arena, name, binary, grants, n, exports, nexports,
	                quotas, &msg, &len))
		return CAPOS_E_TOO_LARGE;
	for (uint32_t i = 0; i < n; i++)
		xfer[i] = (struct capos_xfer){.cap = grants[i].cap,
		                              .mode = grants[i].mode};
	rc = rt_call_xfer(spawner, CAPOS_PROCESS_SPAWNER_METHOD_SPAWN, msg,
	                  (uint32_t)len, res, sizeof(res), xfer, (uint16_t)n,
	                  &cqe);
	if (rc < 0)
		return rc;
	if (cqe.flags & CAPOS_CQE_EXCEPTION) {
		exception_reason(res, rc, why, why_len);
		return CAPOS_E_NOT_ALLOWED;
	}
	rc = spawn_results(res, &cqe, nexports, handle, clients);
	if (rc) {
		/* Cannot tell which is which: none of them is usable. */
		for (uint32_t i = 0; i < cqe.caps; i++) {
			capos_cap_t c;

			if (!rt_result_cap(res, sizeof(res), &cqe, i, &c))
				rt_release(c);
		}
	}
	return rc;
}

int rt_spawn(capos_cap_t spawner, const char *name, const char *binary,
             const struct rt_grant *grants, uint32_t n,
             const struct rt_quotas *quotas, capos_cap_t *handle, char *why,
             uint32_t why_len)
{
	return rt_spawn_exports(spawner, name, binary, grants, n, NULL, 0,
	                        quotas, handle, NULL, why, why_len);
}

int rt_spawner_ledger(capos_cap_t spawner, struct rt_quotas *limits,
                      struct rt_quotas *used)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[LEDGER_RESULT] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_process_spawner_ledger_results r;
	struct capos_quotas q;
	const uint8_t *msg;
	size_t len;
	bool exc = false;
	int rc;

	capos_process_spawner_ledger_encode_params(arena, sizeof(arena), &msg,
	                                           &len);
	rc = rt_call(spawner, CAPOS_PROCESS_SPAWNER_METHOD_LEDGER, msg,
	             (uint32_t)len, res, sizeof(res), &exc);
	if (rc < 0 || exc)
		return rc < 0 ? rc : CAPOS_E_NOT_ALLOWED;
	if (capos_process_spawner_ledger_decode_results(res, (size_t)rc, &m,
	                                                &r))
		return CAPOS_E_BAD_MESSAGE;
	if (capos_process_spawner_ledger_results_get_limits(&r, &q))
		return CAPOS_E_BAD_MESSAGE;
	get_quotas(&q, limits);
	if (capos_process_spawner_ledger_results_get_used(&r, &q))
		return CAPOS_E_BAD_MESSAGE;
	get_quotas(&q, used);
	return 0;
}

int rt_process_wait_decode(const struct capos_cqe *cqe, const void *result,
                           struct rt_exit_status *st)
{
	struct capnpc_msg m;
	struct capos_process_handle_wait_results r;
	struct capos_exit_status es;
	struct capos_fault f;

	if (cqe->result < 0)
		return cqe->result;
	if (cqe->flags & CAPOS_CQE_EXCEPTION)
		return CAPOS_E_NOT_ALLOWED;
	if (capos_process_handle_wait_decode_results(
	        result, (size_t)cqe->result, &m, &r) ||
	    capos_process_handle_wait_results_get_status(&r, &es))
		return CAPOS_E_BAD_MESSAGE;
	memset(st, 0, sizeof(*st));
	switch (capos_exit_status_which(&es)) {
	case CAPOS_EXIT_STATUS_EXITED:
		st->kind = RT_EXITED;
		st->code = capos_exit_status_get_exited(&es);
		return 0;
	case CAPOS_EXIT_STATUS_KILLED:
		st->kind = RT_KILLED;
		return 0;
	case CAPOS_EXIT_STATUS_FAULTED:
		if (capos_exit_status_get_faulted(&es, &f))
			return CAPOS_E_BAD_MESSAGE;
		st->kind = RT_FAULTED;
		st->vector = capos_fault_get_vector(&f);
		st->address = capos_fault_get_address(&f);
		st->ip = capos_fault_get_ip(&f);
		return 0;
	}
	return CAPOS_E_BAD_MESSAGE;
}

uint64_t rt_process_wait_submit(capos_cap_t handle, void *result)
{
	/* The params message of a method without params never changes;
	 * the first caller of any thread builds it. */
	static struct rt_mutex lock = RT_MUTEX_INIT;
	static uint8_t arena[64] __attribute__((aligned(8)));
	static const uint8_t *msg;
	static size_t len;
	struct capos_sqe sqe = {
	    .opcode = CAPOS_OP_CALL,
	    .method = CAPOS_PROCESS_HANDLE_METHOD_WAIT,
	    .cap = handle,
	    .result_addr = (uint64_t)result,
	    .result_len = RT_WAIT_RESULT_SIZE,
	};

	rt_mutex_lock(&lock);
	if (!msg)
		capos_process_handle_wait_encode_params(arena, sizeof(arena),
		                                        &msg, &len);
	rt_mutex_unlock(&lock);
	sqe.params_addr = (uint64_t)msg;
	sqe.params_len = (uint32_t)len;
	return rt_submit(&sqe);
}

int rt_process_wait(capos_cap_t handle, struct rt_exit_status *st)
{
	uint8_t res[RT_WAIT_RESULT_SIZE] __attribute__((aligned(8)));
	struct capos_cqe cqe;
	uint64_t ud;
	int rc;

	while (!(ud = rt_process_wait_submit(handle, res)))
		rt_flush();
	rc = rt_wait(ud, &cqe);
	if (rc < 0)
		return rc;
	return rt_process_wait_decode(&cqe, res, st);
}

int rt_process_kill(capos_cap_t handle)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[32] __attribute__((aligned(8)));
	const uint8_t *msg;
	size_t len;
	bool exc = false;
	int rc;

	capos_process_handle_kill_encode_params(arena, sizeof(arena), &msg,
	                                        &len);
	rc = rt_call(handle, CAPOS_PROCESS_HANDLE_METHOD_KILL, msg,
	             (uint32_t)len, res, sizeof(res), &exc);
	if (rc < 0)
		return rc;
	return exc ? CAPOS_E_NOT_ALLOWED : 0;
}

static void copy_text(char *dst, size_t cap, const char *s, uint32_t n)
{
	if (n >= cap)
		n = (uint32_t)cap - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

int rt_process_info(capos_cap_t handle, struct rt_process_info *info)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[INFO_RESULT] __attribute__((aligned(8)));
	struct capnpc_msg m;
	struct capos_process_handle_info_results r;
	struct capos_quotas q;
	const uint8_t *msg;
	const char *s;
	uint32_t n;
	size_t len;
	bool exc = false;
	int rc;

	capos_process_handle_info_encode_params(arena, sizeof(arena), &msg,
	                                        &len);
	rc = rt_call(handle, CAPOS_PROCESS_HANDLE_METHOD_INFO, msg,
	             (uint32_t)len, res, sizeof(res), &exc);
	if (rc < 0 || exc)
		return rc < 0 ? rc : CAPOS_E_NOT_ALLOWED;
	if (capos_process_handle_info_decode_results(res, (size_t)rc, &m, &r))
		return CAPOS_E_BAD_MESSAGE;
	memset(info, 0, sizeof(*info));
	if (!capos_process_handle_info_results_get_name(&r, &s, &n))
		copy_text(info->name, sizeof(info->name), s, n);
	if (!capos_process_handle_info_results_get_binary(&r, &s, &n))
		copy_text(info->binary, sizeof(info->binary), s, n);
	info->running = capos_process_handle_info_results_get_running(&r);
	if (capos_process_handle_info_results_get_limits(&r, &q))
		return CAPOS_E_BAD_MESSAGE;
	get_quotas(&q, &info->limits);
	if (capos_process_handle_info_results_get_used(&r, &q))
		return CAPOS_E_BAD_MESSAGE;
	get_quotas(&q, &info->used);
	return 0;
}
