/*
 * test_elf.c - unit tests for lib/elf.c: the plan of a valid image built
 * in memory, a real static program (build/host/elf_sample, see
 * mk/elf.mk) accepted, this PIE test binary refused, one test per hostile
 * header or segment, and the valid image truncated at every length (each
 * parse reads from a buffer of exactly that length, so ASan catches any
 * read past it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elf.h"

#define USER_LIMIT 0x0000800000000000ull
#define IMG_SIZE   0x3000
#define VALID_LEN  0x2080 /* the valid image ends with the data bytes */

static uint8_t img[IMG_SIZE] __attribute__((aligned(8)));
static const char *argv0;

static struct elf64_ehdr *eh(void)
{
	return (struct elf64_ehdr *)img;
}

static struct elf64_phdr *ph(unsigned i)
{
	return (struct elf64_phdr *)(img + sizeof(struct elf64_ehdr) +
	                             i * sizeof(struct elf64_phdr));
}

/* Appends a program header; returns it. */
static struct elf64_phdr *add(uint32_t type, uint32_t flags, uint64_t off,
                              uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	struct elf64_phdr *p = ph(eh()->e_phnum++);

	memset(p, 0, sizeof(*p));
	p->p_type = type;
	p->p_flags = flags;
	p->p_offset = off;
	p->p_vaddr = p->p_paddr = vaddr;
	p->p_filesz = filesz;
	p->p_memsz = memsz;
	p->p_align = ELF_PAGE_SIZE;
	return p;
}

/*
 * A valid program: headers (R) at 0x400000, text (R X) at 0x401000, data
 * (R W) at 0x402000 with 0x80 file bytes and bss up to 0x405000, and a
 * non-executable GNU_STACK. Entry at 0x401010.
 */
static void build_valid(void)
{
	struct elf64_ehdr *e = eh();

	memset(img, 0, sizeof(img));
	memcpy(e->e_ident, "\177ELF", 4);
	e->e_ident[ELF_EI_CLASS] = ELF_CLASS64;
	e->e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
	e->e_ident[ELF_EI_VERSION] = ELF_EV_CURRENT;
	e->e_type = ELF_ET_EXEC;
	e->e_machine = ELF_EM_X86_64;
	e->e_version = ELF_EV_CURRENT;
	e->e_entry = 0x401010;
	e->e_phoff = sizeof(*e);
	e->e_ehsize = sizeof(*e);
	e->e_phentsize = sizeof(struct elf64_phdr);
	add(ELF_PT_LOAD, ELF_PF_R, 0, 0x400000, 0x200, 0x200);
	add(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x401000, 0x100, 0x100);
	add(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0x402000, 0x80, 0x3000);
	add(ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0);
	memset(img + 0x1000, 0x90, 0x100);
	memset(img + 0x2000, 0x11, 0x80);
}

/* Parses the first len bytes from a heap copy of exactly that size. */
static int parse_len(size_t len, struct elf_plan *plan)
{
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, img, len);
	err = elf_parse(copy, len, USER_LIMIT, plan);
	free(copy);
	return err;
}

/* Parses the (modified) valid image; the plan must be zero on error. */
static int parse(void)
{
	static const struct elf_plan zero;
	struct elf_plan plan;
	int err = parse_len(VALID_LEN, &plan);

	if (err != ELF_OK)
		assert_memory_equal(&plan, &zero, sizeof(plan));
	return err;
}

static int setup(void **state)
{
	(void)state;
	build_valid();
	return 0;
}

/* Reads a whole file into a malloc'ed buffer; NULL if it cannot. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* ---- accepted images ---------------------------------------------------- */

static void test_valid_image_gives_page_rounded_plan(void **state)
{
	(void)state;
	struct elf_plan p;

	assert_int_equal(parse_len(VALID_LEN, &p), ELF_OK);
	assert_int_equal(p.entry, 0x401010);
	assert_int_equal(p.nsegments, 3);
	assert_int_equal(p.seg[0].page_start, 0x400000);
	assert_int_equal(p.seg[0].page_end, 0x401000);
	assert_int_equal(p.seg[0].prot, ELF_PROT_R);
	assert_int_equal(p.seg[1].vaddr, 0x401000);
	assert_int_equal(p.seg[1].file_offset, 0x1000);
	assert_int_equal(p.seg[1].file_len, 0x100);
	assert_int_equal(p.seg[1].prot, ELF_PROT_R | ELF_PROT_X);
	assert_int_equal(p.seg[2].file_len, 0x80);
	assert_int_equal(p.seg[2].mem_len, 0x3000);
	assert_int_equal(p.seg[2].page_end, 0x405000);
	assert_int_equal(p.seg[2].prot, ELF_PROT_R | ELF_PROT_W);
	assert_int_equal(p.pages, 1 + 1 + 3);
	assert_int_equal(p.phdr_vaddr, 0x400040);
	assert_int_equal(p.phnum, 4);
	assert_int_equal(p.tls_memsz, 0);
	assert_string_equal(elf_strerror(ELF_OK), "ok");
}

