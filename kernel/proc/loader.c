/*
 * loader.c - maps a validated ELF program into a process.
 *
 * lib/elf.c decides whether an image is acceptable (and why not); this
 * file only copies bytes: each segment gets fresh zeroed frames (mapped as
 * one range), its file bytes copied in through the direct map, and
 * exactly its permissions (W^X was checked by the parser). Segments never
 * share a page.
 */
#include <elf.h>
#include <string.h>
#include <kernel/as.h>
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

int loader_load(struct process *p, const void *elf, size_t len)
{
	static struct elf_plan plan; /* large; the loader runs one at a time */
	/* Programs live below the stack's guard page. */
	enum elf_error e = elf_parse(elf, len, USER_STACK_LIMIT, &plan);

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
