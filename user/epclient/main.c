/*
 * epclient - a client of the endpoint tests. Its orders come in the
 * CapSet name of its endpoint, "ep <mode> <id> <n>" (user/eplib/ep.h):
 * many tagged echo calls, a burst that fills a queue, or one call (which
 * moves the "mem" it was given, if any). It reports through its exit
 * code only, so the test that spawned it judges every outcome.
 */
#include "../eplib/ep.h"

#define MANY_IN_FLIGHT 4
#define TAG_WORDS      6 /* the longest tag: 48 bytes */

static capos_cap_t ep;

/* Parses a decimal number at *s, moving *s past it and one space. */
static uint32_t number(const char **s)
{
	uint32_t v = 0;

	while (**s >= '0' && **s <= '9')
		v = v * 10 + (uint32_t)(*(*s)++ - '0');
	if (**s == ' ')
		(*s)++;
	return v;
}

/* Finds "ep <mode> <id> <n>". Returns the mode's first letter, or 0. */
static char orders(uint32_t *id, uint32_t *n)
{
	const struct capos_capset_entry *e = (const void *)(rt_capset + 1);

	for (uint32_t i = 0; rt_capset && i < rt_capset->count; i++) {
		const char *s = e[i].name;
		char mode;

		if (strncmp(s, "ep ", 3) || e[i].interface_id != EP_IFACE)
			continue;
		ep = e[i].cap;
		mode = s[3];
		while (*s && *s != ' ')
			s++;
		s++;
		while (*s && *s != ' ')
			s++;
		if (*s == ' ')
			s++;
		*id = number(&s);
		*n = number(&s);
		return mode;
	}
	return 0;
}

/* The tag of call seq: 2 to TAG_WORDS words, id and seq in each. */
static uint32_t tag(uint64_t *w, uint32_t id, uint32_t seq)
{
	uint32_t words = 2 + seq % (TAG_WORDS - 1);

	for (uint32_t i = 0; i < words; i++)
		w[i] = (uint64_t)id << 40 | (uint64_t)seq << 8 | i;
	return words * 8;
}

/* True if the echo answer in res (rc bytes) is exactly data[0..len). */
static bool echoed(const struct capos_cqe *cqe, const void *res,
                   const void *data, uint32_t len)
{
	const uint8_t *d;
	uint32_t dl;

	return cqe->result > 0 && !(cqe->flags & CAPOS_CQE_EXCEPTION) &&
	       cqe->caps == 0 &&
	       !ep_msg_data(res, (uint32_t)cqe->result, &d, &dl) && dl == len &&
	       !memcmp(d, data, len);
}

struct slot {
	uint64_t tag[TAG_WORDS];
	uint8_t arena[128] __attribute__((aligned(8)));
	uint8_t res[128] __attribute__((aligned(8)));
	uint32_t len;
	uint64_t ud;
};

static struct slot slots[CAPOS_RING_SQ_ENTRIES];

static uint64_t submit(struct slot *s, uint32_t id, uint32_t seq)
{
	const uint8_t *msg;
	uint32_t n;

	s->len = tag(s->tag, id, seq);
	n = ep_msg(s->arena, sizeof(s->arena), s->tag, s->len, &msg);
	s->ud = ep_call_submit(ep, EP_ECHO, msg, n, s->res, sizeof(s->res),
	                       NULL, 0);
	return s->ud;
}

/* n calls, MANY_IN_FLIGHT at a time. Returns the wrong answers. */
static int many(uint32_t id, uint32_t n)
{
	int wrong = 0;

	for (uint32_t seq = 0; seq < n; seq += MANY_IN_FLIGHT) {
		uint32_t k =
		    n - seq < MANY_IN_FLIGHT ? n - seq : MANY_IN_FLIGHT;

		for (uint32_t i = 0; i < k; i++)
			submit(&slots[i], id, seq + i);
		for (uint32_t i = 0; i < k; i++) {
			struct capos_cqe cqe;

			if (rt_wait(slots[i].ud, &cqe) ||
			    !echoed(&cqe, slots[i].res, slots[i].tag,
			            slots[i].len))
				wrong++;
		}
	}
	return wrong;
}

/* n calls submitted in one cap_enter, then every answer. */
static int fill(uint32_t id, uint32_t n)
{
	int ok = 0, quota = 0, over = 0, other = 0;

	if (n > CAPOS_RING_SQ_ENTRIES)
		return EP_FILL_CODE(0, 0, 0, 255);
	for (uint32_t i = 0; i < n; i++)
		submit(&slots[i], id, i);
	rt_flush();
	for (uint32_t i = 0; i < n; i++) {
		struct capos_cqe cqe;

		if (rt_wait(slots[i].ud, &cqe))
			other++;
		else if (echoed(&cqe, slots[i].res, slots[i].tag, slots[i].len))
			ok++;
		else if (cqe.result == CAPOS_E_QUOTA)
			quota++;
		else if (cqe.result >= 0 && (cqe.flags & CAPOS_CQE_EXCEPTION) &&
		         ep_exception_type(slots[i].res,
		                           (uint32_t)cqe.result) ==
		             CAPOS_EXCEPTION_TYPE_OVERLOADED)
			over++;
		else
			other++;
	}
	return EP_FILL_CODE(ok, quota, over, other);
}

/* One call of `method`, moving "mem" with it if there is one. */
static int one(uint32_t id, uint16_t method)
{
	capos_cap_t mem = rt_capset_find("mem", RT_IFACE_MEMORY_OBJECT);
	struct capos_xfer x = {.cap = mem, .mode = CAPOS_XFER_MOVE};
	struct slot *s = &slots[0];
	struct capos_cqe cqe;
	const uint8_t *msg;
	uint32_t n;
	int rc;

	s->len = tag(s->tag, id, 0);
	n = ep_msg(s->arena, sizeof(s->arena), s->tag, s->len, &msg);
	rc = rt_call_xfer(ep, method, msg, n, s->res, sizeof(s->res),
	                  mem ? &x : NULL, mem ? 1 : 0, &cqe);
	if (rc < 0)
		return EP_ONE_ERROR(rc);
	if (cqe.flags & CAPOS_CQE_EXCEPTION)
		return EP_ONE_EXCEPTION;
	if (method == EP_ECHO && !echoed(&cqe, s->res, s->tag, s->len))
		return EP_ONE_WRONG;
	return EP_ONE_OK;
}

int main(void)
{
	uint32_t id = 0, n = 0;

	switch (orders(&id, &n)) {
	case 'm':
		return many(id, n);
	case 'f':
		return fill(id, n);
	case 'o':
		return one(id, (uint16_t)n);
	default:
		return EP_ONE_SETUP;
	}
}
