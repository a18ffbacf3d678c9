/*
 * test_loader.c - what the loader puts in a new process: every page of
 * every segment holds the file's bytes and zeroes past them; read-only
 * pages of a boot module are the module's own frames, writable pages and
 * any page of an image that is not a boot module are private copies; and
 * taking the process apart returns every frame.
 */
#include <elf.h>
#include <string.h>
#include <kernel/as.h>
#include <kernel/boot_modules.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/proc.h>

static struct elf_plan plan;

/* Loads image into a fresh process and checks each page; returns how
 * many pages are the boot module's own frames. */
static unsigned load_and_check(struct ktest_ctx *t, const uint8_t *image,
                               size_t len, const struct boot_module *m)
{
	unsigned shared = 0;
	int err;
	struct process *p = process_create("ktest", "minimal", image, len, NULL,
	                                   proc_default_limits, &err);

	KEXPECT(p != NULL);
	if (!p)
		return 0;
	for (uint32_t i = 0; i < plan.nsegments; i++) {
		const struct elf_segment *s = &plan.seg[i];

		for (uint64_t va = s->page_start; va < s->page_end;
		     va += PAGE_SIZE) {
			paddr_t pa;
			unsigned f;
			bool in_module, same = true;
			const uint8_t *k;

			if (!KEXPECT(as_query(&p->as, va, &pa, &f)))
				continue;
			k = phys_to_virt(pa);
			in_module = pa >= m->start && pa < m->end;
			shared += in_module;
			KEXPECT(!(f & VM_WRITE) == !(s->prot & ELF_PROT_W));
			KEXPECT(!in_module || !(s->prot & ELF_PROT_W));
			for (uint64_t b = 0; b < PAGE_SIZE; b++) {
				uint64_t a = va + b;

				if (a < s->vaddr || a >= s->vaddr + s->mem_len)
					continue;
				if (a < s->vaddr + s->file_len)
					same &= k[b] == image[s->file_offset +
					                      a - s->vaddr];
				else
					same &= k[b] == 0;
			}
			KEXPECT(same);
		}
	}
	process_abort(p);
	return shared;
}

KTEST(loader_pages)
{
	const struct boot_module *m = boot_module_find("minimal", 7);
	const uint8_t *image;
	uint64_t len, free0 = frames_free_count();
	uint8_t *copy;
	bool has_ro = false;

	if (!KEXPECT(m != NULL))
		return;
	image = boot_module_bytes(m);
	len = m->end - m->start;
	KEXPECT(boot_module_phys(image, len) == m->start);
	KEXPECT(boot_module_phys(image + 1, len) == FRAME_NONE);
	if (!KEXPECT(elf_parse(image, len, USER_STACK_LIMIT, &plan) == ELF_OK))
		return;
	for (uint32_t i = 0; i < plan.nsegments; i++)
		has_ro |= !(plan.seg[i].prot & ELF_PROT_W);
	KEXPECT(has_ro);
	/* The module itself: its read-only pages are shared. */
	KEXPECT(load_and_check(t, image, len, m) > 0);
	/* The same bytes elsewhere: nothing to share, all copied. */
	copy = kmalloc(len);
	if (KEXPECT(copy != NULL)) {
		memcpy(copy, image, len);
		KEXPECT(boot_module_phys(copy, len) == FRAME_NONE);
		KEXPECT(load_and_check(t, copy, len, m) == 0);
		kfree(copy);
	}
	KEXPECT(frames_free_count() == free0);
}
