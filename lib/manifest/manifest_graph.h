/*
 * manifest_graph.h - checks of a boot manifest's service graph, and the
 * order in which init spawns the services.
 *
 * Works on a plain C view of a SystemManifest (schema/capos.capnp), not on
 * Cap'n Proto bytes: the decoder fills these structs from the message and
 * this file decides whether the system they describe can start. Used by the
 * kernel at boot (with the boot modules' names) and by init (which trusts
 * the kernel's module check and passes none). Pure: no allocation, bounded
 * by the MANIFEST_MAX_* constants, the caller owns every buffer.
 *
 * The rules and every message are listed in docs/schema.md.
 */
#ifndef CAPOS_LIB_MANIFEST_GRAPH_H
#define CAPOS_LIB_MANIFEST_GRAPH_H

#include <stddef.h>
#include <stdint.h>

/* SystemManifest.schemaVersion this code understands. */
#define MANIFEST_SCHEMA_VERSION 1

#define MANIFEST_MAX_SERVICES 64 /* entries of services */
#define MANIFEST_MAX_BINARIES 64 /* entries of binaries */
#define MANIFEST_MAX_GRANTS   32 /* caps of one service, or of init */
#define MANIFEST_MAX_EXPORTS  16 /* exports of one service */
#define MANIFEST_MAX_NAME     31 /* bytes of any name (a CapSet entry's) */
#define MANIFEST_MAX_RESTARTS 32 /* restart.maxRestarts of one service */

/* A message buffer of this size holds every message in full. */
#define MANIFEST_MSG_SIZE 256

/* KernelSource in the schema; the values are its enumerant ordinals. */
enum manifest_kernel_source {
	MANIFEST_KSRC_CONSOLE = 0,
	MANIFEST_KSRC_TIMER = 1,
	MANIFEST_KSRC_FRAME_ALLOCATOR = 2,
	MANIFEST_KSRC_VIRTUAL_MEMORY = 3,
	MANIFEST_KSRC_BOOT_PACKAGE = 4,
	MANIFEST_KSRC_PROCESS_SPAWNER = 5,
	MANIFEST_KSRC_THREAD_SPAWNER = 6,
	MANIFEST_KSRC_THREAD_CONTROL = 7,
	MANIFEST_KSRC_ENDPOINT_FACTORY = 8,
	MANIFEST_KSRC_CAPABILITY_MANAGER = 9,
	MANIFEST_KSRC_COUNT
};

/* CapGrant.source's union discriminants, in the schema's order. */
enum manifest_grant_kind {
	MANIFEST_GRANT_KERNEL = 0,
	MANIFEST_GRANT_SERVICE = 1,
	MANIFEST_GRANT_KIND_COUNT
};

/* RestartMode in the schema; the values are its enumerant ordinals. */
enum manifest_restart_mode {
	MANIFEST_RESTART_NEVER = 0,
	MANIFEST_RESTART_ON_FAILURE = 1,
	MANIFEST_RESTART_ALWAYS = 2,
	MANIFEST_RESTART_MODE_COUNT
};

enum manifest_error {
	MANIFEST_OK = 0,
	MANIFEST_ERR_VERSION,           /* schemaVersion unsupported */
	MANIFEST_ERR_TOO_MANY,          /* a list over its MANIFEST_MAX_* */
	MANIFEST_ERR_BAD_NAME,          /* empty, too long, or bad bytes */
	MANIFEST_ERR_DUPLICATE_BINARY,  /* a name twice in binaries */
	MANIFEST_ERR_MISSING_MODULE,    /* binaries names no boot module */
	MANIFEST_ERR_UNDECLARED_BINARY, /* init/service binary not listed */
	MANIFEST_ERR_DUPLICATE_SERVICE, /* two services, one name */
	MANIFEST_ERR_DUPLICATE_CAP,     /* two caps, one name, one CapSet */
	MANIFEST_ERR_DUPLICATE_EXPORT,  /* export name reused in a CapSet */
	MANIFEST_ERR_BAD_SOURCE,        /* unknown source kind/kernel source */
	MANIFEST_ERR_SOURCE_NOT_HELD,   /* kernel source init does not hold */
	MANIFEST_ERR_UNKNOWN_SERVICE,   /* import from a missing service */
	MANIFEST_ERR_UNKNOWN_EXPORT,    /* import of a missing export */
	MANIFEST_ERR_BAD_INTERFACE,     /* export with interfaceId 0 */
	MANIFEST_ERR_QUOTA,             /* capSlots below caps + exports */
	MANIFEST_ERR_CYCLE,             /* services import in a circle */
	MANIFEST_ERR_RESTART,           /* bad restart mode or maxRestarts */
	MANIFEST_ERR_COUNT
};

