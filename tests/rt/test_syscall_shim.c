/*
 * test_syscall_shim.c - unit tests for user/rt/syscall_shim.c, the
 * runtime's __capos_syscall, run on the host: each translation against
 * stub Console, Timer and ThreadControl clients; every bad argument's
 * error; the memory arena (brk, mmap, munmap, mprotect); and the shim's
 * Linux numbers against the host's Linux headers (linux_abi.c).
 *
 * The shim is included, not linked, so each test can start from a fresh
 * shim (its state is static).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../user/rt/syscall_shim.c"
#include "linux_abi.h"

enum { CAP_CONSOLE = 11, CAP_TIMER = 12, CAP_THREAD = 13 };
enum { TC_EXIT = 0, TC_SET_TLS_BASE = 1 };

uint64_t rt_thread_id = 77;

static struct {
	bool console, timer, thread; /* which caps the CapSet holds */
	int lookups;
	char out[65536];
	size_t out_len;
	int writes;
	uint32_t write_len[8];
	int write_fail_at; /* this write fails; -1: none */
	const char *in;
	uint32_t read_max;
	int reads;
	int read_rc; /* 0: deliver `in` */
	uint64_t now;
	int now_rc;
	uint64_t slept;
	int sleeps;
	int tc_calls;
	uint16_t tc_method;
	uint64_t tc_value;
	int tc_rc;
	bool tc_exception;
	int exit_code;
} stub;

static jmp_buf exit_jmp;

capos_cap_t rt_capset_find(const char *name, uint64_t interface_id)
{
	stub.lookups++;
	if (!strcmp(name, "console") && interface_id == RT_IFACE_CONSOLE)
		return stub.console ? CAP_CONSOLE : CAPOS_CAP_NULL;
	if (!strcmp(name, "timer") && interface_id == RT_IFACE_TIMER)
		return stub.timer ? CAP_TIMER : CAPOS_CAP_NULL;
	if (!strcmp(name, "thread") && interface_id == RT_IFACE_THREAD_CONTROL)
		return stub.thread ? CAP_THREAD : CAPOS_CAP_NULL;
	return CAPOS_CAP_NULL;
}

/* Only ThreadControl is called directly; its exit never returns. */
int rt_call(capos_cap_t cap, uint16_t method, const void *params,
            uint32_t params_len, void *result, uint32_t result_len,
            bool *exception)
{
	struct capnp_segment seg[2];
	struct capnp_msg msg;
	struct capnp_struct root;

	(void)result;
	assert_int_equal(cap, CAP_THREAD);
	assert_true(result_len >= 16);
	assert_int_equal(
	    capnp_msg_init_stream(&msg, params, params_len, seg, 2), CAPNP_OK);
	assert_int_equal(capnp_root(&msg, &root), CAPNP_OK);
	stub.tc_calls++;
	stub.tc_method = method;
	stub.tc_value = capnp_struct_get_u64(&root, 0, 0);
	if (method == TC_EXIT)
		longjmp(exit_jmp, 2);
	*exception = stub.tc_exception;
	return stub.tc_rc;
}

int rt_console_write(capos_cap_t console, const void *data, uint32_t len)
{
	assert_int_equal(console, CAP_CONSOLE);
	if (stub.writes == stub.write_fail_at)
		return CAPOS_E_NOT_ALLOWED;
	assert_true(stub.out_len + len <= sizeof(stub.out));
	memcpy(stub.out + stub.out_len, data, len);
	stub.out_len += len;
	if (stub.writes < 8)
		stub.write_len[stub.writes] = len;
	stub.writes++;
	return 0;
}

int rt_console_read(capos_cap_t console, void *buf, uint32_t max)
{
	uint32_t n = (uint32_t)strlen(stub.in);

	assert_int_equal(console, CAP_CONSOLE);
	stub.reads++;
	stub.read_max = max;
	if (stub.read_rc)
		return stub.read_rc;
	if (n > max)
		n = max;
	memcpy(buf, stub.in, n);
	return (int)n;
}

int rt_timer_now(capos_cap_t timer, uint64_t *ns)
{
	assert_int_equal(timer, CAP_TIMER);
	*ns = stub.now;
	return stub.now_rc;
}

int rt_timer_sleep(capos_cap_t timer, uint64_t ns)
{
	assert_int_equal(timer, CAP_TIMER);
	stub.slept = ns;
	stub.sleeps++;
	return 0;
}

void capos_exit(int64_t code)
{
	stub.exit_code = code;
	longjmp(exit_jmp, 1);
}

