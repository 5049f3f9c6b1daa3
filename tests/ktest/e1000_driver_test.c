/* tests/ktest/e1000_driver_test.c - the e1000/e1000e NDIS miniport on the matrix's e1000e (and on
 * any e1000 the run adds): the interrupt mode it ended up in, traffic (a ping to QEMU's user-net
 * gateway), software-raised causes reaching the right DPC, a halt-and-restart that gives
 * everything back, and its ISR declining other devices' interrupts on a shared line.
 *
 * drivers/e1000/e1000.h for the driver; 8254x SDM / 82574 datasheet "Interrupt Cause Set" (ICS);
 * QEMU 7.2 hw/net/e1000.c, e1000e_core.c, hw/isa/piix3.c (on pc the e1000e at 04.0 and the
 * edus at 03.0 / 07.0 all reach IRQ 11: with msi=off they share one line).
 */
#include "drivers/e1000/e1000.h"
#include "drivers/edu/edu.h"
#include "drivers/ndis/ndis_block.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/mm/pmm.h"
#include "kernel/net/net.h"
#include "tests/ktest/e1000_stats_print.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define PING_TIMEOUT_MS 3000 /* the e1000 receives nothing for ~1 s after RCTL is written (QEMU) */

/* QEMU 7.2's e1000e remembers, per MSI-X vector (and for ITR in MSI mode), that it once
 * postponed an interrupt, and never forgets until the device is reset: from then on every
 * message on that vector is sent twice (fixed upstream in 8.1, "e1000e: Remove pending interrupt
 * flags"). Traffic causes exactly that. The suites after this one (io_msix, pci, ndis_interrupt)
 * count messages on this same e1000e, so traffic in message mode stays out of the ktest run:
 * tests/e2e/test_net_echo.py pings and echoes in every mode, each in its own QEMU. */
static bool traffic_allowed(PE1000_ADAPTER a) { return a->Chip == E1000_CHIP_82540EM || a->Mode == E1000_IRQ_LINE; }
#define E1000_DMA_PAGES 130 /* RX ring 1 + RX buffers 64 + TX ring 1 + TX buffers 64 */

static struct ndis_adapter *ndis_of(PE1000_ADAPTER a)
{
    for (unsigned i = 0; i < NDIS_MAX_ADAPTERS; i++) {
        struct ndis_adapter *n = ndis_adapter_at(i);
        if (n && n->registration.MiniportAdapterContext == a)
            return n;
    }
    return NULL;
}

static enum e1000_irq_mode expected_mode(PE1000_ADAPTER a)
{
    if (a->Chip == E1000_CHIP_82540EM || io_test_cmdline_off("msi"))
        return E1000_IRQ_LINE; /* the 82540EM has no MSI capability at all */
    return io_test_cmdline_off("msix") ? E1000_IRQ_MSI : E1000_IRQ_MSIX;
}

static PE1000_ADAPTER first_adapter(void)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++)
        if (e1000_adapter(i))
            return e1000_adapter(i);
    return NULL;
}

