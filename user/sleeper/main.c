/*
 * sleeper - a child that never ends on its own: it sleeps on its
 * "timer" forever, so a parent can watch it run and then kill it
 * (spawntest). Without a timer it blocks in cap_enter instead.
 */
#include <capos/rt.h>

#define ONE_SECOND (1000ull * 1000 * 1000)

int main(void)
{
	capos_cap_t timer = rt_capset_find("timer", RT_IFACE_TIMER);

	for (;;) {
		/* A failed sleep (or none to make) must not turn into a busy
		 * exit: the parent's kill is the only way out. */
		if (!timer || rt_timer_sleep(timer, ONE_SECOND) < 0)
			capos_cap_enter(1, CAPOS_TIMEOUT_NONE);
	}
}
