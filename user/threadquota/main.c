/*
 * threadquota - the child of threadtest's quota test: spawns threads that
 * park until told to go, until the kernel refuses one; then lets them
 * go, joins them, and exits with how many it got (100 + the error's
 * number if the refusal was not CAPOS_E_QUOTA, 99 if it never came).
 * Granted console, threads, thread and vm.
 */
#include <capos/rt.h>
#include <capos/rt_thread.h>

#define MAX 64

static uint32_t go;

static int64_t parked(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		rt_park(&go, 0, 0);
	return 0;
}

int main(void)
{
	capos_cap_t threads =
	    rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	rt_thread_t t[MAX];
	uint32_t n = 0;
	int64_t code;
	int rc = 0;

	while (n < MAX &&
	       (rc = rt_thread_spawn(threads, parked, NULL, 0, &t[n])) == 0)
		n++;
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	rt_unpark(&go, RT_UNPARK_ALL);
	for (uint32_t i = 0; i < n; i++)
		rt_thread_join(t[i], &code);
	if (n == MAX)
		return 99;
	return rc == CAPOS_E_QUOTA ? (int)n : 100 - rc;
}
