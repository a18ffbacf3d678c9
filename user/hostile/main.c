/*
 * hostile - sends the kernel every kind of malformed request and checks
 * that each fails with its documented error and changes nothing. The
 * kernel must survive all of it; this program then exits 0 if every
 * check held.
 */
#include <capnp/capnp.h>
#include <capos/rt.h>

long capos_syscall_raw(long nr, long a0, long a1);

static int passed, failed;
static capos_cap_t con;

static void report(const char *name, bool ok, long got)
{
	char buf[96];
	int n = 0;
	const char *tag = ok ? "ok   " : "FAIL ";

	while (*tag)
		buf[n++] = *tag++;
	while (*name && n < 80)
		buf[n++] = *name++;
	if (!ok) {
		buf[n++] = ' ';
		buf[n++] = '(';
		if (got < 0) {
			buf[n++] = '-';
			got = -got;
		}
		buf[n++] = (char)('0' + got / 10 % 10);
		buf[n++] = (char)('0' + got % 10);
		buf[n++] = ')';
	}
	rt_console_write(con, "hostile: ", 9);
	rt_console_write(con, buf, (uint32_t)n);
	rt_console_write(con, "\n", 1);
	if (ok)
		passed++;
	else
		failed++;
}

/* Submits one SQE and returns its CQE's result. */
static int one(struct capos_sqe sqe, struct capos_cqe *out)
{
	struct capos_cqe cqe;
	uint64_t ud = rt_submit(&sqe);

	if (!ud || rt_wait(ud, &cqe))
		return -99;
	if (out)
		*out = cqe;
	return cqe.result;
}

static void expect(const char *name, struct capos_sqe sqe, int want)
{
	int got = one(sqe, NULL);

	report(name, got == want, got);
}

static uint8_t params[64] __attribute__((aligned(8)));
static uint32_t params_len;
static uint8_t result[256] __attribute__((aligned(8)));
static const uint8_t read_only[64] __attribute__((aligned(8))) = {1};

static struct capos_sqe call(capos_cap_t cap, uint16_t method)
{
	return (struct capos_sqe){
	    .opcode = CAPOS_OP_CALL,
	    .cap = cap,
	    .method = method,
	    .params_addr = (uint64_t)params,
	    .params_len = params_len,
	    .result_addr = (uint64_t)result,
	    .result_len = sizeof(result),
	};
}

static void ring_checks(void)
{
	struct capos_ring_header *h = &rt_ring->hdr;
	uint32_t saved;
	long rc;

	/* sq_tail claiming more SQEs than the SQ holds. */
	saved = h->sq_tail;
	h->sq_tail = h->sq_head + 1000;
	rc = capos_cap_enter(0, 0);
	h->sq_tail = saved;
	report("sq_tail past the SQ is ring corruption",
	       rc == CAPOS_E_RING_CORRUPT, rc);
	/* cq_head ahead of anything the kernel posted. */
	saved = h->cq_head;
	h->cq_head = h->cq_tail + 5;
	rc = capos_cap_enter(0, 0);
	h->cq_head = saved;
	report("cq_head past cq_tail is ring corruption",
	       rc == CAPOS_E_RING_CORRUPT, rc);
	/* A kernel-owned field scribbled on is ignored. */
	h->sq_head += 3;
	rc = capos_cap_enter(0, 0);
	h->sq_head -= 3;
	report("scribbled sq_head is ignored", rc >= 0, rc);
	rc = capos_cap_enter(0, 0);
	report("ring still works after corruption", rc >= 0, rc);
}

/* Fill the CQ without consuming: the kernel must stop taking SQEs and
 * drop nothing. */
