# mk/libc.mk - the userspace libc: musl from its pinned Debian source
# package, with its system calls routed to the runtime's __capos_syscall
# (docs/libc.md).
#
#   make libc                    build/libc/lib/libc.a, crt*.o, and the
#                                headers in build/libc/include
#   make check-libc-nosyscall    no syscall/sysenter/int $0x80 left in libc.a
#                                or the crt objects (in CHECKS)
#   make check-libc-smoke        a host program linked with libc.a and a test
#                                hook that forwards to Linux runs (in CHECKS)
#
# For other fragments: LIBC_A, LIBC_INCLUDE, LIBC_CRT (crt1.o crti.o crtn.o;
# the runtime brings its own _start, so crt1.o is optional), LIBC_CFLAGS
# (compile against our headers only).
#
# The build never touches the pristine unpack in $(MUSL_SRC): it copies it
# to $(LIBC_DIR)/src and lays user/libc/ over the copy. A file there replaces
# the musl file at the same path; a .c file also replaces the .s/.S of the
# same name in the same directory (musl picks one source per object), and
# every overlay file must replace something, so a musl update that moved a
# file fails the build instead of silently keeping musl's version.

MUSL_VERSION := $(shell awk '$$1 == "musl" { print $$3; exit }' third_party.lock)
MUSL_SRC     := $(BUILD)/third_party/musl-$(MUSL_VERSION)
MUSL_STAMP   := $(MUSL_SRC).stamp
LIBC_DIR     := $(BUILD)/libc
LIBC_STAMP   := $(LIBC_DIR)/.built
LIBC_A       := $(LIBC_DIR)/lib/libc.a
LIBC_INCLUDE := $(LIBC_DIR)/include
LIBC_CRT     := $(addprefix $(LIBC_DIR)/lib/,crt1.o crti.o crtn.o)
LIBC_CFLAGS  := -nostdinc -isystem $(LIBC_INCLUDE)
LIBC_OVERLAY := $(sort $(shell find user/libc -type f))

.PHONY: libc check-libc-nosyscall check-libc-smoke
CHECKS += check-libc-nosyscall check-libc-smoke

libc: $(LIBC_STAMP)
$(LIBC_A) $(LIBC_CRT): $(LIBC_STAMP)

# The script is a no-op when the stamp matches the lock, so an edit to
# another lock line costs one quick run and no rebuild.
$(MUSL_STAMP): third_party.lock tools/fetch-source.sh $(DEPS_STAMP)
	@BUILD=$(BUILD) sh tools/fetch-source.sh musl

# musl's own make, with our flags kept out of it (MAKEFLAGS would pass
# `make VAR=...` overrides down). Output goes to build.log, shown on failure.
$(LIBC_STAMP): $(MUSL_STAMP) $(LIBC_OVERLAY) mk/libc.mk
	@echo "  MUSL    $(LIBC_A) (musl $(MUSL_VERSION) + user/libc)"
	@rm -rf $(LIBC_DIR) && mkdir -p $(LIBC_DIR)
	@cp -a $(MUSL_SRC) $(LIBC_DIR)/src
	@for f in $(patsubst user/libc/%,%,$(LIBC_OVERLAY)); do \
		d=$$(dirname $$f); b=$$(basename $$f); s=$${b%.*}; \
		dst=$(LIBC_DIR)/src/$$d; found=; \
		for old in $$dst/$$b $$dst/$$s.c $$dst/$$s.s $$dst/$$s.S; do \
			[ -f $$old ] && { found=1; rm -f $$old; }; \
		done; \
		[ -n "$$found" ] || { echo "libc: user/libc/$$f replaces nothing in musl $(MUSL_VERSION)" >&2; exit 1; }; \
		cp user/libc/$$f $$dst/$$b; \
	done
	@cd $(LIBC_DIR)/src && { \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CFLAGS= LDFLAGS= \
		./configure --target=x86_64 --prefix=$(abspath $(LIBC_DIR)) \
			--disable-shared --disable-wrapper \
			CC=gcc AR=ar RANLIB=ranlib && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j2 && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make install; \
	} >../build.log 2>&1 || { tail -40 ../build.log; exit 1; }
	@touch $@

check-libc-nosyscall: $(LIBC_STAMP)
	@sh tests/libc/nosyscall.sh $(LIBC_A) $(wildcard $(LIBC_DIR)/lib/*.o)

# The smoke test runs on the host: libc.a, our crt, and a test-only
# __capos_syscall that forwards each call to Linux (tests/libc/host_hook.c).
LIBC_SMOKE := $(BUILD)/libc-smoke/smoke
LIBC_SMOKE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g \
	-fno-stack-protector $(LIBC_CFLAGS)

$(BUILD)/libc-smoke/%.o: tests/libc/%.c tests/libc/host_hook.h $(LIBC_STAMP)
	@mkdir -p $(@D)
	$(Q)$(HOST_CC) $(LIBC_SMOKE_CFLAGS) -c $< -o $@

$(LIBC_SMOKE): $(BUILD)/libc-smoke/smoke.o $(BUILD)/libc-smoke/host_hook.o
	$(Q)$(HOST_CC) -static -nostdlib -nostartfiles -o $@ \
		$(LIBC_DIR)/lib/crt1.o $(LIBC_DIR)/lib/crti.o $^ $(LIBC_A) \
		$$($(HOST_CC) -print-libgcc-file-name) $(LIBC_DIR)/lib/crtn.o

check-libc-smoke: $(LIBC_SMOKE)
	@$(LIBC_SMOKE) >$(BUILD)/libc-smoke/out.txt; rc=$$?; \
	cat $(BUILD)/libc-smoke/out.txt; \
	[ $$rc -eq 0 ] || { echo "libc smoke: exit status $$rc"; exit 1; }; \
	diff -u tests/libc/smoke.expected $(BUILD)/libc-smoke/out.txt
