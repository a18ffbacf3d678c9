/*
 * syscall_shim.c - __capos_syscall: the Linux system calls musl makes,
 * answered with capability calls (docs/libc.md).
 *
 * Where a Linux libc executes `syscall`, our musl calls this function with
 * the Linux x86_64 call number and arguments. Each number the runtime
 * understands has a short translation in the table at the end; every other
 * number answers -ENOSYS. The Linux numbers and layouts are spelled out here
 * rather than taken from musl's headers because this file is also compiled
 * into the freestanding librt.a.
 *
 * It runs before the thread pointer exists (musl's first call is
 * arch_prctl), so nothing here may use TLS, errno or the stack protector.
 * Like the ring client it is not thread safe yet: one thread per program
 * until clone and futex arrive.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <capnp/capnp.h>
#include <capos/rt.h>

/* Linux x86_64 system call numbers. */
enum {
	SYS_read = 0,
	SYS_write = 1,
	SYS_mmap = 9,
	SYS_mprotect = 10,
	SYS_munmap = 11,
	SYS_brk = 12,
	SYS_rt_sigaction = 13,
	SYS_rt_sigprocmask = 14,
	SYS_ioctl = 16,
	SYS_readv = 19,
	SYS_writev = 20,
	SYS_sched_yield = 24,
	SYS_nanosleep = 35,
	SYS_getpid = 39,
	SYS_exit = 60,
	SYS_arch_prctl = 158,
	SYS_gettid = 186,
	SYS_set_tid_address = 218,
	SYS_clock_gettime = 228,
	SYS_clock_nanosleep = 230,
	SYS_exit_group = 231,
};

/* Linux errno values. */
#define EIO    5
#define EBADF  9
#define ENOMEM 12
#define EACCES 13
#define ENODEV 19
#define EINVAL 22
#define ENOTTY 25
#define ENOSYS 38

#define PROT_EXEC     0x4
#define MAP_SHARED    0x01
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define ARCH_SET_FS   0x1002
#define ARCH_GET_FS   0x1003
#define TIOCGWINSZ    0x5413
#define TIMER_ABSTIME 1
#define IOV_MAX       1024
#define NSEC          1000000000ull

struct linux_iovec {
	void *base;
	uint64_t len;
};

struct linux_timespec {
	int64_t sec;
	int64_t nsec;
};

struct linux_winsize {
	uint16_t row, col, xpixel, ypixel;
};

/* --- initial capabilities, looked up on first use ----------------------- */

static struct {
	bool done;
	capos_cap_t console, timer, thread;
} caps;

static void caps_find(void)
{
	if (caps.done)
		return;
	caps.console = rt_capset_find("console", RT_IFACE_CONSOLE);
	caps.timer = rt_capset_find("timer", RT_IFACE_TIMER);
	caps.thread = rt_capset_find("thread", RT_IFACE_THREAD_CONTROL);
	caps.done = true;
}

/* The console stands behind fds 0, 1 and 2; there are no others. */
static bool is_console(long fd)
{
	caps_find();
	return fd >= 0 && fd <= 2 && caps.console;
}

/* ThreadControl: one u64 argument, an empty result. Returns 0, -EINVAL if
 * the kernel refused the value, -EIO if the call failed. */
static long thread_control(uint16_t method, uint64_t v)
{
	uint8_t msg[32], res[16];
	struct capnp_builder b;
	struct capnp_bstruct root;
	const uint8_t *bytes;
	size_t len;
	bool exc = false;
	int rc;

	caps_find();
	if (!caps.thread)
		return -ENOSYS;
	capnp_builder_init(&b, msg, sizeof(msg));
	capnp_builder_root(&b, 1, 0, &root);
	capnp_bstruct_set_u64(&root, 0, v, 0);
	if (capnp_builder_finish(&b, &bytes, &len) != CAPNP_OK)
		return -EIO;
	rc = rt_call(caps.thread, method, bytes, (uint32_t)len, res,
	             sizeof(res), &exc);
	if (rc < 0)
		return -EIO;
	return exc ? -EINVAL : 0;
}

/* --- console ------------------------------------------------------------- */

/* Bytes per Console.write: well inside one message (CAPOS_MSG_MAX). */
#define WRITE_CHUNK (16 * 1024)

/* Returns the bytes written (all of len unless a chunk failed), or -errno
 * if none were. */
