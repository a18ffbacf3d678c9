# mk/elf.mk - a real static ELF program for tests/host/test_elf.c.
#
#   make build/host/elf_sample
#                        a tiny freestanding x86-64 program (code, rodata,
#                        data, bss, TLS) linked static and non-PIE, the
#                        kind of ELF the loader must accept; test_elf finds
#                        it next to itself

ELF_SAMPLE     := $(BUILD)/host/elf_sample
ELF_SAMPLE_SRC := __thread int tls_var = 7; int counter = 42; \
		  int table[4096]; \
		  void _start(void) { for (;;) table[counter++ & 4095] += tls_var; }

$(ELF_SAMPLE): mk/elf.mk $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)echo '$(ELF_SAMPLE_SRC)' | $(HOST_CC) -x c - -o $@ -O1 \
		-static -nostdlib -no-pie -fno-pic -ffreestanding \
		-fno-stack-protector -Wl,--build-id=none -Wl,-z,noexecstack

$(BUILD)/host/test_elf: $(ELF_SAMPLE)