static void runs_in_the_granted_mode(struct ktest *t)
{
    if (!first_adapter())
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (!a)
            continue;
        ktest_log(t, "%s: %s, %s", a->Name, e1000_netif(a)->name, E1000ModeName(a->Mode));
        KTEST_EXPECT_EQ(t, a->Mode, expected_mode(a));
        KTEST_EXPECT_TRUE(t, netif_get(e1000_netif(a)->index) == e1000_netif(a));
        KTEST_EXPECT_TRUE(t, a->LinkUp);
        KTEST_EXPECT_TRUE(t, e1000_netif(a)->link_up);
        /* The address the EEPROM gave is the one the receive filter holds, marked valid. */
        ULONG ral = E1000Read(a, E1000_RAL0), rah = E1000Read(a, E1000_RAH0);
        KTEST_EXPECT_EQ(t, ral,
                        (ULONG)a->Mac[0] | (ULONG)a->Mac[1] << 8 | (ULONG)a->Mac[2] << 16 | (ULONG)a->Mac[3] << 24);
        KTEST_EXPECT_EQ(t, rah, (ULONG)a->Mac[4] | (ULONG)a->Mac[5] << 8 | E1000_RAH_AV);
        struct ndis_adapter *n = ndis_of(a);
        KTEST_ASSERT_NOT_NULL(t, n);
        KTEST_ASSERT_NOT_NULL(t, n->interrupt);
        KTEST_EXPECT_EQ(t, n->interrupt->type,
                        a->Mode == E1000_IRQ_LINE ? NDIS_CONNECT_LINE_BASED : NDIS_CONNECT_MESSAGE_BASED);
        if (a->Mode == E1000_IRQ_MSIX) { /* IVAR: RXQ0 -> 0, TXQ0 -> 1, OTHER -> 2, each valid */
            KTEST_EXPECT_EQ(t, E1000Read(a, E1000_IVAR), 0x000A0908u);
            KTEST_EXPECT_GE(t, a->MessageCount, 3);
        }
        KTEST_EXPECT_EQ(t, E1000Read(a, E1000_IMS) & a->EnabledMask, a->EnabledMask);
    }
}

static void pings_the_gateway(struct ktest *t)
{
    if (!first_adapter())
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    bool any = false;
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++)
        any |= e1000_adapter(i) && traffic_allowed(e1000_adapter(i));
    if (!any)
        KTEST_SKIP(t, "e1000e in message mode: traffic would leave QEMU 7.2 re-sending its messages (test_net_echo "
                      "pings in every mode)");
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (!a)
            continue;
        if (!traffic_allowed(a)) {
            ktest_log(t, "%s: %s mode: no traffic here (QEMU 7.2 e1000e, see above); test_net_echo pings", a->Name,
                      E1000ModeName(a->Mode));
            continue;
        }
        uint64_t interrupts = netif_counter_read(&e1000_netif(a)->counters.interrupts);
        for (uint16_t seq = 1; seq <= 3; seq++) {
            ULONG rtt = 0;
            NTSTATUS status = net_ping(e1000_netif(a), e1000_netif(a)->ipv4.gateway, seq, PING_TIMEOUT_MS, &rtt);
            KTEST_EXPECT_EQ(t, status, STATUS_SUCCESS);
            ktest_log(t, "%s: reply %u from the gateway in %lu us", e1000_netif(a)->name, (unsigned)seq,
                      (unsigned long)rtt);
        }
        /* The replies came in through the interrupt path, not by polling. */
        KTEST_EXPECT_GT(t, netif_counter_read(&e1000_netif(a)->counters.interrupts), interrupts);
        KTEST_EXPECT_EQ(t, e1000_stats_of(a).rx_errors, 0);
    }
}

