/*
 * crash.h - deliberate failures for the system tests (kernel/test/crash.c).
 */
#ifndef CAPOS_KERNEL_CRASH_H
#define CAPOS_KERNEL_CRASH_H

__attribute__((noreturn)) void crash_run(const char *kind);

#endif
