/*
 * timer.c - the Timer capability: monotonic time and sleeping, served
 * through the generated dispatch table.
 *
 * sleep completes through a kernel timer, so a sleeping caller costs a
 * list entry and nothing else.
 */
#include <capos/errors.h>
#include <kernel/call.h>
#include <kernel/ktimer.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/thread.h>

struct sleeper {
	struct pending_call pc;
	struct ktimer timer;
};

static int timer_now(void *ctx, const struct capos_timer_now_params *p,
                     struct capos_timer_now_results_builder *r)
{
	(void)ctx;
	(void)p;
	capos_timer_now_results_set_ns(r, time_now_ns());
	return 0;
}

static void sleeper_fire(struct ktimer *k)
{
	struct sleeper *s =
	    (struct sleeper *)((uint8_t *)k -
	                       __builtin_offsetof(struct sleeper, timer));
	uint8_t buf[16];
	struct capnp_builder b;
	struct capos_timer_sleep_results_builder res;
	const uint8_t *bytes;
	size_t len = 0;

	capnp_builder_init(&b, buf, sizeof(buf));
	capos_timer_sleep_results_init_root(&b, &res);
	capnp_builder_finish(&b, &bytes, &len);
	pending_complete(&s->pc, 0, buf, (uint32_t)len, 0);
	kfree(s);
}

static void sleeper_cancel(struct pending_call *pc)
{
	struct sleeper *s = (struct sleeper *)pc;

	ktimer_cancel(&s->timer);
	kfree(s);
}

static int timer_sleep(void *ctx, const struct capos_timer_sleep_params *p,
                       struct capos_timer_sleep_results_builder *r)
{
	struct call *c = ctx;
	uint64_t ns = capos_timer_sleep_params_get_ns(p), now;
	struct sleeper *s;

	(void)r;
	if (c->result_cap < 16) {
		c->needed = 16;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	s = kzalloc(sizeof(*s));
	if (!s)
		return CAPOS_E_QUOTA;
	now = time_now_ns();
	call_make_pending(c, &s->pc, sleeper_cancel);
	ktimer_arm(&s->timer, ns > UINT64_MAX - now ? UINT64_MAX : now + ns,
	           sleeper_fire);
	return CALL_PENDING;
}

static const struct capos_timer_server_ops timer_server = {
    .now = timer_now,
    .sleep = timer_sleep,
};

/* Bytes a method's results take: the stream header, the root pointer and
 * the struct (none of Timer's results holds pointers). */
#define RESULTS_SIZE(m)                                   \
	(16 + 8 * (CAPOS_TIMER_##m##_RESULTS_DATA_WORDS + \
	           CAPOS_TIMER_##m##_RESULTS_PTR_WORDS))

static int timer_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	/* What to report if the caller's buffer is too small. */
	c->needed = c->method == CAPOS_TIMER_METHOD_NOW ? RESULTS_SIZE(NOW)
	                                                : RESULTS_SIZE(SLEEP);
	rc =
	    capos_timer_dispatch(&timer_server, c, c->method, c->params,
	                         c->params_len, c->result, c->result_cap, &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops timer_ops = {
    .name = "Timer",
    .interface_id = IFACE_TIMER,
    .xfer_allow = 1 | 2,
    .call = timer_call,
    /* now reads the clock and builds its result on the caller's stack. */
    .lock_free_methods = 1ull << CAPOS_TIMER_METHOD_NOW,
};

struct kobject timer_object = {.ops = &timer_ops, .refs = 1};
