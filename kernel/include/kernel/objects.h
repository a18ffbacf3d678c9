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

extern struct kobject console_object;
extern struct kobject timer_object;
extern struct kobject thread_control_object;
extern struct kobject frame_allocator_object;
extern struct kobject boot_package_object;

#define IFACE_BOOT_PACKAGE CAPOS_BOOT_PACKAGE_INTERFACE_ID

/* A read-only MemoryObject over a boot module's frames (page aligned). */
struct kobject *memory_object_for_module(uint64_t start, uint64_t size);

/* The boot package serves these modules; the manifest is "manifest.bin". */
struct boot_info;
void boot_package_init(const struct boot_info *bi);

/* Serial input arrives by polling from the timer tick. */
void console_poll_input(void);

#endif