static void test_segments_sorted_by_address(void **state)
{
	(void)state;
	struct elf64_phdr t = *ph(0);
	struct elf_plan p;

	*ph(0) = *ph(2);
	*ph(2) = t;
	assert_int_equal(parse_len(VALID_LEN, &p), ELF_OK);
	assert_int_equal(p.seg[0].vaddr, 0x400000);
	assert_int_equal(p.seg[1].vaddr, 0x401000);
	assert_int_equal(p.seg[2].vaddr, 0x402000);
}

static void test_unaligned_unmapped_vaddr_rounded_out(void **state)
{
	(void)state;
	struct elf_plan p;

	/* Data starting mid-page, as linkers emit it. */
	ph(2)->p_offset = 0x1ffc;
	ph(2)->p_vaddr = 0x402ffc;
	ph(2)->p_filesz = 0x84;
	assert_int_equal(parse_len(VALID_LEN, &p), ELF_OK);
	assert_int_equal(p.seg[2].page_start, 0x402000);
	assert_int_equal(p.seg[2].page_end, 0x406000);
}

static void test_other_program_headers_ignored(void **state)
{
	(void)state;
	add(4 /* PT_NOTE */, ELF_PF_R, 0x100, 0x400100, 0x20, 0x20);
	add(0x6474e553 /* PT_GNU_PROPERTY */, ELF_PF_R, 0, 0, 0, 0);
	add(0x12345678, 0, UINT64_MAX, UINT64_MAX, UINT64_MAX, 1);
	assert_int_equal(parse(), ELF_OK);
}

static void test_no_gnu_stack_accepted(void **state)
{
	(void)state;
	eh()->e_phnum = 3;
	assert_int_equal(parse(), ELF_OK);
}

static void test_segment_at_user_min_accepted(void **state)
{
	(void)state;
	ph(0)->p_vaddr = ELF_USER_MIN;
	assert_int_equal(parse(), ELF_OK);
}

static void test_segment_ending_at_user_limit_accepted(void **state)
{
	(void)state;
	ph(0)->p_vaddr = USER_LIMIT - 0x1000;
	ph(0)->p_memsz = 0x1000;
	assert_int_equal(parse(), ELF_OK);
}

static void test_max_segments_accepted(void **state)
{
	(void)state;
	for (unsigned i = 3; i < ELF_MAX_SEGMENTS; i++)
		add(ELF_PT_LOAD, ELF_PF_R, 0, 0x500000 + i * 0x1000, 0x10,
		    0x10);
	assert_int_equal(parse(), ELF_OK);
}

static void test_tls_template_reported(void **state)
{
	(void)state;
	struct elf_plan p;
	struct elf64_phdr *t =
	    add(ELF_PT_TLS, ELF_PF_R, 0x2010, 0x402010, 0x10, 0x40);

	t->p_align = 16;
	assert_int_equal(parse_len(VALID_LEN, &p), ELF_OK);
	assert_int_equal(p.tls_vaddr, 0x402010);
	assert_int_equal(p.tls_filesz, 0x10);
	assert_int_equal(p.tls_memsz, 0x40);
	assert_int_equal(p.tls_align, 16);
}

