/*
 * console.c - the Console capability: the serial line.
 *
 * write and writeLine print at once; read waits for input. Input is
 * polled from the timer tick into a small buffer and handed to waiting
 * readers in arrival order.
 */
#include <string.h>
#include <capos/errors.h>
#include <kernel/arch.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>

#define INPUT_SIZE 256

enum { CONSOLE_WRITE, CONSOLE_WRITE_LINE, CONSOLE_READ };

struct console_reader {
	struct pending_call pc;
	uint32_t max;
	struct console_reader *next;
};

static uint8_t input[INPUT_SIZE];
static uint32_t input_head, input_tail;
static struct console_reader *readers, **readers_tail = &readers;

static int console_write(struct call *c, bool line)
{
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capnp_struct root;
	const uint8_t *d;
	uint32_t n;

	if (call_params(c, &msg, segs, 4, &root))
		return CAPOS_E_BAD_MESSAGE;
	/* Data and Text share the byte-list encoding; Text's NUL is checked
	 * by the text reader. */
	if (line ? capnp_struct_get_text(&root, 0, (const char **)&d, &n)
	         : capnp_struct_get_data(&root, 0, &d, &n))
		return call_exception(c, CAPEX_INVALID_ARGUMENT,
		                      line ? "text is not valid"
		                           : "data is not valid");
	arch_console_write((const char *)d, n);
	if (line)
		arch_console_write("\n", 1);
	return call_reply_empty(c);
}

/* Builds a read result holding up to `max` buffered bytes into buf. */
static uint32_t build_read_result(uint8_t *buf, uint32_t cap, uint32_t max)
{
	struct capnp_builder b;
	struct capnp_bstruct root;
	struct capnp_bptr p;
	uint32_t n = input_tail - input_head;
	const uint8_t *bytes;
	size_t len;
	uint8_t *dst;

	if (n > max)
		n = max;
	capnp_builder_init(&b, buf, cap);
	capnp_builder_root(&b, 0, 1, &root);
	p = capnp_bstruct_ptr(&root, 0);
	if (capnp_bptr_init_data(p, n, &dst) != CAPNP_OK)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		dst[i] = input[(input_head + i) % INPUT_SIZE];
	if (capnp_builder_finish(&b, &bytes, &len) != CAPNP_OK)
		return 0;
	input_head += n;
	return (uint32_t)len;
}

static void reader_cancel(struct pending_call *pc)
{
	struct console_reader *r = (struct console_reader *)pc;

	for (struct console_reader **p = &readers; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	readers_tail = &readers;
	while (*readers_tail)
		readers_tail = &(*readers_tail)->next;
	kfree(r);
}

static int console_read(struct call *c)
{
	struct capnp_segment segs[4];
	struct capnp_msg msg;
	struct capnp_struct root;
	struct console_reader *r;
	uint32_t max;

	if (call_params(c, &msg, segs, 4, &root))
		return CAPOS_E_BAD_MESSAGE;
	max = capnp_struct_get_u32(&root, 0, 0);
	if (max == 0)
		return call_exception(c, CAPEX_INVALID_ARGUMENT, "max is 0");
	if (c->result_cap < 24 + ((max + 7) & ~7u)) {
		c->needed = 24 + ((max + 7) & ~7u);
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	r = kzalloc(sizeof(*r));
	if (!r)
		return CAPOS_E_QUOTA;
	r->max = max;
	call_make_pending(c, &r->pc, reader_cancel);
	*readers_tail = r;
	readers_tail = &r->next;
	return CALL_PENDING;
}

void console_poll_input(void)
{
	uint8_t buf[24 + INPUT_SIZE];
	int ch;

	while ((ch = arch_console_read_byte()) >= 0) {
		if (input_tail - input_head < INPUT_SIZE)
			input[input_tail++ % INPUT_SIZE] = (uint8_t)ch;
	}
	while (readers && input_tail != input_head) {
		struct console_reader *r = readers;
		uint32_t len = build_read_result(buf, sizeof(buf), r->max);

		readers = r->next;
		if (!readers)
			readers_tail = &readers;
		pending_complete(&r->pc, len ? 0 : CAPOS_E_BUFFER_TOO_SMALL,
		                 buf, len, 0);
		kfree(r);
	}
}

static int console_call(struct kobject *obj, struct call *c)
{
	(void)obj;
	switch (c->method) {
	case CONSOLE_WRITE:
		return console_write(c, false);
	case CONSOLE_WRITE_LINE:
		return console_write(c, true);
	case CONSOLE_READ:
		return console_read(c);
	}
	return CAPOS_E_UNKNOWN_METHOD;
}

static const struct kobject_ops console_ops = {
    .name = "Console",
    .interface_id = IFACE_CONSOLE,
    .xfer_allow = 1 | 2,
    .call = console_call,
};

struct kobject console_object = {.ops = &console_ops, .refs = 1};
