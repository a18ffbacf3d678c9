/*
 * threadexitc - the child of threadexit: a process that ends while its
 * threads are blocked. One thread sleeps on Timer.sleep (10 s, in
 * cap_enter), one is parked with no timeout; then, by the mode its CapSet
 * names (a copy of the timer under that name):
 *   (none)       the first thread calls capos_exit(33)
 *   mode-worker  a third thread calls capos_exit(44) while the first is
 *                blocked joining the sleeper
 *   mode-last    the first thread ends alone (ThreadControl.exit(5));
 *                a fourth thread unparks the parker and joins it and
 *                the sleeper (whose sleep is 300 ms in this mode), then
 *                ends last with 66: the process's code
 * Granted console, timer, threads, thread and vm.
 */
#include <capos/rt.h>
#include <capos/rt_thread.h>

#define MS (1000ull * 1000)

static capos_cap_t timer;
static uint64_t sleep_ms = 10000;
static uint32_t ready, word;
static rt_thread_t sleeper_t, parker_t;

static int64_t sleeper(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
	rt_timer_sleep(timer, sleep_ms * MS);
	return 1;
}

static int64_t parker(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
	rt_park(&word, 0, 0);
	return 2;
}

/* Until both blocked threads are on their way, then a little more so
 * that they are inside cap_enter and PARK. */
static void wait_blocked(void)
{
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < 2)
		rt_timer_sleep(timer, 1 * MS);
	rt_timer_sleep(timer, 30 * MS);
}

static int64_t exiter(void *arg)
{
	(void)arg;
	wait_blocked();
	capos_exit(44);
}

/* mode-last: once the first thread is gone, ends the others so that it
 * is the last thread. */
static int64_t last(void *arg)
{
	int64_t code;

	(void)arg;
	wait_blocked();
	rt_timer_sleep(timer, 30 * MS); /* the first thread has exited */
	__atomic_store_n(&word, 1, __ATOMIC_RELEASE);
	rt_unpark(&word, RT_UNPARK_ALL);
	rt_thread_join(parker_t, &code);
	rt_thread_join(sleeper_t, &code);
	return 66;
}

int main(void)
{
	capos_cap_t threads =
	    rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	rt_thread_t t;
	int64_t code;

	timer = rt_capset_find("timer", RT_IFACE_TIMER);
	if (rt_capset_find("mode-last", RT_IFACE_TIMER))
		sleep_ms = 300;
	if (rt_thread_spawn(threads, sleeper, NULL, 0, &sleeper_t) ||
	    rt_thread_spawn(threads, parker, NULL, 0, &parker_t))
		return 90;
	if (rt_capset_find("mode-worker", RT_IFACE_TIMER)) {
		if (rt_thread_spawn(threads, exiter, NULL, 0, &t))
			return 91;
		rt_thread_join(sleeper_t, &code); /* blocked till the end */
		return 92;
	}
	if (rt_capset_find("mode-last", RT_IFACE_TIMER)) {
		if (rt_thread_spawn(threads, last, NULL, 0, &t))
			return 93;
		rt_thread_exit(5);
	}
	wait_blocked();
	capos_exit(33);
}
