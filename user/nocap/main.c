/*
 * nocap - started without a Console capability: its CapSet has no
 * "console", and calling through the CapId another program might use
 * fails with the bad-cap error. It reports through its exit code only.
 */
#include <capos/rt.h>

int main(void)
{
	uint8_t buf[64];
	bool exc;

	if (rt_capset_find("console", RT_IFACE_CONSOLE) != CAPOS_CAP_NULL)
		return 10; /* it was given one after all */
	/* Guess: the first slot, generation 1, as a granted console would be.
	 */
	for (uint32_t slot = 0; slot < 8; slot++) {
		capos_cap_t guess = CAPOS_CAPID_MAKE(slot, 1);
		int rc = rt_call(guess, 1, 0, 0, buf, sizeof(buf), &exc);

		/* Its only cap (the timer, slot 0) has no method 1 that
		 * prints; every other slot must be a bad cap. */
		if (slot > 0 && rc != CAPOS_E_BAD_CAP)
			return 11;
	}
	return 42;
}
