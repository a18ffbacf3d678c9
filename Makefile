# capOS top-level build.
#
#   make            build build/capos.iso (kernel, boot modules, GRUB for BIOS+UEFI)
#   make run        boot it in QEMU, serial console on this terminal (Ctrl-A X quits)
#   make test       build everything and run every test; ends "N passed, N failed"
#   make debug      boot paused with QEMU's gdb stub on :1234 (docs/debugging.md)
#   make bench      print the benchmark table, then the SMP scaling table
#   make bench-scaling  only the SMP scaling table (tools/bench_scaling.py)
#   make profile BREAK=fn [ANCHOR=fn HITS=n SKIP=n STEPS=n]
#                   guest instructions by function over one stretch of the
#                   benchmark boot (tools/insnprof.py, docs/performance.md)
#   make clean
#
# Knobs: KVM=1 (use KVM if present), UEFI=1 (boot with OVMF), SMP=n, MEM=size,
# DEBUG=0 (no heap poisoning, no self-check asserts), CMDLINE="..." (kernel
# command line baked into the ISO).
#
# Fragments in mk/*.mk add to HOST_TESTS, CHECKS and SYSTEM_TESTS.

BUILD   := build
DEBUG   ?= 1
KVM     ?= 0
UEFI    ?= 0
SMP     ?= 1
MEM     ?= 256M
CMDLINE ?=
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# --- dependencies (installed on first use, see tools/deps.sh) ---------------
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): tools/deps.sh
	@sh tools/deps.sh
	@mkdir -p $(@D) && touch $@

# --- kernel toolchain -------------------------------------------------------
KCC      := gcc
KLD      := ld
GCC_INC  := $(shell gcc -print-file-name=include)
KCFLAGS  := -std=gnu11 -Wall -Wextra -Werror -O2 -g \
	    -ffreestanding -fno-builtin -nostdinc -isystem $(GCC_INC) \
	    -fno-stack-protector -fno-pic -fno-pie -fno-strict-aliasing \
	    -mno-red-zone -mcmodel=kernel -mgeneral-regs-only \
	    -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	    -Iinclude -Ilib -Igen -Ikernel/include -Ikernel/arch/x86_64/include \
	    -DCAPOS_KERNEL=1 \
	    -DCAPOS_DEBUG=$(DEBUG) -MMD -MP
KASFLAGS := $(filter-out -std=gnu11,$(KCFLAGS))
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack \
	    -T kernel/arch/x86_64/kernel.ld

LIB_SRCS    := $(sort $(shell find lib -name '*.c'))
KERNEL_SRCS := $(sort $(shell find kernel -name '*.c' -o -name '*.S'))
KERNEL_OBJS := $(patsubst %,$(BUILD)/kobj/%.o,$(KERNEL_SRCS) $(LIB_SRCS))
KERNEL_ELF  := $(BUILD)/capos.elf

$(BUILD)/kobj/%.c.o: %.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(KCC) $(KCFLAGS) -c $< -o $@

$(BUILD)/kobj/%.S.o: %.S $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(KCC) $(KASFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) kernel/arch/x86_64/kernel.ld
	@echo "  LD      $@"
	$(Q)$(KLD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS)

# The kernel's own symbol table, loaded as a boot module so that backtraces
# print function names. Sorted by address: "<hex addr> <name>" per line.
$(BUILD)/kernel.sym: $(KERNEL_ELF)
	nm -n --defined-only $< | awk '$$2 ~ /^[tTwW]$$/ {print $$1, $$3}' > $@

# --- host build of lib/ (for unit tests) ------------------------------------
HOST_CC     := gcc
SANITIZE    := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g $(SANITIZE) \
	       -fno-omit-frame-pointer -Iinclude -Ilib -Igen -Itests/host \
	       -DCAPOS_HOST=1 -DCAPOS_DEBUG=1 -MMD -MP
HOST_LIB    := $(BUILD)/host/libcapos.a
HOST_LIB_OBJS := $(patsubst %,$(BUILD)/host/obj/%.o,$(LIB_SRCS))

