/*
 * main.c - capnpc-c, the Cap'n Proto -> C code generator, run as a plugin
 * of the reference compiler:
 *
 *   capnp compile -o path/to/capnpc-c:outdir file.capnp
 *
 * capnp writes a CodeGeneratorRequest (a multi-segment binary message) to
 * our stdin and runs us in outdir. We read it with lib/capnp's reader
 * through the schema.capnp accessors, and write <file>.h for each
 * requested file plus capnpc_c.h, the support header they share. Exits 0,
 * or 1 with a message on stderr. docs/codegen.md is the manual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* capnp grows segments geometrically: 64 segments is far beyond any
 * schema, and the limits only guard against a broken request. */
#define MAX_SEGMENTS 64

static uint8_t *read_stdin(size_t *len)
{
	size_t cap = 1 << 16, n = 0, r;
	uint8_t *buf = malloc(cap), *copy;

	while (buf && (r = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap) {
			uint8_t *bigger = realloc(buf, cap * 2);

			if (!bigger)
				free(buf);
			buf = bigger;
			cap *= 2;
		}
	}
	if (!buf)
		fatal("out of memory reading the request");
	if (ferror(stdin)) {
		free(buf);
		fatal("cannot read the request from stdin");
	}
	/* Into the pool, so that a fatal error frees it too. */
	*len = n;
	copy = xmalloc(n ? n : 1);
	memcpy(copy, buf, n);
	free(buf);
	return copy;
}

static void generate(struct capnp_msg *msg)
{
	struct schema_code_generator_request req;
	struct schema_list_of_node nodes;
	struct schema_list_of_code_generator_request_requested_file files;

	check(schema_code_generator_request_read(msg, &req),
	      "CodeGeneratorRequest");
	check(schema_code_generator_request_get_nodes(&req, &nodes), "nodes");
	check(schema_code_generator_request_get_requested_files(&req, &files),
	      "requestedFiles");
	model_load(&nodes);
	for (uint32_t i = 0;
	     i <
	     schema_list_of_code_generator_request_requested_file_len(&files);
	     i++) {
		struct schema_code_generator_request_requested_file f;
		const char *name;
		uint32_t len;
		struct node *file;

		check(schema_list_of_code_generator_request_requested_file_get(
		          &files, i, &f),
		      "requestedFiles[]");
		check(schema_code_generator_request_requested_file_get_filename(
		          &f, &name, &len),
		      "RequestedFile.filename");
		file = node_get(
		    schema_code_generator_request_requested_file_get_id(&f));
		if (file->which != SCHEMA_NODE_FILE)
			fatal("requested file %.*s is not a file node",
			      (int)len, name);
		emit_file(file, xstrndup(name, len));
	}
	emit_support();
}

int main(int argc, char **argv)
{
	struct capnp_segment segs[MAX_SEGMENTS];
	struct capnp_limits limits = {.traversal_words = 1ull << 30,
	                              .nesting = 64};
	struct capnp_msg msg;
	enum capnp_err err;
	size_t len;
	uint8_t *buf;

	(void)argv;
	if (argc != 1) {
		fputs("usage: capnp compile -o capnpc-c:<outdir> <file.capnp>\n"
		      "(capnpc-c reads a CodeGeneratorRequest on stdin)\n",
		      stderr);
		return 2;
	}
	buf = read_stdin(&len);
	err = capnp_msg_init_stream_limits(&msg, buf, len, segs, MAX_SEGMENTS,
	                                   &limits);
	if (err != CAPNP_OK)
		fatal("the request is not a Cap'n Proto message: %s",
		      capnp_strerror(err));
	if (msg.stream_bytes != len)
		fatal("%zu bytes after the request", len - msg.stream_bytes);
	generate(&msg);
	pool_free_all();
	return 0;
}