static int fresh(void **state)
{
	(void)state;
	memset(&stub, 0, sizeof(stub));
	stub.console = stub.timer = stub.thread = true;
	stub.write_fail_at = -1;
	stub.in = "";
	memset(&caps, 0, sizeof(caps));
	pages_free(0, ARENA_PAGES);
	brk_cur = 0;
	tls_base = 0;
	clear_tid = 0;
	return 0;
}

static long sc(long n, long a, long b, long c, long d)
{
	return __capos_syscall(n, a, b, c, d, 0, 0);
}

#define L(p) ((long)(uintptr_t)(p))

static long anon(long len)
{
	return sc(SYS_mmap, 0, len, 3, 0x22 /* PRIVATE|ANONYMOUS */);
}

static bool all_zero(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i])
			return false;
	return true;
}

/* --- numbers ------------------------------------------------------------- */

static void test_numbers_match_linux(void **state)
{
	const long sys[] = {
	    SYS_read,          SYS_write,           SYS_mmap,
	    SYS_mprotect,      SYS_munmap,          SYS_brk,
	    SYS_rt_sigaction,  SYS_rt_sigprocmask,  SYS_ioctl,
	    SYS_readv,         SYS_writev,          SYS_sched_yield,
	    SYS_nanosleep,     SYS_getpid,          SYS_exit,
	    SYS_arch_prctl,    SYS_gettid,          SYS_set_tid_address,
	    SYS_clock_gettime, SYS_clock_nanosleep, SYS_exit_group};
	const long err[] = {EIO,    EBADF,  ENOMEM, EACCES,
	                    ENODEV, EINVAL, ENOTTY, ENOSYS};
	const long misc[] = {PROT_EXEC,
	                     MAP_SHARED,
	                     MAP_FIXED,
	                     MAP_ANONYMOUS,
	                     ARCH_SET_FS,
	                     ARCH_GET_FS,
	                     TIOCGWINSZ,
	                     TIMER_ABSTIME,
	                     0,
	                     1,
	                     2,
	                     3,
	                     7};

	(void)state;
	assert_memory_equal(sys, linux_abi.sys, sizeof(sys));
	assert_memory_equal(err, linux_abi.err, sizeof(err));
	assert_memory_equal(misc, linux_abi.misc, sizeof(misc));
}

