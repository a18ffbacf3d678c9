# mk/capnp.mk - the Cap'n Proto wire runtime (lib/capnp/): conformance
# fixtures, the reader fuzzer and the benchmark.
#
#   make capnp-fixtures  encode tests/capnp/*.txt with the reference `capnp`
#                        into build/capnp/ (a prerequisite of the
#                        conformance host test, so `make test` does it)
#   make fuzz            run the libFuzzer reader target for FUZZ_SECONDS
#                        (default 60) from a seed corpus of the fixtures
#   make bench-capnp     cycles and instructions to build and to read a
#                        typical call message (median)
#
# Fixture naming: tests/capnp/<Type>-<variant>.txt is a message of struct
# <Type> of tests/capnp/conformance.capnp, in capnp text format. Each gets
# <name>.bin (reference binary) and <name>.canon.txt (the reference's own
# decoding of that binary, what our builder's output must decode to).

CAPNP_TESTS  := tests/capnp
CAPNP_FIX    := $(BUILD)/capnp
CAPNP_TSCHEMA := $(CAPNP_TESTS)/conformance.capnp
CAPNP_SRCS   := $(wildcard lib/capnp/*.c)
CAPNP_HDRS   := $(wildcard lib/capnp/*.h) $(wildcard $(CAPNP_TESTS)/*.h)

CAPNP_NAMES  := $(patsubst $(CAPNP_TESTS)/%.txt,%,\
		$(wildcard $(CAPNP_TESTS)/*-*.txt)) Big-multi AllTypes-eval
CAPNP_BINS   := $(patsubst %,$(CAPNP_FIX)/%.bin,$(CAPNP_NAMES))
CAPNP_CANON  := $(patsubst %,$(CAPNP_FIX)/%.canon.txt,$(CAPNP_NAMES))

# The struct type of a fixture: its name up to the first '-'.
capnp_type = $(firstword $(subst -, ,$(notdir $(1))))

$(CAPNP_FIX)/%.bin: $(CAPNP_TESTS)/%.txt $(CAPNP_TSCHEMA) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CAPNP   $@"
	$(Q)capnp convert text:binary $(CAPNP_TSCHEMA) $(call capnp_type,$*) \
		< $< > $@.tmp && mv $@.tmp $@

# Bigger than the reference's first segment (1024 words), so that the tool
# writes two segments joined by a far pointer. words[i] = i*4294967311+5
# (exact in awk's doubles); items[i] = (id = i, name = "item i").
$(CAPNP_FIX)/Big-multi.txt: mk/capnp.mk
	@mkdir -p $(@D)
	$(Q)awk 'BEGIN { printf "(tag = 77, words = ["; \
		for (i = 0; i < 2000; i++) \
			printf "%s%.0f", (i ? ", " : ""), i * 4294967311 + 5; \
		printf "], label = \"big message\", items = ["; \
		for (i = 0; i < 50; i++) \
			printf "%s(id = %d, name = \"item %d\")", \
				(i ? ", " : ""), i, i; \
		print "])" }' > $@

$(CAPNP_FIX)/Big-multi.bin: $(CAPNP_FIX)/Big-multi.txt $(CAPNP_TSCHEMA) \
		$(DEPS_STAMP)
	@echo "  CAPNP   $@"
	$(Q)capnp convert text:binary $(CAPNP_TSCHEMA) Big < $< > $@.tmp \
		&& mv $@.tmp $@

$(CAPNP_FIX)/AllTypes-eval.bin: $(CAPNP_TESTS)/samples.capnp \
		$(CAPNP_TSCHEMA) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CAPNP   $@"
	$(Q)capnp eval --binary $(CAPNP_TESTS)/samples.capnp evalSample \
		> $@.tmp && mv $@.tmp $@

$(CAPNP_FIX)/%.canon.txt: $(CAPNP_FIX)/%.bin
	$(Q)capnp convert binary:text $(CAPNP_TSCHEMA) $(call capnp_type,$*) \
		< $< > $@.tmp && mv $@.tmp $@

.PHONY: capnp-fixtures fuzz bench-capnp
capnp-fixtures: $(CAPNP_BINS) $(CAPNP_CANON)

# The conformance test finds the fixtures and the schema by absolute path
# (`private`: the flags must not leak into libcapos.a's objects).
$(BUILD)/host/test_capnp_conformance: $(CAPNP_BINS) $(CAPNP_CANON)
$(BUILD)/host/test_capnp_conformance: private HOST_CFLAGS += \
	-DCAPNP_FIXTURES='"$(abspath $(CAPNP_FIX))"' \
	-DCAPNP_SCHEMA='"$(abspath $(CAPNP_TSCHEMA))"'

# --- fuzzing ------------------------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Iinclude -Ilib -DCAPOS_HOST=1
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_READER  := $(FUZZ_DIR)/fuzz_capnp_reader

$(FUZZ_READER): tests/fuzz/fuzz_capnp_reader.c $(CAPNP_SRCS) $(CAPNP_HDRS) \
		$(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(CAPNP_SRCS) -o $@

# Seeds: every reference fixture. New inputs go to $(FUZZ_DIR)/corpus.
fuzz: $(FUZZ_READER) $(CAPNP_BINS)
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds
	@cp $(CAPNP_BINS) $(FUZZ_DIR)/seeds/
	$(FUZZ_READER) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-max_len=4096 -artifact_prefix=$(FUZZ_DIR)/ \
		$(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds

# --- benchmark ----------------------------------------------------------
BENCH_CAPNP := $(BUILD)/bench/capnp_bench

$(BENCH_CAPNP): tests/bench/capnp_bench.c $(CAPNP_SRCS) $(CAPNP_HDRS)
	@mkdir -p $(@D)
	@echo "  BENCHCC $@"
	$(Q)$(HOST_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude \
		-Ilib -DCAPOS_HOST=1 $< $(CAPNP_SRCS) -o $@

# Cycles from rdtsc; instructions from callgrind when valgrind is there.
bench-capnp: $(BENCH_CAPNP)
	@$(BENCH_CAPNP)
	@if command -v valgrind >/dev/null; then \
		for op in build read; do \
			valgrind --tool=callgrind --callgrind-out-file=$(BUILD)/bench/cg.$$op \
				--toggle-collect=bench_$${op}_loop \
				$(BENCH_CAPNP) --loop $$op 10000 >/dev/null 2>&1 || exit 1; \
			ir=$$(callgrind_annotate $(BUILD)/bench/cg.$$op 2>/dev/null | \
				awk '/PROGRAM TOTALS/ { gsub(",", "", $$1); print $$1 }'); \
			echo "capnp $$op: $$((ir / 10000)) instructions/message (callgrind)"; \
		done; \
	fi
