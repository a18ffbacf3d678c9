/*
 * linux_abi.c - the Linux x86_64 numbers the runtime's syscall shim spells
 * out for itself, taken here from the host's own Linux headers, so that
 * test_syscall_shim.c can check the shim's copies against them. A separate
 * file because those headers' macros collide with the shim's names.
 */
#include <asm/prctl.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "linux_abi.h"

const struct linux_abi linux_abi = {
    .sys = {SYS_read,          SYS_write,           SYS_mmap,
            SYS_mprotect,      SYS_munmap,          SYS_brk,
            SYS_rt_sigaction,  SYS_rt_sigprocmask,  SYS_ioctl,
            SYS_readv,         SYS_writev,          SYS_sched_yield,
            SYS_nanosleep,     SYS_getpid,          SYS_exit,
            SYS_arch_prctl,    SYS_gettid,          SYS_set_tid_address,
            SYS_clock_gettime, SYS_clock_nanosleep, SYS_exit_group},
    .err = {EIO, EBADF, ENOMEM, EACCES, ENODEV, EINVAL, ENOTTY, ENOSYS},
    .misc = {PROT_EXEC, MAP_SHARED, MAP_FIXED, MAP_ANONYMOUS, ARCH_SET_FS,
             ARCH_GET_FS, TIOCGWINSZ, TIMER_ABSTIME, CLOCK_REALTIME,
             CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
             CLOCK_BOOTTIME},
};
