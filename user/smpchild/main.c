/*
 * smpchild - the short-lived child of smpstress. Until programs get
 * arguments, what it does is in the names of its CapSet:
 *
 *   code-N   exit with code N (0..255), after a few Timer.now calls on
 *            "timer" if it has one, so each wait can be matched to its
 *            own child's code
 *   spin     never end and never enter the kernel: a process running in
 *            user mode (possibly on another CPU) for the parent to kill
 *
 * Without either it exits with SMPCHILD_NO_ORDER.
 */
#include <capos/rt.h>

#define SMPCHILD_NO_ORDER 250

/* The CapSet entry whose name starts with prefix, or NULL. */
static const struct capos_capset_entry *entry(const char *prefix)
{
	const struct capos_capset_entry *e =
	    (const struct capos_capset_entry *)(rt_capset + 1);

	for (uint32_t i = 0; i < rt_capset->count; i++) {
		uint32_t k = 0;

		while (prefix[k] && e[i].name[k] == prefix[k])
			k++;
		if (!prefix[k])
			return &e[i];
	}
	return NULL;
}

int main(void)
{
	const struct capos_capset_entry *e = entry("code-");
	capos_cap_t timer = rt_capset_find("timer", RT_IFACE_TIMER);
	uint32_t code = 0;
	uint64_t ns;

	if (entry("spin")) {
		for (;;)
			__asm__ volatile("pause");
	}
	if (!e)
		return SMPCHILD_NO_ORDER;
	for (const char *c = e->name + 5; *c >= '0' && *c <= '9'; c++)
		code = code * 10 + (uint32_t)(*c - '0');
	for (uint32_t i = 0; timer && i < code % 4; i++)
		rt_timer_now(timer, &ns);
	return (int)(code & 0xff);
}
