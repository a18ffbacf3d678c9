/*
 * console.c - the Console capability: the serial line.
 *
 * Served through the generated dispatch table (gen/capos.capnp.h): each
 * method gets its decoded params and a results builder. write and
 * writeLine print at once; read waits for input, which is polled from
 * the timer tick into a small buffer and handed to waiting readers in
 * arrival order.
 */
#include <string.h>
#include <capos/errors.h>
#include <kernel/arch.h>
#include <kernel/call.h>
#include <kernel/mm.h>
#include <kernel/objects.h>
#include <kernel/printk.h>

#define INPUT_SIZE 256

struct console_reader {
	struct pending_call pc;
	uint32_t max;
	struct console_reader *next;
};

static uint8_t input[INPUT_SIZE];
static uint32_t input_head, input_tail;
static struct console_reader *readers, **readers_tail = &readers;

static int console_write(void *ctx, const struct capos_console_write_params *p,
                         struct capos_console_write_results_builder *r)
{
	const uint8_t *d;
	uint32_t n;

	(void)r;
	if (capos_console_write_params_get_data(p, &d, &n) != CAPNP_OK)
		return call_exception(ctx, CAPEX_INVALID_ARGUMENT,
		                      "data is not valid");
	arch_console_write((const char *)d, n);
	return 0;
}

static int
console_write_line(void *ctx, const struct capos_console_write_line_params *p,
                   struct capos_console_write_line_results_builder *r)
{
	const char *s;
	uint32_t n;

	(void)r;
	if (capos_console_write_line_params_get_text(p, &s, &n) != CAPNP_OK)
		return call_exception(ctx, CAPEX_INVALID_ARGUMENT,
		                      "text is not valid");
	arch_console_write(s, n);
	arch_console_write("\n", 1);
	return 0;
}

/* Builds a read result holding up to `max` buffered bytes into buf. */
static uint32_t build_read_result(uint8_t *buf, uint32_t cap, uint32_t max)
{
	struct capnp_builder b;
	struct capos_console_read_results_builder res;
	uint32_t n = input_tail - input_head;
	uint8_t chunk[INPUT_SIZE];
	const uint8_t *bytes;
	size_t len;

	if (n > max)
		n = max;
	for (uint32_t i = 0; i < n; i++)
		chunk[i] = input[(input_head + i) % INPUT_SIZE];
	capnp_builder_init(&b, buf, cap);
	capos_console_read_results_init_root(&b, &res);
	capos_console_read_results_set_data(&res, chunk, n);
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

static int console_read(void *ctx, const struct capos_console_read_params *p,
                        struct capos_console_read_results_builder *r)
{
	struct call *c = ctx;
	struct console_reader *rd;
	uint32_t max = capos_console_read_params_get_max(p);

	(void)r;
	if (max == 0)
		return call_exception(c, CAPEX_INVALID_ARGUMENT, "max is 0");
	if (c->result_cap < 24 + ((max + 7) & ~7u)) {
		c->needed = 24 + ((max + 7) & ~7u);
		return CAPOS_E_BUFFER_TOO_SMALL;
	}
	rd = kzalloc(sizeof(*rd));
	if (!rd)
		return CAPOS_E_QUOTA;
	rd->max = max;
	call_make_pending(c, &rd->pc, reader_cancel);
	*readers_tail = rd;
	readers_tail = &rd->next;
	return CALL_PENDING;
}

void console_poll_input(void)
{
	uint8_t buf[32 + INPUT_SIZE];
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

static const struct capos_console_server_ops console_server = {
    .write = console_write,
    .write_line = console_write_line,
    .read = console_read,
};

static int console_call(struct kobject *obj, struct call *c)
{
	size_t len = 0;
	int rc;

	(void)obj;
	rc = capos_console_dispatch(&console_server, c, c->method, c->params,
	                            c->params_len, c->result, c->result_cap,
	                            &len);
	return call_dispatched(c, rc, len);
}

static const struct kobject_ops console_ops = {
    .name = "Console",
    .interface_id = IFACE_CONSOLE,
    .xfer_allow = 1 | 2,
    .call = console_call,
};

struct kobject console_object = {.ops = &console_ops, .refs = 1};