/* A cause raised through ICS reaches the DPC of its message, and the driver unmasks it again. */
static void software_causes_reach_their_dpc(struct ktest *t)
{
    PE1000_ADAPTER a = first_adapter();
    if (!a)
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    struct ndis_adapter *n = ndis_of(a);
    KTEST_ASSERT_NOT_NULL(t, n);
    ULONG other = a->Mode == E1000_IRQ_MSIX ? E1000_MSG_OTHER : 0;
    struct ndis_message_stats before = ndis_interrupt_stats(n->interrupt, other);
    uint64_t lsc = netif_counter_read(&e1000_netif(a)->irq_causes[E1000_COUNT_LSC].count);
    uint64_t dpcs = e1000_stats_of(a).dpc_runs;
    E1000Write(a, E1000_ICS, E1000_ICR_LSC); /* "the link changed" - it did not, the DPC finds out */
    for (int i = 0; i < 20000 && netif_counter_read(&e1000_netif(a)->irq_causes[E1000_COUNT_LSC].count) == lsc; i++)
        KeStallExecutionProcessor(100);
    for (int i = 0; i < 20000 && e1000_stats_of(a).dpc_runs == dpcs; i++)
        KeStallExecutionProcessor(100);
    KeStallExecutionProcessor(20000);
    KTEST_EXPECT_EQ(t, netif_counter_read(&e1000_netif(a)->irq_causes[E1000_COUNT_LSC].count), lsc + 1);
    KTEST_EXPECT_GT(t, e1000_stats_of(a).dpc_runs, dpcs);
    struct ndis_message_stats after = ndis_interrupt_stats(n->interrupt, other);
    KTEST_EXPECT_GT(t, after.isr_claimed, before.isr_claimed);
    KTEST_EXPECT_GT(t, after.dpc_runs, before.dpc_runs);
    KTEST_EXPECT_TRUE(t, a->LinkUp); /* still up */
    if (a->Mode == E1000_IRQ_MSIX) {
        KTEST_EXPECT_GT(t, netif_counter_read(&e1000_netif(a)->irq_causes[E1000_COUNT_OTHER].count), 0);
        /* RXQ0 alone: message 0's ISR and DPC, not the "other" one. */
        struct ndis_message_stats rx0 = ndis_interrupt_stats(n->interrupt, E1000_MSG_RX);
        struct ndis_message_stats other0 = ndis_interrupt_stats(n->interrupt, E1000_MSG_OTHER);
        E1000Write(a, E1000_ICS, E1000_ICR_RXQ0);
        for (int i = 0; i < 20000 && ndis_interrupt_stats(n->interrupt, E1000_MSG_RX).dpc_runs == rx0.dpc_runs; i++)
            KeStallExecutionProcessor(100);
        KTEST_EXPECT_GT(t, ndis_interrupt_stats(n->interrupt, E1000_MSG_RX).dpc_runs, rx0.dpc_runs);
        KTEST_EXPECT_EQ(t, ndis_interrupt_stats(n->interrupt, E1000_MSG_OTHER).isr_calls, other0.isr_calls);
    }
    /* Everything unmasked again once the DPCs are done. */
    KTEST_EXPECT_EQ(t, a->EnabledMask,
                    a->Mode == E1000_IRQ_MSIX ? (E1000_ICR_RXQ0 | E1000_ICR_TXQ0 | E1000_OTHER_CAUSES)
                                              : E1000_LINE_CAUSES);
}

/* Halt (MiniportHaltEx) gives back the interrupt, the DMA memory and the netif; a new start works. */
static void restart_gives_everything_back(struct ktest *t)
{
    PE1000_ADAPTER a = first_adapter();
    if (!a)
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    struct ndis_adapter *n = ndis_of(a);
    KTEST_ASSERT_NOT_NULL(t, n);
    PDEVICE_OBJECT pdo = n->pdo;
    unsigned adapters = e1000_adapter_count();
    uint64_t interrupt_pool = io_test_pool_bytes(NDIS_TAG_INTERRUPT);
    uint64_t free_before = pmm_free_count();

    KTEST_ASSERT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters - 1);
    KTEST_EXPECT_NULL(t, ndis_adapter_for_pdo(pdo));
    KTEST_EXPECT_EQ(t, io_connections_of(pdo), 0);
    KTEST_EXPECT_LT(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), interrupt_pool);
    KTEST_EXPECT_GE(t, pmm_free_count(), free_before + E1000_DMA_PAGES);

    KTEST_ASSERT_EQ(t, io_device_start(pdo, IO_START_DRIVER), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, e1000_adapter_count(), adapters);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(NDIS_TAG_INTERRUPT), interrupt_pool);
    struct ndis_adapter *again = ndis_adapter_for_pdo(pdo);
    KTEST_ASSERT_NOT_NULL(t, again);
    PE1000_ADAPTER b = again->registration.MiniportAdapterContext;
    KTEST_EXPECT_TRUE(t, netif_get(e1000_netif(b)->index) == e1000_netif(b));
    KTEST_EXPECT_TRUE(t, b->LinkUp);
    if (traffic_allowed(b)) {
        ULONG rtt = 0;
        KTEST_EXPECT_EQ(t, net_ping(e1000_netif(b), e1000_netif(b)->ipv4.gateway, 7, PING_TIMEOUT_MS, &rtt),
                        STATUS_SUCCESS);
    }
}

