/*
 * manifest_restart.c - see manifest_restart.h.
 *
 * The log keeps the last MANIFEST_MAX_RESTARTS restart times. Times only
 * grow, so counting back from the newest until one falls out of the window
 * counts every restart in it; max_restarts is at most the ring's size, so
 * the ring always holds enough of them to decide.
 */
#include "manifest_restart.h"

#define NS_PER_MS 1000000ull

/* Returns how many of the last `limit` restarts lie within window_ms of
 * now_ns (stops at the first older one). */
static uint32_t restarts_in_window(const struct manifest_restart_log *log,
                                   uint32_t limit, uint32_t window_ms,
                                   uint64_t now_ns)
{
	uint64_t window_ns = (uint64_t)window_ms * NS_PER_MS;
	uint32_t n = 0;

	if (limit > log->total)
		limit = log->total;
	if (limit > MANIFEST_MAX_RESTARTS)
		limit = MANIFEST_MAX_RESTARTS;
	while (n < limit) {
		uint64_t at =
		    log->at_ns[(log->total - 1 - n) % MANIFEST_MAX_RESTARTS];

		/* at > now_ns: a clock fault; count it as recent. */
		if (at <= now_ns && now_ns - at >= window_ns)
			break;
		n++;
	}
	return n;
}

enum manifest_verdict manifest_restart_decide(const struct manifest_restart *p,
                                              struct manifest_restart_log *log,
                                              bool clean, uint64_t now_ns,
                                              uint32_t *recent)
{
	uint32_t n;

	if (recent)
		*recent = 0;
	if (p->mode == MANIFEST_RESTART_ALWAYS ||
	    (p->mode == MANIFEST_RESTART_ON_FAILURE && !clean)) {
		/* Enough to know whether max_restarts of them are recent. */
		n = restarts_in_window(log, p->max_restarts, p->window_ms,
		                       now_ns);
		if (recent)
			*recent = n;
		if (n >= p->max_restarts)
			return MANIFEST_GIVE_UP;
		log->at_ns[log->total % MANIFEST_MAX_RESTARTS] = now_ns;
		log->total++;
		if (recent)
			*recent = n + 1;
		return MANIFEST_RESTART;
	}
	return MANIFEST_STAY_DOWN;
}
