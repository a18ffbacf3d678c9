/*
 * echoclient - the example endpoint client: calls the Echo service it
 * imports as "echo" (the client facet init hands it) with several sizes,
 * checks every byte comes back, checks an unknown method is answered
 * with an `unimplemented` CapException, and exits 0 (1 on any failure).
 * Every line is one console write, so concurrent output stays whole.
 */
#include <format.h>
#include <string.h>
#include <capos/rt.h>
#include <capos/rt_endpoint.h>

static capos_cap_t con;
static uint8_t sent[4096], got[4096];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	format_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rt_console_write_line(con, line);
}

/* Echoes len bytes of a pattern that depends on seed; 0 if all came back. */
static int echo_once(capos_cap_t echo, uint32_t len, uint8_t seed)
{
	uint32_t n = 0;
	int rc;

	for (uint32_t i = 0; i < len; i++)
		sent[i] = (uint8_t)(i * 7 + seed);
	memset(got, 0, sizeof(got));
	rc = rt_echo(echo, sent, len, got, sizeof(got), &n);
	if (rc == RT_E_EXCEPTION) {
		say("echoclient: FAIL echo of %u bytes: exception %d (%s)",
		    (unsigned)len, (int)rt_exception_last()->type,
		    rt_exception_last()->reason);
		return -1;
	}
	if (rc) {
		say("echoclient: FAIL echo of %u bytes: error %d",
		    (unsigned)len, rc);
		return -1;
	}
	if (n != len || memcmp(sent, got, len)) {
		say("echoclient: FAIL echo of %u bytes came back as %u "
		    "other bytes",
		    (unsigned)len, (unsigned)n);
		return -1;
	}
	say("echoclient: echoed %u bytes", (unsigned)len);
	return 0;
}

/* An ordinal Echo does not have: rt_serve answers `unimplemented`. */
static int unknown_method(capos_cap_t echo)
{
	uint8_t arena[64] __attribute__((aligned(8)));
	uint8_t res[256] __attribute__((aligned(8)));
	struct rt_exception ex;
	struct capos_cqe cqe;
	const uint8_t *msg;
	size_t len;
	int rc;

	capos_echo_echo_encode_params(arena, sizeof(arena), "x", 1, &msg, &len);
	rc = rt_call_xfer(echo, 9, msg, (uint32_t)len, res, sizeof(res), NULL,
	                  0, &cqe);
	if (rc < 0 || !(cqe.flags & CAPOS_CQE_EXCEPTION) ||
	    rt_exception_decode(res, (uint32_t)rc, &ex) ||
	    ex.type != CAPOS_EXCEPTION_TYPE_UNIMPLEMENTED) {
		say("echoclient: FAIL method 9: result %d flags %u", rc,
		    (unsigned)cqe.flags);
		return -1;
	}
	say("echoclient: method 9 is unimplemented (%s)", ex.reason);
	return 0;
}

int main(void)
{
	static const uint32_t sizes[] = {0, 1, 13, 100, 1024, 4096};
	capos_cap_t echo;
	int bad = 0;

	con = rt_capset_find("console", RT_IFACE_CONSOLE);
	echo = rt_capset_find("echo", RT_IFACE_ECHO);
	if (!con)
		return 2;
	if (!echo) {
		say("echoclient: FAIL no echo capability");
		return 1;
	}
	for (uint32_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		bad |= echo_once(echo, sizes[i], (uint8_t)i);
	bad |= unknown_method(echo);
	say("echoclient: %s", bad ? "FAILED" : "done");
	return bad ? 1 : 0;
}
