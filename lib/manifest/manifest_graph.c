/*
 * manifest_graph.c - checks of a boot manifest's service graph and the
 * spawn order (see manifest_graph.h).
 *
 * A manifest is hostile input (a malformed one must give a clear message,
 * never a fault), so every count is checked against its bound before any
 * loop uses it, and every name is checked (length, bytes) before a message
 * prints it: what reaches the console is then always short plain ASCII.
 */
#include "manifest/manifest_graph.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "format.h"

/* printf arguments for a name that passed check_name. */
#define NAME_ARG(n) (int)(n).len, (n).str

#define NOT_ON_PATH 0xff

/* A message being written; len may run past size (then it is truncated). */
struct msg {
	char *buf;
	size_t size;
	size_t len;
};

struct checker {
	const struct manifest_graph *g;
	struct manifest_plan *plan;
	struct msg msg;
};

static const char *const kernel_source_names[MANIFEST_KSRC_COUNT] = {
    [MANIFEST_KSRC_CONSOLE] = "console",
    [MANIFEST_KSRC_TIMER] = "timer",
    [MANIFEST_KSRC_FRAME_ALLOCATOR] = "frameAllocator",
    [MANIFEST_KSRC_VIRTUAL_MEMORY] = "virtualMemory",
    [MANIFEST_KSRC_BOOT_PACKAGE] = "bootPackage",
    [MANIFEST_KSRC_PROCESS_SPAWNER] = "processSpawner",
    [MANIFEST_KSRC_THREAD_SPAWNER] = "threadSpawner",
    [MANIFEST_KSRC_THREAD_CONTROL] = "threadControl",
    [MANIFEST_KSRC_ENDPOINT_FACTORY] = "endpointFactory",
    [MANIFEST_KSRC_CAPABILITY_MANAGER] = "capabilityManager",
};

static const char *const error_names[MANIFEST_ERR_COUNT] = {
    [MANIFEST_OK] = "OK",
    [MANIFEST_ERR_VERSION] = "VERSION",
    [MANIFEST_ERR_TOO_MANY] = "TOO_MANY",
    [MANIFEST_ERR_BAD_NAME] = "BAD_NAME",
    [MANIFEST_ERR_DUPLICATE_BINARY] = "DUPLICATE_BINARY",
    [MANIFEST_ERR_MISSING_MODULE] = "MISSING_MODULE",
    [MANIFEST_ERR_UNDECLARED_BINARY] = "UNDECLARED_BINARY",
    [MANIFEST_ERR_DUPLICATE_SERVICE] = "DUPLICATE_SERVICE",
    [MANIFEST_ERR_DUPLICATE_CAP] = "DUPLICATE_CAP",
    [MANIFEST_ERR_DUPLICATE_EXPORT] = "DUPLICATE_EXPORT",
    [MANIFEST_ERR_BAD_SOURCE] = "BAD_SOURCE",
    [MANIFEST_ERR_SOURCE_NOT_HELD] = "SOURCE_NOT_HELD",
    [MANIFEST_ERR_UNKNOWN_SERVICE] = "UNKNOWN_SERVICE",
    [MANIFEST_ERR_UNKNOWN_EXPORT] = "UNKNOWN_EXPORT",
    [MANIFEST_ERR_BAD_INTERFACE] = "BAD_INTERFACE",
    [MANIFEST_ERR_QUOTA] = "QUOTA",
    [MANIFEST_ERR_CYCLE] = "CYCLE",
    [MANIFEST_ERR_RESTART] = "RESTART",
};

const char *manifest_error_name(enum manifest_error err)
{
	if ((unsigned)err >= MANIFEST_ERR_COUNT)
		return "UNKNOWN";
	return error_names[err];
}

const char *manifest_kernel_source_name(uint16_t source)
{
	if (source >= MANIFEST_KSRC_COUNT)
		return NULL;
	return kernel_source_names[source];
}

