/*
 * elf.c - ELF64 program checks and load planning (see elf.h for the rules).
 *
 * Every header is copied out of the image with memcpy before use, so the
 * image may be unaligned and is read only inside [bytes, bytes + len).
 * Every sum of two file values is checked against overflow before it is
 * formed. The host and the target are both x86-64, so the little-endian
 * fields are read as they are.
 */
#include "elf.h"

#include <stdbool.h>
#include <string.h>

#define PAGE_MASK (ELF_PAGE_SIZE - 1)

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Checks the ELF header and that the program headers lie in the file. */
static enum elf_error check_ehdr(const uint8_t *img, size_t len,
                                 struct elf64_ehdr *eh)
{
	uint64_t span;

	if (len < sizeof(*eh))
		return ELF_E_TRUNCATED;
	memcpy(eh, img, sizeof(*eh));
	if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
		return ELF_E_MAGIC;
	if (eh->e_ident[ELF_EI_CLASS] != ELF_CLASS64)
		return ELF_E_CLASS;
	if (eh->e_ident[ELF_EI_DATA] != ELF_DATA2LSB)
		return ELF_E_ENDIAN;
	if (eh->e_ident[ELF_EI_VERSION] != ELF_EV_CURRENT ||
	    eh->e_version != ELF_EV_CURRENT)
		return ELF_E_VERSION;
	if (eh->e_type != ELF_ET_EXEC)
		return ELF_E_TYPE;
	if (eh->e_machine != ELF_EM_X86_64)
		return ELF_E_MACHINE;
	if (eh->e_ehsize != sizeof(struct elf64_ehdr))
		return ELF_E_EHSIZE;
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return ELF_E_PHENTSIZE;
	if (eh->e_phnum > ELF_MAX_PHDRS)
		return ELF_E_TOO_MANY;
	span = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (eh->e_phoff > len || span > len - eh->e_phoff)
		return ELF_E_PHDRS;
	return ELF_OK;
}

/* Checks one PT_LOAD and describes it in *seg. */
static enum elf_error check_load(const struct elf64_phdr *ph, size_t len,
                                 uint64_t user_limit, struct elf_segment *seg)
{
	uint64_t align = ph->p_align, skew = ph->p_vaddr - ph->p_offset;

	if (ph->p_memsz == 0)
		return ELF_E_SEG_EMPTY;
	if (ph->p_filesz > ph->p_memsz)
		return ELF_E_FILESZ;
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return ELF_E_SEG_FILE;
	if (ph->p_vaddr > UINT64_MAX - ph->p_memsz)
		return ELF_E_SEG_WRAP;
	if (ph->p_memsz > ELF_MAX_IMAGE)
		return ELF_E_TOO_LARGE;
	if (align > 1 && (!is_pow2(align) || align > ELF_MAX_ALIGN))
		return ELF_E_ALIGN;
	/* 2^64 is a multiple of both moduli, so the wrapped skew works. */
	if ((skew & PAGE_MASK) != 0 || (align > 1 && (skew & (align - 1)) != 0))
		return ELF_E_CONGRUENT;
	if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
		return ELF_E_WX;
	if ((ph->p_vaddr & ~PAGE_MASK) < ELF_USER_MIN)
		return ELF_E_SEG_LOW;
	/* user_limit is page aligned, so rounding up below stays <= it. */
	if (ph->p_vaddr + ph->p_memsz > user_limit)
		return ELF_E_SEG_HIGH;
	seg->vaddr = ph->p_vaddr;
	seg->mem_len = ph->p_memsz;
	seg->file_offset = ph->p_offset;
	seg->file_len = ph->p_filesz;
	seg->page_start = ph->p_vaddr & ~PAGE_MASK;
	seg->page_end = (ph->p_vaddr + ph->p_memsz + PAGE_MASK) & ~PAGE_MASK;
	seg->prot = ((ph->p_flags & ELF_PF_R) ? ELF_PROT_R : 0) |
	            ((ph->p_flags & ELF_PF_W) ? ELF_PROT_W : 0) |
	            ((ph->p_flags & ELF_PF_X) ? ELF_PROT_X : 0);
	return ELF_OK;
}

