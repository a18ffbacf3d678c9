/*
 * Host smoke test of our libc.a: musl with every system call routed to
 * __capos_syscall, here the test hook in host_hook.c that forwards to Linux.
 * It proves, before the capOS kernel can run a program, that libc works end
 * to end through the hook: stdio, strings, sorting, malloc (brk and mmap),
 * errno in TLS, clock_gettime without a vDSO, and our overrides of musl's
 * assembly (thread creation through clone, detached thread exit through
 * __unmapself, the cancellable call, vfork).
 *
 * Prints "ok NAME" or "FAIL NAME: why" per test, then a count line; exits 0
 * only if all passed. `make check-libc-smoke` also compares the output with
 * smoke.expected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "host_hook.h"

/* Inside libc.a: the end of the cancellable call's range (syscall_cp.s). */
extern const char __cp_end[];

static int passed, failed;
static const char *failure;

/* Records the first failed condition of the running test. */
#define CHECK(cond)                      \
	do {                             \
		if (!(cond) && !failure) \
			failure = #cond; \
	} while (0)

static void run(const char *name, void (*test)(void))
{
	failure = NULL;
	test();
	if (failure) {
		failed++;
		printf("FAIL %s: %s\n", name, failure);
	} else {
		passed++;
		printf("ok %s\n", name);
	}
	fflush(stdout);
}

static void printf_writes_through_writev_hook(void)
{
	unsigned long before = hook_count(SYS_writev);

	printf("printf: %d %s %.3f %#x %-5s|%c\n", 42, "capOS", 3.14159, 255,
	       "ab", 'Z');
	CHECK(fflush(stdout) == 0);
	CHECK(hook_count(SYS_writev) > before);
}

static void snprintf_truncates_and_counts(void)
{
	char buf[16];
	/* Hidden from gcc, which would refuse the truncation we test. */
	volatile size_t size = sizeof buf;
	int n = snprintf(buf, size, "%s-%05d-%.2e", "ab", 42, 12345.678);

	CHECK(n == 17);
	CHECK(strcmp(buf, "ab-00042-1.23e+") == 0);
	CHECK(snprintf(NULL, 0, "%lu", 18446744073709551615UL) == 20);
}

