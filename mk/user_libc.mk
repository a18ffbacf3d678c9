# mk/user_libc.mk - programs linked with musl (docs/libc.md). Named to be
# included after mk/user.mk (make sorts "-" before "."), whose
# BOOT_MODULES_USER := this appends to.
#
# A folder user/<name>/ holding an empty file named LIBC is a libc program:
# its .c/.S files are compiled against musl's headers and linked with
# libc.a and with a second copy of the runtime (user/rt and lib/capnp,
# without the runtime's mini string functions) built against the same
# headers, laid out by user/rt/user-libc.ld, and started by rt_libc_entry
# (user/rt/libc_start.c). Each becomes a boot module, like the freestanding
# programs of mk/user.mk, which skips these folders.
#
#   make user-libc     every libc program, in build/user/<name>

ULIBC_PROGS := $(patsubst user/%/LIBC,%,$(wildcard user/*/LIBC))
ULIBC_BINS  := $(addprefix $(BUILD)/user/,$(ULIBC_PROGS))
ULIBC_DIR   := $(BUILD)/user-libc
ULIBC_LD    := user/rt/user-libc.ld
LIBGCC_A    := $(shell $(KCC) -print-libgcc-file-name)

# musl's headers first, then gcc's own (intrinsics, stdatomic.h), as
# musl's gcc wrapper orders them. Static, not PIE: the loader takes ET_EXEC.
ULIBC_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g $(LIBC_CFLAGS) \
	-isystem $(GCC_INC) -fno-pic -fno-pie -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -MMD -MP
# Programs run with TLS set up, so they get the stack protector (which
# also shows the thread pointer and AT_RANDOM work).
ULIBC_PROG_CFLAGS := $(ULIBC_CFLAGS) -fstack-protector-strong
# The runtime runs before TLS exists (__capos_syscall, rt_libc_start).
ULIBC_RT_CFLAGS := $(ULIBC_CFLAGS) -fno-stack-protector \
	-Iinclude -Ilib -Igen -Iuser/rt/include
ULIBC_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	-T $(ULIBC_LD)

ULIBC_RT_SRCS := $(sort $(wildcard user/rt/*.c user/rt/*.S lib/capnp/*.c))
ULIBC_RT_LIB  := $(ULIBC_DIR)/librt.a

.PHONY: user-libc
user-libc: $(ULIBC_BINS)

$(ULIBC_DIR)/rt/%.c.o: %.c $(LIBC_STAMP) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  ULCC    $<"
	$(Q)$(KCC) $(ULIBC_RT_CFLAGS) -c $< -o $@

$(ULIBC_DIR)/rt/%.S.o: %.S $(LIBC_STAMP) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  ULAS    $<"
	$(Q)$(KCC) $(filter-out -std=gnu11,$(ULIBC_RT_CFLAGS)) -c $< -o $@

$(ULIBC_DIR)/prog/%.c.o: %.c $(LIBC_STAMP) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  ULCC    $<"
	$(Q)$(KCC) $(ULIBC_PROG_CFLAGS) -c $< -o $@

$(ULIBC_DIR)/prog/%.S.o: %.S $(LIBC_STAMP) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  ULAS    $<"
	$(Q)$(KCC) $(filter-out -std=gnu11,$(ULIBC_PROG_CFLAGS)) -c $< -o $@

$(ULIBC_RT_LIB): $(patsubst %,$(ULIBC_DIR)/rt/%.o,$(ULIBC_RT_SRCS))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# The runtime and libc.a need each other (__capos_syscall, memcpy): a group.
define ulibc_prog
$(BUILD)/user/$(1): $(patsubst %,$(ULIBC_DIR)/prog/%.o,$(wildcard \
	user/$(1)/*.c user/$(1)/*.S)) $(ULIBC_RT_LIB) $(LIBC_A) $(ULIBC_LD)
	@mkdir -p $$(@D)
	@echo "  ULD     $$@"
	$(Q)$(KLD) $(ULIBC_LDFLAGS) -o $$@ $$(filter %.o,$$^) \
		--start-group $(ULIBC_RT_LIB) $(LIBC_A) --end-group $(LIBGCC_A)
endef
$(foreach p,$(ULIBC_PROGS),$(eval $(call ulibc_prog,$(p))))

BOOT_MODULES_USER += $(ULIBC_BINS)

# The shim's translations, on the host against stub clients (host tests).
SHIM_TEST := $(BUILD)/host-rt/test_syscall_shim
HOST_TESTS += $(SHIM_TEST)

$(BUILD)/host-rt/%.o: tests/rt/%.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Iuser/rt/include -c $< -o $@

$(SHIM_TEST): $(BUILD)/host-rt/test_syscall_shim.o \
		$(BUILD)/host-rt/linux_abi.o $(HOST_LIB)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $^ -lcmocka -o $@

# The ring client (submit, wait, the held table) against a fake kernel.
RING_CLIENT_TEST := $(BUILD)/host-rt/test_ring_client
HOST_TESTS += $(RING_CLIENT_TEST)

$(RING_CLIENT_TEST): $(BUILD)/host-rt/test_ring_client.o $(HOST_LIB)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $^ -lcmocka -o $@
