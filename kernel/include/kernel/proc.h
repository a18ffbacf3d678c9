/*
 * proc.h - processes: an address space, a capability table and threads.
 *
 * State machine: ALIVE -> EXITING (exit, fault or kill: threads are told
 * to die) -> DEAD (last thread gone: every frame, page table, kernel stack
 * and cap slot has been returned). A DEAD process keeps only its exit
 * status until whoever waits for it lets go.
 */
#ifndef CAPOS_KERNEL_PROC_H
#define CAPOS_KERNEL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <capos/errors.h>
#include <cap_table.h>
#include <ledger.h>
#include <kernel/as.h>
#include <kernel/kobject.h>
#include <kernel/printk.h>

struct thread;

enum process_state { PROC_ALIVE, PROC_EXITING, PROC_DEAD };

enum exit_kind { EXIT_NORMAL, EXIT_FAULT, EXIT_KILLED };

#define PROC_NAME_MAX 32

/* Fixed user addresses of what the kernel maps into every process. */
#define USER_CAPSET_ADDR 0x0000000000100000ull /* read-only CapSet page */
#define USER_RING_BASE   0x0000000000200000ull /* ring pages, one per thread */
#define USER_STACK_TOP   0x00007FFFFFF00000ull
#define USER_STACK_PAGES 16 /* 64 KiB, with an unmapped guard page below */
#define USER_STACK_LIMIT (USER_STACK_TOP - (USER_STACK_PAGES + 1) * PAGE_SIZE)

struct process {
	char name[PROC_NAME_MAX];
	uint32_t pid;
	enum process_state state;
	enum exit_kind exit_kind;
	int64_t exit_code;
	struct {
		uint8_t vector;
		uint64_t error, address, ip;
	} fault;          /* EXIT_FAULT: what the CPU reported */
	uint64_t session; /* opaque label it runs under (0: none) */
	struct addr_space as;
	struct cap_table caps;
	struct cap_slot *cap_slots;
	struct thread *threads;
	uint32_t nthreads;
	uint64_t ring_slots_used[4]; /* ring page slots (bitmap, 256) */
	uint64_t entry;              /* program entry point */
	uint32_t refs; /* the threads count as one; handles add theirs */
	struct exit_waiter *exit_waiters; /* ProcessHandle.wait calls */
	char binary[PROC_NAME_MAX];
	/* The ledger (docs/ledger.md). Cap slots: the limit is the table's
	 * quota and the table counts what is used. */
	struct ledger ledger;
	struct process *ledger_parent; /* whose ledger it was carved from */
	struct mapping *mappings;      /* memory objects mapped into it */
	uint64_t map_next;             /* where the next hint-0 mapping goes */
	/* VirtualMemory reservations (kernel/object/virtual_memory.c). */
	struct vm_region *vm_regions;
};

/* The initial capabilities a process is started with. */
struct proc_grant {
	const char *name; /* as it appears in the CapSet */
	struct kobject *obj;
};

/* Woken (and unlinked) when the process is DEAD. */
struct exit_waiter {
	void (*notify)(struct exit_waiter *w, struct process *p);
	struct exit_waiter *next;
};
void process_add_exit_waiter(struct process *p, struct exit_waiter *w);
void process_remove_exit_waiter(struct process *p, struct exit_waiter *w);

/* Largest capSlots quota a process can have (one table, 16-bit index). */
#define PROC_CAP_SLOTS_MAX 4096

/*
 * Creates a process from an ELF image (kernel memory), not yet running:
 * its ledger (limits carved out of parent's ledger, or standing alone
 * when parent is NULL), address space, program, stack and an empty cap
 * table. Every resource it takes is charged to its own ledger first.
 * Returns the process, or NULL with *err set (an elf_error, or a
 * CAPOS_E_* code: CAPOS_E_QUOTA when a ledger cannot pay) and nothing
 * changed anywhere. Finish with process_start or process_abort.
 */
struct process *process_create(const char *name, const char *binary,
                               const void *elf, size_t len,
                               struct process *parent,
                               const uint64_t limits[LEDGER_COUNT], int *err);

/* One CapSet entry: the cap table already holds `cap`. */
struct capset_desc {
	const char *name;
	uint32_t cap;
	uint64_t interface_id;
};

/* Builds the CapSet page from entries[0..n) and starts the first thread.
 * Returns 0 or a CAPOS_E_* code (then only process_abort is allowed). */
int process_start(struct process *p, const struct capset_desc *entries,
                  uint32_t n);
/* process_start in two steps: everything that can fail (the thread is
 * made but does not run; process_abort undoes it), then what cannot. */
int process_start_prepare(struct process *p, const struct capset_desc *entries,
                          uint32_t n);
void process_start_commit(struct process *p);

/* p's ledger as numbers, in enum ledger_resource order. Cap slots used
 * come from its table. */
void process_ledger_values(const struct process *p, uint64_t limits[],
                           uint64_t used[]);

/* Takes apart a process that never started and returns its ledger. */
void process_abort(struct process *p);

/* The ledger limits of a kernel-started process (init): the machine. */
void process_root_limits(uint64_t limits[LEDGER_COUNT]);

/*
 * create + a cap slot per grant + start, for processes the kernel starts
 * itself (init; run= on the command line) with `limits` (NULL: the
 * schema's defaults). Returns the process, or NULL with *err set and
 * nothing left allocated.
 */
