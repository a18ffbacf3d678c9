/*
 * linux-bench - the Linux baseline of issue #8: the Linux way of doing what
 * capOS's user/bench and spawnloop measure, run as /init of an initramfs
 * under Debian's own kernel in the same QEMU with the same flags
 * (docs/linux-baseline.md).
 *
 * Each benchmark prints one line, per operation, loop overhead included:
 *   bench: <name> <TSC cycles> cycles <CLOCK_MONOTONIC ns> ns
 * Under QEMU -icount shift=0 one guest instruction takes one virtual
 * nanosecond, so the ns column is then guest instructions per operation.
 * Then "bench: done", and the machine powers off so that QEMU exits.
 *
 * Built static with Debian's gcc and glibc (gcc -static -O2): the initramfs
 * holds nothing else. Run as "/init --exit" it exits at once: that is the
 * program fork+exec+wait starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

/* Iterations per benchmark: enough for a stable mean, small enough that
 * the whole boot and run stays well under a minute under TCG and icount. */
#define N_SYSCALL      10000
#define N_PINGPONG     5000
#define N_FORK         500
#define N_EXEC         200
#define BATCH          16
#define SETTLE_SECONDS 3

static const char *self_path = "/init";

/* One line in one write(2), so that nothing the kernel prints on the same
 * console lands in the middle of it. */
static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) < 0)
		_exit(2);
}

/* Ends the run with status: as /init (PID 1) by powering the machine off,
 * so that QEMU exits; anywhere else (a run on the host, the build's check)
 * by a plain exit, never touching the host's power. */
static void finish(int status)
{
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	_exit(status);
}

/* Reports the failure and ends the run: a benchmark that cannot run must
 * not leave QEMU waiting for its timeout. */
