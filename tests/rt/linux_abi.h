/*
 * linux_abi.h - Linux x86_64 constants from the host's headers, in the
 * order test_syscall_shim.c compares them with the shim's (linux_abi.c).
 */
#ifndef CAPOS_TESTS_RT_LINUX_ABI_H
#define CAPOS_TESTS_RT_LINUX_ABI_H

struct linux_abi {
	long sys[21];
	long err[8];
	long misc[13];
};

extern const struct linux_abi linux_abi;

#endif