static void test_unhandled_numbers_are_enosys(void **state)
{
	(void)state;
	assert_int_equal(sc(2 /* open */, L("x"), 0, 0, 0), -ENOSYS);
	assert_int_equal(sc(202 /* futex */, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(sc(232, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(sc(100000, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(sc(-1, 0, 0, 0, 0), -ENOSYS);
}

static void test_caps_are_looked_up_once(void **state)
{
	(void)state;
	sc(SYS_write, 1, L("a"), 1, 0);
	sc(SYS_write, 1, L("b"), 1, 0);
	assert_int_equal(stub.lookups, 3);
}

/* --- console ------------------------------------------------------------- */

static void test_write_stdout_and_stderr_reach_console(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_write, 1, L("hello "), 6, 0), 6);
	assert_int_equal(sc(SYS_write, 2, L("world"), 5, 0), 5);
	assert_int_equal(stub.out_len, 11);
	assert_memory_equal(stub.out, "hello world", 11);
}

static void test_write_large_is_chunked(void **state)
{
	static char big[40000];

	(void)state;
	memset(big, 'q', sizeof(big));
	assert_int_equal(sc(SYS_write, 1, L(big), sizeof(big), 0), 40000);
	assert_int_equal(stub.writes, 3);
	assert_int_equal(stub.write_len[0], 16384);
	assert_int_equal(stub.write_len[1], 16384);
	assert_int_equal(stub.write_len[2], 40000 - 2 * 16384);
	assert_memory_equal(stub.out, big, sizeof(big));
}

static void test_write_other_fd_is_ebadf(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_write, 0, L("x"), 1, 0), -EBADF);
	assert_int_equal(sc(SYS_write, 3, L("x"), 1, 0), -EBADF);
	assert_int_equal(sc(SYS_write, -1, L("x"), 1, 0), -EBADF);
	assert_int_equal(stub.writes, 0);
}

static void test_write_without_console_is_ebadf(void **state)
{
	(void)state;
	stub.console = false;
	assert_int_equal(sc(SYS_write, 1, L("x"), 1, 0), -EBADF);
}

static void test_write_failure_is_eio(void **state)
{
	(void)state;
	stub.write_fail_at = 0;
	assert_int_equal(sc(SYS_write, 1, L("x"), 1, 0), -EIO);
}

static void test_write_failure_after_a_chunk_is_short(void **state)
{
	static char big[40000];

	(void)state;
	stub.write_fail_at = 1;
	assert_int_equal(sc(SYS_write, 1, L(big), sizeof(big), 0), 16384);
}

static void test_writev_gathers_buffers(void **state)
{
	struct linux_iovec iov[3] = {{"abc", 3}, {"", 0}, {"defg", 4}};

	(void)state;
	assert_int_equal(sc(SYS_writev, 1, L(iov), 3, 0), 7);
	assert_memory_equal(stub.out, "abcdefg", 7);
}

static void test_writev_bad_count_is_einval(void **state)
{
	struct linux_iovec iov[1] = {{"a", 1}};

	(void)state;
	assert_int_equal(sc(SYS_writev, 1, L(iov), -1, 0), -EINVAL);
	assert_int_equal(sc(SYS_writev, 1, L(iov), 1025, 0), -EINVAL);
	assert_int_equal(stub.writes, 0);
}

static void test_writev_stops_at_a_short_write(void **state)
{
	static char big[40000];
	struct linux_iovec iov[2] = {{big, sizeof(big)}, {"x", 1}};

	(void)state;
	stub.write_fail_at = 1;
	assert_int_equal(sc(SYS_writev, 1, L(iov), 2, 0), 16384);
	assert_int_equal(stub.writes, 1);
}

static void test_writev_of_nothing(void **state)
{
	struct linux_iovec iov[1] = {{"", 0}};

	(void)state;
	assert_int_equal(sc(SYS_writev, 1, L(iov), 1, 0), 0);
	assert_int_equal(sc(SYS_writev, 1, L(iov), 0, 0), 0);
	assert_int_equal(sc(SYS_writev, 7, L(iov), 1, 0), -EBADF);
}

static void test_read_stdin_from_console(void **state)
{
	char buf[16] = {0};

	(void)state;
	stub.in = "typed";
	assert_int_equal(sc(SYS_read, 0, L(buf), sizeof(buf), 0), 5);
	assert_string_equal(buf, "typed");
	assert_int_equal(stub.read_max, 16);
}

static void test_read_is_at_most_4096(void **state)
{
	static char buf[10000];

	(void)state;
	stub.in = "z";
	assert_int_equal(sc(SYS_read, 0, L(buf), sizeof(buf), 0), 1);
	assert_int_equal(stub.read_max, 4096);
}

static void test_read_of_nothing_does_not_wait(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_read, 0, 0, 0, 0), 0);
	assert_int_equal(stub.reads, 0);
}

static void test_read_other_fd_is_ebadf(void **state)
{
	char c;

	(void)state;
	assert_int_equal(sc(SYS_read, 1, L(&c), 1, 0), -EBADF);
	assert_int_equal(sc(SYS_read, 3, L(&c), 1, 0), -EBADF);
	assert_int_equal(stub.reads, 0);
}

static void test_read_without_console_is_ebadf(void **state)
{
	char c;

	(void)state;
	stub.console = false;
	assert_int_equal(sc(SYS_read, 0, L(&c), 1, 0), -EBADF);
	assert_int_equal(stub.reads, 0);
}

static void test_read_failure_is_eio(void **state)
{
	char c;

	(void)state;
	stub.read_rc = CAPOS_E_NOT_ALLOWED;
	assert_int_equal(sc(SYS_read, 0, L(&c), 1, 0), -EIO);
}

static void test_readv_fills_the_first_nonempty_buffer(void **state)
{
	char a[4] = {0}, b[4] = {0};
	struct linux_iovec iov[3] = {{a, 0}, {b, 3}, {a, 4}};

	(void)state;
	stub.in = "xyzw";
	assert_int_equal(sc(SYS_readv, 0, L(iov), 3, 0), 3);
	assert_string_equal(b, "xyz");
	assert_int_equal(stub.reads, 1);
}

static void test_readv_bad_count_is_einval(void **state)
{
	struct linux_iovec iov[1] = {{NULL, 0}};

	(void)state;
	assert_int_equal(sc(SYS_readv, 0, L(iov), -1, 0), -EINVAL);
	assert_int_equal(sc(SYS_readv, 0, L(iov), 1025, 0), -EINVAL);
}

