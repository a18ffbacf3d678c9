# mk/user.mk - userspace: the runtime (user/rt) and the programs, each a
# static ELF at 4 MiB and its own boot module.
#
# A program is a folder user/<name>/ of .c/.S files; it links the runtime
# and lib/ built for user mode. Programs are freestanding for now (the
# runtime's mini string functions); musl-linked programs come with libc.

USER_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g \
	-ffreestanding -fno-builtin -nostdinc -isystem $(GCC_INC) \
	-fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -mno-red-zone \
	-Iinclude -Ilib -Igen -Iuser/rt/include -Iuser/rt/mini/include -MMD -MP
USER_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	-T user/rt/user.ld

USER_LIB_SRCS := $(sort $(wildcard lib/capnp/*.c lib/manifest/*.c)) lib/format.c
RT_SRCS := $(sort $(wildcard user/rt/*.c user/rt/*.S user/rt/mini/*.c))
RT_OBJS := $(patsubst %,$(BUILD)/uobj/%.o,$(RT_SRCS) $(USER_LIB_SRCS))
RT_LIB  := $(BUILD)/user/librt.a

USER_PROGS := $(filter-out rt libc $(patsubst user/%/LIBC,%,$(wildcard user/*/LIBC)),$(notdir $(patsubst %/,%,\
	$(sort $(dir $(wildcard user/*/*.c))))))
USER_BINS  := $(addprefix $(BUILD)/user/,$(USER_PROGS))

$(BUILD)/uobj/%.c.o: %.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  UCC     $<"
	$(Q)$(KCC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/uobj/%.S.o: %.S $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  UAS     $<"
	$(Q)$(KCC) $(filter-out -std=gnu11,$(USER_CFLAGS)) -c $< -o $@

$(RT_LIB): $(RT_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# One rule per program: its objects, then the runtime.
define user_prog
$(BUILD)/user/$(1): $(patsubst %,$(BUILD)/uobj/%.o,$(wildcard user/$(1)/*.c \
	user/$(1)/*.S)) $(RT_LIB) user/rt/user.ld
	@echo "  ULD     $$@"
	$(Q)$(KLD) $(USER_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(RT_LIB)
endef
$(foreach p,$(USER_PROGS),$(eval $(call user_prog,$(p))))

BOOT_MODULES_USER := $(USER_BINS)
