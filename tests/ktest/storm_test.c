/* tests/ktest/storm_test.c - a level-triggered line that nobody silences is masked, reported,
 * and the kernel lives on.
 *
 * The device is QEMU's `edu` (vendor 0x1234, device 0x11e8; QEMU docs/specs/edu.txt): writing
 * a bit to its "interrupt raise" register (BAR0 + 0x60) asserts INTx until the same bit is
 * written to "interrupt acknowledge" (BAR0 + 0x64). Our ISR deliberately never acknowledges and
 * returns FALSE, so the line stays asserted and the IOAPIC re-delivers after every EOI. The test
 * runner starts QEMU with `-device edu`; without it the test is skipped with that reason. */
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/pci_config.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/storm.h"
#include "kernel/mm/paging.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_INTERRUPT_STATUS 0x24
#define EDU_INTERRUPT_RAISE 0x60
#define EDU_INTERRUPT_ACK 0x64

struct storm_state {
    volatile uint64_t calls;
};

static BOOLEAN ignoring_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct storm_state *s = context;
    s->calls++;
    return FALSE; /* "not mine" - and the device is never quieted */
}

static void unclaimed_level_line_is_masked(struct ktest *t)
{
    struct pci_address edu;
    if (!pci_find_device(EDU_VENDOR, EDU_DEVICE, 0, &edu))
        KTEST_SKIP(t, "no QEMU edu device (start QEMU with -device edu)");
    /* The edu driver started on it at boot (with MSI): take it back, INTx as the firmware left it. */
    (void)io_release_pci_device(pci_find_address(edu.bus, edu.device, edu.function));
    uint32_t bar0 = pci_config_read32(edu, PCI_BAR0) & ~0xFu;
    volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)paging_map_mmio(bar0, 4096);
    KTEST_ASSERT_NOT_NULL(t, regs);
    pci_config_write16(edu, PCI_COMMAND, (uint16_t)(pci_config_read16(edu, PCI_COMMAND) | PCI_COMMAND_MEMORY));
    /* On pc and q35 SeaBIOS writes the line the device's INTA reaches into Interrupt Line, and
     * the IOAPIC pin with that number sees it (level, active high - the MADT's override). */
    uint8_t line = pci_config_read8(edu, PCI_INTERRUPT_LINE);
    KTEST_ASSERT_TRUE(t, line == 10 || line == 11);

    static KINTERRUPT obj;
    static struct storm_state s;
    s.calls = 0;
    uint8_t vector;
    KTEST_ASSERT_EQ(t, ke_route_gsi(line, true, false, KeQueryActiveProcessors(), "ktest:edu", &vector),
                    STATUS_SUCCESS);
    KIRQL irql = (KIRQL)(vector >> 4);
    ke_interrupt_init(&obj, ignoring_isr, NULL, 0, &s, NULL, vector, irql, irql, LevelSensitive, TRUE,
                      KeQueryActiveProcessors(), "ktest:edu-ignorer");
    KTEST_ASSERT_EQ(t, ke_interrupt_connect(&obj), KE_CONNECT_OK);

    /* Interrupts the vector already took count towards the current storm window (with msi=off the
     * edus and the e1000e keep this shared line routed, and earlier suites used it). */
    uint32_t window_before = ke_prcbs[ke_gsi_route_get(line)->cpu]->storm_window_total[vector];
    uint64_t storms_before = ke_storm_count();
    LARGE_INTEGER ticks_before, ticks_after;
    KeQueryTickCount(&ticks_before);
    regs[EDU_INTERRUPT_RAISE / 4] = 1; /* assert INTx and never acknowledge it */

    for (int i = 0; i < 600 && !ke_vector_table[vector].storm; i++)
        KeStallExecutionProcessor(50000); /* up to 30 s of TCG time */
    bool storm = ke_vector_table[vector].storm;
    bool masked = test_rte(line).masked;
    uint64_t calls = s.calls;

    regs[EDU_INTERRUPT_ACK / 4] = regs[EDU_INTERRUPT_STATUS / 4]; /* quiet the device */
    KeStallExecutionProcessor(20000);
    KeQueryTickCount(&ticks_after);
    ke_interrupt_disconnect(&obj);
    ke_unroute_gsi(line);

    KTEST_EXPECT_TRUE(t, storm);
    KTEST_EXPECT_TRUE(t, masked);
    KTEST_EXPECT_EQ(t, ke_storm_count(), storms_before + 1);
    KTEST_EXPECT_GE(t, calls + window_before, KE_STORM_WINDOW);
    KTEST_EXPECT_GT(t, ticks_after.QuadPart, ticks_before.QuadPart); /* the clock kept running */
    ktest_log(t, "ISR called %lu times before the line was masked", (unsigned long)calls);
}

KTEST_SUITE(storm, KTEST_CASE(unclaimed_level_line_is_masked));