/* Text from the message: not NUL-terminated, may hold any byte. */
struct manifest_name {
	const char *str;
	size_t len;
};

/* A manifest_name for a string literal. */
#define MANIFEST_NAME(lit) ((struct manifest_name){(lit), sizeof(lit) - 1})

/* InitConfig.caps[i]. */
struct manifest_kernel_grant {
	struct manifest_name name;
	uint16_t source; /* enum manifest_kernel_source, unchecked */
};

/* ServiceDecl.caps[i]. */
struct manifest_grant {
	struct manifest_name name;
	uint16_t kind;   /* enum manifest_grant_kind, unchecked */
	uint16_t kernel; /* kind KERNEL: enum manifest_kernel_source */
	struct manifest_name service; /* kind SERVICE: the exporter */
	struct manifest_name export;  /* kind SERVICE: its export */
};

/* ServiceDecl.exports[i]. */
struct manifest_export {
	struct manifest_name name;
	uint64_t interface_id;
};

/* ServiceDecl.quotas: schema Quotas, defaults filled in. */
struct manifest_quotas {
	uint32_t frames;
	uint32_t cap_slots;
	uint32_t threads;
	uint32_t endpoint_queue;
	uint64_t kernel_memory;
};

/* ServiceDecl.restart: schema RestartPolicy, defaults filled in. */
struct manifest_restart {
	uint16_t mode; /* enum manifest_restart_mode, unchecked */
	uint32_t max_restarts;
	uint32_t window_ms;
};

/* SystemManifest.services[i]. */
struct manifest_service {
	struct manifest_name name;
	struct manifest_name binary;
	const struct manifest_grant *caps;
	size_t ncaps;
	const struct manifest_export *exports;
	size_t nexports;
	struct manifest_quotas quotas;
	struct manifest_restart restart;
};

/* What of a SystemManifest the checks need. */
struct manifest_graph {
	uint32_t schema_version;
	const struct manifest_name *binaries;
	size_t nbinaries;
	struct manifest_name init_binary;
	const struct manifest_kernel_grant *init_caps;
	size_t ninit_caps;
	const struct manifest_service *services;
	size_t nservices;
};

/* The result of a successful check: how init starts the system. */
struct manifest_plan {
	/* Service indices in spawn order: each after every service it
	 * imports from, ties broken by manifest order. */
	size_t count;
	uint8_t order[MANIFEST_MAX_SERVICES];
	/* For services[s].caps[c] of kind SERVICE: the exporter's index in
	 * services and the export's index in its exports. */
	uint8_t provider[MANIFEST_MAX_SERVICES][MANIFEST_MAX_GRANTS];
	uint8_t export_index[MANIFEST_MAX_SERVICES][MANIFEST_MAX_GRANTS];
	/* On MANIFEST_ERR_CYCLE: one cycle's members, each importing from the
	 * next and the last from the first. */
	size_t cycle_len;
	uint8_t cycle[MANIFEST_MAX_SERVICES];
};

/*
 * Checks g. modules lists the boot modules' names; with modules NULL the
 * module check is skipped (init: the kernel made it). Returns MANIFEST_OK
 * and fills plan (msg gets ""), or the first error found and a message
 * naming the offending field in msg (NUL-terminated, truncated to msg_size;
 * msg may be NULL when msg_size is 0). The checks run in a fixed order
 * (docs/schema.md), so one manifest always gives the same error.
 */
enum manifest_error manifest_graph_check(const struct manifest_graph *g,
                                         const struct manifest_name *modules,
                                         size_t nmodules,
                                         struct manifest_plan *plan, char *msg,
                                         size_t msg_size);

/* Returns the error's constant name without its prefix ("CYCLE"). */
const char *manifest_error_name(enum manifest_error err);

/* Returns the schema's name of a kernel source ("frameAllocator"), or NULL
 * if source is not one. */
const char *manifest_kernel_source_name(uint16_t source);

#endif
