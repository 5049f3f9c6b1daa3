/* arch/x86_64/idt.h - the Interrupt Descriptor Table: which code runs for each of the 256 vectors.
 *
 * Intel SDM Vol. 3A §6.10 "Interrupt Descriptor Table (IDT)" and §6.14.1 "64-Bit Mode IDT"
 * (16-byte gate descriptors), §6.14.5 "Interrupt Stack Table".
 *
 * All CPUs share one IDT: every gate points at a generated stub in arch/x86_64/vectors.asm,
 * and the stubs only differ in the vector number they record, so nothing in the table is
 * per-CPU. What differs per CPU (the IST stacks) lives in each CPU's TSS (arch/x86_64/gdt.h).
 * Every gate is an interrupt gate (IF cleared on entry), DPL 0, selector 0x08; #DF, NMI and #MC
 * switch to IST1, IST2 and IST3.
 */
#ifndef IRQLAB_ARCH_IDT_H
#define IRQLAB_ARCH_IDT_H

#include <stdint.h>

#define IDT_VECTORS 256

/* One 64-bit gate descriptor (SDM Figure 6-8 "64-Bit IDT Gate Descriptors"). */
struct idt_gate {
    uint16_t offset_low;    /* handler address bits 15:0 */
    uint16_t selector;      /* code segment to run it in */
    uint8_t ist;            /* bits 2:0: IST slot, 0 = stay on the current stack */
    uint8_t type_attr;      /* P, DPL, type (0xE = 64-bit interrupt gate) */
    uint16_t offset_mid;    /* bits 31:16 */
    uint32_t offset_high;   /* bits 63:32 */
    uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");

/* Build the shared IDT (once, on the BSP, before idt_load). */
void idt_init(void);
/* Load the IDT into this CPU's IDTR (every CPU, after its gdt_init_cpu). */
void idt_load(void);

/* Read-only view for tests and the shell. */
const struct idt_gate *idt_gate(unsigned vector);
uint64_t idt_gate_handler(const struct idt_gate *gate);

/* Point one vector at another entry point (benchmarks compare a bare stub with the full path).
 * Returns the previous handler so it can be put back. */
uint64_t idt_replace_handler(unsigned vector, uint64_t handler);

#endif
