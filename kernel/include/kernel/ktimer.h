/*
 * ktimer.h - one-shot kernel timers, fired from the timer tick with
 * interrupts off. Used for calls that complete later (Timer.sleep).
 */
#ifndef CAPOS_KERNEL_KTIMER_H
#define CAPOS_KERNEL_KTIMER_H

#include <stdbool.h>
#include <stdint.h>

struct ktimer {
	uint64_t deadline_ns;
	void (*fn)(struct ktimer *k);
	struct ktimer *next;
	bool armed;
};

void ktimer_arm(struct ktimer *k, uint64_t deadline_ns,
                void (*fn)(struct ktimer *k));
void ktimer_cancel(struct ktimer *k);
void timers_fire(uint64_t now_ns);
/* The earliest armed deadline (UINT64_MAX if none). Written under the
 * big lock, readable without it: a tick asks it whether it needs the
 * lock at all. */
uint64_t ktimer_first_deadline(void);

#endif
