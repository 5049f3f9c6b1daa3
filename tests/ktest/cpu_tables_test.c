/* tests/ktest/cpu_tables_test.c - are the GDT, TSS and IDT the CPU uses the ones we built?
 *
 * Intel SDM Vol. 3A §3.5.1 "Segment Descriptor Tables" (SGDT), §8.2.4 "Task Register" (STR),
 * §6.10 "Interrupt Descriptor Table" (SIDT) and §6.14.1 "64-Bit Mode IDT". Reads the CPU's own
 * registers back, so a table that was built but never loaded (or loaded with the wrong limit)
 * shows up here rather than as a triple fault on the first exception.
 */
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "tests/ktest/ktest.h"

extern const uint64_t vector_stub_table[IDT_VECTORS]; /* arch/x86_64/vectors.asm */

struct cpu_tables_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static uint16_t read_selector_cs(void)
{
    uint16_t v;
    __asm__ volatile("mov %%cs, %0" : "=r"(v));
    return v;
}

static uint16_t read_selector_ss(void)
{
    uint16_t v;
    __asm__ volatile("mov %%ss, %0" : "=r"(v));
    return v;
}

static void gdt_and_tss_are_loaded(struct ktest *t)
{
    struct cpu_tables_pointer gdtr;
    uint16_t tr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    __asm__ volatile("str %0" : "=r"(tr));
    const struct cpu_tables *bsp = gdt_bsp_tables();
    KTEST_EXPECT_EQ(t, gdtr.base, (uint64_t)(uintptr_t)bsp->gdt);
    KTEST_EXPECT_EQ(t, gdtr.limit, (uint16_t)(GDT_ENTRIES * 8 - 1));
    KTEST_EXPECT_EQ(t, tr, (uint16_t)GDT_SELECTOR_TSS);
    KTEST_EXPECT_EQ(t, read_selector_cs(), (uint16_t)GDT_SELECTOR_KERNEL_CODE);
    KTEST_EXPECT_EQ(t, read_selector_ss(), (uint16_t)GDT_SELECTOR_KERNEL_DATA);
    /* ltr marked the TSS busy: type 0xB in bits 43:40 of its descriptor. */
    KTEST_EXPECT_EQ(t, (bsp->gdt[GDT_SELECTOR_TSS / 8] >> 40) & 0xF, 0xBull);
}

static void ist_stacks_are_set(struct ktest *t)
{
    const struct cpu_tables *bsp = gdt_bsp_tables();
    for (unsigned ist = GDT_IST_DOUBLE_FAULT; ist <= GDT_IST_MACHINE_CHECK; ist++) {
        uint64_t top = gdt_get_ist(bsp, ist);
        KTEST_EXPECT_NE(t, top, 0ull);
        KTEST_EXPECT_EQ(t, top & 15, 0ull);
    }
    KTEST_EXPECT_NE(t, gdt_get_ist(bsp, GDT_IST_DOUBLE_FAULT), gdt_get_ist(bsp, GDT_IST_NMI));
    KTEST_EXPECT_NE(t, gdt_get_ist(bsp, GDT_IST_NMI), gdt_get_ist(bsp, GDT_IST_MACHINE_CHECK));
    KTEST_EXPECT_EQ(t, bsp->tss.iomap_base, (uint16_t)sizeof(struct tss64));
}

static void idt_is_loaded(struct ktest *t)
{
    struct cpu_tables_pointer idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    KTEST_EXPECT_EQ(t, idtr.base, (uint64_t)(uintptr_t)idt_gate(0));
    KTEST_EXPECT_EQ(t, idtr.limit, (uint16_t)(IDT_VECTORS * 16 - 1));
}

static void every_gate_points_at_its_stub(struct ktest *t)
{
    for (unsigned v = 0; v < IDT_VECTORS; v++) {
        const struct idt_gate *g = idt_gate(v);
        unsigned want_ist = v == 8 ? GDT_IST_DOUBLE_FAULT : v == 2 ? GDT_IST_NMI : v == 18 ? GDT_IST_MACHINE_CHECK : 0;
        if (idt_gate_handler(g) != vector_stub_table[v] || g->selector != GDT_SELECTOR_KERNEL_CODE ||
            g->type_attr != 0x8E || (g->ist & 7) != want_ist) {
            ktest_fail(t, __FILE__, __LINE__, "gate %u: handler 0x%llx selector 0x%x attr 0x%x ist %u", v,
                       (unsigned long long)idt_gate_handler(g), g->selector, g->type_attr, g->ist);
            return;
        }
    }
    /* The stubs are 16 bytes apart, as vectors.asm promises (GDB: x/3i vector_stub_0+16*N). */
    for (unsigned v = 1; v < IDT_VECTORS; v++)
        KTEST_ASSERT_EQ(t, vector_stub_table[v] - vector_stub_table[v - 1], 16ull);
}

KTEST_SUITE(cpu_tables, KTEST_CASE(gdt_and_tss_are_loaded), KTEST_CASE(ist_stacks_are_set),
            KTEST_CASE(idt_is_loaded), KTEST_CASE(every_gate_points_at_its_stub));