$(BUILD)/host/obj/%.c.o: %.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_LIB): $(HOST_LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# Every tests/host/test_*.c is a cmocka program linked against lib/.
HOST_TESTS += $(patsubst tests/host/%.c,$(BUILD)/host/%,\
	      $(wildcard tests/host/test_*.c))

$(BUILD)/host/test_%: tests/host/test_%.c $(HOST_LIB)
	@mkdir -p $(@D)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $< $(HOST_LIB) -lcmocka -pthread -o $@

# Subsystem fragments: before the rules below, whose prerequisites they
# extend (HOST_TESTS, BOOT_MODULES).
-include $(sort $(wildcard mk/*.mk))

# --- ISO --------------------------------------------------------------------
ISO      := $(BUILD)/capos.iso
ISO_ROOT := $(BUILD)/iso
BOOT_MODULES := $(BUILD)/kernel.sym $(BUILD)/manifest.bin $(BOOT_MODULES_USER)

$(BUILD)/grub.cfg: tools/mkgrubcfg.sh Makefile FORCE
	@mkdir -p $(@D)
	@sh tools/mkgrubcfg.sh "$(CMDLINE)" $(BOOT_MODULES) > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

# make_iso(iso, staging dir, manifest.bin to use)
define make_iso
	@rm -rf $(2) && mkdir -p $(2)/boot/grub
	@cp $(KERNEL_ELF) $(2)/boot/capos.elf
	@cp $(filter-out $(BUILD)/manifest.bin,$(BOOT_MODULES)) $(2)/boot/
	@cp $(3) $(2)/boot/manifest.bin
	@cp $(BUILD)/grub.cfg $(2)/boot/grub/grub.cfg
	@echo "  ISO     $(1)"
	$(Q)grub-mkrescue --compress=xz --fonts= --locales= --themes= \
		-o $(1) $(2) >$(2).log 2>&1 || { cat $(2).log; exit 1; }
endef

$(ISO): $(KERNEL_ELF) $(BOOT_MODULES) $(BUILD)/grub.cfg
	$(call make_iso,$@,$(ISO_ROOT),$(BUILD)/manifest.bin)

# Images that differ from the main one only in their manifest, for the
# system tests of broken manifests: tests/manifests/<name>.capnp, plus two
# made from the default manifest's bytes: "truncated" (cut in the middle)
# and "random" (bytes from a fixed seed).
MANIFEST_TEST_DIR := $(BUILD)/manifests

$(MANIFEST_TEST_DIR)/%.bin: tests/manifests/%.capnp $(CAPOS_SCHEMA) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)capnp eval --binary $(SCHEMA_CAPNP_FLAGS) $< $(MANIFEST_CONST) > $@

$(MANIFEST_TEST_DIR)/truncated.bin: $(BUILD)/manifest.bin
	@mkdir -p $(@D)
	$(Q)head -c $$(( $$(stat -c %s $<) / 2 )) $< > $@

$(MANIFEST_TEST_DIR)/random.bin: tools/random_bytes.py
	@mkdir -p $(@D)
	$(Q)python3 tools/random_bytes.py 7 512 > $@

.PRECIOUS: $(MANIFEST_TEST_DIR)/%.bin

$(MANIFEST_TEST_DIR)/%.iso: $(MANIFEST_TEST_DIR)/%.bin $(KERNEL_ELF) \
		$(BOOT_MODULES) $(BUILD)/grub.cfg
	$(call make_iso,$@,$(MANIFEST_TEST_DIR)/$*.root,$<)

.PHONY: all iso kernel host-tests run debug test bench bench-scaling profile \
	check-insnprof clean format check-format FORCE
FORCE:

all: $(ISO) host-tests
iso: $(ISO)
kernel: $(KERNEL_ELF)
host-tests: $(HOST_TESTS)

# --- running ----------------------------------------------------------------
QEMU_ARGS = --smp $(SMP) --mem $(MEM) $(if $(filter 1,$(KVM)),--kvm) \
	    $(if $(filter 1,$(UEFI)),--uefi)

run: $(ISO)
	@python3 tools/qemu.py $(QEMU_ARGS) --iso $(ISO) --interactive

debug: $(ISO)
	@echo "gdb: gdb $(KERNEL_ELF) -ex 'target remote :1234'  (see docs/debugging.md)"
	@python3 tools/qemu.py $(QEMU_ARGS) --iso $(ISO) --interactive --gdb

# --- tests ------------------------------------------------------------------

FORMAT_FILES = $(shell git ls-files -co --exclude-standard \
	'*.c' '*.h' 2>/dev/null | grep -v '^$(BUILD)/')

check-format: $(DEPS_STAMP)
	@out=$$(clang-format --dry-run $(FORMAT_FILES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out" | head -40; \
	echo "format: run 'make format'"; exit 1; fi

format: $(DEPS_STAMP)
	clang-format -i $(FORMAT_FILES)

CHECKS += check-format

test: all
	@python3 tools/run_tests.py --build $(BUILD) --iso $(ISO) \
		--host-tests "$(HOST_TESTS)" --checks "$(CHECKS)" \
		--system-tests tests/system

# Benchmarks run a release kernel (DEBUG=0: no heap poisoning) built in
# its own folder, so the test build is left as it is.
bench:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/bench DEBUG=0 iso
	@$(MAKE) --no-print-directory linux-baseline
	@python3 tools/run_tests.py --build $(BUILD)/bench \
		--iso $(BUILD)/bench/capos.iso --bench \
		--linux-base $(BUILD)/linux-baseline
	@echo
	@python3 tools/bench_scaling.py --build $(BUILD)/bench \
		--iso $(BUILD)/bench/capos.iso

bench-scaling:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/bench DEBUG=0 iso
	@python3 tools/bench_scaling.py --build $(BUILD)/bench \
		--iso $(BUILD)/bench/capos.iso

# One endpoint round trip by default: both sides enter the direct path,
# so a cycle spans two entries (after 60 warm-up entries).
BREAK  ?= endpoint_direct_enter
ANCHOR ?= $(BREAK)
HITS   ?= $(if $(filter endpoint_direct_enter,$(ANCHOR)),2,1)
SKIP   ?= 60
STEPS  ?= 4000
profile:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/bench DEBUG=0 iso
	@python3 tools/insnprof.py --build $(BUILD)/bench --break $(BREAK) \
		--skip $(SKIP) --steps $(STEPS) \
		$(if $(ANCHOR),--anchor $(ANCHOR) --anchor-hits $(HITS))

# The profiler still names every instruction of a NOP round trip: the
# kernel's per-CPU layout and the programs' symbols are what it reads.
check-insnprof: $(ISO)
	@python3 tools/insnprof.py --build $(BUILD) --break ring_enter \
		--skip 3 --steps 3000 --anchor ring_enter --top 5 --check
CHECKS += check-insnprof

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