static void test_ioctl_winsize_on_the_console(void **state)
{
	struct linux_winsize ws = {1, 2, 3, 4};

	(void)state;
	assert_int_equal(sc(SYS_ioctl, 1, TIOCGWINSZ, L(&ws), 0), 0);
	assert_int_equal(ws.row, 24);
	assert_int_equal(ws.col, 80);
	assert_int_equal(ws.xpixel, 0);
	assert_int_equal(ws.ypixel, 0);
}

static void test_ioctl_other_request_is_enotty(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_ioctl, 1, 0x5401 /* TCGETS */, 0, 0), -ENOTTY);
}

static void test_ioctl_other_fd_is_ebadf(void **state)
{
	struct linux_winsize ws;

	(void)state;
	assert_int_equal(sc(SYS_ioctl, 3, TIOCGWINSZ, L(&ws), 0), -EBADF);
	assert_int_equal(sc(SYS_ioctl, -1, TIOCGWINSZ, L(&ws), 0), -EBADF);
}

static void test_ioctl_without_console_is_ebadf(void **state)
{
	struct linux_winsize ws;

	(void)state;
	stub.console = false;
	assert_int_equal(sc(SYS_ioctl, 1, TIOCGWINSZ, L(&ws), 0), -EBADF);
}

/* --- time ---------------------------------------------------------------- */

static void test_clock_gettime_reads_the_timer(void **state)
{
	static const long clocks[] = {0, 1, 4, 5, 6, 7};
	struct linux_timespec ts;

	(void)state;
	stub.now = 12345678901ull;
	for (size_t i = 0; i < 6; i++) {
		memset(&ts, 0xff, sizeof(ts));
		assert_int_equal(sc(SYS_clock_gettime, clocks[i], L(&ts), 0, 0),
		                 0);
		assert_int_equal(ts.sec, 12);
		assert_int_equal(ts.nsec, 345678901);
	}
}

static void test_clock_gettime_cpu_clocks_are_einval(void **state)
{
	struct linux_timespec ts;

	(void)state;
	assert_int_equal(sc(SYS_clock_gettime, 2, L(&ts), 0, 0), -EINVAL);
	assert_int_equal(sc(SYS_clock_gettime, 3, L(&ts), 0, 0), -EINVAL);
	assert_int_equal(sc(SYS_clock_gettime, 8, L(&ts), 0, 0), -EINVAL);
	assert_int_equal(sc(SYS_clock_gettime, -1, L(&ts), 0, 0), -EINVAL);
}

static void test_clock_gettime_without_timer_is_enosys(void **state)
{
	struct linux_timespec ts;

	(void)state;
	stub.timer = false;
	assert_int_equal(sc(SYS_clock_gettime, 1, L(&ts), 0, 0), -ENOSYS);
}

static void test_clock_gettime_timer_failure_is_eio(void **state)
{
	struct linux_timespec ts;

	(void)state;
	stub.now_rc = CAPOS_E_NOT_ALLOWED;
	assert_int_equal(sc(SYS_clock_gettime, 1, L(&ts), 0, 0), -EIO);
}

static void test_nanosleep_sleeps_for_the_duration(void **state)
{
	struct linux_timespec ts = {1, 500};

	(void)state;
	assert_int_equal(sc(SYS_nanosleep, L(&ts), 0, 0, 0), 0);
	assert_int_equal(stub.slept, 1000000500ull);
}

static void test_nanosleep_bad_timespec_is_einval(void **state)
{
	struct linux_timespec bad[] = {{0, -1}, {0, 1000000000}, {-1, 0}};

	(void)state;
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(sc(SYS_nanosleep, L(&bad[i]), 0, 0, 0),
		                 -EINVAL);
	assert_int_equal(stub.sleeps, 0);
}

static void test_nanosleep_forever_saturates(void **state)
{
	struct linux_timespec ts = {INT64_MAX, 999999999};

	(void)state;
	assert_int_equal(sc(SYS_nanosleep, L(&ts), 0, 0, 0), 0);
	assert_true(stub.slept == UINT64_MAX);
}

static void test_nanosleep_without_timer_is_enosys(void **state)
{
	struct linux_timespec ts = {0, 1};

	(void)state;
	stub.timer = false;
	assert_int_equal(sc(SYS_nanosleep, L(&ts), 0, 0, 0), -ENOSYS);
}

static void test_clock_nanosleep_relative(void **state)
{
	struct linux_timespec ts = {0, 20000000};

	(void)state;
	stub.now = 5000000000ull;
	assert_int_equal(sc(SYS_clock_nanosleep, 1, 0, L(&ts), 0), 0);
	assert_int_equal(stub.slept, 20000000);
}