static void test_real_static_program_accepted(void **state)
{
	(void)state;
	char path[4096];
	const char *slash = strrchr(argv0, '/');
	size_t len;
	uint8_t *bin;
	struct elf_plan p;
	struct elf64_ehdr e;
	int exec = 0, bss = 0;

	snprintf(path, sizeof(path), "%.*s/elf_sample",
	         slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
	bin = slurp(path, &len);
	if (!bin)
		fail_msg("cannot read %s (make builds it, see mk/elf.mk)",
		         path);
	memcpy(&e, bin, sizeof(e));
	assert_int_equal(elf_parse(bin, len, USER_LIMIT, &p), ELF_OK);
	assert_int_equal(p.entry, e.e_entry);
	assert_true(p.nsegments >= 2);
	for (uint32_t i = 0; i < p.nsegments; i++) {
		exec += (p.seg[i].prot & ELF_PROT_X) != 0;
		bss += p.seg[i].mem_len > p.seg[i].file_len;
		assert_false((p.seg[i].prot & ELF_PROT_W) &&
		             (p.seg[i].prot & ELF_PROT_X));
	}
	assert_int_equal(exec, 1);
	assert_int_equal(bss, 1);
	assert_int_equal(p.tls_filesz, 4); /* __thread int tls_var = 7 */
	assert_int_equal(p.phdr_vaddr, p.seg[0].vaddr + e.e_phoff);
	free(bin);
}

static void test_pie_program_refused_as_wrong_type(void **state)
{
	(void)state;
	size_t len;
	uint8_t *bin = slurp("/proc/self/exe", &len);
	struct elf_plan p;
	struct elf64_ehdr e;

	assert_non_null(bin);
	memcpy(&e, bin, sizeof(e));
	assert_int_equal(e.e_type, ELF_ET_DYN); /* this test is PIE */
	assert_int_equal(elf_parse(bin, len, USER_LIMIT, &p), ELF_E_TYPE);
	free(bin);
}

/* ---- arguments and the ELF header -------------------------------------- */

static void test_bad_arguments_refused(void **state)
{
	(void)state;
	struct elf_plan p;

	assert_int_equal(elf_parse(NULL, 100, USER_LIMIT, &p), ELF_E_ARG);
	assert_int_equal(elf_parse(img, VALID_LEN, USER_LIMIT, NULL),
	                 ELF_E_ARG);
	assert_int_equal(elf_parse(img, VALID_LEN, USER_LIMIT + 1, &p),
	                 ELF_E_ARG);
	assert_int_equal(elf_parse(img, VALID_LEN, ELF_USER_MIN, &p),
	                 ELF_E_ARG);
}

static void test_short_file_refused(void **state)
{
	(void)state;
	struct elf_plan p;

	assert_int_equal(parse_len(0, &p), ELF_E_TRUNCATED);
	assert_int_equal(parse_len(63, &p), ELF_E_TRUNCATED);
}

static void test_bad_magic_refused(void **state)
{
	(void)state;
	eh()->e_ident[3] = 'G';
	assert_int_equal(parse(), ELF_E_MAGIC);
}

static void test_32_bit_class_refused(void **state)
{
	(void)state;
	eh()->e_ident[ELF_EI_CLASS] = 1;
	assert_int_equal(parse(), ELF_E_CLASS);
}

static void test_big_endian_refused(void **state)
{
	(void)state;
	eh()->e_ident[ELF_EI_DATA] = 2;
	assert_int_equal(parse(), ELF_E_ENDIAN);
}

static void test_bad_version_refused(void **state)
{
	(void)state;
	eh()->e_ident[ELF_EI_VERSION] = 2;
	assert_int_equal(parse(), ELF_E_VERSION);
	build_valid();
	eh()->e_version = 0;
	assert_int_equal(parse(), ELF_E_VERSION);
}

static void test_dyn_and_rel_types_refused(void **state)
{
	(void)state;
	eh()->e_type = ELF_ET_DYN;
	assert_int_equal(parse(), ELF_E_TYPE);
	eh()->e_type = 1; /* ET_REL */
	assert_int_equal(parse(), ELF_E_TYPE);
}

static void test_wrong_machine_refused(void **state)
{
	(void)state;
	eh()->e_machine = 3; /* EM_386 */
	assert_int_equal(parse(), ELF_E_MACHINE);
}

static void test_wrong_ehsize_refused(void **state)
{
	(void)state;
	eh()->e_ehsize = 52;
	assert_int_equal(parse(), ELF_E_EHSIZE);
}

static void test_wrong_phentsize_refused(void **state)
{
	(void)state;
	eh()->e_phentsize = 32; /* Elf32_Phdr */
	assert_int_equal(parse(), ELF_E_PHENTSIZE);
	eh()->e_phentsize = 64;
	assert_int_equal(parse(), ELF_E_PHENTSIZE);
}

static void test_phoff_past_end_refused(void **state)
{
	(void)state;
	eh()->e_phoff = VALID_LEN + 8;
	assert_int_equal(parse(), ELF_E_PHDRS);
	/* Starts inside, ends outside. */
	eh()->e_phoff = VALID_LEN - 56 * 4 + 8;
	assert_int_equal(parse(), ELF_E_PHDRS);
}

static void test_phdr_table_end_overflow_refused(void **state)
{
	(void)state;
	/* phnum * phentsize cannot overflow (both 16 bits, in 64-bit
	 * arithmetic); phoff + that can, and must not wrap into range. */
	eh()->e_phoff = UINT64_MAX - 100;
	assert_int_equal(parse(), ELF_E_PHDRS);
	eh()->e_phoff = UINT64_MAX - 56 * 4 + 1;
	assert_int_equal(parse(), ELF_E_PHDRS);
}

static void test_too_many_program_headers_refused(void **state)
{
	(void)state;
	eh()->e_phnum = ELF_MAX_PHDRS + 1;
	assert_int_equal(parse(), ELF_E_TOO_MANY);
	eh()->e_phnum = ELF_PN_XNUM;
	assert_int_equal(parse(), ELF_E_TOO_MANY);
}

static void test_no_load_segment_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 3; i++)
		ph(i)->p_type = 4; /* PT_NOTE */
	assert_int_equal(parse(), ELF_E_NO_LOAD);
	eh()->e_phnum = 0;
	assert_int_equal(parse(), ELF_E_NO_LOAD);
}