/* On a shared line the ISR is asked about every device's interrupts and must say FALSE to the
 * others' (pc, msi=off: the e1000e shares IRQ 11 with both edus). */
static void isr_declines_other_devices_on_its_line(struct ktest *t)
{
    PE1000_ADAPTER a = first_adapter();
    if (!a || a->Mode != E1000_IRQ_LINE)
        KTEST_SKIP(t, "needs an e1000 on a line interrupt (msi=off)");
    struct ndis_adapter *n = ndis_of(a);
    KTEST_ASSERT_NOT_NULL(t, n);
    PKINTERRUPT ours = ndis_interrupt_object(n->interrupt, 0);
    /* An edu behind us in the vector's chain: the dispatcher offers a level interrupt to the
     * objects in connect order and stops at the first that claims it, so only the ISRs before
     * the edu's are asked about it. */
    PDEVICE_OBJECT edu = NULL;
    bool behind_us = false, shares = false;
    struct ke_vector *v = &ke_vector_table[ours->Vector];
    for (PLIST_ENTRY l = v->chain.Flink; l != &v->chain && !edu; l = l->Flink) {
        PKINTERRUPT o = CONTAINING_RECORD(l, KINTERRUPT, InterruptListEntry);
        if (o == ours) {
            behind_us = true;
            continue;
        }
        for (unsigned i = 0; i < EDU_MAX_DEVICES; i++) {
            PDEVICE_OBJECT e = edu_device(i);
            if (e && edu_connection_version(e) == CONNECT_LINE_BASED && edu_interrupt(e) == o) {
                shares = true;
                if (behind_us)
                    edu = e;
            }
        }
    }
    if (!edu)
        KTEST_SKIP(t, shares ? "the e1000's ISR is behind every edu on the shared line"
                             : "no edu shares the e1000's line (q35 puts them on other PIRQs)");
    struct e1000_stats before = e1000_stats_of(a);
    struct edu_counts c0 = {0}, c1 = {0};
    edu_get_counts(edu, &c0);
    KTEST_ASSERT_EQ(t, edu_raise(edu, 1), STATUS_SUCCESS);
    for (int i = 0; i < 20000; i++) {
        edu_get_counts(edu, &c1);
        if (c1.isr_claimed > c0.isr_claimed)
            break;
        KeStallExecutionProcessor(100);
    }
    KTEST_EXPECT_GT(t, c1.isr_claimed, c0.isr_claimed);
    struct e1000_stats after = e1000_stats_of(a);
    /* Asked (it is before the edu in the chain), and it said "not mine". */
    KTEST_EXPECT_EQ(t, after.isr_claimed, before.isr_claimed);
    KTEST_EXPECT_GE(t, after.isr_declined, before.isr_declined + 1);
    KTEST_EXPECT_EQ(t, after.isr_calls - before.isr_calls, after.isr_declined - before.isr_declined);
    ktest_log(t, "e1000 ISR asked %lu time(s) for the edu's interrupt, declined each",
              (unsigned long)(after.isr_calls - before.isr_calls));
}

KTEST_SUITE(e1000_driver, KTEST_CASE(runs_in_the_granted_mode), KTEST_CASE(pings_the_gateway),
            KTEST_CASE(software_causes_reach_their_dpc), KTEST_CASE(isr_declines_other_devices_on_its_line),
            KTEST_CASE(restart_gives_everything_back));
