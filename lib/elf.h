/*
 * elf.h - checks an ELF64 user program and plans how to load it.
 *
 * Pure parsing, no allocation: elf_parse reads the image through a
 * (pointer, length) pair, never past it, and fills a fixed-size plan the
 * kernel follows to build the address space. Compiled into the kernel
 * and, for unit tests, on the host. All arithmetic on file values is
 * overflow-checked. See docs/cap-table.md "ELF acceptance rules".
 *
 * What is accepted (anything else is a typed error):
 *  - ELF64, little endian, version 1, x86-64, e_ehsize 64, e_phentsize 56;
 *    EI_OSABI is not checked.
 *  - ET_EXEC only: static, non-PIE programs linked at a fixed address.
 *    ET_DYN (PIE, shared objects) and anything with PT_INTERP are refused.
 *  - At most ELF_MAX_PHDRS program headers (so PN_XNUM is refused), inside
 *    the file.
 *  - 1 .. ELF_MAX_SEGMENTS PT_LOAD entries, each with 0 < memsz, filesz <=
 *    memsz, offset + filesz inside the file, memsz <= ELF_MAX_IMAGE, and
 *    page-rounded extent inside [ELF_USER_MIN, user_limit) (so the first
 *    64 KiB, null page included, is never mapped). p_align is 0, 1 or a
 *    power of two up to ELF_MAX_ALIGN; vaddr and offset are congruent
 *    modulo the page size, and modulo p_align when it is larger. No
 *    segment is both writable and executable. No two segments share a page
 *    (compared after page rounding). The page-rounded total is at most
 *    ELF_MAX_IMAGE.
 *  - PT_GNU_STACK, if present, must not ask for an executable stack (its
 *    absence is fine: the kernel never makes a stack executable).
 *  - PT_TLS, if present (at most one), has filesz <= memsz, an alignment
 *    of 0 or a power of two up to the page size, and its initialised part
 *    inside the file-backed part of a PT_LOAD.
 *  - The entry point lies in the file-backed part of an executable
 *    PT_LOAD.
 * Other program headers (NOTE, GNU_PROPERTY, GNU_RELRO, ...) are ignored.
 */
#ifndef CAPOS_LIB_ELF_H
#define CAPOS_LIB_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_PAGE_SIZE    4096ull
#define ELF_MAX_SEGMENTS 16           /* PT_LOAD entries */
#define ELF_MAX_PHDRS    64           /* program headers of any type */
#define ELF_USER_MIN     0x10000ull   /* lowest address a segment may use */
#define ELF_MAX_IMAGE    (1ull << 30) /* per segment and in total */
#define ELF_MAX_ALIGN    (1ull << 21) /* largest p_align accepted: 2 MiB */

/* ELF64 file layout (System V gABI, x86-64 psABI): the parts used here. */
#define ELF_EI_NIDENT    16
#define ELF_EI_CLASS     4
#define ELF_EI_DATA      5
#define ELF_EI_VERSION   6
#define ELF_CLASS64      2
#define ELF_DATA2LSB     1
#define ELF_EV_CURRENT   1
#define ELF_ET_EXEC      2
#define ELF_ET_DYN       3
#define ELF_EM_X86_64    62
#define ELF_PT_LOAD      1
#define ELF_PT_INTERP    3
#define ELF_PT_TLS       7
#define ELF_PT_GNU_STACK 0x6474e551u
#define ELF_PF_X         0x1
#define ELF_PF_W         0x2
#define ELF_PF_R         0x4
#define ELF_PN_XNUM      0xffff

