/*
 * gen_test_util.h - helpers shared by the generator's host tests
 * (tests/host/test_gen_*.c): files, the reference `capnp` tool through
 * popen, and running the capnpc-c plugin. Header-only (static inline) so
 * each test program stays one .c file.
 *
 * The build passes the paths: GEN_ROOT (the source tree), GEN_TEST_DIR
 * (headers and messages generated for the tests), CAPNP_FIXTURES (the
 * wire runtime's reference messages) and CAPNPC_PLUGIN (mk/gen.mk).
 */
#ifndef CAPOS_TESTS_GEN_TEST_UTIL_H
#define CAPOS_TESTS_GEN_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#if !defined(GEN_ROOT) || !defined(GEN_TEST_DIR) || \
    !defined(CAPNP_FIXTURES) || !defined(CAPNPC_PLUGIN)
#error "the test paths come from mk/gen.mk"
#endif

#define OUT_MAX (1 << 20)

/* The whole file, NUL-terminated; *len excludes the NUL. Frees nothing:
 * the caller frees. Fails the test when the file is missing. */
static inline uint8_t *gen_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static inline void gen_write_file(const char *path, const void *bytes,
                                  size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Runs cmd with stdin from in_path (NULL: none); returns its exit status
 * and its stdout+stderr in *out (malloc'd, NUL-terminated). */
static inline int gen_run(const char *cmd, const char *in_path, char **out)
{
	char full[4096];
	char *buf = malloc(OUT_MAX);
	size_t n = 0, r;
	FILE *p;
	int status;

	assert_non_null(buf);
	snprintf(full, sizeof(full), "%s < '%s' 2>&1", cmd,
	         in_path ? in_path : "/dev/null");
	p = popen(full, "r");
	assert_non_null(p);
	while ((r = fread(buf + n, 1, OUT_MAX - 1 - n, p)) > 0)
		n += r;
	buf[n] = 0;
	status = pclose(p);
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A fresh temporary file name (the file exists, empty). */
static inline void gen_temp(char path[64])
{
	int fd;

	strcpy(path, "/tmp/capnpc-c-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

/*
 * What `capnp convert binary:text` prints for bytes as struct type of
 * schema (a path under GEN_ROOT; flags: extra capnp flags or "").
 */
static inline char *gen_reference_text(const void *bytes, size_t len,
                                       const char *schema, const char *type,
                                       const char *flags)
{
	char tmp[64], cmd[1024], *out;

	gen_temp(tmp);
	gen_write_file(tmp, bytes, len);
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && capnp convert binary:text %s '%s' '%s'", GEN_ROOT,
	         flags, schema, type);
	if (gen_run(cmd, tmp, &out) != 0)
		fail_msg("capnp convert binary:text failed: %s", out);
	unlink(tmp);
	return out;
}

/* What `capnp convert text:binary` makes of text as struct type. */
static inline uint8_t *gen_reference_binary(const char *text,
                                            const char *schema,
                                            const char *type, const char *flags,
                                            size_t *len)
{
	char tmp[64], out_path[64], cmd[1024], *out;
	uint8_t *bytes;

	gen_temp(tmp);
	gen_temp(out_path);
	gen_write_file(tmp, text, strlen(text));
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && capnp convert text:binary %s '%s' '%s' > '%s'",
	         GEN_ROOT, flags, schema, type, out_path);
	if (gen_run(cmd, tmp, &out) != 0)
		fail_msg("capnp convert text:binary failed: %s", out);
	free(out);
	bytes = gen_read_file(out_path, len);
	unlink(tmp);
	unlink(out_path);
	return bytes;
}

/* A reference fixture of the wire runtime's tests: <name><ext>. */
static inline uint8_t *gen_fixture(const char *name, const char *ext,
                                   size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s%s", CAPNP_FIXTURES, name, ext);
	return gen_read_file(path, len);
}

/* Checks that a built message decodes in the reference tool to the text
 * the reference prints for its own encoding of the same value. */
static inline void gen_expect_reference(const uint8_t *msg, size_t len,
                                        const char *schema, const char *type,
                                        const char *flags,
                                        const char *want_text)
{
	char *got = gen_reference_text(msg, len, schema, type, flags);

	assert_string_equal(got, want_text);
	free(got);
}

#endif