static void test_interp_refused(void **state)
{
	(void)state;
	add(ELF_PT_INTERP, ELF_PF_R, 0x100, 0x400100, 0x1c, 0x1c);
	assert_int_equal(parse(), ELF_E_INTERP);
}

/* ---- segments ----------------------------------------------------------- */

static void test_too_many_segments_refused(void **state)
{
	(void)state;
	for (unsigned i = 3; i <= ELF_MAX_SEGMENTS; i++)
		add(ELF_PT_LOAD, ELF_PF_R, 0, 0x500000 + i * 0x1000, 0x10,
		    0x10);
	assert_int_equal(parse(), ELF_E_TOO_MANY);
}

static void test_empty_segment_refused(void **state)
{
	(void)state;
	ph(2)->p_filesz = 0;
	ph(2)->p_memsz = 0;
	assert_int_equal(parse(), ELF_E_SEG_EMPTY);
}

static void test_filesz_above_memsz_refused(void **state)
{
	(void)state;
	ph(2)->p_memsz = 0x40;
	assert_int_equal(parse(), ELF_E_FILESZ);
}

static void test_segment_offset_past_end_refused(void **state)
{
	(void)state;
	ph(2)->p_offset = 0x3000;
	ph(2)->p_vaddr = 0x403000;
	assert_int_equal(parse(), ELF_E_SEG_FILE);
}

static void test_segment_data_past_end_refused(void **state)
{
	(void)state;
	ph(2)->p_filesz = 0x81;
	assert_int_equal(parse(), ELF_E_SEG_FILE);
}

static void test_segment_offset_plus_filesz_overflow_refused(void **state)
{
	(void)state;
	ph(2)->p_offset = UINT64_MAX - 0x40 + 1; /* + 0x80 wraps to 0x40 */
	ph(2)->p_vaddr = 0x402000 + (ph(2)->p_offset & 0xfff);
	assert_int_equal(parse(), ELF_E_SEG_FILE);
}

static void test_vaddr_plus_memsz_overflow_refused(void **state)
{
	(void)state;
	ph(2)->p_vaddr = 0xFFFFFFFFFFFFF000ull;
	ph(2)->p_memsz = 0x2000;
	ph(2)->p_offset = 0x2000;
	assert_int_equal(parse(), ELF_E_SEG_WRAP);
}

static void test_kernel_space_segment_refused(void **state)
{
	(void)state;
	ph(2)->p_vaddr = 0xFFFFFFFF80002000ull;
	assert_int_equal(parse(), ELF_E_SEG_HIGH);
}

static void test_segment_crossing_user_limit_refused(void **state)
{
	(void)state;
	ph(2)->p_vaddr = USER_LIMIT - 0x1000;
	assert_int_equal(parse(), ELF_E_SEG_HIGH);
}

static void test_segment_at_page_zero_refused(void **state)
{
	(void)state;
	ph(0)->p_vaddr = 0;
	assert_int_equal(parse(), ELF_E_SEG_LOW);
}

static void test_segment_reaching_below_user_min_refused(void **state)
{
	(void)state;
	ph(0)->p_vaddr = ELF_USER_MIN - ELF_PAGE_SIZE;
	ph(0)->p_memsz = 0x2000;
	assert_int_equal(parse(), ELF_E_SEG_LOW);
}