static void full_cq(void)
{
	struct capos_ring_header *h = &rt_ring->hdr;
	struct capos_sqe nop = {.opcode = CAPOS_OP_NOP};
	uint64_t stalls = h->cq_full_stalls;
	uint32_t cq_head = h->cq_head, submitted = 0;
	long rc = 0;

	for (int round = 0; round < 3; round++) {
		while (h->sq_tail - h->sq_head < CAPOS_RING_SQ_ENTRIES) {
			struct capos_sqe *s =
			    &rt_ring
			         ->sq[h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)];

			*s = nop;
			s->user_data = 0x1000 + submitted++;
			h->sq_tail++;
		}
		rc = capos_cap_enter(0, 0);
	}
	/* Nothing may be printed until the CQ is drained: printing needs
	 * the ring. Record first, report after. */
	long backlog = (long)(h->sq_tail - h->sq_head);
	bool stalled = h->cq_full_stalls > stalls;
	bool in_order = true;

	for (uint32_t i = 0; i < submitted; i++) {
		if (h->cq_tail == h->cq_head)
			capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
		struct capos_cqe *c =
		    &rt_ring->cq[h->cq_head & (CAPOS_RING_CQ_ENTRIES - 1)];

		if (c->user_data != 0x1000 + i || c->result != 0)
			in_order = false;
		h->cq_head++;
	}
	(void)cq_head;
	report("full CQ: cap_enter reports a full CQ",
	       rc == CAPOS_RING_CQ_ENTRIES, rc);
	report("full CQ: the kernel stopped consuming SQEs",
	       backlog == (long)(submitted - CAPOS_RING_CQ_ENTRIES), backlog);
	report("full CQ: stall counted", stalled, 0);
	report("full CQ: every completion arrives once, in order", in_order, 0);
}

/*
 * One batch of 16 across the end of the SQ and of the CQ: runs of NOPs
 * with rejected NOPs inside them (a flag, reserved fields), and other
 * SQEs between runs (an unknown opcode, a CALL with a null CapId, a
 * RELEASE of a CapId never granted, which takes the big lock). Every
 * CQE comes back in order with its own result and clean fields, and
 * each rejected SQE is counted once.
 */
static void mixed_batch(void)
{
	struct capos_ring_header *h = &rt_ring->hdr;
	static const struct capos_sqe kinds[16] = {
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_NOP, .flags = 1},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_NOP, .reserved1 = 1},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = 99},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_CALL, .cap = CAPOS_CAP_NULL},
	    {.opcode = CAPOS_OP_NOP, .reserved0 = 1},
	    {.opcode = CAPOS_OP_RELEASE, .cap = CAPOS_CAPID_MAKE(4000, 7)},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_NOP},
	    {.opcode = CAPOS_OP_NOP},
	};
	static const int want[16] = {
	    0,
	    0,
	    CAPOS_E_BAD_SQE,
	    0,
	    CAPOS_E_BAD_SQE,
	    0,
	    CAPOS_E_BAD_SQE,
	    0,
	    0,
	    CAPOS_E_BAD_CAP,
	    CAPOS_E_BAD_SQE,
	    CAPOS_E_BAD_CAP,
	    0,
	    0,
	    0,
	    0,
	};
	uint64_t rejected = h->sqes_rejected;
	bool in_order = true;
	long rc;

	/* Single NOPs until the batch starts 5 before the SQ's end and in
	 * the CQ's second half, so both ends fall inside it (or the CQ's at
	 * its very end). The CQ moves with the SQ: every 16 NOPs its index
	 * is the one before or that plus 16, so this ends. */
	while ((h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)) != 11 ||
	       (h->cq_tail & (CAPOS_RING_CQ_ENTRIES - 1)) < 16) {
		struct capos_sqe *s =
		    &rt_ring->sq[h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)];

		*s = kinds[0];
		h->sq_tail++;
		capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
		h->cq_head = h->cq_tail;
	}
	for (uint32_t i = 0; i < 16; i++) {
		struct capos_sqe *s =
		    &rt_ring->sq[h->sq_tail & (CAPOS_RING_SQ_ENTRIES - 1)];

		*s = kinds[i];
		s->user_data = 0x2000 + i;
		h->sq_tail++;
	}
	rc = capos_cap_enter(16, CAPOS_TIMEOUT_NONE);
	for (uint32_t i = 0; i < 16 && h->cq_head != h->cq_tail; i++) {
		struct capos_cqe *c =
		    &rt_ring->cq[h->cq_head & (CAPOS_RING_CQ_ENTRIES - 1)];

		if (c->user_data != 0x2000 + i || c->result != want[i] ||
		    c->flags || c->call_id || c->caps || c->reserved0 ||
		    c->needed || c->reserved1)
			in_order = false;
		h->cq_head++;
	}
	report("mixed batch across the ring's ends: 16 CQEs", rc == 16, rc);
	report("mixed batch: each CQE in order, with its own result", in_order,
	       0);
	report("mixed batch: each rejected SQE counted once",
	       h->sqes_rejected - rejected == 6,
	       (long)(h->sqes_rejected - rejected));
}