/* Records a PT_TLS after checking it alone; its placement comes later. */
static enum elf_error check_tls(const struct elf64_phdr *ph,
                                struct elf_plan *plan, bool *seen)
{
	if (*seen)
		return ELF_E_TLS;
	*seen = true;
	if (ph->p_filesz > ph->p_memsz || ph->p_memsz > ELF_MAX_IMAGE ||
	    ph->p_vaddr > UINT64_MAX - ph->p_filesz)
		return ELF_E_TLS;
	if (ph->p_align > 1 &&
	    (!is_pow2(ph->p_align) || ph->p_align > ELF_PAGE_SIZE))
		return ELF_E_TLS;
	plan->tls_vaddr = ph->p_vaddr;
	plan->tls_filesz = ph->p_filesz;
	plan->tls_memsz = ph->p_memsz;
	plan->tls_align = ph->p_align;
	return ELF_OK;
}

/* Walks the program headers, filling plan->seg in file order. */
static enum elf_error scan_phdrs(const uint8_t *img, size_t len,
                                 const struct elf64_ehdr *eh,
                                 uint64_t user_limit, struct elf_plan *plan)
{
	bool tls_seen = false;
	enum elf_error err = ELF_OK;

	for (uint32_t i = 0; i < eh->e_phnum && err == ELF_OK; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, img + eh->e_phoff + (uint64_t)i * sizeof(ph),
		       sizeof(ph));
		switch (ph.p_type) {
		case ELF_PT_LOAD:
			if (plan->nsegments == ELF_MAX_SEGMENTS)
				return ELF_E_TOO_MANY;
			err = check_load(&ph, len, user_limit,
			                 &plan->seg[plan->nsegments++]);
			break;
		case ELF_PT_INTERP:
			err = ELF_E_INTERP;
			break;
		case ELF_PT_GNU_STACK:
			if (ph.p_flags & ELF_PF_X)
				err = ELF_E_EXEC_STACK;
			break;
		case ELF_PT_TLS:
			err = check_tls(&ph, plan, &tls_seen);
			break;
		default:
			break;
		}
	}
	if (err == ELF_OK && plan->nsegments == 0)
		err = ELF_E_NO_LOAD;
	return err;
}

static void sort_segments(struct elf_plan *plan)
{
	for (uint32_t i = 1; i < plan->nsegments; i++) {
		struct elf_segment s = plan->seg[i];
		uint32_t j = i;

		for (; j > 0 && plan->seg[j - 1].vaddr > s.vaddr; j--)
			plan->seg[j] = plan->seg[j - 1];
		plan->seg[j] = s;
	}
}

/* Sorted segments: no shared page, page-rounded total within the cap. */
static enum elf_error check_layout(struct elf_plan *plan)
{
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < plan->nsegments; i++) {
		const struct elf_segment *s = &plan->seg[i];

		if (i > 0 && plan->seg[i - 1].page_end > s->page_start)
			return ELF_E_OVERLAP;
		/* Each span is <= 1 GiB + 1 page: no overflow in 16 of them. */
		bytes += s->page_end - s->page_start;
	}
	if (bytes > ELF_MAX_IMAGE)
		return ELF_E_TOO_LARGE;
	plan->pages = bytes / ELF_PAGE_SIZE;
	return ELF_OK;
}

/* The segment whose file bytes hold [vaddr, vaddr + n), or NULL. */
static const struct elf_segment *file_backed(const struct elf_plan *plan,
                                             uint64_t vaddr, uint64_t n)
{
	for (uint32_t i = 0; i < plan->nsegments; i++) {
		const struct elf_segment *s = &plan->seg[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr <= s->file_len &&
		    n <= s->file_len - (vaddr - s->vaddr))
			return s;
	}
	return NULL;
}

