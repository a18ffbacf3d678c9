/*
 * regs - checks the system call's register contract (docs/abi.md): after
 * `syscall`, rbx, rbp, rsp and r12-r15 hold what they held before; rcx
 * and r11 hold the return address and rflags; rdi, rsi, rdx and r8-r10
 * are zero (a kernel value there would leak). Every way out of the
 * kernel is tried: an empty cap_enter, a NOP, a malformed SQE, one that
 * takes the big lock, a wait that times out (a thread switch), ring
 * corruption and an unknown system call. Prints "regs: ok" if all held.
 */
#include <capos/rt.h>
#include <capos/syscall.h>

extern uint64_t regs_out[16], regs_rsp, regs_flags;
extern const char regs_after[];
long regs_probe(long nr, long a0, long a1);

#define PAT(n) (0x5a5a5a5a00000000ull + (n))

enum {
	RAX,
	RBX,
	RCX,
	RDX,
	RSI,
	RDI,
	RBP,
	R8,
	R9,
	R10,
	R11,
	R12,
	R13,
	R14,
	R15,
	RSP
};

static const char *const names[16] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
    "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rsp",
};

static capos_cap_t con;
static int failures;

static void fail(const char *what, const char *reg)
{
	char line[96], *p = line;

	for (const char *s = "regs: FAIL "; *s; s++)
		*p++ = *s;
	for (const char *s = what; *s; s++)
		*p++ = *s;
	*p++ = ':';
	*p++ = ' ';
	for (const char *s = reg; *s; s++)
		*p++ = *s;
	rt_console_write(con, line, (uint32_t)(p - line));
	rt_console_write(con, "\n", 1);
	failures++;
}

/* One system call; `ok` says whether its result is the expected one. */
static void probe(const char *what, long nr, long a0, long a1,
                  bool (*ok)(long rc))
{
	static const int preserved[] = {RBX, RBP, R12, R13, R14, R15};
	static const int zeroed[] = {RDX, RSI, RDI, R8, R9, R10};
	long rc = regs_probe(nr, a0, a1);

	if (!ok(rc))
		fail(what, "result");
	for (unsigned i = 0; i < sizeof(preserved) / sizeof(*preserved); i++)
		if (regs_out[preserved[i]] != PAT(preserved[i]))
			fail(what, names[preserved[i]]);
	for (unsigned i = 0; i < sizeof(zeroed) / sizeof(*zeroed); i++)
		if (regs_out[zeroed[i]] != 0)
			fail(what, names[zeroed[i]]);
	if (regs_out[RSP] != regs_rsp)
		fail(what, names[RSP]);
	if (regs_out[RCX] != (uint64_t)regs_after)
		fail(what, names[RCX]);
	if (regs_out[R11] != regs_flags)
		fail(what, names[R11]);
}

static void push(uint8_t opcode, uint32_t cap)
{
	struct capos_ring_header *h = &rt_ring->hdr;

	rt_ring->sq[h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)] =
	    (struct capos_sqe){.opcode = opcode, .cap = cap, .user_data = 7};
	h->sq_tail++;
}

static void drain(void)
{
	rt_ring->hdr.cq_head = rt_ring->hdr.cq_tail;
}

static bool nonneg(long rc)
{
	return rc >= 0;
}
static bool one(long rc)
{
	return rc >= 1;
}
static bool timed_out(long rc)
{
	return rc == CAPOS_E_TIMED_OUT;
}
static bool corrupt(long rc)
{
	return rc == CAPOS_E_RING_CORRUPT;
}
static bool bad_syscall(long rc)
{
	return rc == CAPOS_E_BAD_SYSCALL;
}

int main(void)
{
	struct capos_ring_header *h = &rt_ring->hdr;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	if (!con)
		return 1;
	probe("empty", CAPOS_SYS_CAP_ENTER, 0, 0, nonneg);
	push(CAPOS_OP_NOP, 0);
	probe("nop", CAPOS_SYS_CAP_ENTER, 1, (long)CAPOS_TIMEOUT_NONE, one);
	drain();
	push(99, 0); /* no such opcode: CAPOS_E_BAD_SQE in the CQE */
	probe("bad sqe", CAPOS_SYS_CAP_ENTER, 1, (long)CAPOS_TIMEOUT_NONE, one);
	drain();
	/* RELEASE takes the big lock, given back on the way out. */
	push(CAPOS_OP_RELEASE, CAPOS_CAPID_MAKE(200, 9));
	probe("release", CAPOS_SYS_CAP_ENTER, 1, (long)CAPOS_TIMEOUT_NONE, one);
	drain();
	/* Nothing to wait for: blocks, other threads run, times out. */
	probe("timeout", CAPOS_SYS_CAP_ENTER, 1, 2000000, timed_out);
	h->sq_tail += 100;
	probe("corrupt", CAPOS_SYS_CAP_ENTER, 0, 0, corrupt);
	h->sq_tail -= 100;
	probe("bad nr", 7, 0, 0, bad_syscall);
	if (failures)
		return 2;
	rt_console_write_line(con, "regs: ok");
	return 0;
}
