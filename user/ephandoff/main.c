/*
 * ephandoff - the direct hand-off of endpoint calls (docs/threads.md),
 * seen from user mode on one CPU. A spinner thread is always runnable
 * behind us; a server thread waits in RECV. A call hands the CPU to the
 * server and its answer hands it back, so the spinner does not run in
 * between: its counter stands still across the call. Without the
 * hand-off the woken server would queue behind the spinner, which would
 * run a whole slice first. Started by tests/system/ephandoff.test with
 * -smp 1.
 */
#include <capos/endpoint.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>
#include <capos/rt_thread.h>
#include "../testlib/report.h"

#define CALLS 50

static uint64_t spins;
static capos_cap_t server, client;
static uint8_t buf[1024] __attribute__((aligned(8)));

static __attribute__((noreturn)) int64_t spinner(void *arg)
{
	(void)arg;
	for (;;)
		__atomic_add_fetch(&spins, 1, __ATOMIC_RELAXED);
}

/* benchsrv's loop: each RETURN makes the next RECV. */
static int64_t serve(void *arg)
{
	struct capos_sqe recv = rt_recv_sqe(server, buf, sizeof(buf));
	uint64_t ud = rt_submit(&recv);

	(void)arg;
	for (;;) {
		struct capos_cqe cqe;

		if (rt_echo_wait(server, buf, sizeof(buf), &ud, &cqe))
			return 1;
		struct capos_sqe ret =
		    rt_echo_return_recv_sqe(server, &cqe, buf, sizeof(buf));

		ud = rt_submit(&ret);
	}
}

int main(void)
{
	static uint8_t res[64] __attribute__((aligned(8)));
	capos_cap_t threads, factory;
	rt_thread_t srv, spin;
	uint32_t moved = 0, errors = 0;

	report_prog = "ephandoff";
	report_con = rt_capset_find("console", RT_IFACE_CONSOLE);
	threads = rt_capset_find("threads", RT_IFACE_THREAD_SPAWNER);
	factory = rt_capset_find("endpoints", RT_IFACE_ENDPOINT_FACTORY);
	if (!check(report_con && threads && factory,
	           "granted console, threads and endpoints") ||
	    !check(rt_endpoint_create(factory, CAPOS_ECHO_INTERFACE_ID, &server,
	                              &client) == 0 &&
	               rt_thread_spawn(threads, serve, NULL, 0, &srv) == 0,
	           "an endpoint and a server thread"))
		return report_finish();
	/* The server is in RECV once a call has come back. */
	if (!check(rt_call(client, 0, NULL, 0, res, sizeof(res), NULL) >= 0,
	           "a first call") ||
	    !check(rt_thread_spawn(threads, spinner, NULL, 0, &spin) == 0,
	           "a spinner thread"))
		return report_finish();
	/* It is runnable now, queued behind us. */
	for (uint32_t i = 0; i < CALLS; i++) {
		uint64_t before = __atomic_load_n(&spins, __ATOMIC_RELAXED);

		if (rt_call(client, 0, NULL, 0, res, sizeof(res), NULL) < 0)
			errors++;
		moved += __atomic_load_n(&spins, __ATOMIC_RELAXED) != before;
	}
	/* A tick may end our slice inside a call now and then. */
	check(!errors && moved <= 2,
	      "the spinner ran during %u of %u calls (errors %u)", moved, CALLS,
	      errors);
	capos_exit(report_finish());
}
