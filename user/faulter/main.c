/*
 * faulter - does what its argument-free name says, in several ways
 * chosen by its thread id parity... no: by a fixed order. It prints,
 * then writes through a null pointer. The kernel must kill it alone.
 */
#include <capos/rt.h>

int main(void)
{
	capos_cap_t con = rt_capset_find("console", RT_IFACE_CONSOLE);

	rt_console_write_line(con, "faulter: about to write to address 0");
	*(volatile int *)0 = 1;
	rt_console_write_line(con, "faulter: still alive (wrong)");
	return 0;
}
