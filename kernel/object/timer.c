/*
 * timer.c - the Timer capability: monotonic time and sleeping.
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

enum { TIMER_NOW, TIMER_SLEEP };

struct sleeper {
	struct pending_call pc;
	struct ktimer timer;
};

static int timer_now(struct call *c)
{
	struct capnp_builder b;
	struct capnp_bstruct root;

	call_reply_begin(c, &b, 1, 0, &root);
	capnp_bstruct_set_u64(&root, 0, time_now_ns(), 0);
	return call_reply_end(c, &b, 24);
}

static void sleeper_fire(struct ktimer *k)
{
	struct sleeper *s =
	    (struct sleeper *)((uint8_t *)k -
	                       __builtin_offsetof(struct sleeper, timer));
	/* An empty struct: segment table (1 segment of 1 word), then a
	 * root pointer to a zero-sized struct. */
	static const uint8_t empty[16] = {0,    0,    0,    0,    1, 0, 0, 0,
	                                  0xFC, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};

	pending_complete(&s->pc, 0, empty, sizeof(empty), 0);
	kfree(s);
}

static void sleeper_cancel(struct pending_call *pc)
{
	struct sleeper *s = (struct sleeper *)pc;

	ktimer_cancel(&s->timer);
	kfree(s);
}

static int timer_sleep(struct call *c)
{
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capnp_struct root;
	struct sleeper *s;
	uint64_t ns, now;

	if (call_params(c, &msg, segs, 4, &root))
		return CAPOS_E_BAD_MESSAGE;
	if (c->result_cap < 16) {
		c->needed = 16;
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	ns = capnp_struct_get_u64(&root, 0, 0);
	s = kzalloc(sizeof(*s));
	if (!s)
		return CAPOS_E_QUOTA;
	now = time_now_ns();
	call_make_pending(c, &s->pc, sleeper_cancel);
	ktimer_arm(&s->timer, ns > UINT64_MAX - now ? UINT64_MAX : now + ns,
	           sleeper_fire);
	return CALL_PENDING;
}

static int timer_call(struct kobject *obj, struct call *c)
{
	(void)obj;
	switch (c->method) {
	case TIMER_NOW:
		return timer_now(c);
	case TIMER_SLEEP:
		return timer_sleep(c);
	}
	return CAPOS_E_UNKNOWN_METHOD;
}

static const struct kobject_ops timer_ops = {
    .name = "Timer",
    .interface_id = IFACE_TIMER,
    .xfer_allow = 1 | 2,
    .call = timer_call,
};

struct kobject timer_object = {.ops = &timer_ops, .refs = 1};