int main(void)
{
	capos_cap_t timer;
	struct capos_sqe s;
	struct capos_cqe cqe = {0};
	struct capnp_builder b;
	struct capnp_bstruct root;
	const uint8_t *bytes;
	size_t len;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	if (!con || !timer)
		return 2;
	/* Valid params for Timer.now: an empty struct. */
	capnp_builder_init(&b, params, sizeof(params));
	capnp_builder_root(&b, 1, 0, &root);
	capnp_builder_finish(&b, &bytes, &len);
	params_len = (uint32_t)len;

	expect("valid Timer.now call succeeds", call(timer, 0), 24);
	expect("unknown opcode", (struct capos_sqe){.opcode = 99},
	       CAPOS_E_BAD_SQE);
	s = call(timer, 0);
	s.flags = 1;
	expect("unknown flag bits", s, CAPOS_E_BAD_SQE);
	s = call(timer, 0);
	s.reserved0 = 1;
	expect("reserved field 0 set", s, CAPOS_E_BAD_SQE);
	s = call(timer, 0);
	s.reserved1 = 1;
	expect("reserved field 1 set", s, CAPOS_E_BAD_SQE);
	s = (struct capos_sqe){.opcode = CAPOS_OP_NOP, .cap = 5};
	expect("NOP ignores its cap", s, 0);
	/* NOPs take their own path (nop_run), reading SQE words. */
	s = (struct capos_sqe){.opcode = CAPOS_OP_NOP, .flags = 0x80};
	expect("NOP with a flag bit", s, CAPOS_E_BAD_SQE);
	s = (struct capos_sqe){.opcode = CAPOS_OP_NOP, .reserved0 = 0x100};
	expect("NOP with reserved field 0 set (high byte)", s, CAPOS_E_BAD_SQE);
	s = (struct capos_sqe){.opcode = CAPOS_OP_NOP, .reserved1 = 1ull << 63};
	expect("NOP with reserved field 1 set (top bit)", s, CAPOS_E_BAD_SQE);
	s = (struct capos_sqe){.opcode = CAPOS_OP_NOP,
	                       .method = 0xffff,
	                       .xfer_count = 0xffff,
	                       .call_id = 0xffffffff};
	expect("NOP ignores method, call_id and xfer_count", s, 0);
	expect("CapId 0", call(CAPOS_CAP_NULL, 0), CAPOS_E_BAD_CAP);
	expect("stale CapId (wrong generation)",
	       call(CAPOS_CAPID_MAKE(CAPOS_CAPID_INDEX(timer),
	                             CAPOS_CAPID_GEN(timer) + 1),
	            0),
	       CAPOS_E_BAD_CAP);
	expect("CapId index out of range", call(CAPOS_CAPID_MAKE(9999, 1), 0),
	       CAPOS_E_BAD_CAP);
	expect("unknown method", call(timer, 77), CAPOS_E_UNKNOWN_METHOD);
	s = call(timer, 0);
	s.params_addr = 0xFFFFFFFF80000000ull;
	expect("params pointer into the kernel", s, CAPOS_E_BAD_POINTER);
	s = call(timer, 0);
	s.result_addr = 0xFFFF800000100000ull;
	expect("result pointer into the direct map", s, CAPOS_E_BAD_POINTER);
	s = call(timer, 0);
	s.params_addr = 0x1000;
	expect("params pointer unmapped", s, CAPOS_E_BAD_POINTER);
	s = call(timer, 0);
	s.result_addr = (uint64_t)read_only;
	expect("result buffer read-only", s, CAPOS_E_BAD_POINTER);
	s = call(timer, 0);
	s.params_addr = 0x00007FFFFFFFFFF0ull;
	s.params_len = 0x100;
	expect("params range wraps past user space", s, CAPOS_E_BAD_POINTER);
	s = call(timer, 0);
	s.params_len = 0xFFFFFFF0u;
	expect("params length huge", s, CAPOS_E_TOO_LARGE);
	s = call(timer, 0);
	s.params_len = 5;
	expect("params not a message", s, CAPOS_E_BAD_MESSAGE);
	s = call(timer, 0);
	s.result_len = 8;
	report("result buffer too small says how much",
	       one(s, &cqe) == CAPOS_E_BUFFER_TOO_SMALL && cqe.needed == 24,
	       cqe.result);
	s = call(timer, 0);
	s.xfer_count = 1;
	expect("transfer descriptors to an object that takes none", s,
	       CAPOS_E_TRANSFER_REFUSED);
	s = call(timer, 0);
	s.xfer_count = CAPOS_XFER_MAX + 1;
	expect("more transfer descriptors than the limit", s, CAPOS_E_BAD_SQE);
	s = call(timer, 0);
	s.xfer_addr = (uint64_t)read_only;
	expect("transfer address without a count", s, CAPOS_E_BAD_SQE);
	expect("RECV on an object that is no endpoint",
	       (struct capos_sqe){.opcode = CAPOS_OP_RECV, .cap = timer},
	       CAPOS_E_NOT_ALLOWED);
	expect("RETURN on an object that is no endpoint",
	       (struct capos_sqe){.opcode = CAPOS_OP_RETURN, .cap = timer},
	       CAPOS_E_NOT_ALLOWED);
	expect("RETURN with an unknown flag",
	       (struct capos_sqe){
	           .opcode = CAPOS_OP_RETURN, .cap = timer, .flags = 0x80},
	       CAPOS_E_BAD_SQE);
	expect("PARK on address 0", (struct capos_sqe){.opcode = CAPOS_OP_PARK},
	       CAPOS_E_BAD_POINTER);
	expect("PARK on an unaligned word",
	       (struct capos_sqe){.opcode = CAPOS_OP_PARK,
	                          .params_addr = (uint64_t)read_only + 1},
	       CAPOS_E_BAD_SQE);
	expect("PARK on a kernel address",
	       (struct capos_sqe){.opcode = CAPOS_OP_PARK,
	                          .params_addr = 0xFFFFFFFF80000000ull},
	       CAPOS_E_BAD_POINTER);
	expect("PARK with a cap set",
	       (struct capos_sqe){.opcode = CAPOS_OP_PARK,
	                          .cap = timer,
	                          .params_addr = (uint64_t)read_only},
	       CAPOS_E_BAD_SQE);
	expect("UNPARK with a timeout set",
	       (struct capos_sqe){.opcode = CAPOS_OP_UNPARK,
	                          .params_addr = (uint64_t)read_only,
	                          .params_len = 1,
	                          .result_addr = 5},
	       CAPOS_E_BAD_SQE);
	expect("UNPARK with nobody parked wakes 0",
	       (struct capos_sqe){.opcode = CAPOS_OP_UNPARK,
	                          .params_addr = (uint64_t)read_only,
	                          .params_len = CAPOS_UNPARK_ALL},
	       0);
	expect("RELEASE of CapId 0",
	       (struct capos_sqe){.opcode = CAPOS_OP_RELEASE}, CAPOS_E_BAD_CAP);
	report("unknown system call number",
	       capos_syscall_raw(7, 0, 0) == CAPOS_E_BAD_SYSCALL, 0);
	ring_checks();
	full_cq();
	mixed_batch();
	/* Release, then the same CapId is stale. */
	report("release now", rt_release_now(timer) == 0, 0);
	expect("released CapId is stale", call(timer, 0), CAPOS_E_BAD_CAP);
	expect("double release",
	       (struct capos_sqe){.opcode = CAPOS_OP_RELEASE, .cap = timer},
	       CAPOS_E_BAD_CAP);

	char line[48] = "hostile: ";
	int n = 9;

	n += passed >= 10 ? (line[n] = (char)('0' + passed / 10), 1) : 0;
	line[n++] = (char)('0' + passed % 10);
	const char *mid = " passed, ";

	while (*mid)
		line[n++] = *mid++;
	line[n++] = (char)('0' + failed % 10);
	const char *end = " failed";

	while (*end)
		line[n++] = *end++;
	line[n] = 0;
	rt_console_write_line(con, line);
	return failed ? 1 : 0;
}
