/*
 * spinner - prints a numbered line, then burns CPU without any system
 * call, five times. Two spinners interleave only if the kernel preempts.
 */
#include <capos/rt.h>

int main(void)
{
	capos_cap_t con = rt_capset_find("console", RT_IFACE_CONSOLE);
	char line[] = "spinner N: round R";

	line[8] = (char)('0' + rt_thread_id % 10);
	for (int r = 0; r < 5; r++) {
		line[17] = (char)('0' + r);
		rt_console_write_line(con, line);
		for (volatile uint64_t i = 0; i < 20000000; i++)
			;
	}
	return 0;
}
