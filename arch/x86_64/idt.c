/* arch/x86_64/idt.c - filling and loading the IDT.
 *
 * Intel SDM Vol. 3A §6.14.1 "64-Bit Mode IDT" (gate layout), §6.12.1.3 "Flag Usage By Exception-
 * or Interrupt-Handler Procedure" (an interrupt gate clears IF, a trap gate does not) and
 * §6.14.5 "Interrupt Stack Table".
 *
 * Why interrupt gates everywhere, even for exceptions: the handlers must not be interrupted
 * before they have decided what to do (and the interrupt core raises IRQL before it lets
 * interrupts in again). Why IST for #DF, NMI and #MC: these three may arrive while the current
 * stack is unusable (an overflowed kernel stack, an NMI in the middle of a stack switch), so
 * they get stacks of their own that are known to be good.
 */
#include "arch/x86_64/idt.h"

#include <stddef.h>

#include "arch/x86_64/gdt.h"

#define IDT_GATE_PRESENT 0x80u
#define IDT_GATE_DPL0 0x00u
#define IDT_GATE_TYPE_INTERRUPT 0x0Eu

#define VECTOR_NMI 2
#define VECTOR_DOUBLE_FAULT 8
#define VECTOR_MACHINE_CHECK 18

/* arch/x86_64/vectors.asm: the address of each vector's entry stub. */
extern const uint64_t vector_stub_table[IDT_VECTORS];

/* 16-byte alignment is what the SDM recommends for the IDT base (§6.10: "aligned on an
 * 8-byte boundary to maximize performance of cache line fills"); 16 covers one gate. */
static struct idt_gate idt_table[IDT_VECTORS] __attribute__((aligned(16)));

static void idt_set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
    struct idt_gate *g = &idt_table[vector];
    g->offset_low = (uint16_t)handler;
    g->selector = GDT_SELECTOR_KERNEL_CODE;
    g->ist = (uint8_t)(ist & 7u);
    g->type_attr = IDT_GATE_PRESENT | IDT_GATE_DPL0 | IDT_GATE_TYPE_INTERRUPT;
    g->offset_mid = (uint16_t)(handler >> 16);
    g->offset_high = (uint32_t)(handler >> 32);
    g->reserved = 0;
}

static unsigned idt_ist_for(unsigned vector)
{
    switch (vector) {
    case VECTOR_DOUBLE_FAULT: return GDT_IST_DOUBLE_FAULT;
    case VECTOR_NMI: return GDT_IST_NMI;
    case VECTOR_MACHINE_CHECK: return GDT_IST_MACHINE_CHECK;
    default: return 0;
    }
}

void idt_init(void)
{
    for (unsigned v = 0; v < IDT_VECTORS; v++)
        idt_set_gate(v, vector_stub_table[v], idt_ist_for(v));
}

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

void idt_load(void)
{
    struct idt_pointer idtr = {sizeof(idt_table) - 1, (uint64_t)(uintptr_t)idt_table};
    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

const struct idt_gate *idt_gate(unsigned vector) { return vector < IDT_VECTORS ? &idt_table[vector] : NULL; }

uint64_t idt_gate_handler(const struct idt_gate *gate)
{
    return (uint64_t)gate->offset_low | (uint64_t)gate->offset_mid << 16 | (uint64_t)gate->offset_high << 32;
}

uint64_t idt_replace_handler(unsigned vector, uint64_t handler)
{
    uint64_t old = idt_gate_handler(&idt_table[vector]);
    idt_set_gate(vector, handler, idt_ist_for(vector));
    return old;
}