static long console_write(long fd, const uint8_t *buf, uint64_t len)
{
	uint64_t done = 0;

	if (fd < 1 || !is_console(fd))
		return -EBADF;
	while (done < len) {
		uint32_t n = len - done > WRITE_CHUNK ? WRITE_CHUNK
		                                      : (uint32_t)(len - done);

		if (rt_console_write(caps.console, buf + done, n) < 0)
			return done ? (long)done : -EIO;
		done += n;
	}
	return (long)done;
}

/* Blocks until at least one byte arrives; returns how many (<= len). */
static long console_read(long fd, void *buf, uint64_t len)
{
	int rc;

	if (fd != 0 || !is_console(fd))
		return -EBADF;
	if (!len)
		return 0;
	rc = rt_console_read(caps.console, buf,
	                     len > 4096 ? 4096 : (uint32_t)len);
	return rc < 0 ? -EIO : rc;
}

static long sys_write(const long *a)
{
	return console_write(a[0], (const uint8_t *)a[1], (uint64_t)a[2]);
}

static long sys_writev(const long *a)
{
	const struct linux_iovec *iov = (const void *)a[1];
	long done = 0;

	if (a[2] < 0 || a[2] > IOV_MAX)
		return -EINVAL;
	for (long i = 0; i < a[2]; i++) {
		long n = console_write(a[0], iov[i].base, iov[i].len);

		if (n < 0)
			return done ? done : n;
		done += n;
		if ((uint64_t)n < iov[i].len)
			break;
	}
	return done ? done : console_write(a[0], NULL, 0);
}

static long sys_read(const long *a)
{
	return console_read(a[0], (void *)a[1], (uint64_t)a[2]);
}

/* A short read is allowed: only the first non-empty buffer is filled. */
static long sys_readv(const long *a)
{
	const struct linux_iovec *iov = (const void *)a[1];

	if (a[2] < 0 || a[2] > IOV_MAX)
		return -EINVAL;
	for (long i = 0; i < a[2]; i++)
		if (iov[i].len)
			return console_read(a[0], iov[i].base, iov[i].len);
	return console_read(a[0], NULL, 0);
}

/* musl keeps stdout line buffered only if this succeeds (isatty too). */
static long sys_ioctl(const long *a)
{
	struct linux_winsize *ws = (void *)a[2];

	if (!is_console(a[0]))
		return -EBADF;
	if (a[1] != TIOCGWINSZ)
		return -ENOTTY;
	*ws = (struct linux_winsize){.row = 24, .col = 80};
	return 0;
}

/* --- time ---------------------------------------------------------------- */

/* Every clock but the CPU-time ones reads Timer.now: there is no wall
 * clock, so CLOCK_REALTIME is the time since boot. */
static bool clock_known(long clk)
{
	return clk == 0 || clk == 1 || (clk >= 4 && clk <= 7);
}

static long now_ns(uint64_t *ns)
{
	caps_find();
	if (!caps.timer)
		return -ENOSYS;
	return rt_timer_now(caps.timer, ns) < 0 ? -EIO : 0;
}

static long sys_clock_gettime(const long *a)
{
	struct linux_timespec *ts = (void *)a[1];
	uint64_t ns;
	long rc;

	if (!clock_known(a[0]))
		return -EINVAL;
	rc = now_ns(&ns);
	if (rc)
		return rc;
	ts->sec = (int64_t)(ns / NSEC);
	ts->nsec = (int64_t)(ns % NSEC);
	return 0;
}

/* Sleeps until `ns` (abs) or for `ns`; rem is never written: nothing
 * interrupts a sleep. */
static long sleep_ns(const struct linux_timespec *ts, bool abs)
{
	uint64_t ns, now;
	long rc;

	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= (int64_t)NSEC)
		return -EINVAL;
	ns = (uint64_t)ts->sec > (UINT64_MAX - (uint64_t)ts->nsec) / NSEC
	         ? UINT64_MAX
	         : (uint64_t)ts->sec * NSEC + (uint64_t)ts->nsec;
	if (abs) {
		rc = now_ns(&now);
		if (rc)
			return rc;
		if (ns <= now)
			return 0;
		ns -= now;
	}
	caps_find();
	if (!caps.timer)
		return -ENOSYS;
	return rt_timer_sleep(caps.timer, ns) < 0 ? -EIO : 0;
}

static long sys_nanosleep(const long *a)
{
	return sleep_ns((const void *)a[0], false);
}

static long sys_clock_nanosleep(const long *a)
{
	if (!clock_known(a[0]))
		return -EINVAL;
	return sleep_ns((const void *)a[2], a[1] & TIMER_ABSTIME);
}

