/*
 * hello_libc - the first program linked with musl: stdio, malloc (small
 * blocks from brk, large ones from mmap), string functions, the clocks and
 * errno all go through the runtime's __capos_syscall. The values it prints
 * are checked by tests/system/hello_libc.test; it ends by returning 5 from
 * main, which musl's exit() turns into the process's exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Initialised TLS: its value proves musl copied the PT_TLS template. */
static __thread int tls_counter = 3;

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Fills n bytes with a pattern, then checks it; returns 0 if intact. */
static int check_block(unsigned char *p, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return -1;
	return 0;
}

static int test_malloc(void)
{
	static const size_t sizes[] = {16, 4096, 100000, 200000, 1 << 20};
	void *blocks[5];
	int bad = 0;

	for (int i = 0; i < 5; i++) {
		blocks[i] = malloc(sizes[i]);
		if (!blocks[i] ||
		    check_block(blocks[i], sizes[i], (unsigned char)i))
			bad++;
	}
	for (int i = 0; i < 5; i++)
		free(blocks[i]);
	/* 4 x 3 MiB is more than the arena holds: freed blocks come back. */
	for (int round = 0; round < 4; round++) {
		void *p = malloc(3 << 20);

		if (!p || check_block(p, 3 << 20, (unsigned char)round))
			bad++;
		free(p);
	}
	printf("hello_libc: malloc 16 B .. 3 MiB: %s\n", bad ? "FAILED" : "ok");
	return bad;
}

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static int test_time(void)
{
	struct timespec t0, t1, nap = {.tv_sec = 0, .tv_nsec = 20000000};

	if (clock_gettime(CLOCK_MONOTONIC, &t0) || nanosleep(&nap, NULL) ||
	    clock_gettime(CLOCK_MONOTONIC, &t1))
		return 1;
	printf("hello_libc: monotonic %lld.%09ld s\n", (long long)t0.tv_sec,
	       t0.tv_nsec);
	printf("hello_libc: nanosleep 20 ms took %s\n",
	       ns_of(&t1) - ns_of(&t0) >= 20000000 ? "at least 20 ms"
	                                           : "TOO LITTLE");
	return 0;
}

int main(int argc, char **argv)
{
	int v[] = {9, 3, 5, 1, 8, 2};
	char buf[64];
	int n;

	printf("hello_libc: hello from musl, argc %d argv[0] %s\n", argc,
	       argv[0]);
	n = snprintf(buf, sizeof(buf), "%d|%5.2f|%#x|%-4s|", -42, 3.14159, 255,
	             "ab");
	printf("hello_libc: snprintf \"%s\" (%d), strlen %zu\n", buf, n,
	       strlen(buf));
	qsort(v, 6, sizeof(v[0]), cmp_int);
	printf("hello_libc: qsort %d %d %d %d %d %d\n", v[0], v[1], v[2], v[3],
	       v[4], v[5]);
	if (test_malloc() || test_time())
		return 1;
	if (open("x", O_RDONLY) < 0)
		printf("hello_libc: open: errno %d (%s)\n", errno,
		       strerror(errno));
	tls_counter += 4;
	printf("hello_libc: tls %d\n", tls_counter);
	fprintf(stderr, "hello_libc: this goes to stderr\n");
	printf("hello_libc: returning 5 from main\n");
	return 5;
}
