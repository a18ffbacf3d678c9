/*
 * libc_start.c - how a program linked with musl starts (docs/libc.md).
 *
 * The kernel enters every program the same way (abi.md "Process entry":
 * rdi = ring, rsi = thread id, rdx = CapSet). musl's __libc_start_main
 * instead reads what Linux leaves on the initial stack: argv, envp and the
 * auxiliary vector, one after the other. rt_libc_start keeps what the kernel
 * gave, as rt_start does, lays out such a frame on its own stack (which
 * lives as long as the program: __libc_start_main never returns), and hands
 * over. musl then sets up TLS (through arch_prctl, which the runtime turns
 * into ThreadControl.setTlsBase), runs constructors, calls main and exits
 * with its return value.
 *
 * FS then holds musl's thread pointer, not the runtime's struct rt_thread:
 * a musl program has one thread, the first (rt_thread_spawn refuses).
 *
 * musl finds the TLS template through AT_PHDR, so the program headers must
 * be in memory: user-libc.ld loads them with the text, which also defines
 * __ehdr_start.
 */
#include <capos/rt.h>
#include "rt_private.h"

/* Linux auxiliary vector entries musl reads. */
enum {
	AT_NULL = 0,
	AT_PHDR = 3,
	AT_PHENT = 4,
	AT_PHNUM = 5,
	AT_PAGESZ = 6,
	AT_RANDOM = 25,
};

/* The ELF header's program-header fields (ELF64 layout). */
#define EHDR_PHOFF     32
#define EHDR_PHENTSIZE 54
#define EHDR_PHNUM     56

/* No way to learn the program's name yet: argv[0] is a placeholder,
 * writable as Linux's argument strings are. */
static char program_name[] = "program";

extern const uint8_t __ehdr_start[] __attribute__((visibility("hidden")));
/* main as musl calls it; rt.h declares it for freestanding programs. */
extern int rt_libc_main(int, char **, char **) __asm__("main");
int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                      void (*init)(void), void (*fini)(void),
                      void (*ldso)(void));
__attribute__((noreturn)) void
rt_libc_start(struct capos_ring *ring, uint64_t tid,
              const struct capos_capset_header *capset);

/* The entry point (user-libc.ld): the kernel's stack is 16-byte aligned,
 * and the call makes it what a C function expects. */
__asm__(".pushsection .text.start, \"ax\"\n"
        ".global rt_libc_entry\n"
        "rt_libc_entry:\n"
        "	xor %ebp, %ebp\n"
        "	call rt_libc_start\n"
        "	ud2\n"
        ".popsection\n");

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* AT_RANDOM's 16 bytes (musl's stack canary and malloc secret). There is
 * no entropy source yet: the TSC at start is unpredictable enough to make
 * a canary vary between runs, not to be a secret. */
static void fill_random(uint64_t out[2], uint64_t tid)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	out[0] = splitmix64(((uint64_t)hi << 32 | lo) ^ (uintptr_t)out);
	out[1] = splitmix64(out[0] ^ tid);
}

static uint16_t ehdr_u16(unsigned off)
{
	return (uint16_t)(__ehdr_start[off] | __ehdr_start[off + 1] << 8);
}

void rt_libc_start(struct capos_ring *ring, uint64_t tid,
                   const struct capos_capset_header *capset)
{
	uint64_t random[2];
	uint64_t phoff;
	int rc;

	rt_first_thread(ring, tid, capset);
	rt_fs_foreign = 1; /* musl's TLS owns FS: no rt threads */
	fill_random(random, tid);
	__builtin_memcpy(&phoff, __ehdr_start + EHDR_PHOFF, sizeof(phoff));

	/* argc, argv[0], NULL, no environment, then the auxiliary vector. */
	uintptr_t frame[] = {
	    1,         (uintptr_t)program_name,
	    0,         0,
	    AT_PHDR,   (uintptr_t)__ehdr_start + phoff,
	    AT_PHENT,  ehdr_u16(EHDR_PHENTSIZE),
	    AT_PHNUM,  ehdr_u16(EHDR_PHNUM),
	    AT_PAGESZ, 4096,
	    AT_RANDOM, (uintptr_t)random,
	    AT_NULL,   0,
	};

	rc = __libc_start_main(rt_libc_main, (int)frame[0], (char **)&frame[1],
	                       0, 0, 0);
	capos_exit(rc); /* not reached: musl calls exit() */
}
