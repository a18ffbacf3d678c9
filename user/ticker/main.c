/*
 * ticker - a service that prints a line every second, three times, then
 * exits cleanly: the default manifest's second service.
 */
#include <capos/rt.h>

int main(void)
{
	capos_cap_t con = rt_capset_find("console", RT_IFACE_CONSOLE);
	capos_cap_t timer = rt_capset_find("timer", RT_IFACE_TIMER);
	char line[] = "ticker: tick N";

	if (!con || !timer)
		return 1;
	for (int i = 1; i <= 3; i++) {
		if (rt_timer_sleep(timer, 1000ull * 1000 * 1000))
			return 2;
		line[13] = (char)('0' + i);
		rt_console_write_line(con, line);
	}
	return 0;
}
