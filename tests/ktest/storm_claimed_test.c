/* tests/ktest/storm_claimed_test.c - the storm cases the first storm suite (storm_test.c) missed:
 *   - an ISR that claims (returns TRUE) every interrupt while its level line stays asserted is
 *     found as a "claimed storm" (before: nothing noticed it until the DPC watchdog's 0x133);
 *   - a busy device that lowers its line after each interrupt is not a claimed storm;
 *   - unclaimed interrupts far apart in guest time never make a storm, whatever the count (before:
 *     the window counted interrupts only, so a stray interrupt now and then on a shared line
 *     added up until the line was masked).
 * The device is QEMU's edu on INTx (QEMU docs/specs/edu.txt: BAR0 + 0x60 raises the line until
 * the bit is written to BAR0 + 0x64), as in storm_test.c. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pci_config.h"
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/storm.h"
#include "kernel/ke/time.h"
#include "kernel/mm/paging.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

struct edu_line {
    volatile uint32_t *regs;
    uint8_t gsi;
    uint8_t vector;
    struct kprcb *cpu; /* the processor the line is delivered to */
};

struct isr_state {
    volatile uint32_t *regs;
    volatile uint64_t calls;
    uint64_t claimed_before; /* ke_storm_claimed_count() when the storm started */
    bool claim;
};

static KINTERRUPT obj;
static struct isr_state st;

/* Take edu #0 from its driver, on INTx as the firmware left it, routed as a level line. */
static bool take_edu_line(struct ktest *t, struct edu_line *e)
{
    struct pci_address edu;
    if (!pci_find_device(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0, &edu)) {
        ktest_skip(t, "no QEMU edu device (start QEMU with -device edu)");
        return false;
    }
    (void)io_release_pci_device(pci_find_address(edu.bus, edu.device, edu.function));
    uint32_t bar0 = pci_config_read32(edu, PCI_BAR0) & ~0xFu;
    e->regs = (volatile uint32_t *)(uintptr_t)paging_map_mmio(bar0, 4096);
    pci_config_write16(edu, PCI_COMMAND, (uint16_t)(pci_config_read16(edu, PCI_COMMAND) | PCI_COMMAND_MEMORY));
    e->gsi = pci_config_read8(edu, PCI_INTERRUPT_LINE);
    /* Delivered to this CPU (the case's): the storm then runs here, between the test's own
     * instructions, whatever the other CPUs do - not on a CPU whose share of the host varies. */
    KAFFINITY here = (KAFFINITY)1 << KeGetCurrentProcessorNumber();
    if (!e->regs || ke_route_gsi(e->gsi, true, false, here, "ktest:edu", &e->vector)) {
        ktest_fail(t, __FILE__, __LINE__, "cannot route the edu's INTx (GSI %u)", e->gsi);
        return false;
    }
    e->cpu = ke_prcbs[ke_gsi_route_get(e->gsi)->cpu];
    return true;
}

static bool connect(struct ktest *t, struct edu_line *e, PKSERVICE_ROUTINE isr)
{
    KIRQL irql = (KIRQL)(e->vector >> 4);
    ke_interrupt_init(&obj, isr, NULL, 0, &st, NULL, e->vector, irql, irql, LevelSensitive, TRUE,
                      (KAFFINITY)1 << KeGetCurrentProcessorNumber(), "ktest:edu-storm");
    if (ke_interrupt_connect(&obj) != KE_CONNECT_OK) {
        ktest_fail(t, __FILE__, __LINE__, "connect failed");
        return false;
    }
    return true;
}

static void release(struct edu_line *e)
{
    io_test_edu_quiet((volatile ULONG *)e->regs);
    ke_interrupt_disconnect(&obj);
    ke_unroute_gsi(e->gsi);
}

/* Claims every interrupt and leaves the device asserting - until the kernel has noticed (or, on a
 * kernel that never notices, 300,000 interrupts later, so the test fails instead of hanging). */
static BOOLEAN claiming_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct isr_state *s = context;
    if (++s->calls >= 300000 || ke_storm_claimed_count() != s->claimed_before)
        s->regs[IO_TEST_EDU_ACK / 4] = s->regs[IO_TEST_EDU_STATUS / 4];
    return TRUE;
}

