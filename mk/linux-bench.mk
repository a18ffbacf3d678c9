# mk/linux-bench.mk - the Linux baseline of issue #8: Debian 12's own kernel
# and a static benchmark program as /init, booted in the same QEMU with the
# same flags as capOS's `make bench` (docs/linux-baseline.md).
#
#   make linux-baseline         fetch the pinned kernel (apt-get download,
#                               about 70 MB, once) and build the program and
#                               the initramfs into build/linux-baseline/
#   make linux-bench            boot it: once under -icount (instructions),
#                               LINUX_BENCH_RUNS times without (cycles),
#                               and print the numbers
#   make check-linux-bench-builds
#                               build the program and run it on this host
#                               (no download; in CHECKS)
#
# For other fragments and tools/run_tests.py: LINUX_BASE (the directory),
# LINUX_VMLINUZ, LINUX_INITRAMFS; tools/linux_baseline.py boots them.

LINUX_BASE       := $(BUILD)/linux-baseline
LINUX_VMLINUZ    := $(LINUX_BASE)/vmlinuz
LINUX_KSTAMP     := $(LINUX_BASE)/kernel.stamp
LINUX_BENCH_BIN  := $(LINUX_BASE)/bench
LINUX_INITRAMFS  := $(LINUX_BASE)/initramfs.cpio
LINUX_BENCH_RUNS ?= 3
# Debian's gcc and glibc, static: the initramfs holds nothing else.
LINUX_BENCH_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -static -pthread

.PHONY: linux-baseline linux-bench check-linux-bench-builds
CHECKS += check-linux-bench-builds

linux-baseline: $(LINUX_KSTAMP) $(LINUX_INITRAMFS)

# The script is a no-op when its stamp matches the lock line, so an edit to
# another lock line costs one quick run and no download.
$(LINUX_KSTAMP): third_party.lock tools/linux-baseline/fetch-kernel.sh \
		 $(DEPS_STAMP)
	@BUILD=$(BUILD) sh tools/linux-baseline/fetch-kernel.sh

$(LINUX_BENCH_BIN): tests/linux-bench/bench.c mk/linux-bench.mk $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@ (static, glibc)"
	$(Q)gcc $(LINUX_BENCH_CFLAGS) $< -o $@

$(LINUX_INITRAMFS): $(LINUX_BENCH_BIN) tools/linux-baseline/mkcpio.py
	@echo "  CPIO    $@"
	$(Q)python3 tools/linux-baseline/mkcpio.py $@ $(LINUX_BENCH_BIN)

linux-bench: linux-baseline
	@python3 tools/linux_baseline.py --build $(BUILD) \
		--runs $(LINUX_BENCH_RUNS)

# The program itself, on the host's kernel: every benchmark runs to its
# end and prints its line (a plain exit there, no power-off: it is not
# PID 1). Catches a ping-pong that deadlocks or an exec path that fails.
check-linux-bench-builds: $(LINUX_BENCH_BIN)
	@python3 tools/linux_baseline.py --check-host $(LINUX_BENCH_BIN)