static void fail(const char *what)
{
	say("linux-bench: FAILED: %s: %s", what, strerror(errno));
	finish(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct stamp {
	uint64_t ns, cycles;
};

static struct stamp start(void)
{
	struct stamp s;

	s.ns = now_ns();
	s.cycles = __rdtsc();
	return s;
}

/* Prints the per-operation cost of the ops operations since s. */
static void report(const char *name, struct stamp s, uint64_t ops)
{
	uint64_t cycles = __rdtsc() - s.cycles;
	uint64_t ns = now_ns() - s.ns;

	say("bench: %s %llu cycles %llu ns", name,
	    (unsigned long long)(cycles / ops), (unsigned long long)(ns / ops));
}

/* --- getppid: the cheapest real system call round trip ------------------ */

static void bench_getppid(void)
{
	struct stamp s;

	for (int i = 0; i < N_SYSCALL / 10; i++)
		getppid();
	s = start();
	for (int i = 0; i < N_SYSCALL; i++)
		getppid();
	report("linux_getppid", s, N_SYSCALL);
}

/* --- eventfd: write then read the counter, two system calls ------------- */

static void bench_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	const int warm = N_SYSCALL / 10;
	struct stamp s = {0, 0};
	uint64_t v;

	if (fd < 0)
		fail("eventfd");
	for (int i = 0; i < warm + N_SYSCALL; i++) {
		if (i == warm)
			s = start();
		v = 1;
		if (write(fd, &v, sizeof(v)) != sizeof(v) ||
		    read(fd, &v, sizeof(v)) != sizeof(v))
			fail("eventfd write/read");
	}
	report("linux_eventfd_roundtrip", s, N_SYSCALL);
	close(fd);
}

/* --- io_uring: NOPs through raw io_uring_setup/io_uring_enter ----------- */

struct uring {
	int fd;
	void *sq, *cq;
	size_t sq_len, cq_len, sqes_len;
	unsigned sq_mask, cq_mask;
	unsigned *sq_tail, *sq_array, *cq_head, *cq_tail;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* Returns 0 with ring set up, or -errno if this kernel will not give us
 * one (CONFIG_IO_URING off, or disabled by a sysctl). */
static int uring_open(struct uring *r, unsigned entries)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if ((p.features & IORING_FEAT_SINGLE_MMAP) && cq_len > sq_len)
		sq_len = cq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
		          MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			return -errno;
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
	               PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
	               IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
	r->sq = sq;
	r->cq = cq;
	r->sq_len = sq_len;
	r->cq_len = cq == sq ? 0 : cq_len;
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_mask = *(unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_mask = *(unsigned *)(cq + p.cq_off.ring_mask);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submits n NOPs, waits for their n completions and reaps them: one
 * io_uring_enter. Only we write the SQ, so its tail is ours to read. */
static void uring_nops(struct uring *r, unsigned n)
{
	unsigned tail = *r->sq_tail, head;

	for (unsigned i = 0; i < n; i++, tail++) {
		unsigned idx = tail & r->sq_mask;
		struct io_uring_sqe *e = &r->sqes[idx];

		memset(e, 0, sizeof(*e));
		e->opcode = IORING_OP_NOP;
		e->user_data = i;
		r->sq_array[idx] = idx;
	}
	__atomic_store_n(r->sq_tail, tail, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, n, n, IORING_ENTER_GETEVENTS,
	            NULL, 0) != (long)n)
		fail("io_uring_enter");
	head = *r->cq_head;
	if (__atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) - head != n)
		fail("io_uring: missing completions");
	for (unsigned i = 0; i < n; i++, head++)
		if (r->cqes[head & r->cq_mask].res != 0)
			fail("io_uring: NOP failed");
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
}

static void bench_io_uring(void)
{
	struct uring r;
	struct stamp s;
	int err = uring_open(&r, 64);

	if (err) {
		say("linux-bench: io_uring unavailable (%s): no io_uring NOPs",
		    strerror(-err));
		return;
	}
	say("linux-bench: io_uring available");
	for (int i = 0; i < N_SYSCALL / 10; i++)
		uring_nops(&r, 1);
	s = start();
	for (int i = 0; i < N_SYSCALL; i++)
		uring_nops(&r, 1);
	report("linux_io_uring_nop", s, N_SYSCALL);

	for (int i = 0; i < N_SYSCALL / BATCH / 10; i++)
		uring_nops(&r, BATCH);
	s = start();
	for (int i = 0; i < N_SYSCALL / BATCH; i++)
		uring_nops(&r, BATCH);
	report("linux_io_uring_nop_batch16_per_nop", s,
	       (N_SYSCALL / BATCH) * BATCH);
	munmap(r.sqes, r.sqes_len);
	if (r.cq_len)
		munmap(r.cq, r.cq_len);
	munmap(r.sq, r.sq_len);
	close(r.fd);
}

/* --- pipe ping-pong between two processes ------------------------------- */

/* One round trip: a byte to the child over one pipe, back over another. */
static void bench_pipe(void)
{
	int ping[2], pong[2], st;
	const int warm = N_PINGPONG / 10;
	struct stamp s = {0, 0};
	char c = 0;
	pid_t pid;

	if (pipe(ping) || pipe(pong))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		for (int i = 0; i < warm + N_PINGPONG; i++)
			if (read(ping[0], &c, 1) != 1 ||
			    write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (int i = 0; i < warm + N_PINGPONG; i++) {
		if (i == warm)
			s = start();
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			fail("pipe ping-pong");
	}
	report("linux_pipe_roundtrip", s, N_PINGPONG);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("pipe child");
	close(ping[0]);
	close(ping[1]);
	close(pong[0]);
	close(pong[1]);
}

/* --- futex ping-pong between two threads -------------------------------- */

/* 0: the main thread's turn; 1: the partner's. Raw FUTEX_WAIT/WAKE on it. */
static _Atomic uint32_t turn;

static void futex_wait(uint32_t val)
{
	syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(void)
{
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Hands the turn to the other side (to) and sleeps until it comes back. */
static void pass_turn(uint32_t to)
{
	turn = to;
	futex_wake();
	while (turn == to)
		futex_wait(to);
}

static void *partner(void *arg)
{
	long rounds = (long)arg;

	for (long i = 0; i < rounds; i++) {
		while (turn != 1)
			futex_wait(0);
		if (i == rounds - 1) {
			turn = 0;
			futex_wake();
		} else {
			pass_turn(0);
		}
	}
	return NULL;
}

static void bench_futex(void)
{
	const int warm = N_PINGPONG / 10;
	struct stamp s = {0, 0};
	pthread_t t;

	turn = 0;
	if (pthread_create(&t, NULL, partner,
	                   (void *)(long)(warm + N_PINGPONG)))
		fail("pthread_create");
	for (int i = 0; i < warm + N_PINGPONG; i++) {
		if (i == warm)
			s = start();
		pass_turn(1);
	}
	report("linux_futex_roundtrip", s, N_PINGPONG);
	pthread_join(t, NULL);
}

/* --- process creation ------------------------------------------------- */

/* Forks n children one at a time; each exits at once, or first execs this
 * program with --exit if exec is set. Each is waited for before the next. */
static void spawn_loop(int n, int exec)
{
	char *argv[] = {(char *)self_path, "--exit", NULL};
	char *envp[] = {NULL};
	int st;

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			if (exec)
				execve(self_path, argv, envp);
			_exit(exec ? 127 : 0);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			fail(exec ? "fork+exec child" : "fork child");
	}
}

static void bench_fork(void)
{
	struct stamp s;

	spawn_loop(N_FORK / 10, 0);
	s = start();
	spawn_loop(N_FORK, 0);
	report("linux_fork_exit_wait", s, N_FORK);

	spawn_loop(N_EXEC / 10, 1);
	s = start();
	spawn_loop(N_EXEC, 1);
	report("linux_fork_exec_wait", s, N_EXEC);
}

int main(int argc, char **argv)
{
	struct utsname u;

	if (argc > 1 && strcmp(argv[1], "--exit") == 0)
		return 0;
	if (argc > 0 && strchr(argv[0], '/'))
		self_path = argv[0];
	if (uname(&u) == 0)
		say("linux-bench: %s %s %s", u.sysname, u.release, u.version);
	/* As /init, let the kernel's delayed boot work (the TSC's refined
	 * calibration and switch of clocksource, about a second in) finish
	 * before anything is timed. Under -icount sleep=off the wait costs no
	 * host time. */
	if (getpid() == 1) {
		struct timespec settle = {.tv_sec = SETTLE_SECONDS};

		nanosleep(&settle, NULL);
	}
	/* Process creation first, while the process is still as small as it
	 * will be: no thread stack cached, no ring mapped. */
	bench_getppid();
	bench_fork();
	bench_eventfd();
	bench_io_uring();
	bench_pipe();
	bench_futex();
	say("bench: done");
	finish(0);
	return 0;
}
