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
#include <cap_table.h>
#include <kernel/as.h>
#include <kernel/kobject.h>

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
	int exit_code;
	struct addr_space as;
	struct cap_table caps;
	struct cap_slot *cap_slots;
	struct thread *threads;
	uint32_t nthreads;
	uint32_t ring_slots; /* ring pages handed out so far */
	uint64_t entry;      /* program entry point */
	uint32_t refs;       /* the threads count as one; handles add theirs */
	struct thread *waiter; /* woken when the process is DEAD */
	/* The ledger (docs/ledger.md): frames of memory objects it made. */
	uint64_t frames_quota, frames_used;
	struct mapping *mappings; /* memory objects mapped into it */
	uint64_t map_next;        /* where the next hint-0 mapping goes */
};

/* The initial capabilities a process is started with. */
struct proc_grant {
	const char *name; /* as it appears in the CapSet */
	struct kobject *obj;
};

/*
 * Creates a process from an ELF image (kernel memory) with exactly the
 * given capabilities, and makes its first thread runnable. Returns the
 * process, or NULL with *err set (an elf_error or a CAPOS_E_* code) and
 * nothing left allocated.
 */
struct process *process_spawn(const char *name, const void *elf, size_t len,
                              const struct proc_grant *grants, uint32_t ngrants,
                              int *err);

/* The current thread's process, or NULL for kernel threads. */
struct process *current_process(void);

void process_activate(struct process *p);

/* Ends the current process (exit system call). */
__attribute__((noreturn)) void process_exit(int code);
/* A user-mode CPU exception: report it and kill the current process. */
void process_fault(const char *what, uint64_t error, uint64_t addr,
                   uint64_t ip);
/* Marks every thread of p to die at its next return to user mode. */
void process_kill(struct process *p, enum exit_kind kind, int code);
/* The current thread leaves; the last one out tears the process down. */
__attribute__((noreturn)) void thread_exit_current(void);

/* Looks up a CapId in p's table. Returns 0 with *obj, or CAPOS_E_BAD_CAP. */
int process_cap_lookup(struct process *p, uint32_t cap, struct kobject **obj);
/* Removes a CapId from p's table (RELEASE). Returns 0 or CAPOS_E_BAD_CAP. */
int process_cap_release(struct process *p, uint32_t cap);

/* Maps fresh zeroed frames owned by p's address space (loader, stacks). */
int process_map_fresh(struct process *p, uint64_t va, uint64_t pages,
                      unsigned flags, void **first_kview);
struct thread *process_add_thread(struct process *p, int *err);

/* Copies a NUL-terminated name into a PROC_NAME_MAX / CapSet name field. */
static inline void strncpy_capset(char *dst, const char *src)
{
	size_t i = 0;

	for (; i + 1 < PROC_NAME_MAX && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

/* References that keep the struct (not the resources) alive. */
void process_get(struct process *p);
void process_put(struct process *p);
/* Blocks the calling kernel thread until p is DEAD. */
void process_wait_dead(struct process *p);

/* The ledger: returns 0 and charges, or -1 (nothing charged). */
int ledger_charge_frames(struct process *p, uint64_t n);
void ledger_refund_frames(struct process *p, uint64_t n);

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

/* Default frames quota: 16 MiB (schema Quotas.frames). */
#define PROC_FRAMES_QUOTA_DEFAULT 4096

/* Counters for tests: live processes. */
uint32_t process_count(void);

#endif
