/*
 * rt_process.h - runtime clients for ProcessSpawner and ProcessHandle
 * (schema/capos.capnp): starting a boot binary with exactly the listed
 * capabilities, waiting for it, killing it, and reading ledgers.
 *
 * Grants travel as SQE transfer descriptors (docs/abi.md "Transfer"):
 * grant i is descriptor i, copied or moved out of the caller's table.
 */
#ifndef CAPOS_RT_PROCESS_H
#define CAPOS_RT_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <capos/capid.h>
#include <capos/ring.h>
#include <capos/transfer.h>
#include <capos.capnp.h>

#define RT_IFACE_PROCESS_SPAWNER CAPOS_PROCESS_SPAWNER_INTERFACE_ID
#define RT_IFACE_PROCESS_HANDLE  CAPOS_PROCESS_HANDLE_INTERFACE_ID

/* One capability for the child, under `name` in its CapSet. */
struct rt_grant {
	const char *name;
	capos_cap_t cap;
	uint32_t mode; /* CAPOS_XFER_COPY or CAPOS_XFER_MOVE */
};

/* A ledger (schema Quotas). */
struct rt_quotas {
	uint32_t frames;
	uint32_t cap_slots;
	uint32_t threads;
	uint32_t endpoint_queue;
	uint64_t kernel_memory;
};

/* The schema's defaults (Quotas' field defaults). */
#define RT_QUOTAS_DEFAULT ((struct rt_quotas){4096, 256, 64, 128, 262144})

/* How a process ended (schema ExitStatus). */
enum rt_exit_kind { RT_EXITED = 0, RT_KILLED = 1, RT_FAULTED = 2 };

struct rt_exit_status {
	enum rt_exit_kind kind;
	int64_t code;     /* RT_EXITED: the exit code */
	uint8_t vector;   /* RT_FAULTED: the CPU exception */
	uint64_t address; /* RT_FAULTED: the faulting address (page faults) */
	uint64_t ip;      /* RT_FAULTED: the faulting instruction */
};

/*
 * Starts boot binary `binary` as process `name` with grants[0..n) and
 * `quotas` (NULL: the schema defaults) out of the caller's own ledger.
 * Returns 0 with *handle (a ProcessHandle); a transport error (quota:
 * CAPOS_E_QUOTA, nothing happened); or CAPOS_E_NOT_ALLOWED when the
 * spawner refused with a CapException (unknown binary, bad ELF, bad
 * names), its reason copied to `why` if not NULL (why_len bytes, NUL
 * terminated).
 */
int rt_spawn(capos_cap_t spawner, const char *name, const char *binary,
             const struct rt_grant *grants, uint32_t n,
             const struct rt_quotas *quotas, capos_cap_t *handle, char *why,
             uint32_t why_len);

/* An endpoint the child serves (schema ExportDecl). */
struct rt_export {
	const char *name; /* its server facet's name in the child's CapSet */
	uint64_t interface_id; /* the interface it serves; never 0 */
};

#define RT_SPAWN_MAX_EXPORTS 16

/*
 * rt_spawn, and the child also serves exports[0..nexports) (at most
 * RT_SPAWN_MAX_EXPORTS): each is a new endpoint whose server facet is in
 * the child's CapSet after the grants, under the export's name, and
 * whose client facet is clients[i] in the caller's table (a ClientEndpoint
 * of the export's interface; copy and move). Returns as rt_spawn;
 * CAPOS_E_TOO_LARGE for too many exports. On any error no client facet
 * is the caller's.
 */
int rt_spawn_exports(capos_cap_t spawner, const char *name, const char *binary,
                     const struct rt_grant *grants, uint32_t n,
                     const struct rt_export *exports, uint32_t nexports,
                     const struct rt_quotas *quotas, capos_cap_t *handle,
                     capos_cap_t *clients, char *why, uint32_t why_len);

/* The caller's own ledger. Returns 0 or a negative error. */
int rt_spawner_ledger(capos_cap_t spawner, struct rt_quotas *limits,
                      struct rt_quotas *used);

/* Blocks until the process has ended. Returns 0 with *st, or an error. */
int rt_process_wait(capos_cap_t handle, struct rt_exit_status *st);

/*
 * Asynchronous wait: queues the wait call and returns its user_data (0:
 * the SQ is full, flush and retry). When its CQE arrives (rt_wait or
 * rt_next_completion), rt_process_wait_decode reads `result` (the buffer
 * the call wrote, RT_WAIT_RESULT_SIZE bytes, owned by the caller and
 * alive until then).
 */
#define RT_WAIT_RESULT_SIZE 80
uint64_t rt_process_wait_submit(capos_cap_t handle, void *result);
int rt_process_wait_decode(const struct capos_cqe *cqe, const void *result,
                           struct rt_exit_status *st);

/* Ends the process (its waiters see RT_KILLED). Returns 0 or an error. */
int rt_process_kill(capos_cap_t handle);

/* The process's state and ledger. name/binary may be NULL. */
struct rt_process_info {
	char name[32];
	char binary[32];
	bool running;
	struct rt_quotas limits, used;
};
int rt_process_info(capos_cap_t handle, struct rt_process_info *info);

#endif