struct process *process_spawn(const char *name, const void *elf, size_t len,
                              const struct proc_grant *grants, uint32_t ngrants,
                              const uint64_t *limits, int *err);

/* The current thread's process, or NULL for kernel threads. */
struct process *current_process(void);

/* Loads p's address space on this CPU (inline: every switch does). */
static inline void process_activate(struct process *p)
{
	as_activate(&p->as);
}

/* Ends the current process (exit system call). */
__attribute__((noreturn)) void process_exit(int64_t code);
/* A user-mode CPU exception: report it and kill the current process. */
void process_fault(const char *what, uint8_t vector, uint64_t error,
                   uint64_t addr, uint64_t ip);
/* Marks every thread of p to die at its next return to user mode. */
void process_kill(struct process *p, enum exit_kind kind, int64_t code);
/* The current thread leaves; the last one out tears the process down. */
__attribute__((noreturn)) void thread_exit_current(void);

/* Looks up a CapId in p's table. Returns 0 with *obj, or CAPOS_E_BAD_CAP.
 * Inline: every RECV, RETURN and CALL under the lock does one. */
static inline int process_cap_lookup(struct process *p, uint32_t cap,
                                     struct kobject **obj)
{
	struct cap_slot *slot;

	if (cap_table_lookup(&p->caps, cap, &slot))
		return CAPOS_E_BAD_CAP;
	*obj = slot->object;
	return 0;
}
/* Removes a CapId from p's table (RELEASE). Returns 0 or CAPOS_E_BAD_CAP. */
int process_cap_release(struct process *p, uint32_t cap);

/* Maps fresh zeroed frames owned by p's address space (loader, stacks). */
int process_map_fresh(struct process *p, uint64_t va, uint64_t pages,
                      unsigned flags, void **first_kview);
/*
 * Creates a user thread of p (not yet runnable) that will enter user mode
 * at entry with rsp = stack and rdi = its ring, rsi = its id, rdx = arg.
 * Charged to p's threads, kernel memory and frames (its ring page) first.
 * Returns it, or NULL with *err (CAPOS_E_QUOTA) and nothing changed.
 */
struct thread *process_add_thread(struct process *p, uint64_t entry,
                                  uint64_t stack, uint64_t arg, int *err);
/* Ring pages a process can have at once: one per live thread. */
#define PROC_RING_SLOTS 256

/* Copies a NUL-terminated name into a PROC_NAME_MAX / CapSet name field. */
static inline void strncpy_capset(char *dst, const char *src)
{
	size_t i = 0;

	for (; i + 1 < PROC_NAME_MAX && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

/* References that keep the struct (not the resources) alive. */
static inline void process_get(struct process *p)
{
	p->refs++;
}
/* Drops a reference; the last frees p (process_free). */
void process_free(struct process *p);
static inline void process_put(struct process *p)
{
	if (--p->refs == 0)
		process_free(p);
}
/* Blocks the calling kernel thread until p is DEAD. */
void process_wait_dead(struct process *p);

/* The ledger: returns 0 and charges, or -1 (nothing charged). */
int ledger_charge_frames(struct process *p, uint64_t n);
void ledger_refund_frames(struct process *p, uint64_t n);
#define LEDGER_HAS_KMEM 1
/* A dead process's ledger, once empty, goes back to its parent's. */
void ledger_settle(struct process *p);
/* Kernel memory (inline: every endpoint call charges its record). */
static inline int ledger_charge_kmem(struct process *p, uint64_t bytes)
{
	return ledger_charge(&p->ledger, LEDGER_KERNEL_MEMORY, bytes);
}
static inline void ledger_refund_kmem(struct process *p, uint64_t bytes)
{
	KASSERT(ledger_refund(&p->ledger, LEDGER_KERNEL_MEMORY, bytes) == 0);
	if (p->state == PROC_DEAD)
		ledger_settle(p);
}
/* Cap slots in use by p (its table counts them). */
uint32_t process_cap_slots_used(const struct process *p);

/* Mappings of memory objects into p (kernel/object/memory.c). */
struct mapping {
	struct kobject *obj;
	uint64_t va, pages;
	struct mapping *next;
};
/* Returns a free page-aligned range of len bytes at or above base, or 0. */
uint64_t process_find_free_range(struct process *p, uint64_t base,
                                 uint64_t len);
/* Records a mapping (taking a reference to obj). Returns 0, -1 if the
 * range is not free user space, -2 if out of memory. */
int process_add_mapping(struct process *p, struct kobject *obj, uint64_t va,
                        uint64_t pages);
/* Unmaps and forgets exactly that mapping. Returns 0 or -1. */
int process_remove_mapping(struct process *p, struct kobject *obj, uint64_t va,
                           uint64_t pages);

/* The schema's Quotas defaults (what run= and spawnloop programs get). */
#define PROC_FRAMES_QUOTA_DEFAULT 4096
extern const uint64_t proc_default_limits[LEDGER_COUNT];

/* Whether the end of every process is printed (cmdline "quiet=exits"
 * keeps only faults: storms and benchmarks). */
extern bool process_log_exits;

/* Counters for tests: live processes. */
uint32_t process_count(void);

#endif
