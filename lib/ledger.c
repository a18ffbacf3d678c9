/*
 * ledger.c - per-process resource accounting (see ledger.h).
 */
#include "ledger.h"

void ledger_init(struct ledger *l, const uint64_t limits[LEDGER_COUNT])
{
	for (int i = 0; i < LEDGER_COUNT; i++) {
		l->r[i].limit = limits[i];
		l->r[i].used = 0;
	}
}

int ledger_carve(struct ledger *parent, struct ledger *child,
                 const uint64_t limits[LEDGER_COUNT])
{
	for (int i = 0; i < LEDGER_COUNT; i++) {
		if (!ledger_account_fits(&parent->r[i], limits[i]))
			return -1;
	}
	for (int i = 0; i < LEDGER_COUNT; i++)
		parent->r[i].used += limits[i];
	ledger_init(child, limits);
	return 0;
}

int ledger_return(struct ledger *parent, const struct ledger *child)
{
	for (int i = 0; i < LEDGER_COUNT; i++) {
		if (child->r[i].limit > parent->r[i].used)
			return -1;
	}
	for (int i = 0; i < LEDGER_COUNT; i++)
		parent->r[i].used -= child->r[i].limit;
	return 0;
}

bool ledger_empty(const struct ledger *l)
{
	for (int i = 0; i < LEDGER_COUNT; i++) {
		if (l->r[i].used)
			return false;
	}
	return true;
}
