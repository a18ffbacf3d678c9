/*
 * ktimer.c - see ktimer.h. A list ordered by deadline; firing takes the
 * expired prefix.
 */
#include <kernel/arch.h>
#include <kernel/ktimer.h>

static struct ktimer *timers;
/* The first deadline, for a look without the big lock (ktimer.h). */
static uint64_t first_deadline = UINT64_MAX;

static void note_first(void)
{
	__atomic_store_n(&first_deadline,
	                 timers ? timers->deadline_ns : UINT64_MAX,
	                 __ATOMIC_RELAXED);
}

uint64_t ktimer_first_deadline(void)
{
	return __atomic_load_n(&first_deadline, __ATOMIC_RELAXED);
}

void ktimer_arm(struct ktimer *k, uint64_t deadline_ns,
                void (*fn)(struct ktimer *k))
{
	uint64_t s = arch_irq_save();
	struct ktimer **p = &timers;

	k->deadline_ns = deadline_ns;
	k->fn = fn;
	while (*p && (*p)->deadline_ns <= deadline_ns)
		p = &(*p)->next;
	k->next = *p;
	*p = k;
	k->armed = true;
	note_first();
	arch_irq_restore(s);
}

void ktimer_cancel(struct ktimer *k)
{
	uint64_t s = arch_irq_save();

	for (struct ktimer **p = &timers; *p; p = &(*p)->next) {
		if (*p == k) {
			*p = k->next;
			break;
		}
	}
	k->armed = false;
	note_first();
	arch_irq_restore(s);
}

void timers_fire(uint64_t now_ns)
{
	while (timers && timers->deadline_ns <= now_ns) {
		struct ktimer *k = timers;

		timers = k->next;
		k->armed = false;
		note_first();
		k->fn(k);
	}
}
