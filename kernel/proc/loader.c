/*
 * loader.c - maps a validated ELF program into a process.
 *
 * lib/elf.c decides whether an image is acceptable (and why not); this
 * file only places bytes, with exactly each segment's permissions (W^X
 * was checked by the parser). A writable segment gets fresh zeroed frames
 * (mapped as one range) with its file bytes copied in through the direct
 * map. A read-only segment of a boot module maps the module's own frames
 * where it can (they are never written or freed), shared by every
 * process of that program; elsewhere it is copied like the rest.
 * Segments never share a page.
 */
#include <elf.h>
#include <string.h>
#include <capos/errors.h>
#include <kernel/as.h>
#include <kernel/boot_modules.h>
#include <kernel/loader.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/proc.h>

static unsigned seg_flags(uint32_t prot)
{
	return ((prot & ELF_PROT_W) ? VM_WRITE : 0) |
	       ((prot & ELF_PROT_X) ? VM_EXEC : 0);
}

/* Copies the part of the segment's file bytes that lands in the page at
 * `page` (a user address) into kpage. */
static void fill_page(uint8_t *kpage, uint64_t page, const uint8_t *image,
                      const struct elf_segment *s)
{
	uint64_t file_end = s->vaddr + s->file_len;
	uint64_t from = page > s->vaddr ? page : s->vaddr;
	uint64_t to = page + PAGE_SIZE < file_end ? page + PAGE_SIZE : file_end;

	if (to > from)
		memcpy(kpage + (from - page),
		       image + s->file_offset + (from - s->vaddr), to - from);
}

/*
 * Whether the page at `page` (user address) of a read-only segment can be
 * the image's own page: none of its bytes may be ones the segment needs
 * as zeroes (past the file bytes, inside memsz), and the whole page must
 * lie inside the image. The rest of such a page is the program's own
 * file (headers, other sections), as any ELF loader maps it.
 */
static bool page_shareable(uint64_t page, const struct elf_segment *s,
                           size_t len)
{
	uint64_t zero_from = s->vaddr + s->file_len;
	uint64_t zero_to = s->vaddr + s->mem_len;
	/* Congruent: page - vaddr + file_offset is page aligned, >= 0. */
	uint64_t off = s->file_offset - (s->vaddr - page);

	if (zero_to > zero_from && page < zero_to &&
	    zero_from < page + PAGE_SIZE)
		return false;
	return off <= len && PAGE_SIZE <= len - off;
}

/* Maps a read-only segment of a boot module: its pages that can be the
 * module's own frames are mapped (not owned, charged to nobody, like
 * BootPackage.binary); the others are fresh frames with the bytes copied. */
static int map_shared(struct process *p, const struct elf_segment *s,
                      const uint8_t *image, size_t len, paddr_t image_pa)
{
	for (uint64_t va = s->page_start; va < s->page_end; va += PAGE_SIZE) {
		void *kpage;
		int rc;

		if (page_shareable(va, s, len)) {
			rc = as_map(&p->as, va,
			            image_pa + s->file_offset - (s->vaddr - va),
			            seg_flags(s->prot));
			if (rc)
				return rc == -2 ? CAPOS_E_QUOTA
				                : CAPOS_E_BAD_POINTER;
			continue;
		}
		rc = process_map_fresh(p, va, 1, seg_flags(s->prot), &kpage);
		if (rc)
			return rc;
		fill_page(kpage, va, image, s);
	}
	return 0;
}

int loader_load(struct process *p, const void *elf, size_t len)
{
	static struct elf_plan plan; /* large; the loader runs one at a time */
	/* Programs live below the stack's guard page. */
	enum elf_error e = elf_parse(elf, len, USER_STACK_LIMIT, &plan);
	paddr_t image_pa = boot_module_phys(elf, len);

	if (e != ELF_OK) {
		kprintf("[kernel] %s: not loadable: %s\n", p->name,
		        elf_strerror(e));
		return LOADER_E_ELF(e);
	}
	for (uint32_t i = 0; i < plan.nsegments; i++) {
		const struct elf_segment *s = &plan.seg[i];
		int rc;

		/* The kernel's own fixed pages must stay free. */
		if (s->page_start < USER_RING_BASE + 0x100000 &&
		    s->page_end > USER_CAPSET_ADDR)
			return LOADER_E_ELF(ELF_E_OVERLAP);
		if (!(s->prot & ELF_PROT_W) && image_pa != FRAME_NONE) {
			rc = map_shared(p, s, elf, len, image_pa);
			if (rc)
				return rc;
			continue;
		}
		rc = process_map_fresh(
		    p, s->page_start, (s->page_end - s->page_start) / PAGE_SIZE,
		    seg_flags(s->prot), NULL);
		if (rc)
			return rc;
		/* Only the pages holding file bytes need more than zeroes. */
		for (uint64_t va = s->page_start; va < s->vaddr + s->file_len;
		     va += PAGE_SIZE) {
			paddr_t pa;
			unsigned f;

			KASSERT(as_query(&p->as, va, &pa, &f));
			fill_page(phys_to_virt(pa), va, elf, s);
		}
	}
	p->entry = plan.entry;
	return 0;
}
