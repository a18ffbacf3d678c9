# mk/gen.mk - capnpc-c, the Cap'n Proto -> C code generator
# (tools/capnpc-c/), the generated headers it keeps in gen/, and its tests.
#
#   make gen        regenerate gen/ from schema/capos.capnp and the reference
#                   compiler's schema.capnp (the bootstrap: the generator
#                   built on its hand-written schema.capnp accessors makes
#                   gen/schema.capnp.h, then the generator built on that
#                   makes everything)
#   make check-gen  (in CHECKS) regenerate into build/gen-check/ with both
#                   generators and fail, with a diff, if gen/ differs
#
# The plugin is a host program built with the sanitizers, on lib/ as the
# host tests use it. docs/codegen.md is the manual.

CAPNPC_DIR    := tools/capnpc-c
CAPNPC_SRCS   := $(sort $(wildcard $(CAPNPC_DIR)/*.c))
CAPNPC_DEPS   := $(CAPNPC_SRCS) $(CAPNPC_DIR)/gen.h \
		 $(wildcard lib/capnp/*.h) $(HOST_LIB)
CAPNPC_BOOT   := $(BUILD)/capnpc-c/capnpc-c-boot
CAPNPC        := $(BUILD)/capnpc-c/capnpc-c
CAPNPC_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g $(SANITIZE) \
		 -fno-omit-frame-pointer -Iinclude -Ilib -DCAPOS_HOST=1
CAPNPC_RUN    := sh $(CAPNPC_DIR)/run.sh

# The two schemas of gen/, each with the flags that name it as capnp
# should ("capnp/schema.capnp", "capos.capnp").
GEN_SCHEMA_CAPNP := /usr/include/capnp/schema.capnp
GEN_SCHEMA_FLAGS := --src-prefix=/usr/include
GEN_CAPOS        := schema/capos.capnp
GEN_CAPOS_FLAGS  := --no-standard-import -I schema --src-prefix=schema
GEN_FILES        := gen/capnpc_c.h gen/schema.capnp.h gen/capos.capnp.h

$(CAPNPC_BOOT): $(CAPNPC_DEPS) $(CAPNPC_DIR)/boot/schema.capnp.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(CAPNPC_CFLAGS) -I$(CAPNPC_DIR)/boot $(CAPNPC_SRCS) \
		$(HOST_LIB) -o $@

$(CAPNPC): $(CAPNPC_DEPS) gen/schema.capnp.h gen/capnpc_c.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(CAPNPC_CFLAGS) -Igen $(CAPNPC_SRCS) $(HOST_LIB) -o $@

.PHONY: gen check-gen
CHECKS += check-gen

# Stage 1, the generator on the hand-written accessors, makes
# gen/schema.capnp.h; stage 2, the generator on that, makes everything.
# Only changed files are copied, so nothing is rebuilt for nothing.
gen: $(CAPNPC_BOOT)
	@rm -rf $(BUILD)/gen-boot $(BUILD)/gen-new
	$(Q)$(CAPNPC_RUN) $(CAPNPC_BOOT) $(BUILD)/gen-boot \
		$(GEN_SCHEMA_CAPNP) $(GEN_SCHEMA_FLAGS)
	@mkdir -p gen
	@for f in schema.capnp.h capnpc_c.h; do \
		cmp -s $(BUILD)/gen-boot/$$f gen/$$f || \
		cp $(BUILD)/gen-boot/$$f gen/$$f; done
	@$(MAKE) --no-print-directory $(CAPNPC)
	$(Q)$(CAPNPC_RUN) $(CAPNPC) $(BUILD)/gen-new \
		$(GEN_SCHEMA_CAPNP) $(GEN_SCHEMA_FLAGS)
	$(Q)$(CAPNPC_RUN) $(CAPNPC) $(BUILD)/gen-new $(GEN_CAPOS) \
		$(GEN_CAPOS_FLAGS)
	@for f in $(notdir $(GEN_FILES)); do \
		cmp -s $(BUILD)/gen-new/$$f gen/$$f || \
		{ cp $(BUILD)/gen-new/$$f gen/$$f && echo "  GEN     gen/$$f"; }; \
	done

# Three ways to the same bytes: what is committed, what the bootstrap
# generator makes of schema.capnp, and what the generator built on the
# committed accessors makes of both schemas.
check-gen: $(CAPNPC_BOOT) $(CAPNPC)
	@rm -rf $(BUILD)/gen-check && mkdir -p $(BUILD)/gen-check
	@$(CAPNPC_RUN) $(CAPNPC_BOOT) $(BUILD)/gen-check/boot \
		$(GEN_SCHEMA_CAPNP) $(GEN_SCHEMA_FLAGS)
	@$(CAPNPC_RUN) $(CAPNPC) $(BUILD)/gen-check/self \
		$(GEN_SCHEMA_CAPNP) $(GEN_SCHEMA_FLAGS)
	@$(CAPNPC_RUN) $(CAPNPC) $(BUILD)/gen-check/self $(GEN_CAPOS) \
		$(GEN_CAPOS_FLAGS)
	@diff -u gen/schema.capnp.h $(BUILD)/gen-check/boot/schema.capnp.h || \
		{ echo "check-gen: the bootstrap generator disagrees with" \
		"gen/schema.capnp.h"; exit 1; }
	@diff -ru gen $(BUILD)/gen-check/self || \
		{ echo "check-gen: gen/ is not what the generator makes of" \
		"the schemas: run make gen and commit the result"; exit 1; }

# --- tests -------------------------------------------------------------
# Test schemas are generated into build/, never gen/.
GEN_TEST_DIR  := $(BUILD)/gen-test
GEN_TEST_HDRS := $(GEN_TEST_DIR)/conformance.capnp.h \
		 $(GEN_TEST_DIR)/gentest.capnp.h \
		 $(GEN_TEST_DIR)/gentest_import.capnp.h

# One recipe for all of them: every run rewrites capnpc_c.h and formats
# the folder, so parallel runs would race.
GEN_TEST_SCHEMAS := tests/capnp/conformance.capnp tests/gen/gentest.capnp \
		    tests/gen/gentest_import.capnp

$(GEN_TEST_HDRS): $(GEN_TEST_DIR)/.stamp

$(GEN_TEST_DIR)/.stamp: $(GEN_TEST_SCHEMAS) $(CAPNPC) $(CAPNPC_DIR)/run.sh
	@rm -rf $(@D) && mkdir -p $(@D)
	@echo "  CAPNPC  $(@D)"
	$(Q)$(CAPNPC_RUN) $(CAPNPC) $(@D) tests/capnp/conformance.capnp \
		--src-prefix=tests/capnp
	$(Q)$(CAPNPC_RUN) $(CAPNPC) $(@D) tests/gen/gentest.capnp \
		--src-prefix=tests/gen
	$(Q)$(CAPNPC_RUN) $(CAPNPC) $(@D) tests/gen/gentest_import.capnp \
		--src-prefix=tests/gen
	@touch $@

GEN_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,\
	     $(wildcard tests/host/test_gen_*.c))

# CAPNP_BINS and CAPNP_CANON: the wire runtime's reference messages
# (mk/capnp.mk, included before this file).
$(GEN_TESTS): $(GEN_FILES) $(GEN_TEST_HDRS) $(CAPNP_BINS) $(CAPNP_CANON) \
	$(CAPNPC)
$(GEN_TESTS): private HOST_CFLAGS += -Igen -I$(GEN_TEST_DIR) \
	-DGEN_TEST_DIR='"$(abspath $(GEN_TEST_DIR))"' \
	-DGEN_ROOT='"$(abspath .)"' \
	-DCAPNPC_PLUGIN='"$(abspath $(CAPNPC))"' \
	-DCAPNP_FIXTURES='"$(abspath $(BUILD)/capnp)"'
