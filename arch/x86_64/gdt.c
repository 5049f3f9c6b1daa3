/* arch/x86_64/gdt.c - building and loading a CPU's GDT and TSS.
 *
 * Intel SDM Vol. 3A §3.4.5 "Segment Descriptors" (bit layout, Figure 3-8), §3.4.5.1 "Code- and
 * Data-Segment Descriptor Types", §8.2.3 "TSS Descriptor in 64-bit mode" (Figure 8-4) and §8.7
 * "Task Management in 64-bit Mode" (the TSS holds stack pointers only).
 */
#include "arch/x86_64/gdt.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "kernel/console/log.h"

/* Access byte (descriptor bits 40-47). */
#define GDT_ACCESS_PRESENT (1u << 7)
#define GDT_ACCESS_CODE_DATA (1u << 4) /* S = 1: code/data; S = 0: system (TSS, gates) */
#define GDT_TYPE_ACCESSED (1u << 0)
#define GDT_TYPE_CODE_READ 0xAu        /* execute/read */
#define GDT_TYPE_DATA_WRITE 0x2u       /* read/write */
#define GDT_TYPE_TSS64_AVAILABLE 0x9u  /* becomes 0xB ("busy") once ltr has loaded it */

/* Flags nibble (descriptor bits 52-55). */
#define GDT_FLAG_LONG (1u << 1)        /* L: 64-bit code segment */
#define GDT_FLAG_32BIT (1u << 2)       /* D/B: ignored for 64-bit data, set as is customary */
#define GDT_FLAG_4K (1u << 3)          /* G: limit counted in 4 KiB units */

static uint64_t gdt_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint64_t d = 0;
    d |= (uint64_t)(limit & 0xFFFFu);
    d |= (uint64_t)(base & 0xFFFFFFu) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xFu) << 48;
    d |= (uint64_t)(flags & 0xFu) << 52;
    d |= (uint64_t)((base >> 24) & 0xFFu) << 56;
    return d;
}

/* Base and limit are ignored for code and data segments in 64-bit mode (§3.2.4), but the
 * classic flat values make the descriptors look familiar in `info registers` / a hex dump.
 * The "accessed" type bit is preset so the CPU never has to write it back into the GDT. */
static void gdt_fill(struct cpu_tables *t)
{
    t->gdt[0] = 0;
    t->gdt[1] = gdt_descriptor(0, 0xFFFFF, GDT_ACCESS_PRESENT | GDT_ACCESS_CODE_DATA | GDT_TYPE_CODE_READ | GDT_TYPE_ACCESSED,
                               GDT_FLAG_LONG | GDT_FLAG_4K);
    t->gdt[2] = gdt_descriptor(0, 0xFFFFF, GDT_ACCESS_PRESENT | GDT_ACCESS_CODE_DATA | GDT_TYPE_DATA_WRITE | GDT_TYPE_ACCESSED,
                               GDT_FLAG_32BIT | GDT_FLAG_4K);

    /* The TSS descriptor is 16 bytes in 64-bit mode: the usual 8, then base bits 63:32.
     * Rewriting it here also clears the "busy" type bit, so ltr may run again on re-init. */
    uint64_t base = (uint64_t)(uintptr_t)&t->tss;
    t->gdt[3] = gdt_descriptor((uint32_t)base, sizeof(t->tss) - 1, GDT_ACCESS_PRESENT | GDT_TYPE_TSS64_AVAILABLE, 0);
    t->gdt[4] = base >> 32;

    /* No I/O permission bitmap: an offset at or past the TSS limit means "none". */
    t->tss.iomap_base = sizeof(t->tss);
}

_Static_assert(GDT_SELECTOR_TSS / 8 == 3 && GDT_ENTRIES == 5, "the TSS descriptor fills slots 3 and 4");

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static void gdt_load(struct cpu_tables *t)
{
    struct gdt_pointer gdtr = {sizeof(t->gdt) - 1, (uint64_t)(uintptr_t)t->gdt};
    __asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");

    /* CS cannot be loaded with mov. A far return pops RIP and then CS, so push the new CS and
     * the address of the next instruction and "return" there (SDM Vol. 2, RET: far return). */
    __asm__ volatile("pushq %[cs]\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:"
                     :
                     : [cs] "i"(GDT_SELECTOR_KERNEL_CODE)
                     : "rax", "memory");

    __asm__ volatile("movw %w0, %%ds\n\t"
                     "movw %w0, %%es\n\t"
                     "movw %w0, %%ss"
                     :
                     : "r"((uint32_t)GDT_SELECTOR_KERNEL_DATA)
                     : "memory");

    /* Loading a selector into FS/GS may clear their 64-bit bases on some CPUs (AMD's "null
     * selector clears base"); per-CPU data lives behind GS base, so keep whatever it was. */
    uint64_t fs_base = rdmsr(MSR_FS_BASE), gs_base = rdmsr(MSR_GS_BASE);
    __asm__ volatile("movw %w0, %%fs\n\t"
                     "movw %w0, %%gs"
                     :
                     : "r"((uint32_t)GDT_SELECTOR_NULL)
                     : "memory");
    wrmsr(MSR_FS_BASE, fs_base);
    wrmsr(MSR_GS_BASE, gs_base);

    /* The task register: from now on the CPU reads IST pointers from this TSS. */
    __asm__ volatile("ltr %w0" : : "r"((uint32_t)GDT_SELECTOR_TSS) : "memory");
}

void gdt_init_cpu(struct cpu_tables *tables)
{
    gdt_fill(tables);
    gdt_load(tables);
}

void gdt_set_ist(struct cpu_tables *tables, unsigned ist, uint64_t top)
{
    if (ist < 1 || ist > GDT_IST_COUNT || (top & 15)) {
        log_error("gdt: refusing IST%u = 0x%lx (slot must be 1-7, top 16-byte aligned)", ist, (unsigned long)top);
        return;
    }
    tables->tss.ist[ist - 1] = top;
}

uint64_t gdt_get_ist(const struct cpu_tables *tables, unsigned ist)
{
    if (ist < 1 || ist > GDT_IST_COUNT)
        return 0;
    return tables->tss.ist[ist - 1];
}

/* ---- the boot CPU -------------------------------------------------------------------------- */

static struct cpu_tables gdt_bsp;

/* Until the memory manager can hand out guarded stacks, the BSP's IST stacks are plain arrays.
 * (Without a guard page an overflow of these would go unnoticed; they are small and used
 * only for the three fatal vectors, each of which ends in a bugcheck.) */
static uint8_t gdt_boot_ist_stacks[3][GDT_BOOT_IST_STACK_SIZE] __attribute__((aligned(16)));

struct cpu_tables *gdt_bsp_tables(void) { return &gdt_bsp; }

void gdt_init_bsp(void)
{
    static const unsigned slots[3] = {GDT_IST_DOUBLE_FAULT, GDT_IST_NMI, GDT_IST_MACHINE_CHECK};
    for (size_t i = 0; i < 3; i++)
        gdt_set_ist(&gdt_bsp, slots[i], (uint64_t)(uintptr_t)(gdt_boot_ist_stacks[i] + GDT_BOOT_IST_STACK_SIZE));
    gdt_init_cpu(&gdt_bsp);
}