/* --- memory ---------------------------------------------------------------
 *
 * There is no memory capability yet (VirtualMemory comes later), so brk
 * and anonymous mmap are served from a fixed arena in this program's .bss:
 * a page bitmap, brk growing up from the bottom, mmap taking the highest
 * free run (so the two rarely meet). Pages are zeroed when they are freed,
 * so every page handed out is zero. Protections cannot be enforced: every
 * arena page is read-write and never executable. Switching to
 * VirtualMemory means reimplementing mem_map, mem_unmap, mem_protect and
 * mem_brk; the system call functions stay.
 */

#define PAGE        4096ul
#define ARENA_SIZE  (8ul << 20)
#define ARENA_PAGES (ARENA_SIZE / PAGE)

static uint8_t arena[ARENA_SIZE] __attribute__((aligned(PAGE)));
static uint64_t arena_used[ARENA_PAGES / 64];
static uintptr_t brk_cur; /* 0 until the first brk */

static bool page_used(size_t pg)
{
	return arena_used[pg / 64] >> (pg % 64) & 1;
}

static void pages_take(size_t pg, size_t n)
{
	for (; n; pg++, n--)
		arena_used[pg / 64] |= 1ull << (pg % 64);
}

/* Frees the pages in range, zeroing the ones that were in use. */
static void pages_free(size_t pg, size_t n)
{
	for (; n; pg++, n--) {
		if (page_used(pg))
			memset(arena + pg * PAGE, 0, PAGE);
		arena_used[pg / 64] &= ~(1ull << (pg % 64));
	}
}

static bool pages_all(size_t pg, size_t n, bool used)
{
	for (; n; pg++, n--)
		if (page_used(pg) != used)
			return false;
	return true;
}

/* Turns [addr, addr + len) into arena pages. Returns false unless addr is
 * page aligned, len > 0 and the range lies inside the arena. */
static bool arena_range(uintptr_t addr, uint64_t len, size_t *pg, size_t *n)
{
	uintptr_t base = (uintptr_t)arena;

	if (addr & (PAGE - 1) || !len || addr < base ||
	    addr - base > ARENA_SIZE || len > ARENA_SIZE - (addr - base))
		return false;
	*pg = (addr - base) / PAGE;
	*n = (len + PAGE - 1) / PAGE;
	return true;
}

/* Returns the address of len (> 0) fresh zero bytes (at `fixed` if
 * non-zero, replacing what was there), or -ENOMEM. */
static long mem_map(uintptr_t fixed, uint64_t len)
{
	size_t pg, n;

	if (fixed) {
		if (!arena_range(fixed, len, &pg, &n))
			return -ENOMEM;
		pages_free(pg, n);
		pages_take(pg, n);
		return (long)fixed;
	}
	if (len > ARENA_SIZE)
		return -ENOMEM;
	n = (len + PAGE - 1) / PAGE;
	for (size_t top = ARENA_PAGES; top >= n;) {
		size_t i = top;

		while (i > top - n && !page_used(i - 1))
			i--;
		if (i == top - n) {
			pages_take(i, n);
			return (long)(uintptr_t)(arena + i * PAGE);
		}
		top = i - 1; /* page i - 1 is in use: look below it */
	}
	return -ENOMEM;
}

/* Returns 0, or -EINVAL for a range the arena does not hold. */
static long mem_unmap(uintptr_t addr, uint64_t len)
{
	size_t pg, n;

	if (!arena_range(addr, len, &pg, &n))
		return -EINVAL;
	pages_free(pg, n);
	return 0;
}

/* Returns 0 if every page is mapped (the protection itself is not
 * applied), else -ENOMEM. */
static long mem_protect(uintptr_t addr, uint64_t len)
{
	size_t pg, n;

	if (addr & (PAGE - 1))
		return -EINVAL;
	if (!len)
		return 0;
	if (!arena_range(addr, len, &pg, &n) || !pages_all(pg, n, true))
		return -ENOMEM;
	return 0;
}

/* Linux's brk: moves the break to p if it can; returns the break. */
static long mem_brk(uintptr_t p)
{
	uintptr_t base = (uintptr_t)arena;
	uintptr_t cur = brk_cur ? brk_cur : base;
	size_t have = (cur - base + PAGE - 1) / PAGE;
	size_t want;

	if (p < base || p - base > ARENA_SIZE)
		return (long)cur;
	want = (p - base + PAGE - 1) / PAGE;
	if (want > have) {
		if (!pages_all(have, want - have, false))
			return (long)cur;
		pages_take(have, want - have);
	} else {
		pages_free(want, have - want);
	}
	brk_cur = p;
	return (long)p;
}

