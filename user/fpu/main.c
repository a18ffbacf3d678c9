/*
 * fpu - keeps values in SSE registers across long busy loops while
 * another instance does the same with other values; if the kernel did
 * not save and restore each thread's SSE state, one would see the
 * other's. Exits 0 when its sums come out exact.
 */
#include <capos/rt.h>

int main(void)
{
	capos_cap_t con = rt_capset_find("console", RT_IFACE_CONSOLE);
	double seed = (double)(rt_thread_id * 1000 + 1);
	double acc = 0.0;
	uint64_t expect = 0;

	for (int round = 0; round < 40; round++) {
		/* An SSE register held across the busy loop (no calls in it).
		 */
		double x = seed + round;
		register double held asm("xmm7") = x;

		for (volatile uint64_t i = 0; i < 2000000; i++)
			asm volatile("" : "+x"(held));
		if (held != x) {
			rt_console_write_line(con, "fpu: SSE state corrupted");
			return 1;
		}
		acc += held;
		expect += (uint64_t)x;
	}
	if ((uint64_t)acc != expect)
		return 2;
	rt_console_write_line(con, "fpu: SSE state intact");
	return 0;
}
