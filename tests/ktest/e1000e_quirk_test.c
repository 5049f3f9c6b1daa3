/* tests/ktest/e1000e_quirk_test.c - MSI-X may be turned off on QEMU 7.2's e1000e right after its
 * messages without QEMU aborting: pci_msix_disable first waits until no throttle timer is armed
 * (kernel/bus/pci/pci_quirk_e1000e.c explains the model). Without that wait the timers armed by
 * the messages below expire ~128 us later with MSI-X off and QEMU stops with "Assertion
 * `msix_enabled(...)' failed" (exit status -6) - on a fast host as on a slow one.
 *
 * Run with: -device e1000e,netdev=n0 -netdev user,id=n0 (MSI-X allowed). */
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define REG_ICR 0xC0
#define REG_ICS 0xC8
#define REG_IMS 0xD0
#define REG_IMC 0xD8
#define REG_EIAC 0xDC
#define REG_IVAR 0xE4
#define CAUSES (0x1Fu << 20)     /* RXQ0, RXQ1, TXQ0, TXQ1, OTHER */
#define IVAR_ONE_EACH 0x000CBA98 /* cause 20 + k -> MSI-X vector k, valid */
#define VECTORS 5

/* Wait for `ticks` clock interrupts on this CPU: QEMU's main loop, which runs the device's
 * timers, has run several times meanwhile (bounded, so a stopped clock fails rather than hangs). */
static bool clock_ticks_pass(unsigned ticks)
{
    volatile uint64_t *count = &ke_current_prcb()->clock_ticks;
    uint64_t until = *count + ticks;
    for (unsigned i = 0; i < 100000 && *count < until; i++)
        KeStallExecutionProcessor(100);
    return *count >= until;
}

static void msix_off_right_after_messages(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic)
        KTEST_SKIP(t, "needs -device e1000e");
    struct pci_device *n = io_test_pdo(nic)->pci;
    if (!n || !n->msix.present || io_test_cmdline_off("msi") || io_test_cmdline_off("msix"))
        KTEST_SKIP(t, "needs MSI-X (not with msi=off or msix=off)");
    KTEST_ASSERT_NOT_NULL(t, io_test_take(nic, 0)); /* from the e1000 driver: we program it */
    volatile uint32_t *regs = (volatile uint32_t *)pci_map_bar(n, 0);
    KTEST_ASSERT_NOT_NULL(t, regs);
    KTEST_ASSERT_TRUE(t, pci_msix_map(n));

    /* Every entry masked (as QEMU resets them): the messages only set pending bits, no ISR. */
    pci_enable_bus_master(n);
    for (unsigned v = 0; v < VECTORS; v++)
        KTEST_EXPECT_TRUE(t, pci_msix_set_entry(n, v, 0xFEE00000u, 0x30));
    pci_msix_enable(n);
    regs[REG_IMC / 4] = 0xFFFFFFFFu;
    regs[REG_ICR / 4] = 0xFFFFFFFFu;
    regs[REG_EIAC / 4] = 0;
    regs[REG_IVAR / 4] = IVAR_ONE_EACH;
    regs[REG_IMS / 4] = CAUSES;
    regs[REG_ICS / 4] = CAUSES; /* one message per vector, each arming its throttle timer */
    pci_msix_disable(n);        /* at once (microseconds later): every timer is still armed */
    bool off = !pci_msix_enabled(n);
    unsigned pending = 0; /* the messages were sent, to the PBA (which keeps its bits) */
    for (unsigned v = 0; v < VECTORS; v++)
        pending += pci_msix_pending(n, v);
    bool survived = clock_ticks_pass(5); /* were QEMU to abort, it would have by now */
    regs[REG_IMC / 4] = 0xFFFFFFFFu;
    regs[REG_ICR / 4] = 0xFFFFFFFFu;
    regs[REG_IVAR / 4] = 0;
    io_test_give_back(nic);

    ktest_log(t, "%u of %u pending bits set after MSI-X went off", pending, VECTORS);
    KTEST_EXPECT_TRUE(t, off);
    KTEST_EXPECT_TRUE(t, survived);
}

KTEST_SUITE(e1000e_quirk, KTEST_CASE(msix_off_right_after_messages));