static long sys_brk(const long *a)
{
	return mem_brk((uintptr_t)a[0]);
}

/* Anonymous private mappings only; there are no files to map. */
static long sys_mmap(const long *a)
{
	if (!(a[3] & MAP_ANONYMOUS))
		return -ENODEV;
	if (a[3] & MAP_SHARED)
		return -EINVAL;
	if (a[2] & PROT_EXEC)
		return -EACCES;
	if (!a[1])
		return -EINVAL;
	if (a[3] & MAP_FIXED)
		return a[0] && !(a[0] & (PAGE - 1))
		           ? mem_map((uintptr_t)a[0], (uint64_t)a[1])
		           : -EINVAL;
	return mem_map(0, (uint64_t)a[1]);
}

static long sys_munmap(const long *a)
{
	return mem_unmap((uintptr_t)a[0], (uint64_t)a[1]);
}

static long sys_mprotect(const long *a)
{
	if (a[2] & PROT_EXEC)
		return -EACCES;
	return mem_protect((uintptr_t)a[0], (uint64_t)a[1]);
}

/* --- the thread and the process ------------------------------------------ */

static uint64_t tls_base;
static uintptr_t clear_tid; /* kept for when threads exit through clone */

static long sys_arch_prctl(const long *a)
{
	long rc;

	if (a[0] == ARCH_GET_FS) {
		*(uint64_t *)a[1] = tls_base;
		return 0;
	}
	if (a[0] != ARCH_SET_FS)
		return -EINVAL;
	rc = thread_control(1, (uint64_t)a[1]); /* setTlsBase */
	if (!rc)
		tls_base = (uint64_t)a[1];
	return rc;
}

static long sys_set_tid_address(const long *a)
{
	clear_tid = (uintptr_t)a[0];
	return (long)rt_thread_id;
}

static long sys_gettid(const long *a)
{
	(void)a;
	return (long)rt_thread_id;
}

/* No process ids are visible to programs yet: a stable stand-in. */
static long sys_getpid(const long *a)
{
	(void)a;
	return 1;
}

/* No signals exist: nothing is blocked or caught, so the old mask or
 * action asked for is empty (Linux's layouts: a sigset of a[3] bytes; a
 * sigaction of handler, flags, restorer, then the mask). */
static long sys_rt_sigprocmask(const long *a)
{
	if ((uint64_t)a[3] > 128)
		return -EINVAL;
	if (a[2])
		memset((void *)a[2], 0, (size_t)a[3]);
	return 0;
}

static long sys_rt_sigaction(const long *a)
{
	if ((uint64_t)a[3] > 128)
		return -EINVAL;
	if (a[2])
		memset((void *)a[2], 0, 24 + (size_t)a[3]);
	return 0;
}

static long sys_sched_yield(const long *a)
{
	(void)a;
	return 0;
}

/* The thread's exit: ThreadControl.exit never completes. */
static long sys_exit(const long *a)
{
	thread_control(0, (uint64_t)a[0]);
	capos_exit((int)a[0]); /* no ThreadControl: end the process */
}

static long sys_exit_group(const long *a)
{
	capos_exit((int)a[0]);
}

/* --- the table ----------------------------------------------------------- */

static long (*const handlers[])(const long *a) = {
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
    [SYS_mmap] = sys_mmap,
    [SYS_mprotect] = sys_mprotect,
    [SYS_munmap] = sys_munmap,
    [SYS_brk] = sys_brk,
    [SYS_rt_sigaction] = sys_rt_sigaction,
    [SYS_rt_sigprocmask] = sys_rt_sigprocmask,
    [SYS_ioctl] = sys_ioctl,
    [SYS_readv] = sys_readv,
    [SYS_writev] = sys_writev,
    [SYS_sched_yield] = sys_sched_yield,
    [SYS_nanosleep] = sys_nanosleep,
    [SYS_getpid] = sys_getpid,
    [SYS_exit] = sys_exit,
    [SYS_arch_prctl] = sys_arch_prctl,
    [SYS_gettid] = sys_gettid,
    [SYS_set_tid_address] = sys_set_tid_address,
    [SYS_clock_gettime] = sys_clock_gettime,
    [SYS_clock_nanosleep] = sys_clock_nanosleep,
    [SYS_exit_group] = sys_exit_group,
};

long __capos_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	const long args[6] = {a, b, c, d, e, f};

	if (n < 0 ||
	    (unsigned long)n >= sizeof(handlers) / sizeof(handlers[0]) ||
	    !handlers[n])
		return -ENOSYS;
	return handlers[n](args);
}