static void msg_vadd(struct msg *m, const char *fmt, va_list ap)
{
	if (m->len >= m->size)
		return; /* full (or no buffer at all) */
	m->len += format_vsnprintf(m->buf + m->len, m->size - m->len, fmt, ap);
}

static void msg_add(struct msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vadd(m, fmt, ap);
	va_end(ap);
}

/* Sets the message and returns err, so a check can `return fail(...)`. */
static enum manifest_error fail(struct checker *c, enum manifest_error err,
                                const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum manifest_error fail(struct checker *c, enum manifest_error err,
                                const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vadd(&c->msg, fmt, ap);
	va_end(ap);
	return err;
}

static bool name_eq(struct manifest_name a, struct manifest_name b)
{
	return a.len == b.len &&
	       (a.len == 0 || memcmp(a.str, b.str, a.len) == 0);
}

static bool name_byte_ok(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

/*
 * Returns MANIFEST_OK if n is 1..MANIFEST_MAX_NAME bytes of A-Z a-z 0-9 _ . -
 * (safe to print, fits a CapSet entry); otherwise MANIFEST_ERR_BAD_NAME with
 * a message that starts with the path given by fmt.
 */
static enum manifest_error check_name(struct checker *c, struct manifest_name n,
                                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum manifest_error check_name(struct checker *c, struct manifest_name n,
                                      const char *fmt, ...)
{
	va_list ap;
	size_t i = 0;

	if (n.len > 0 && n.len <= MANIFEST_MAX_NAME)
		while (i < n.len && name_byte_ok((unsigned char)n.str[i]))
			i++;
	if (n.len > 0 && n.len <= MANIFEST_MAX_NAME && i == n.len)
		return MANIFEST_OK;

	va_start(ap, fmt);
	msg_vadd(&c->msg, fmt, ap);
	va_end(ap);
	if (n.len == 0)
		msg_add(&c->msg, " is empty");
	else if (n.len > MANIFEST_MAX_NAME)
		msg_add(&c->msg, " is %zu bytes long; at most %d are allowed",
		        n.len, MANIFEST_MAX_NAME);
	else
		msg_add(&c->msg,
		        " has byte 0x%02x at offset %zu; names use only "
		        "A-Z a-z 0-9 _ . -",
		        (unsigned char)n.str[i], i);
	return MANIFEST_ERR_BAD_NAME;
}

static enum manifest_error check_count(struct checker *c, size_t n, size_t max,
                                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum manifest_error check_count(struct checker *c, size_t n, size_t max,
                                       const char *fmt, ...)
{
	va_list ap;

	if (n <= max)
		return MANIFEST_OK;
	va_start(ap, fmt);
	msg_vadd(&c->msg, fmt, ap);
	va_end(ap);
	msg_add(&c->msg, " has %zu entries; at most %zu are allowed", n, max);
	return MANIFEST_ERR_TOO_MANY;
}

/* Checks every list length first, so later loops may index freely. */
static enum manifest_error check_counts(struct checker *c)
{
	const struct manifest_graph *g = c->g;
	enum manifest_error err;

	err = check_count(c, g->nbinaries, MANIFEST_MAX_BINARIES, "binaries");
	if (!err)
		err = check_count(c, g->ninit_caps, MANIFEST_MAX_GRANTS,
		                  "init.caps");
	if (!err)
		err = check_count(c, g->nservices, MANIFEST_MAX_SERVICES,
		                  "services");
	for (size_t s = 0; !err && s < g->nservices; s++) {
		err = check_count(c, g->services[s].ncaps, MANIFEST_MAX_GRANTS,
		                  "services[%zu].caps", s);
		if (!err)
			err = check_count(c, g->services[s].nexports,
			                  MANIFEST_MAX_EXPORTS,
			                  "services[%zu].exports", s);
	}
	return err;
}

static bool in_list(struct manifest_name n, const struct manifest_name *list,
                    size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (name_eq(n, list[i]))
			return true;
	return false;
}

static enum manifest_error check_binaries(struct checker *c,
                                          const struct manifest_name *modules,
                                          size_t nmodules)
{
	const struct manifest_name *bin = c->g->binaries;
	enum manifest_error err;

	for (size_t i = 0; i < c->g->nbinaries; i++) {
		err = check_name(c, bin[i], "binaries[%zu]", i);
		if (err)
			return err;
		for (size_t j = 0; j < i; j++)
			if (name_eq(bin[i], bin[j]))
				return fail(c, MANIFEST_ERR_DUPLICATE_BINARY,
				            "binaries[%zu] \"%.*s\" repeats "
				            "binaries[%zu]",
				            i, NAME_ARG(bin[i]), j);
		if (modules && !in_list(bin[i], modules, nmodules))
			return fail(
			    c, MANIFEST_ERR_MISSING_MODULE,
			    "binaries[%zu] \"%.*s\" is not a boot module", i,
			    NAME_ARG(bin[i]));
	}
	return MANIFEST_OK;
}

static bool init_holds(const struct manifest_graph *g, uint16_t source)
{
	for (size_t i = 0; i < g->ninit_caps; i++)
		if (g->init_caps[i].source == source)
			return true;
	return false;
}

static enum manifest_error check_init(struct checker *c)
{
	const struct manifest_graph *g = c->g;
	const struct manifest_kernel_grant *caps = g->init_caps;
	enum manifest_error err;

	err = check_name(c, g->init_binary, "init.binary");
	if (err)
		return err;
	if (!in_list(g->init_binary, g->binaries, g->nbinaries))
		return fail(c, MANIFEST_ERR_UNDECLARED_BINARY,
		            "init.binary \"%.*s\" is not listed in binaries",
		            NAME_ARG(g->init_binary));
	for (size_t i = 0; i < g->ninit_caps; i++) {
		err = check_name(c, caps[i].name, "init.caps[%zu].name", i);
		if (err)
			return err;
		for (size_t j = 0; j < i; j++)
			if (name_eq(caps[i].name, caps[j].name))
				return fail(c, MANIFEST_ERR_DUPLICATE_CAP,
				            "init.caps[%zu].name \"%.*s\" "
				            "repeats init.caps[%zu]",
				            i, NAME_ARG(caps[i].name), j);
		if (caps[i].source >= MANIFEST_KSRC_COUNT)
			return fail(c, MANIFEST_ERR_BAD_SOURCE,
			            "init.caps[%zu].source is %u, which is no "
			            "kernel source",
			            i, (unsigned)caps[i].source);
	}
	return MANIFEST_OK;
}

static enum manifest_error check_service_names(struct checker *c)
{
	const struct manifest_service *svc = c->g->services;
	enum manifest_error err;

	for (size_t s = 0; s < c->g->nservices; s++) {
		err = check_name(c, svc[s].name, "services[%zu].name", s);
		if (err)
			return err;
		for (size_t t = 0; t < s; t++)
			if (name_eq(svc[s].name, svc[t].name))
				return fail(
				    c, MANIFEST_ERR_DUPLICATE_SERVICE,
				    "services[%zu].name \"%.*s\" repeats "
				    "services[%zu]",
				    s, NAME_ARG(svc[s].name), t);
	}
	return MANIFEST_OK;
}

/* Returns the index of the service called name, or nservices. */
static size_t find_service(const struct manifest_graph *g,
                           struct manifest_name name)
{
	size_t s = 0;

	while (s < g->nservices && !name_eq(g->services[s].name, name))
		s++;
	return s;
}

/* Returns the index of svc's export called name, or svc->nexports. */
static size_t find_export(const struct manifest_service *svc,
                          struct manifest_name name)
{
	size_t e = 0;

	while (e < svc->nexports && !name_eq(svc->exports[e].name, name))
		e++;
	return e;
}

/* Resolves services[s].caps[i], an import of another service's export. */
static enum manifest_error check_import(struct checker *c, size_t s, size_t i)
{
	const struct manifest_service *svc = &c->g->services[s];
	const struct manifest_grant *cap = &svc->caps[i];
	enum manifest_error err;
	size_t p, e;

	err = check_name(c, cap->service,
	                 "services[%zu] \"%.*s\": caps[%zu].source.service."
	                 "service",
	                 s, NAME_ARG(svc->name), i);
	if (!err)
		err = check_name(c, cap->export,
		                 "services[%zu] \"%.*s\": caps[%zu].source."
		                 "service.export",
		                 s, NAME_ARG(svc->name), i);
	if (err)
		return err;
	p = find_service(c->g, cap->service);
	if (p == c->g->nservices)
		return fail(
		    c, MANIFEST_ERR_UNKNOWN_SERVICE,
		    "services[%zu] \"%.*s\": caps[%zu] \"%.*s\" imports "
		    "from service \"%.*s\", which is not in services",
		    s, NAME_ARG(svc->name), i, NAME_ARG(cap->name),
		    NAME_ARG(cap->service));
	e = find_export(&c->g->services[p], cap->export);
	if (e == c->g->services[p].nexports)
		return fail(
		    c, MANIFEST_ERR_UNKNOWN_EXPORT,
		    "services[%zu] \"%.*s\": caps[%zu] \"%.*s\" imports "
		    "export \"%.*s\" of service \"%.*s\", which has no "
		    "such export",
		    s, NAME_ARG(svc->name), i, NAME_ARG(cap->name),
		    NAME_ARG(cap->export), NAME_ARG(cap->service));
	c->plan->provider[s][i] = (uint8_t)p;
	c->plan->export_index[s][i] = (uint8_t)e;
	return MANIFEST_OK;
}

static enum manifest_error check_source(struct checker *c, size_t s, size_t i)
{
	const struct manifest_service *svc = &c->g->services[s];
	const struct manifest_grant *cap = &svc->caps[i];

	if (cap->kind == MANIFEST_GRANT_SERVICE)
		return check_import(c, s, i);
	if (cap->kind != MANIFEST_GRANT_KERNEL)
		return fail(c, MANIFEST_ERR_BAD_SOURCE,
		            "services[%zu] \"%.*s\": caps[%zu].source has "
		            "unknown kind %u",
		            s, NAME_ARG(svc->name), i, (unsigned)cap->kind);
	if (cap->kernel >= MANIFEST_KSRC_COUNT)
		return fail(c, MANIFEST_ERR_BAD_SOURCE,
		            "services[%zu] \"%.*s\": caps[%zu].source.kernel "
		            "is %u, which is no kernel source",
		            s, NAME_ARG(svc->name), i, (unsigned)cap->kernel);
	/* init can pass on only what it holds itself. */
	if (!init_holds(c->g, cap->kernel))
		return fail(c, MANIFEST_ERR_SOURCE_NOT_HELD,
		            "services[%zu] \"%.*s\": caps[%zu] \"%.*s\" is "
		            "kernel source %s, which init.caps does not hold",
		            s, NAME_ARG(svc->name), i, NAME_ARG(cap->name),
		            kernel_source_names[cap->kernel]);
	return MANIFEST_OK;
}

static enum manifest_error check_caps(struct checker *c, size_t s)
{
	const struct manifest_service *svc = &c->g->services[s];
	enum manifest_error err;

	for (size_t i = 0; i < svc->ncaps; i++) {
		err = check_name(c, svc->caps[i].name,
		                 "services[%zu] \"%.*s\": caps[%zu].name", s,
		                 NAME_ARG(svc->name), i);
		if (err)
			return err;
		for (size_t j = 0; j < i; j++)
			if (name_eq(svc->caps[i].name, svc->caps[j].name))
				return fail(c, MANIFEST_ERR_DUPLICATE_CAP,
				            "services[%zu] \"%.*s\": caps[%zu]."
				            "name \"%.*s\" repeats caps[%zu]",
				            s, NAME_ARG(svc->name), i,
				            NAME_ARG(svc->caps[i].name), j);
		err = check_source(c, s, i);
		if (err)
			return err;
	}
	return MANIFEST_OK;
}

/* Exports share the service's CapSet with its caps: one namespace. */
static enum manifest_error check_exports(struct checker *c, size_t s)
{
	const struct manifest_service *svc = &c->g->services[s];
	const struct manifest_export *exp = svc->exports;
	enum manifest_error err;

	for (size_t i = 0; i < svc->nexports; i++) {
		err = check_name(c, exp[i].name,
		                 "services[%zu] \"%.*s\": exports[%zu].name", s,
		                 NAME_ARG(svc->name), i);
		if (err)
			return err;
		for (size_t j = 0; j < i; j++)
			if (name_eq(exp[i].name, exp[j].name))
				return fail(
				    c, MANIFEST_ERR_DUPLICATE_EXPORT,
				    "services[%zu] \"%.*s\": exports[%zu]"
				    ".name \"%.*s\" repeats exports[%zu]",
				    s, NAME_ARG(svc->name), i,
				    NAME_ARG(exp[i].name), j);
		for (size_t j = 0; j < svc->ncaps; j++)
			if (name_eq(exp[i].name, svc->caps[j].name))
				return fail(
				    c, MANIFEST_ERR_DUPLICATE_EXPORT,
				    "services[%zu] \"%.*s\": exports[%zu]"
				    ".name \"%.*s\" repeats caps[%zu] (one "
				    "CapSet holds both)",
				    s, NAME_ARG(svc->name), i,
				    NAME_ARG(exp[i].name), j);
		if (exp[i].interface_id == 0)
			return fail(
			    c, MANIFEST_ERR_BAD_INTERFACE,
			    "services[%zu] \"%.*s\": exports[%zu] \"%.*s\" "
			    "has interfaceId 0",
			    s, NAME_ARG(svc->name), i, NAME_ARG(exp[i].name));
	}
	return MANIFEST_OK;
}

/*
 * init keeps the times of a service's last maxRestarts restarts to bound
 * them, so the bound is what it can hold; an unknown mode (the binary
 * encoding allows any number) would leave init guessing.
 */
static enum manifest_error check_restart(struct checker *c, size_t s)
{
	const struct manifest_service *svc = &c->g->services[s];

	if (svc->restart.mode >= MANIFEST_RESTART_MODE_COUNT)
		return fail(c, MANIFEST_ERR_RESTART,
		            "services[%zu] \"%.*s\": restart.mode is %u, which "
		            "is no RestartMode",
		            s, NAME_ARG(svc->name),
		            (unsigned)svc->restart.mode);
	if (svc->restart.max_restarts > MANIFEST_MAX_RESTARTS)
		return fail(
		    c, MANIFEST_ERR_RESTART,
		    "services[%zu] \"%.*s\": restart.maxRestarts is %u; "
		    "at most %d are allowed",
		    s, NAME_ARG(svc->name), (unsigned)svc->restart.max_restarts,
		    MANIFEST_MAX_RESTARTS);
	return MANIFEST_OK;
}

static enum manifest_error check_service(struct checker *c, size_t s)
{
	const struct manifest_service *svc = &c->g->services[s];
	enum manifest_error err;

	err = check_name(c, svc->binary, "services[%zu] \"%.*s\": binary", s,
	                 NAME_ARG(svc->name));
	if (err)
		return err;
	if (!in_list(svc->binary, c->g->binaries, c->g->nbinaries))
		return fail(c, MANIFEST_ERR_UNDECLARED_BINARY,
		            "services[%zu] \"%.*s\": binary \"%.*s\" is not "
		            "listed in binaries",
		            s, NAME_ARG(svc->name), NAME_ARG(svc->binary));
	err = check_caps(c, s);
	if (!err)
		err = check_exports(c, s);
	if (err)
		return err;
	/* The spawn would fail anyway; say why before anything starts. */
	if (svc->ncaps + svc->nexports > svc->quotas.cap_slots)
		return fail(
		    c, MANIFEST_ERR_QUOTA,
		    "services[%zu] \"%.*s\": quotas.capSlots is %u but "
		    "its CapSet needs %zu (%zu caps, %zu exports)",
		    s, NAME_ARG(svc->name), (unsigned)svc->quotas.cap_slots,
		    svc->ncaps + svc->nexports, svc->ncaps, svc->nexports);
	return check_restart(c, s);
}

/* Returns the first service s imports from that is not started, or
 * nservices if every one it imports from is. */
static size_t first_waiting_dep(const struct checker *c, size_t s,
                                const bool *started)
{
	const struct manifest_service *svc = &c->g->services[s];

	for (size_t i = 0; i < svc->ncaps; i++) {
		size_t p = c->plan->provider[s][i];

		if (svc->caps[i].kind == MANIFEST_GRANT_SERVICE && !started[p])
			return p;
	}
	return c->g->nservices;
}

/*
 * Called when no unstarted service is ready: each one then waits for
 * another unstarted one, so following "waits for" from any of them must
 * come back to a service already on the path. The loop from there on is a
 * cycle.
 */
static enum manifest_error report_cycle(struct checker *c, const bool *started)
{
	struct manifest_plan *plan = c->plan;
	uint8_t pos[MANIFEST_MAX_SERVICES];
	size_t len = 0, s = 0, first;

	memset(pos, NOT_ON_PATH, sizeof(pos));
	while (started[s])
		s++;
	while (pos[s] == NOT_ON_PATH) {
		pos[s] = (uint8_t)len;
		plan->cycle[len++] = (uint8_t)s;
		s = first_waiting_dep(c, s, started);
	}
	first = pos[s];
	plan->cycle_len = len - first;
	memmove(plan->cycle, plan->cycle + first, plan->cycle_len);

	msg_add(&c->msg, "dependency cycle:");
	for (size_t i = 0; i <= plan->cycle_len; i++) {
		const struct manifest_service *svc =
		    &c->g->services[plan->cycle[i % plan->cycle_len]];

		msg_add(&c->msg, "%s\"%.*s\"", i ? " -> " : " ",
		        NAME_ARG(svc->name));
	}
	msg_add(&c->msg, " (each imports an export of the next)");
	return MANIFEST_ERR_CYCLE;
}

/* Kahn's algorithm, always taking the first ready service in manifest
 * order, so the order depends on the manifest alone. */
static enum manifest_error order_services(struct checker *c)
{
	size_t ns = c->g->nservices;
	bool started[MANIFEST_MAX_SERVICES] = {false};

	for (size_t n = 0; n < ns; n++) {
		size_t s = 0;

		while (s < ns &&
		       (started[s] || first_waiting_dep(c, s, started) != ns))
			s++;
		if (s == ns)
			return report_cycle(c, started);
		started[s] = true;
		c->plan->order[n] = (uint8_t)s;
	}
	c->plan->count = ns;
	return MANIFEST_OK;
}

enum manifest_error manifest_graph_check(const struct manifest_graph *g,
                                         const struct manifest_name *modules,
                                         size_t nmodules,
                                         struct manifest_plan *plan, char *msg,
                                         size_t msg_size)
{
	struct checker c = {
	    .g = g,
	    .plan = plan,
	    .msg = {.buf = msg, .size = msg_size, .len = 0},
	};
	enum manifest_error err = MANIFEST_OK;

	if (msg_size > 0)
		msg[0] = '\0';
	memset(plan, 0, sizeof(*plan));
	if (g->schema_version != MANIFEST_SCHEMA_VERSION)
		return fail(&c, MANIFEST_ERR_VERSION,
		            "schemaVersion is %u; this system supports %d",
		            (unsigned)g->schema_version,
		            MANIFEST_SCHEMA_VERSION);
	err = check_counts(&c);
	if (!err)
		err = check_binaries(&c, modules, nmodules);
	if (!err)
		err = check_init(&c);
	if (!err)
		err = check_service_names(&c);
	for (size_t s = 0; !err && s < g->nservices; s++)
		err = check_service(&c, s);
	if (!err)
		err = order_services(&c);
	return err;
}