static void test_huge_memsz_refused(void **state)
{
	(void)state;
	ph(2)->p_memsz = ELF_MAX_IMAGE + 1;
	assert_int_equal(parse(), ELF_E_TOO_LARGE);
	ph(2)->p_memsz = 0x7FFFFFFFFFFFull;
	assert_int_equal(parse(), ELF_E_TOO_LARGE);
}

static void test_huge_total_image_refused(void **state)
{
	(void)state;
	ph(2)->p_memsz = ELF_MAX_IMAGE / 2;
	add(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0x80000000, 0x80,
	    ELF_MAX_IMAGE / 2);
	assert_int_equal(parse(), ELF_E_TOO_LARGE);
}

static void test_alignment_not_power_of_two_refused(void **state)
{
	(void)state;
	ph(1)->p_align = 0x3000;
	assert_int_equal(parse(), ELF_E_ALIGN);
}

static void test_alignment_too_large_refused(void **state)
{
	(void)state;
	ph(1)->p_align = ELF_MAX_ALIGN * 2;
	assert_int_equal(parse(), ELF_E_ALIGN);
}

static void test_offset_vaddr_not_congruent_refused(void **state)
{
	(void)state;
	ph(1)->p_vaddr = 0x401010;
	eh()->e_entry = 0x401020;
	assert_int_equal(parse(), ELF_E_CONGRUENT);
	/* p_align 0 or 1 ("no constraint") still needs page congruence. */
	ph(1)->p_align = 0;
	assert_int_equal(parse(), ELF_E_CONGRUENT);
	ph(1)->p_align = 1;
	assert_int_equal(parse(), ELF_E_CONGRUENT);
}

static void test_offset_vaddr_not_congruent_to_p_align_refused(void **s)
{
	(void)s;
	/* Page-congruent, but p_align asks for 2 MiB congruence. */
	ph(1)->p_align = 0x200000;
	ph(1)->p_vaddr = 0x501000;
	eh()->e_entry = 0x501010;
	assert_int_equal(parse(), ELF_E_CONGRUENT);
	ph(1)->p_vaddr = 0x601000;
	eh()->e_entry = 0x601010;
	assert_int_equal(parse(), ELF_OK);
}

static void test_writable_executable_segment_refused(void **state)
{
	(void)state;
	ph(1)->p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
	assert_int_equal(parse(), ELF_E_WX);
}

static void test_segments_sharing_a_page_refused(void **state)
{
	(void)state;
	/* Text [0x401000, 0x401100); an R segment at 0x401800 does not
	 * overlap in bytes but shares the page. */
	add(ELF_PT_LOAD, ELF_PF_R, 0x1800, 0x401800, 0x10, 0x10);
	assert_int_equal(parse(), ELF_E_OVERLAP);
}

static void test_overlapping_segments_refused(void **state)
{
	(void)state;
	/* Data's bss [0x402080, 0x405000) runs over a later segment. */
	add(ELF_PT_LOAD, ELF_PF_R, 0x1000, 0x404000, 0x10, 0x10);
	assert_int_equal(parse(), ELF_E_OVERLAP);
	build_valid();
	*ph(3) = *ph(1); /* the same segment twice */
	assert_int_equal(parse(), ELF_E_OVERLAP);
}

static void test_entry_outside_segments_refused(void **state)
{
	(void)state;
	eh()->e_entry = 0x900000;
	assert_int_equal(parse(), ELF_E_ENTRY);
	eh()->e_entry = 0;
	assert_int_equal(parse(), ELF_E_ENTRY);
}

static void test_entry_in_non_executable_segment_refused(void **state)
{
	(void)state;
	eh()->e_entry = 0x402000;
	assert_int_equal(parse(), ELF_E_ENTRY);
}

static void test_entry_in_zero_filled_part_refused(void **state)
{
	(void)state;
	ph(1)->p_memsz = 0x800;
	eh()->e_entry = 0x401100; /* first byte past the file bytes */
	assert_int_equal(parse(), ELF_E_ENTRY);
	eh()->e_entry = 0x4010FF;
	assert_int_equal(parse(), ELF_OK);
}

static void test_executable_stack_refused(void **state)
{
	(void)state;
	ph(3)->p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X;
	assert_int_equal(parse(), ELF_E_EXEC_STACK);
}

