/*
 * boot_layout.h - fixed virtual addresses of the kernel's address space.
 *
 * Shared by assembly and C, so only #defines. docs/memory.md has the map.
 */
#ifndef CAPOS_BOOT_LAYOUT_H
#define CAPOS_BOOT_LAYOUT_H

/* All of physical memory, mapped RW+NX, for the kernel's own use. */
#define DIRECT_MAP_BASE 0xFFFF800000000000
/* The kernel image: virtual = physical + KERNEL_VIRT_BASE. */
#define KERNEL_VIRT_BASE 0xFFFFFFFF80000000
/* Highest user address + 1 (canonical lower half). */
#define USER_SPACE_END 0x0000800000000000

#define PAGE_SIZE       4096
#define BOOT_STACK_SIZE (16 * 1024)

#endif
