/*
 * objects.h - the kernel objects that exist once per system.
 */
#ifndef CAPOS_KERNEL_OBJECTS_H
#define CAPOS_KERNEL_OBJECTS_H

#include <kernel/kobject.h>

#include <capos.capnp.h>

/* Interface ids: the generated ones (gen/capos.capnp.h). */
#define IFACE_CONSOLE         CAPOS_CONSOLE_INTERFACE_ID
#define IFACE_TIMER           CAPOS_TIMER_INTERFACE_ID
#define IFACE_THREAD_CONTROL  CAPOS_THREAD_CONTROL_INTERFACE_ID
#define IFACE_FRAME_ALLOCATOR CAPOS_FRAME_ALLOCATOR_INTERFACE_ID
#define IFACE_MEMORY_OBJECT   CAPOS_MEMORY_OBJECT_INTERFACE_ID
#define IFACE_VIRTUAL_MEMORY  CAPOS_VIRTUAL_MEMORY_INTERFACE_ID

extern struct kobject console_object;
extern struct kobject timer_object;
extern struct kobject thread_control_object;
extern struct kobject frame_allocator_object;
extern struct kobject virtual_memory_object; /* the caller's own space */
extern struct kobject boot_package_object;

#define IFACE_BOOT_PACKAGE CAPOS_BOOT_PACKAGE_INTERFACE_ID

/* A read-only MemoryObject over a boot module's frames (page aligned). */
struct kobject *memory_object_for_module(uint64_t start, uint64_t size);

/* The boot package serves these modules; the manifest is "manifest.bin". */
struct boot_info;
void boot_package_init(const struct boot_info *bi);

extern struct kobject process_spawner_object;
extern struct kobject endpoint_factory_object;
extern struct kobject thread_spawner_object;

/* A user thread is ending: its ThreadHandle (if any) keeps its code and
 * completes the joins (kernel/object/thread_spawner.c). */
struct thread;
void thread_handle_exited(struct thread *t);

#define IFACE_CAPABILITY_MANAGER CAPOS_CAPABILITY_MANAGER_INTERFACE_ID
/* Lists and revokes caps in the caller's own table (cap_manager.c). */
extern struct kobject capability_manager_object;

/* A ProcessHandle for a child still to be made, its kernel memory
 * charged to owner. Returns it (one reference) or NULL with *err. */
struct process;
struct kobject *process_handle_create(struct process *owner, int *err);
/* Points the handle at its child (once, after the spawn succeeded). */
void process_handle_attach(struct kobject *handle, struct process *child);
/* p's ledger into two Quotas builders (ProcessHandle.info, ledger). */
struct capos_quotas_builder;
void process_ledger_fill(const struct process *p,
                         struct capos_quotas_builder *limits,
                         struct capos_quotas_builder *used);

/* Serial input arrives by polling from the timer tick. */
void console_poll_input(void);

#endif