static void test_clock_nanosleep_absolute_sleeps_the_difference(void **state)
{
	struct linux_timespec ts = {7, 0};

	(void)state;
	stub.now = 5000000000ull;
	assert_int_equal(sc(SYS_clock_nanosleep, 1, TIMER_ABSTIME, L(&ts), 0),
	                 0);
	assert_int_equal(stub.slept, 2000000000ull);
}

static void test_clock_nanosleep_absolute_past_returns_at_once(void **state)
{
	struct linux_timespec ts = {4, 0};

	(void)state;
	stub.now = 5000000000ull;
	assert_int_equal(sc(SYS_clock_nanosleep, 0, TIMER_ABSTIME, L(&ts), 0),
	                 0);
	assert_int_equal(stub.sleeps, 0);
}

static void test_clock_nanosleep_cpu_clock_is_einval(void **state)
{
	struct linux_timespec ts = {0, 1};

	(void)state;
	assert_int_equal(sc(SYS_clock_nanosleep, 3, 0, L(&ts), 0), -EINVAL);
	assert_int_equal(stub.sleeps, 0);
}

/* --- memory -------------------------------------------------------------- */

static bool in_arena(long p, size_t len)
{
	return (uintptr_t)p >= (uintptr_t)arena &&
	       (uintptr_t)p + len <= (uintptr_t)arena + ARENA_SIZE;
}

static void test_mmap_returns_zeroed_aligned_pages(void **state)
{
	long p;

	(void)state;
	p = anon(10000);
	assert_true(p > 0);
	assert_int_equal(p & 4095, 0);
	assert_true(in_arena(p, 12288));
	assert_true(all_zero((void *)p, 12288));
}

static void test_mmap_regions_do_not_overlap(void **state)
{
	long a, b, c;

	(void)state;
	a = anon(8192);
	b = anon(4096);
	c = anon(3 * 4096);
	assert_true(b + 4096 <= a || b >= a + 8192);
	assert_true(c + 3 * 4096 <= b || c >= b + 4096);
	assert_true(c + 3 * 4096 <= a || c >= a + 8192);
}

static void test_munmap_gives_pages_back_zeroed(void **state)
{
	long a, b;

	(void)state;
	a = anon(2 * 4096);
	memset((void *)a, 0x5a, 2 * 4096);
	assert_int_equal(sc(SYS_munmap, a, 2 * 4096, 0, 0), 0);
	b = anon(2 * 4096);
	assert_int_equal(b, a);
	assert_true(all_zero((void *)b, 2 * 4096));
}

static void test_mmap_beyond_the_arena_is_enomem(void **state)
{
	long p;

	(void)state;
	assert_int_equal(anon(ARENA_SIZE + 1), -ENOMEM);
	assert_int_equal(anon(LONG_MAX), -ENOMEM);
	p = anon(ARENA_SIZE);
	assert_int_equal(p, L(arena));
	assert_int_equal(anon(1), -ENOMEM);
}

static void test_mmap_finds_a_hole_between_regions(void **state)
{
	long a, b, c, d;

	(void)state;
	a = anon(ARENA_SIZE - 3 * 4096);
	b = anon(4096);
	c = anon(2 * 4096);
	assert_true(a > 0 && b > 0 && c > 0);
	assert_int_equal(sc(SYS_munmap, b, 4096, 0, 0), 0);
	assert_int_equal(anon(2 * 4096), -ENOMEM); /* only one page free */
	d = anon(4096);
	assert_int_equal(d, b);
}

static void test_mmap_zero_length_is_einval(void **state)
{
	(void)state;
	assert_int_equal(anon(0), -EINVAL);
}

static void test_mmap_of_a_file_is_enodev(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_mmap, 0, 4096, 3, 0x02), -ENODEV);
}

static void test_mmap_shared_is_einval(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_mmap, 0, 4096, 3, 0x21), -EINVAL);
}

static void test_mmap_executable_is_eacces(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_mmap, 0, 4096, 7, 0x22), -EACCES);
}

static void test_mmap_fixed_replaces_with_zero_pages(void **state)
{
	long a;

	(void)state;
	a = anon(3 * 4096);
	memset((void *)a, 0x77, 3 * 4096);
	assert_int_equal(sc(SYS_mmap, a + 4096, 4096, 0, 0x32), a + 4096);
	assert_true(all_zero((void *)(a + 4096), 4096));
	assert_int_equal(((uint8_t *)a)[0], 0x77);
	assert_int_equal(((uint8_t *)a)[2 * 4096], 0x77);
}