static void test_bad_tls_refused(void **state)
{
	(void)state;
	struct elf64_phdr *t =
	    add(ELF_PT_TLS, ELF_PF_R, 0x2010, 0x402010, 0x10, 0x8);

	assert_int_equal(parse(), ELF_E_TLS); /* filesz > memsz */
	t->p_memsz = 0x40;
	t->p_align = 24;
	assert_int_equal(parse(), ELF_E_TLS); /* not a power of two */
	t->p_align = 2 * ELF_PAGE_SIZE;
	assert_int_equal(parse(), ELF_E_TLS);
	t->p_align = 8;
	t->p_vaddr = 0x402078; /* runs past the file bytes at 0x402080 */
	assert_int_equal(parse(), ELF_E_TLS);
	t->p_vaddr = UINT64_MAX - 4;
	assert_int_equal(parse(), ELF_E_TLS);
	t->p_vaddr = 0x402010;
	assert_int_equal(parse(), ELF_OK);
	add(ELF_PT_TLS, ELF_PF_R, 0x2010, 0x402010, 0x10, 0x40);
	assert_int_equal(parse(), ELF_E_TLS); /* two of them */
}

static void test_truncated_at_every_length_refused(void **state)
{
	(void)state;
	struct elf_plan p;

	for (size_t len = 0; len < VALID_LEN; len++)
		assert_int_not_equal(parse_len(len, &p), ELF_OK);
	assert_int_equal(parse_len(VALID_LEN, &p), ELF_OK);
}

static void test_strerror_names_every_error(void **state)
{
	(void)state;
	for (int e = -1; e >= ELF_ERROR_MIN; e--) {
		const char *m = elf_strerror((enum elf_error)e);

		assert_non_null(m);
		assert_string_not_equal(m, "unknown ELF error");
		for (int f = e + 1; f <= 0; f++)
			assert_string_not_equal(
			    m, elf_strerror((enum elf_error)f));
	}
	assert_string_equal(elf_strerror((enum elf_error)(ELF_ERROR_MIN - 1)),
	                    "unknown ELF error");
	assert_string_equal(elf_strerror((enum elf_error)1),
	                    "unknown ELF error");
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(test_valid_image_gives_page_rounded_plan),
	    T(test_segments_sorted_by_address),
	    T(test_unaligned_unmapped_vaddr_rounded_out),
	    T(test_other_program_headers_ignored),
	    T(test_no_gnu_stack_accepted),
	    T(test_segment_at_user_min_accepted),
	    T(test_segment_ending_at_user_limit_accepted),
	    T(test_max_segments_accepted),
	    T(test_tls_template_reported),
	    T(test_real_static_program_accepted),
	    T(test_pie_program_refused_as_wrong_type),
	    T(test_bad_arguments_refused),
	    T(test_short_file_refused),
	    T(test_bad_magic_refused),
	    T(test_32_bit_class_refused),
	    T(test_big_endian_refused),
	    T(test_bad_version_refused),
	    T(test_dyn_and_rel_types_refused),
	    T(test_wrong_machine_refused),
	    T(test_wrong_ehsize_refused),
	    T(test_wrong_phentsize_refused),
	    T(test_phoff_past_end_refused),
	    T(test_phdr_table_end_overflow_refused),
	    T(test_too_many_program_headers_refused),
	    T(test_no_load_segment_refused),
	    T(test_interp_refused),
	    T(test_too_many_segments_refused),
	    T(test_empty_segment_refused),
	    T(test_filesz_above_memsz_refused),
	    T(test_segment_offset_past_end_refused),
	    T(test_segment_data_past_end_refused),
	    T(test_segment_offset_plus_filesz_overflow_refused),
	    T(test_vaddr_plus_memsz_overflow_refused),
	    T(test_kernel_space_segment_refused),
	    T(test_segment_crossing_user_limit_refused),
	    T(test_segment_at_page_zero_refused),
	    T(test_segment_reaching_below_user_min_refused),
	    T(test_huge_memsz_refused),
	    T(test_huge_total_image_refused),
	    T(test_alignment_not_power_of_two_refused),
	    T(test_alignment_too_large_refused),
	    T(test_offset_vaddr_not_congruent_refused),
	    T(test_offset_vaddr_not_congruent_to_p_align_refused),
	    T(test_writable_executable_segment_refused),
	    T(test_segments_sharing_a_page_refused),
	    T(test_overlapping_segments_refused),
	    T(test_entry_outside_segments_refused),
	    T(test_entry_in_non_executable_segment_refused),
	    T(test_entry_in_zero_filled_part_refused),
	    T(test_executable_stack_refused),
	    T(test_bad_tls_refused),
	    T(test_truncated_at_every_length_refused),
	    T(test_strerror_names_every_error),
	};

	(void)argc;
	argv0 = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