static void claimed_storm_is_found(struct ktest *t)
{
    struct edu_line e;
    if (!take_edu_line(t, &e))
        return;
    st = (struct isr_state){.regs = e.regs, .claimed_before = ke_storm_claimed_count()};
    if (!connect(t, &e, claiming_isr))
        return;
    uint64_t masked_before = ke_storm_count();
    e.regs[IO_TEST_EDU_RAISE / 4] = 1; /* asserted until the ISR gives in */
    /* With one CPU the storm runs until the ISR stops it; with more, wait for it (guest time). */
    for (int i = 0; i < 600 && st.calls < 300000 && ke_storm_claimed_count() == st.claimed_before; i++)
        KeStallExecutionProcessor(50000);
    uint64_t calls = st.calls;
    release(&e);

    KTEST_EXPECT_EQ(t, ke_storm_claimed_count(), st.claimed_before + 1);
    KTEST_EXPECT_GE(t, calls, KE_CLAIMED_STORM_STREAK);
    KTEST_EXPECT_LT(t, calls, 300000);
    KTEST_EXPECT_EQ(t, ke_storm_count(), masked_before); /* reported, not masked: the verifier stops it */
    KTEST_EXPECT_FALSE(t, ke_vector_table[e.vector].storm);
    ktest_log(t, "claimed storm found after %lu interrupts", (unsigned long)calls);
}

/* A good ISR: quiets the device, then claims. */
static BOOLEAN acking_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct isr_state *s = context;
    s->regs[IO_TEST_EDU_ACK / 4] = s->regs[IO_TEST_EDU_STATUS / 4];
    s->calls++;
    return s->claim;
}

static void busy_device_that_lowers_its_line_is_no_storm(struct ktest *t)
{
    struct edu_line e;
    if (!take_edu_line(t, &e))
        return;
    st = (struct isr_state){.claim = true};
    st.regs = e.regs;
    if (!connect(t, &e, acking_isr))
        return;
    uint64_t claimed_before = ke_storm_claimed_count();
    for (unsigned i = 0; i < 3000; i++) { /* as fast as the device can be made to interrupt */
        uint64_t before = st.calls;
        e.regs[IO_TEST_EDU_RAISE / 4] = 1;
        if (!io_test_wait(&st.calls, before + 1, 5000))
            break;
    }
    uint64_t calls = st.calls;
    release(&e);
    KTEST_EXPECT_EQ(t, calls, 3000);
    KTEST_EXPECT_EQ(t, ke_storm_claimed_count(), claimed_before);
}

/* Unclaimed interrupts KE_STORM_QUIET_MS apart do not add up to a storm: the window is primed
 * to one short of masking, then three stray interrupts come 150 ms (guest time) apart. Counted
 * by interrupts alone (the old rule) the third masks the line. */
static void slow_unclaimed_interrupts_are_no_storm(struct ktest *t)
{
    struct edu_line e;
    if (!take_edu_line(t, &e))
        return;
    st = (struct isr_state){.claim = false};
    st.regs = e.regs;
    if (!connect(t, &e, acking_isr))
        return;
    uint64_t storms_before = ke_storm_count();
    e.cpu->storm_window_total[e.vector] = KE_STORM_WINDOW - 3; /* the line is quiet: nobody writes these now */
    e.cpu->storm_window_unclaimed[e.vector] = KE_STORM_UNCLAIMED;
    e.cpu->storm_last_unclaimed_tsc[e.vector] = rdtsc();
    for (unsigned i = 0; i < 3; i++) {
        KeStallExecutionProcessor((KE_STORM_QUIET_MS + 50) * 1000);
        uint64_t before = st.calls;
        e.regs[IO_TEST_EDU_RAISE / 4] = 1;
        KTEST_EXPECT_TRUE(t, io_test_wait(&st.calls, before + 1, 5000));
    }
    bool storm = ke_vector_table[e.vector].storm;
    release(&e);
    KTEST_EXPECT_EQ(t, st.calls, 3);
    KTEST_EXPECT_FALSE(t, storm);
    KTEST_EXPECT_EQ(t, ke_storm_count(), storms_before);
}

KTEST_SUITE(storm_claimed, KTEST_CASE(claimed_storm_is_found), KTEST_CASE(busy_device_that_lowers_its_line_is_no_storm),
            KTEST_CASE(slow_unclaimed_interrupts_are_no_storm));