static void test_mmap_fixed_takes_free_pages(void **state)
{
	long want = L(arena) + 100 * 4096;

	(void)state;
	assert_int_equal(sc(SYS_mmap, want, 4096, 3, 0x32), want);
	assert_int_equal(sc(SYS_mprotect, want, 4096, 3, 0), 0);
}

static void test_mmap_fixed_outside_the_arena_is_enomem(void **state)
{
	static char page[8192] __attribute__((aligned(4096)));

	(void)state;
	assert_int_equal(sc(SYS_mmap, L(page), 4096, 3, 0x32), -ENOMEM);
	assert_int_equal(
	    sc(SYS_mmap, L(arena) + ARENA_SIZE - 4096, 8192, 3, 0x32), -ENOMEM);
}

static void test_mmap_fixed_null_or_unaligned_is_einval(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_mmap, 0, 4096, 3, 0x32), -EINVAL);
	assert_int_equal(sc(SYS_mmap, L(arena) + 1, 4096, 3, 0x32), -EINVAL);
}

static void test_munmap_bad_range_is_einval(void **state)
{
	long a;

	(void)state;
	a = anon(4096);
	assert_int_equal(sc(SYS_munmap, a + 1, 4096, 0, 0), -EINVAL);
	assert_int_equal(sc(SYS_munmap, a, 0, 0, 0), -EINVAL);
	assert_int_equal(sc(SYS_munmap, L(&stub) & ~4095l, 4096, 0, 0),
	                 -EINVAL);
	assert_int_equal(sc(SYS_munmap, a, ARENA_SIZE, 0, 0), -EINVAL);
}

static void test_mprotect_of_mapped_pages_is_accepted(void **state)
{
	long a;

	(void)state;
	a = sc(SYS_mmap, 0, 2 * 4096, 0 /* PROT_NONE */, 0x22);
	assert_true(a > 0);
	assert_int_equal(sc(SYS_mprotect, a, 2 * 4096, 3, 0), 0);
}

static void test_mprotect_of_unmapped_pages_is_enomem(void **state)
{
	long a;

	(void)state;
	a = anon(4096);
	assert_int_equal(sc(SYS_mprotect, a, 2 * 4096, 3, 0), -ENOMEM);
	assert_int_equal(sc(SYS_mprotect, L(&stub) & ~4095l, 4096, 3, 0),
	                 -ENOMEM);
}

static void test_mprotect_of_nothing_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_mprotect, L(arena), 0, 3, 0), 0);
}

static void test_mprotect_unaligned_is_einval(void **state)
{
	long a;

	(void)state;
	a = anon(4096);
	assert_int_equal(sc(SYS_mprotect, a + 8, 4096, 3, 0), -EINVAL);
}

static void test_mprotect_executable_is_eacces(void **state)
{
	long a;

	(void)state;
	a = anon(4096);
	assert_int_equal(sc(SYS_mprotect, a, 4096, 5, 0), -EACCES);
}

static void test_brk_starts_at_the_arena(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_brk, 0, 0, 0, 0), L(arena));
}

static void test_brk_grows_and_shrinks(void **state)
{
	long base = L(arena);

	(void)state;
	assert_int_equal(sc(SYS_brk, base + 10000, 0, 0, 0), base + 10000);
	memset(arena, 0x11, 10000);
	assert_int_equal(sc(SYS_brk, base + 4096, 0, 0, 0), base + 4096);
	assert_true(all_zero(arena + 4096, 2 * 4096)); /* pages given back */
	assert_int_equal(sc(SYS_brk, 0, 0, 0, 0), base + 4096);
	/* mmap may now use the pages above the break. */
	assert_int_equal(anon(ARENA_SIZE - 4096), base + 4096);
}

static void test_brk_beyond_the_arena_keeps_the_break(void **state)
{
	long base = L(arena);

	(void)state;
	assert_int_equal(sc(SYS_brk, base + 4096, 0, 0, 0), base + 4096);
	assert_int_equal(sc(SYS_brk, base + ARENA_SIZE + 1, 0, 0, 0),
	                 base + 4096);
	assert_int_equal(sc(SYS_brk, base - 1, 0, 0, 0), base + 4096);
}