/* Entry point and TLS template placement; AT_PHDR. */
static enum elf_error check_refs(const struct elf64_ehdr *eh,
                                 struct elf_plan *plan)
{
	const struct elf_segment *s = file_backed(plan, eh->e_entry, 1);
	uint64_t span = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);

	if (!s || !(s->prot & ELF_PROT_X))
		return ELF_E_ENTRY;
	plan->entry = eh->e_entry;
	if (plan->tls_memsz != 0 &&
	    !file_backed(plan, plan->tls_vaddr, plan->tls_filesz))
		return ELF_E_TLS;
	plan->phnum = eh->e_phnum;
	for (uint32_t i = 0; i < plan->nsegments; i++) {
		const struct elf_segment *seg = &plan->seg[i];

		if (eh->e_phoff >= seg->file_offset &&
		    eh->e_phoff - seg->file_offset <= seg->file_len &&
		    span <= seg->file_len - (eh->e_phoff - seg->file_offset)) {
			plan->phdr_vaddr =
			    seg->vaddr + (eh->e_phoff - seg->file_offset);
			break;
		}
	}
	return ELF_OK;
}

enum elf_error elf_parse(const void *bytes, size_t len, uint64_t user_limit,
                         struct elf_plan *plan)
{
	struct elf64_ehdr eh;
	enum elf_error err;

	if (!plan)
		return ELF_E_ARG;
	memset(plan, 0, sizeof(*plan));
	if (!bytes || (user_limit & PAGE_MASK) != 0 ||
	    user_limit <= ELF_USER_MIN)
		return ELF_E_ARG;
	err = check_ehdr(bytes, len, &eh);
	if (err == ELF_OK)
		err = scan_phdrs(bytes, len, &eh, user_limit, plan);
	if (err == ELF_OK) {
		sort_segments(plan);
		err = check_layout(plan);
	}
	if (err == ELF_OK)
		err = check_refs(&eh, plan);
	if (err != ELF_OK)
		memset(plan, 0, sizeof(*plan));
	return err;
}

static const char *const messages[] = {
    [0] = "ok",
    [-ELF_E_ARG] = "bad argument",
    [-ELF_E_TRUNCATED] = "file shorter than the ELF header",
    [-ELF_E_MAGIC] = "not an ELF file",
    [-ELF_E_CLASS] = "not ELF64",
    [-ELF_E_ENDIAN] = "not little endian",
    [-ELF_E_VERSION] = "unknown ELF version",
    [-ELF_E_TYPE] = "not a static executable (ET_EXEC)",
    [-ELF_E_MACHINE] = "not x86-64",
    [-ELF_E_EHSIZE] = "bad ELF header size",
    [-ELF_E_PHENTSIZE] = "bad program header size",
    [-ELF_E_PHDRS] = "program headers outside the file",
    [-ELF_E_INTERP] = "needs a dynamic linker (PT_INTERP)",
    [-ELF_E_NO_LOAD] = "no loadable segment",
    [-ELF_E_TOO_MANY] = "too many program headers or segments",
    [-ELF_E_SEG_EMPTY] = "empty loadable segment",
    [-ELF_E_FILESZ] = "segment file size above memory size",
    [-ELF_E_SEG_FILE] = "segment data outside the file",
    [-ELF_E_SEG_WRAP] = "segment address range wraps",
    [-ELF_E_SEG_LOW] = "segment in the low (null) pages",
    [-ELF_E_SEG_HIGH] = "segment outside user space",
    [-ELF_E_TOO_LARGE] = "segment or image too large",
    [-ELF_E_ALIGN] = "bad segment alignment",
    [-ELF_E_CONGRUENT] = "segment address and offset not congruent",
    [-ELF_E_WX] = "segment both writable and executable",
    [-ELF_E_OVERLAP] = "segments overlap",
    [-ELF_E_EXEC_STACK] = "executable stack requested",
    [-ELF_E_TLS] = "bad TLS segment",
    [-ELF_E_ENTRY] = "entry point not in an executable segment",
};

const char *elf_strerror(enum elf_error err)
{
	if (err > 0 || err < ELF_ERROR_MIN || !messages[-err])
		return "unknown ELF error";
	return messages[-err];
}
