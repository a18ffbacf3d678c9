/*
 * hello - the first program: prints through its Console capability,
 * reads the time from its Timer, sleeps, and exits with a code the
 * kernel reports.
 */
#include <capos/rt.h>

static void print_u64(capos_cap_t con, const char *label, uint64_t v)
{
	char buf[64];
	int n = 0;
	char digits[20];
	int nd = 0;

	while (*label)
		buf[n++] = *label++;
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (nd)
		buf[n++] = digits[--nd];
	buf[n++] = '\n'; /* one write: lines of other programs stay whole */
	rt_console_write(con, buf, (uint32_t)n);
}

int main(void)
{
	capos_cap_t con = rt_capset_find("console", RT_IFACE_CONSOLE);
	capos_cap_t timer = rt_capset_find("timer", RT_IFACE_TIMER);
	uint64_t t0, t1;

	if (!con)
		return 2;
	rt_console_write_line(con, "hello: hello from user mode");
	if (!timer || rt_timer_now(timer, &t0))
		return 3;
	print_u64(con, "hello: time now (ns): ", t0);
	if (rt_timer_sleep(timer, 20 * 1000 * 1000) || rt_timer_now(timer, &t1))
		return 4;
	print_u64(con, "hello: slept (ns): ", t1 - t0);
	if (t1 - t0 < 20 * 1000 * 1000)
		return 5;
	rt_console_write_line(con, "hello: exiting with code 7");
	return 7;
}