static void test_brk_blocked_by_a_mapping_keeps_the_break(void **state)
{
	long base = L(arena);

	(void)state;
	assert_true(anon(ARENA_SIZE - 2 * 4096) > 0); /* the top pages */
	assert_int_equal(sc(SYS_brk, base + 2 * 4096, 0, 0, 0),
	                 base + 2 * 4096);
	assert_int_equal(sc(SYS_brk, base + 3 * 4096, 0, 0, 0),
	                 base + 2 * 4096);
}

/* --- the thread and the process ------------------------------------------ */

static void test_arch_prctl_sets_the_tls_base(void **state)
{
	uint64_t got = 0;

	(void)state;
	assert_int_equal(sc(SYS_arch_prctl, ARCH_SET_FS, 0x7000, 0, 0), 0);
	assert_int_equal(stub.tc_method, TC_SET_TLS_BASE);
	assert_int_equal(stub.tc_value, 0x7000);
	assert_int_equal(sc(SYS_arch_prctl, ARCH_GET_FS, L(&got), 0, 0), 0);
	assert_int_equal(got, 0x7000);
}

static void test_arch_prctl_refused_is_einval(void **state)
{
	uint64_t got = 1;

	(void)state;
	stub.tc_exception = true;
	assert_int_equal(
	    sc(SYS_arch_prctl, ARCH_SET_FS, (long)0xffff800000000000ull, 0, 0),
	    -EINVAL);
	sc(SYS_arch_prctl, ARCH_GET_FS, L(&got), 0, 0);
	assert_int_equal(got, 0);
}

static void test_arch_prctl_transport_error_is_eio(void **state)
{
	(void)state;
	stub.tc_rc = CAPOS_E_NOT_ALLOWED;
	assert_int_equal(sc(SYS_arch_prctl, ARCH_SET_FS, 0x7000, 0, 0), -EIO);
}

static void test_arch_prctl_without_thread_cap_is_enosys(void **state)
{
	(void)state;
	stub.thread = false;
	assert_int_equal(sc(SYS_arch_prctl, ARCH_SET_FS, 0x7000, 0, 0),
	                 -ENOSYS);
}

static void test_arch_prctl_other_code_is_einval(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_arch_prctl, 0x1001 /* SET_GS */, 0, 0, 0),
	                 -EINVAL);
	assert_int_equal(stub.tc_calls, 0);
}

static void test_thread_and_process_ids(void **state)
{
	int word;

	(void)state;
	assert_int_equal(sc(SYS_set_tid_address, L(&word), 0, 0, 0), 77);
	assert_int_equal(clear_tid, (uintptr_t)&word);
	assert_int_equal(sc(SYS_gettid, 0, 0, 0, 0), 77);
	assert_int_equal(sc(SYS_getpid, 0, 0, 0, 0), 1);
}

static void test_sigprocmask_reports_an_empty_mask(void **state)
{
	uint64_t old = ~0ull, set = ~0ull;

	(void)state;
	assert_int_equal(sc(SYS_rt_sigprocmask, 0, L(&set), L(&old), 8), 0);
	assert_int_equal(old, 0);
	assert_int_equal(sc(SYS_rt_sigprocmask, 0, L(&set), 0, 8), 0);
}

static void test_sigprocmask_bad_size_is_einval(void **state)
{
	uint64_t old;

	(void)state;
	assert_int_equal(sc(SYS_rt_sigprocmask, 0, 0, L(&old), 129), -EINVAL);
}

static void test_sigaction_reports_the_default_action(void **state)
{
	uint64_t old[4] = {1, 2, 3, 4};

	(void)state;
	assert_int_equal(sc(SYS_rt_sigaction, 2, 0, L(old), 8), 0);
	assert_true(all_zero(old, sizeof(old)));
}

static void test_sigaction_bad_size_is_einval(void **state)
{
	uint64_t old[4];

	(void)state;
	assert_int_equal(sc(SYS_rt_sigaction, 2, 0, L(old), 129), -EINVAL);
}

static void test_sched_yield_succeeds(void **state)
{
	(void)state;
	assert_int_equal(sc(SYS_sched_yield, 0, 0, 0, 0), 0);
}

static void test_exit_group_ends_the_process(void **state)
{
	(void)state;
	if (setjmp(exit_jmp) == 0)
		sc(SYS_exit_group, 5, 0, 0, 0);
	assert_int_equal(stub.exit_code, 5);
	assert_int_equal(stub.tc_calls, 0);
}

