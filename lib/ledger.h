/*
 * ledger.h - one resource ledger per process (risks.md R4,
 * docs/ledger.md): a limit and a use count for each resource.
 *
 * Charges happen before the side effect they pay for and either fit
 * whole or change nothing. A child's limits are carved out of its
 * parent's ledger whole at spawn (the parent's use grows by them) and
 * returned whole when the child is gone, so a subtree can never use more
 * than the quotas at its root. Pure logic: the kernel decides what each
 * resource is and when to charge.
 */
#ifndef CAPOS_LIB_LEDGER_H
#define CAPOS_LIB_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

/* The resources, in the order of the schema's Quotas fields. */
enum ledger_resource {
	LEDGER_FRAMES = 0,         /* 4 KiB physical frames */
	LEDGER_CAP_SLOTS = 1,      /* cap table slots */
	LEDGER_THREADS = 2,        /* threads */
	LEDGER_ENDPOINT_QUEUE = 3, /* queued calls on its endpoints */
	LEDGER_KERNEL_MEMORY = 4,  /* bytes of kernel heap for its objects */
	LEDGER_COUNT
};

struct ledger_account {
	uint64_t limit;
	uint64_t used;
};

struct ledger {
	struct ledger_account r[LEDGER_COUNT];
};

/* A ledger with these limits and nothing used. */
void ledger_init(struct ledger *l, const uint64_t limits[LEDGER_COUNT]);

/* Returns true if n more of the account still fit its limit. (Inline:
 * the endpoint round trip charges and refunds on every call.) */
static inline bool ledger_account_fits(const struct ledger_account *a,
                                       uint64_t n)
{
	/* used never exceeds limit, so the subtraction cannot wrap. */
	return a->used <= a->limit && n <= a->limit - a->used;
}

/* Charges n: returns 0, or -1 (nothing charged) if it does not fit. */
static inline int ledger_account_charge(struct ledger_account *a, uint64_t n)
{
	if (!ledger_account_fits(a, n))
		return -1;
	a->used += n;
	return 0;
}

/* Gives n back. Returns 0, or -1 (nothing changes) if fewer are used:
 * a refund that was never charged is a kernel bug the caller asserts. */
static inline int ledger_account_refund(struct ledger_account *a, uint64_t n)
{
	if (n > a->used)
		return -1;
	a->used -= n;
	return 0;
}

static inline int ledger_charge(struct ledger *l, enum ledger_resource r,
                                uint64_t n)
{
	return ledger_account_charge(&l->r[r], n);
}

static inline int ledger_refund(struct ledger *l, enum ledger_resource r,
                                uint64_t n)
{
	return ledger_account_refund(&l->r[r], n);
}

/*
 * Carves a child's ledger out of parent: if every limit fits what the
 * parent has left, charges them all to the parent, sets child to those
 * limits with nothing used, and returns 0. Otherwise returns -1 and
 * neither ledger changes.
 */
int ledger_carve(struct ledger *parent, struct ledger *child,
                 const uint64_t limits[LEDGER_COUNT]);

/* Returns a carved child's limits to its parent (the child is gone).
 * Returns 0, or -1 if the parent does not hold that much (a bug). */
int ledger_return(struct ledger *parent, const struct ledger *child);

/* Returns true if nothing is used in any account. */
bool ledger_empty(const struct ledger *l);

#endif
