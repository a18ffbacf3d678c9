/*
 * gdt.c - the GDT and TSS.
 *
 * Selector order is fixed by SYSCALL/SYSRET: user data must sit 8 bytes
 * below user code (STAR's SYSRET base). The TSS gives the double fault and
 * NMI handlers stacks of their own (IST), so a blown kernel stack still
 * ends in a readable register dump rather than a triple fault.
 */
#include <string.h>
#include <kernel/arch.h>
#include "cpu.h"
#include "gdt.h"

#define IST_STACK_SIZE 8192

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");
_Static_assert(offsetof(struct tss, rsp) == TSS_RSP0, "rsp0 (gdt.h)");

#define GDT_ENTRIES 7

/* One CPU's descriptor tables: the BSP's are static, each AP's comes
 * from the heap (gdt_cpu_tables_size) before the AP starts. */
struct cpu_tables {
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss;
	uint8_t ist[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
};

static uint64_t gdt[GDT_ENTRIES];
static struct tss tss;
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE]
    __attribute__((aligned(16)));

struct gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Fills a GDT and its TSS, loads both and reloads every segment. */
static void gdt_load(uint64_t *g, struct tss *t, uint8_t (*ist)[IST_STACK_SIZE])
{
	uint64_t base = (uint64_t)t, limit = sizeof(*t) - 1;

	g[0] = 0;
	g[GDT_KCODE / 8] = 0x00AF9A000000FFFF; /* 64-bit, DPL0, code */
	g[GDT_KDATA / 8] = 0x00CF92000000FFFF; /* DPL0 data */
	g[GDT_UDATA / 8] = 0x00CFF2000000FFFF; /* DPL3 data */
	g[GDT_UCODE / 8] = 0x00AFFA000000FFFF; /* 64-bit, DPL3, code */
	/* 16-byte TSS descriptor: type 9 (available 64-bit TSS), present. */
	g[GDT_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
	                 (0x89ull << 40) | (((limit >> 16) & 0xF) << 48) |
	                 (((base >> 24) & 0xFF) << 56);
	g[GDT_TSS / 8 + 1] = base >> 32;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < IST_COUNT; i++)
		t->ist[i] = (uint64_t)ist[i] + IST_STACK_SIZE;
	t->iomap_base = sizeof(*t); /* no I/O bitmap: user has no ports */

	struct gdtr gdtr = {GDT_ENTRIES * 8 - 1, (uint64_t)g};

	asm volatile("lgdt %0\n\t"
	             "pushq %1\n\t"
	             "leaq 1f(%%rip), %%rax\n\t"
	             "pushq %%rax\n\t"
	             "lretq\n"
	             "1:\n\t"
	             "movw %w2, %%ax\n\t"
	             "movw %%ax, %%ds\n\t"
	             "movw %%ax, %%es\n\t"
	             "movw %%ax, %%ss\n\t"
	             "xorl %%eax, %%eax\n\t"
	             "movw %%ax, %%fs\n\t"
	             "movw %%ax, %%gs\n\t"
	             "ltr %w3"
	             :
	             : "m"(gdtr), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
	             : "rax", "memory");
}

void gdt_init(void)
{
	gdt_load(gdt, &tss, ist_stacks);
}

size_t gdt_cpu_tables_size(void)
{
	return sizeof(struct cpu_tables);
}

void gdt_init_cpu(void *tables)
{
	struct cpu_tables *ct = tables;

	gdt_load(ct->gdt, &ct->tss, ct->ist);
}

void *gdt_boot_tss(void)
{
	return &tss;
}

void *gdt_tables_tss(void *tables)
{
	return &((struct cpu_tables *)tables)->tss;
}

bool ist_stack_contains(uint64_t addr)
{
	uint64_t lo = (uint64_t)ist_stacks;

	return addr >= lo && addr < lo + sizeof(ist_stacks);
}