static void test_exit_ends_the_thread(void **state)
{
	(void)state;
	if (setjmp(exit_jmp) == 0)
		sc(SYS_exit, 9, 0, 0, 0);
	assert_int_equal(stub.tc_method, TC_EXIT);
	assert_int_equal(stub.tc_value, 9);
}

static void test_exit_without_thread_cap_ends_the_process(void **state)
{
	(void)state;
	stub.thread = false;
	if (setjmp(exit_jmp) == 0)
		sc(SYS_exit, 9, 0, 0, 0);
	assert_int_equal(stub.tc_calls, 0);
	assert_int_equal(stub.exit_code, 9);
}

#define T(name) cmocka_unit_test_setup(test_##name, fresh)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(numbers_match_linux),
	    T(unhandled_numbers_are_enosys),
	    T(caps_are_looked_up_once),
	    T(write_stdout_and_stderr_reach_console),
	    T(write_large_is_chunked),
	    T(write_other_fd_is_ebadf),
	    T(write_without_console_is_ebadf),
	    T(write_failure_is_eio),
	    T(write_failure_after_a_chunk_is_short),
	    T(writev_gathers_buffers),
	    T(writev_bad_count_is_einval),
	    T(writev_stops_at_a_short_write),
	    T(writev_of_nothing),
	    T(read_stdin_from_console),
	    T(read_is_at_most_4096),
	    T(read_of_nothing_does_not_wait),
	    T(read_other_fd_is_ebadf),
	    T(read_without_console_is_ebadf),
	    T(read_failure_is_eio),
	    T(readv_fills_the_first_nonempty_buffer),
	    T(readv_bad_count_is_einval),
	    T(ioctl_winsize_on_the_console),
	    T(ioctl_other_request_is_enotty),
	    T(ioctl_other_fd_is_ebadf),
	    T(ioctl_without_console_is_ebadf),
	    T(clock_gettime_reads_the_timer),
	    T(clock_gettime_cpu_clocks_are_einval),
	    T(clock_gettime_without_timer_is_enosys),
	    T(clock_gettime_timer_failure_is_eio),
	    T(nanosleep_sleeps_for_the_duration),
	    T(nanosleep_bad_timespec_is_einval),
	    T(nanosleep_forever_saturates),
	    T(nanosleep_without_timer_is_enosys),
	    T(clock_nanosleep_relative),
	    T(clock_nanosleep_absolute_sleeps_the_difference),
	    T(clock_nanosleep_absolute_past_returns_at_once),
	    T(clock_nanosleep_cpu_clock_is_einval),
	    T(mmap_returns_zeroed_aligned_pages),
	    T(mmap_regions_do_not_overlap),
	    T(munmap_gives_pages_back_zeroed),
	    T(mmap_beyond_the_arena_is_enomem),
	    T(mmap_finds_a_hole_between_regions),
	    T(mmap_zero_length_is_einval),
	    T(mmap_of_a_file_is_enodev),
	    T(mmap_shared_is_einval),
	    T(mmap_executable_is_eacces),
	    T(mmap_fixed_replaces_with_zero_pages),
	    T(mmap_fixed_takes_free_pages),
	    T(mmap_fixed_outside_the_arena_is_enomem),
	    T(mmap_fixed_null_or_unaligned_is_einval),
	    T(munmap_bad_range_is_einval),
	    T(mprotect_of_mapped_pages_is_accepted),
	    T(mprotect_of_unmapped_pages_is_enomem),
	    T(mprotect_of_nothing_is_accepted),
	    T(mprotect_unaligned_is_einval),
	    T(mprotect_executable_is_eacces),
	    T(brk_starts_at_the_arena),
	    T(brk_grows_and_shrinks),
	    T(brk_beyond_the_arena_keeps_the_break),
	    T(brk_blocked_by_a_mapping_keeps_the_break),
	    T(arch_prctl_sets_the_tls_base),
	    T(arch_prctl_refused_is_einval),
	    T(arch_prctl_transport_error_is_eio),
	    T(arch_prctl_without_thread_cap_is_enosys),
	    T(arch_prctl_other_code_is_einval),
	    T(thread_and_process_ids),
	    T(sigprocmask_reports_an_empty_mask),
	    T(sigprocmask_bad_size_is_einval),
	    T(sigaction_reports_the_default_action),
	    T(sigaction_bad_size_is_einval),
	    T(sched_yield_succeeds),
	    T(exit_group_ends_the_process),
	    T(exit_ends_the_thread),
	    T(exit_without_thread_cap_ends_the_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