static void strlen_counts_bytes(void)
{
	static char big[1001];

	memset(big, 'x', 1000);
	CHECK(strlen("capability") == 10);
	CHECK(strlen("") == 0);
	CHECK(strlen(big) == 1000);
	CHECK(strlen(big + 3) == 997);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void qsort_sorts_ints_and_strings(void)
{
	static int v[1000];
	const char *s[] = {"ring", "cap", "kernel", "epoch", "badge", "zone"};
	uint32_t x = 12345;
	long sum = 0, sorted_sum = 0;

	for (int i = 0; i < 1000; i++) {
		x = x * 1103515245u + 12345u;
		v[i] = (int)(x >> 8) - (1 << 22);
		sum += v[i];
	}
	qsort(v, 1000, sizeof v[0], cmp_int);
	for (int i = 0; i < 1000; i++) {
		sorted_sum += v[i];
		if (i > 0)
			CHECK(v[i - 1] <= v[i]);
	}
	CHECK(sum == sorted_sum);

	qsort(s, 6, sizeof s[0], cmp_str);
	CHECK(strcmp(s[0], "badge") == 0);
	CHECK(strcmp(s[1], "cap") == 0);
	CHECK(strcmp(s[5], "zone") == 0);
}

static void malloc_small_blocks_hold_their_bytes(void)
{
	static unsigned char *p[1000];

	for (int i = 0; i < 1000; i++) {
		p[i] = malloc(i + 1);
		CHECK(p[i] != NULL);
		if (p[i])
			memset(p[i], i & 0xff, i + 1);
	}
	for (int i = 0; i < 1000; i++) {
		for (int j = 0; p[i] && j <= i; j++)
			CHECK(p[i][j] == (i & 0xff));
		free(p[i]);
	}
	void *q = calloc(100, 100);
	CHECK(q != NULL);
	CHECK(q && ((unsigned char *)q)[9999] == 0);
	free(q);
}

static void malloc_large_block_maps_and_unmaps(void)
{
	unsigned long maps = hook_count(SYS_mmap);
	unsigned long unmaps = hook_count(SYS_munmap);
	char *p = malloc(1 << 20);

	CHECK(p != NULL);
	CHECK(hook_count(SYS_mmap) > maps);
	if (p) {
		memset(p, 0x5a, 1 << 20);
		CHECK(p[(1 << 20) - 1] == 0x5a);
	}
	free(p);
	CHECK(hook_count(SYS_munmap) > unmaps);
}

static void failed_call_sets_errno(void)
{
	unsigned long before = hook_count(SYS_close);

	errno = 0;
	CHECK(close(-1) == -1);
	CHECK(errno == EBADF);
	CHECK(hook_count(SYS_close) == before + 1);
}

static void clock_gettime_calls_hook_not_vdso(void)
{
	struct timespec a, b;
	unsigned long before = hook_count(SYS_clock_gettime);

	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	CHECK(hook_count(SYS_clock_gettime) == before + 2);
	CHECK(b.tv_sec > a.tv_sec ||
	      (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
	CHECK(a.tv_sec != 0 || a.tv_nsec != 0);
}

enum { NTHREADS = 4, ROUNDS = 10000 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long shared_counter;
static __thread long tls_value = 7;

static void *count_thread(void *arg)
{
	long id = (long)arg;

	if (tls_value != 7)
		return (void *)-1L;
	tls_value = 100 + id;
	errno = (int)(1000 + id);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		shared_counter++;
		pthread_mutex_unlock(&lock);
		sched_yield();
	}
	if (tls_value != 100 + id || errno != 1000 + id)
		return (void *)-2L;
	return (void *)(id * 10);
}

static void threads_start_through_clone_and_join(void)
{
	pthread_t t[NTHREADS];
	unsigned long clones = hook_count(SYS_clone);

	tls_value = 1;
	for (long i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, count_thread, (void *)i) ==
		      0);
	for (long i = 0; i < NTHREADS; i++) {
		void *r = NULL;

		CHECK(pthread_join(t[i], &r) == 0);
		CHECK(r == (void *)(i * 10));
	}
	CHECK(shared_counter == NTHREADS * ROUNDS);
	CHECK(tls_value == 1);
	CHECK(hook_count(SYS_clone) == clones + NTHREADS);
}

static volatile int detached_ran;

static void *detached_thread(void *arg)
{
	(void)arg;
	detached_ran = 1;
	return NULL;
}

static void *nothing_thread(void *arg)
{
	return arg;
}

/* Waits up to 5 s for the hook to have seen more than `base` calls of n. */
static int wait_for_count(long n, unsigned long base)
{
	struct timespec tick = {0, 1000000};

	for (int i = 0; i < 5000; i++) {
		if (hook_count(n) > base)
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

static void detached_thread_unmaps_its_stack_and_exits(void)
{
	pthread_attr_t attr;
	pthread_t t;
	void *r = NULL;
	unsigned long exits = hook_count(SYS_exit);
	unsigned long unmaps = hook_count(SYS_munmap);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	CHECK(pthread_create(&t, &attr, detached_thread, NULL) == 0);
	pthread_attr_destroy(&attr);
	CHECK(wait_for_count(SYS_exit, exits));
	CHECK(detached_ran);
	CHECK(hook_count(SYS_munmap) > unmaps);
	/* The thread list lock it held is free again: threads still start. */
	CHECK(pthread_create(&t, NULL, nothing_thread, (void *)5L) == 0);
	CHECK(pthread_join(t, &r) == 0);
	CHECK(r == (void *)5L);
}

static int cancel_pipe[2];

static void *self_cancelling_thread(void *arg)
{
	char c;

	(void)arg;
	pthread_cancel(pthread_self());
	read(cancel_pipe[0], &c, 1); /* a cancellation point: never returns */
	return NULL;
}

static void pending_cancel_stops_call_before_hook(void)
{
	pthread_t t;
	void *r = NULL;
	unsigned long reads;

	CHECK(pipe(cancel_pipe) == 0);
	reads = hook_count(SYS_read);
	CHECK(pthread_create(&t, NULL, self_cancelling_thread, NULL) == 0);
	CHECK(pthread_join(t, &r) == 0);
	CHECK(r == PTHREAD_CANCELED);
	CHECK(hook_count(SYS_read) == reads);
	close(cancel_pipe[0]);
	close(cancel_pipe[1]);
}

static void cancellable_call_passes_all_six_arguments(void)
{
	int sv[2];
	char buf[16] = {0};
	struct sockaddr_un from;
	socklen_t len = sizeof from;

	memset(&from, 0xff, sizeof from);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	/* Linux gives the sender an abstract name, so it has an address. */
	CHECK(bind(sv[0], &(struct sockaddr){.sa_family = AF_UNIX},
	           sizeof(sa_family_t)) == 0);
	CHECK(sendto(sv[0], "capos", 5, 0, NULL, 0) == 5);
	CHECK(recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&from,
	               &len) == 5);
	CHECK(memcmp(buf, "capos", 5) == 0);
	/* Linux wrote that address through e and updated its length via f. */
	CHECK(len > offsetof(struct sockaddr_un, sun_path) &&
	      len < sizeof from);
	CHECK(from.sun_family == AF_UNIX && from.sun_path[0] == '\0');
	/* recvfrom went through __syscall_cp_asm, whose call returns there. */
	CHECK(hook_last_caller(SYS_recvfrom) == (void *)__cp_end);
	close(sv[0]);
	close(sv[1]);
}

static void vfork_forks_through_hook(void)
{
	unsigned long forks = hook_count(SYS_fork);
	int status = 0;
	pid_t pid = vfork();

	if (pid == 0)
		_exit(7);
	CHECK(pid > 0);
	CHECK(hook_count(SYS_fork) == forks + 1);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

int main(void)
{
	/* Links pthread_cancel, so cancellation points use syscall_cp.s. */
	static int (*volatile keep)(pthread_t) = pthread_cancel;

	(void)keep;
	run("printf_writes_through_writev_hook",
	    printf_writes_through_writev_hook);
	run("snprintf_truncates_and_counts", snprintf_truncates_and_counts);
	run("strlen_counts_bytes", strlen_counts_bytes);
	run("qsort_sorts_ints_and_strings", qsort_sorts_ints_and_strings);
	run("malloc_small_blocks_hold_their_bytes",
	    malloc_small_blocks_hold_their_bytes);
	run("malloc_large_block_maps_and_unmaps",
	    malloc_large_block_maps_and_unmaps);
	run("failed_call_sets_errno", failed_call_sets_errno);
	run("clock_gettime_calls_hook_not_vdso",
	    clock_gettime_calls_hook_not_vdso);
	run("threads_start_through_clone_and_join",
	    threads_start_through_clone_and_join);
	run("detached_thread_unmaps_its_stack_and_exits",
	    detached_thread_unmaps_its_stack_and_exits);
	run("pending_cancel_stops_call_before_hook",
	    pending_cancel_stops_call_before_hook);
	run("cancellable_call_passes_all_six_arguments",
	    cancellable_call_passes_all_six_arguments);
	run("vfork_forks_through_hook", vfork_forks_through_hook);
	printf("libc smoke: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
