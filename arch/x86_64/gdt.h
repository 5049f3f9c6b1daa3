/* arch/x86_64/gdt.h - each CPU's Global Descriptor Table and Task-State Segment.
 *
 * Intel SDM Vol. 3A §3.4.5 "Segment Descriptors", §3.5.1 "Segment Descriptor Tables",
 * §8.2.3 "TSS Descriptor in 64-bit mode" and §8.7 "Task Management in 64-bit Mode".
 *
 * In 64-bit mode segmentation is almost gone, but two things still need a GDT:
 *   - CS must name a 64-bit code descriptor (and SS/DS/ES a data descriptor);
 *   - the TSS, found through a GDT descriptor and the task register, holds the Interrupt Stack
 *     Table (IST): up to seven known-good stacks the CPU switches to for chosen vectors.
 *     irqlab uses IST1 for #DF, IST2 for NMI and IST3 for #MC, so those three are handled even
 *     when the current stack is broken (a kernel stack overflow is exactly that).
 *
 * Every CPU needs its own TSS (the CPU marks a loaded TSS "busy" in its descriptor, and the
 * IST stacks must not be shared), so each CPU owns one struct cpu_tables: GDT + TSS together.
 * The BSP's lives in .bss; each AP gets one when SMP starts it (gdt_init_cpu on that AP).
 */
#ifndef IRQLAB_ARCH_GDT_H
#define IRQLAB_ARCH_GDT_H

#include <stdint.h>

/* Selectors (index * 8; table indicator 0 = GDT; requested privilege level 0). */
#define GDT_SELECTOR_NULL 0x00
#define GDT_SELECTOR_KERNEL_CODE 0x08
#define GDT_SELECTOR_KERNEL_DATA 0x10
#define GDT_SELECTOR_TSS 0x18 /* a 16-byte descriptor: occupies slots 3 and 4 */

#define GDT_ENTRIES 5

/* IST slots (1-7; 0 in an IDT gate means "no stack switch"). */
#define GDT_IST_DOUBLE_FAULT 1
#define GDT_IST_NMI 2
#define GDT_IST_MACHINE_CHECK 3
#define GDT_IST_COUNT 7

#define GDT_BOOT_IST_STACK_SIZE (16 * 1024)

/* The 64-bit TSS (SDM Figure 8-11 "64-Bit TSS Format"): no task switching in 64-bit mode,
 * only stack pointers. Packed: the 64-bit fields sit at 4-byte offsets. */
struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];                /* stacks for a change to CPL 0/1/2 (irqlab has no ring 3) */
    uint64_t reserved1;
    uint64_t ist[GDT_IST_COUNT];    /* ist[0] is IST1 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;            /* offset of the I/O permission bitmap; >= limit: none */
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "SDM Figure 8-11: the 64-bit TSS is 104 bytes");

struct cpu_tables {
    uint64_t gdt[GDT_ENTRIES];
    struct tss64 tss;
} __attribute__((aligned(16)));

/* Build `tables` (descriptors; the IST slots already set are kept) and load them on the
 * calling CPU: lgdt, reload CS with a far return and SS/DS/ES/FS/GS, then ltr.
 * FS and GS get the null selector; per-CPU GS base is set afterwards through the MSR. */
void gdt_init_cpu(struct cpu_tables *tables);

/* Point IST slot `ist` (1-7) of `tables` at the stack whose top (initial RSP) is `top`.
 * Takes effect for the next interrupt that uses that slot, on whichever CPU owns `tables`. */
void gdt_set_ist(struct cpu_tables *tables, unsigned ist, uint64_t top);
uint64_t gdt_get_ist(const struct cpu_tables *tables, unsigned ist);

/* The boot CPU: fill its IST1-3 with static 16 KiB stacks from .bss (there is no memory
 * allocator yet) and gdt_init_cpu() it. kernel_main may later replace those stacks with
 * guarded ones: gdt_set_ist(gdt_bsp_tables(), GDT_IST_DOUBLE_FAULT, kstack_alloc(4)). */
void gdt_init_bsp(void);
struct cpu_tables *gdt_bsp_tables(void);

#endif
