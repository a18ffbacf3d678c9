/*
 * objects.h - the kernel objects that exist once per system.
 */
#ifndef CAPOS_KERNEL_OBJECTS_H
#define CAPOS_KERNEL_OBJECTS_H

#include <kernel/kobject.h>

/* Interface ids, as capnp assigns them (docs/schema.md). */
#define IFACE_CONSOLE         0xc4c9645d7e0bdd0eull
#define IFACE_TIMER           0x978d525959459ea6ull
#define IFACE_THREAD_CONTROL  0xec636326a45dd1a6ull
#define IFACE_FRAME_ALLOCATOR 0xe32d0bfde73efbf6ull
#define IFACE_MEMORY_OBJECT   0x9da51281d0031e84ull

extern struct kobject console_object;
extern struct kobject timer_object;
extern struct kobject thread_control_object;
extern struct kobject frame_allocator_object;
extern struct kobject boot_package_object;

#define IFACE_BOOT_PACKAGE 0xaf44c33700f86f48ull

/* A read-only MemoryObject over a boot module's frames (page aligned). */
struct kobject *memory_object_for_module(uint64_t start, uint64_t size);

/* The boot package serves these modules; the manifest is "manifest.bin". */
struct boot_info;
void boot_package_init(const struct boot_info *bi);

/* Serial input arrives by polling from the timer tick. */
void console_poll_input(void);

#endif