struct elf64_ehdr {
	uint8_t e_ident[ELF_EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");

/* Segment permissions in a plan. */
#define ELF_PROT_R 0x4
#define ELF_PROT_W 0x2
#define ELF_PROT_X 0x1

enum elf_error {
	ELF_OK = 0,
	ELF_E_ARG = -1,         /* null pointer, or user_limit not usable */
	ELF_E_TRUNCATED = -2,   /* shorter than the ELF header */
	ELF_E_MAGIC = -3,       /* not \x7fELF */
	ELF_E_CLASS = -4,       /* not ELF64 */
	ELF_E_ENDIAN = -5,      /* not little endian */
	ELF_E_VERSION = -6,     /* EI_VERSION or e_version not 1 */
	ELF_E_TYPE = -7,        /* not ET_EXEC (PIE, shared object, core...) */
	ELF_E_MACHINE = -8,     /* not x86-64 */
	ELF_E_EHSIZE = -9,      /* e_ehsize not 64 */
	ELF_E_PHENTSIZE = -10,  /* e_phentsize not 56 */
	ELF_E_PHDRS = -11,      /* program headers not inside the file */
	ELF_E_INTERP = -12,     /* PT_INTERP: needs a dynamic linker */
	ELF_E_NO_LOAD = -13,    /* no PT_LOAD */
	ELF_E_TOO_MANY = -14,   /* > ELF_MAX_PHDRS headers or > MAX_SEGMENTS */
	ELF_E_SEG_EMPTY = -15,  /* PT_LOAD with memsz 0 */
	ELF_E_FILESZ = -16,     /* filesz > memsz */
	ELF_E_SEG_FILE = -17,   /* offset + filesz past the end of the file */
	ELF_E_SEG_WRAP = -18,   /* vaddr + memsz overflows */
	ELF_E_SEG_LOW = -19,    /* segment below ELF_USER_MIN (null page) */
	ELF_E_SEG_HIGH = -20,   /* segment reaches user_limit (kernel space) */
	ELF_E_TOO_LARGE = -21,  /* a segment or the image above ELF_MAX_IMAGE */
	ELF_E_ALIGN = -22,      /* p_align not a power of two or too large */
	ELF_E_CONGRUENT = -23,  /* vaddr and offset differ modulo alignment */
	ELF_E_WX = -24,         /* segment writable and executable */
	ELF_E_OVERLAP = -25,    /* two segments share a page */
	ELF_E_EXEC_STACK = -26, /* PT_GNU_STACK asks for an executable stack */
	ELF_E_TLS = -27,        /* bad or duplicate PT_TLS */
	ELF_E_ENTRY = -28,      /* entry not in an executable segment's bytes */
};

#define ELF_ERROR_MIN ELF_E_ENTRY

/*
 * One segment to load. The loader maps fresh zeroed pages over
 * [page_start, page_end) with `prot`, then copies file bytes
 * [file_offset, file_offset + file_len) to vaddr. Everything else in the
 * range (before vaddr in the first page, from vaddr + file_len on: the
 * bss) stays zero.
 */
struct elf_segment {
	uint64_t vaddr;       /* p_vaddr */
	uint64_t mem_len;     /* p_memsz */
	uint64_t file_offset; /* p_offset */
	uint64_t file_len;    /* p_filesz */
	uint64_t page_start;  /* vaddr rounded down to a page */
	uint64_t page_end;    /* vaddr + mem_len rounded up to a page */
	uint32_t prot;        /* ELF_PROT_* */
};

struct elf_plan {
	uint64_t entry;
	uint32_t nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS]; /* sorted by vaddr */
	uint64_t pages; /* pages to allocate for all segments */
	/* Where the program headers are once loaded (what AT_PHDR would be),
	 * or 0 if no segment's file bytes contain them. */
	uint64_t phdr_vaddr;
	uint16_t phnum;
	/* The TLS template (PT_TLS); tls_memsz 0 when there is none. */
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
};

/*
 * Checks the image `bytes[0 .. len-1]` against the rules above for an
 * address space whose user part ends at `user_limit` (page-aligned, above
 * ELF_USER_MIN). Returns ELF_OK and fills *plan, or a negative elf_error;
 * *plan is zeroed first either way. The image needs no alignment.
 */
enum elf_error elf_parse(const void *bytes, size_t len, uint64_t user_limit,
                         struct elf_plan *plan);

/* A short English description of err (never NULL). */
const char *elf_strerror(enum elf_error err);

#endif
