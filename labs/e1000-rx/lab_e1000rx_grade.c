/* tests/ktest/lab_e1000rx_grade.c - the grading suite of lab "e1000 receive path"
 * (labs/e1000-rx/; handout docs/labs/e1000-rx.md).
 *
 * Copied into tests/ktest/ only by scripts/grade.py, together with the student's (or the
 * reference) drivers/e1000/e1000_rx.c. A manual suite: run only when named
 * (ktest=lab_e1000rx_grade). Needs one -device e1000 on -netdev user (QEMU's user networking
 * answers pings for the gateway 10.0.2.2) and e1000_rx_buffers=16, so a 16-descriptor ring wraps
 * after a handful of frames.
 *
 * The traffic is ICMP echo through the real NIC (net_ping, as tests/ktest/e1000_serve_test.c):
 * every reply the stack sees came in through the student's E1000RxProcess. The verdicts use the
 * stack's counters (kernel/net/netif.h), the driver's Stats, and the NIC's own count of good
 * received frames (GPRC, clear-on-read) and its RDT register.
 * The points per case are in labs/e1000-rx/lab.json. */
#include "drivers/e1000/e1000.h"
#include "kernel/console/console.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/format.h"
#include "kernel/net/net.h"
#include "tests/ktest/e1000_stats_print.h"
#include "tests/ktest/ktest.h"

#define E1000_GPRC_REG 0x4074 /* Good Packets Received Count (8254x SDM 13.7), clear on read */
#define PING_TIMEOUT_MS 3000

static PE1000_ADAPTER first_adapter(void)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (a)
            return a;
    }
    return NULL;
}

/* Ping the gateway `count` times; the number of replies. Stops at the first lost reply (a driver
 * that receives nothing would otherwise spend 3 s on each ping). */
static unsigned pings(PE1000_ADAPTER a, uint16_t first_seq, unsigned count)
{
    unsigned replies = 0;
    for (unsigned i = 0; i < count; i++) {
        ULONG rtt = 0;
        NTSTATUS status =
            net_ping(e1000_netif(a), e1000_netif(a)->ipv4.gateway, (uint16_t)(first_seq + i), PING_TIMEOUT_MS, &rtt);
        if (status == STATUS_SUCCESS)
            replies++;
        else {
            console_printf("lab-e1000rx: ping seq %u: no reply (0x%08x), %u of %u answered\n",
                           (unsigned)(first_seq + i), (unsigned)status, replies, count);
            break;
        }
    }
    return replies;
}

/* Let late frames and interrupts settle: the driver's ISR count unchanged for 50 ms (<= 1 s). */
static void wait_for_quiet(PE1000_ADAPTER a)
{
    uint64_t last = e1000_stats_of(a).isr_calls;
    unsigned quiet_ms = 0;
    for (unsigned ms = 0; ms < 1000 && quiet_ms < 50; ms++) {
        KeStallExecutionProcessor(1000);
        uint64_t now = e1000_stats_of(a).isr_calls;
        quiet_ms = now == last ? quiet_ms + 1 : 0;
        last = now;
    }
}

#define NEED_ADAPTER(t, a)                                                                                             \
    PE1000_ADAPTER a = first_adapter();                                                                                \
    if (!a)                                                                                                            \
        KTEST_SKIP(t, "needs -device e1000");

static void ping_gateway(struct ktest *t)
{
    NEED_ADAPTER(t, a);
    KTEST_EXPECT_EQ(t, pings(a, 1, 1), 1);
}

static void ten_pings_ten_replies(struct ktest *t)
{
    NEED_ADAPTER(t, a);
    (void)pings(a, 1, 1); /* ARP and the NIC's start-up delay out of the way */
    KTEST_EXPECT_EQ(t, pings(a, 100, 10), 10);
}

static void rx_counter_counts_arrivals(struct ktest *t)
{
    NEED_ADAPTER(t, a);
    KTEST_ASSERT_EQ(t, pings(a, 1, 1), 1);
    wait_for_quiet(a);
    (void)E1000Read(a, E1000_GPRC_REG); /* clear the NIC's count */
    uint64_t packets = e1000_netif(a)->counters.rx_packets;
    uint64_t frames = e1000_stats_of(a).rx_frames;
    unsigned replies = pings(a, 200, 10);
    wait_for_quiet(a);
    uint64_t arrived = E1000Read(a, E1000_GPRC_REG);
    uint64_t handed_up = e1000_netif(a)->counters.rx_packets - packets;
    console_printf("lab-e1000rx: %u replies; NIC received %u, stack counted %u, driver counted %u\n", replies,
                   (unsigned)arrived, (unsigned)handed_up, (unsigned)(e1000_stats_of(a).rx_frames - frames));
    KTEST_EXPECT_EQ(t, replies, 10);
    KTEST_EXPECT_GE(t, arrived, 10);
    KTEST_EXPECT_EQ(t, handed_up, arrived);
    KTEST_EXPECT_EQ(t, e1000_stats_of(a).rx_frames - frames, arrived);
}

static void no_errors_for_good_traffic(struct ktest *t)
{
    NEED_ADAPTER(t, a);
    uint64_t packets = e1000_netif(a)->counters.rx_packets;
    unsigned replies = pings(a, 300, 10);
    wait_for_quiet(a);
    struct e1000_stats s = e1000_stats_of(a);
    KTEST_EXPECT_EQ(t, replies, 10);
    KTEST_EXPECT_GE(t, e1000_netif(a)->counters.rx_packets - packets, 10); /* traffic did arrive */
    KTEST_EXPECT_EQ(t, s.rx_errors, 0);
    KTEST_EXPECT_EQ(t, e1000_netif(a)->counters.rx_errors, 0);
    KTEST_EXPECT_EQ(t, s.rx_missed, 0);
    KTEST_EXPECT_EQ(t, s.rx_overruns, 0);
}

static void ring_survives_wrap(struct ktest *t)
{
    NEED_ADAPTER(t, a);
    unsigned count = 3 * a->RxRingSize;
    unsigned replies = pings(a, 1000, count);
    wait_for_quiet(a);
    ULONG rdt = E1000Read(a, E1000_RDT);
    ULONG want = (a->RxNext + a->RxRingSize - 1) % a->RxRingSize;
    console_printf("lab-e1000rx: ring of %u: %u of %u pings answered; RxNext %u RDH %u RDT %u\n",
                   (unsigned)a->RxRingSize, replies, count, (unsigned)a->RxNext, (unsigned)E1000Read(a, E1000_RDH),
                   (unsigned)rdt);
    KTEST_EXPECT_EQ(t, replies, count);
    KTEST_EXPECT_EQ(t, rdt, want); /* every processed descriptor given back */
    KTEST_EXPECT_EQ(t, a->RxRing[a->RxNext].status & E1000_RXD_STATUS_DD, 0); /* nothing left behind */
}

/* What `drivers unload e1000` + `drivers load e1000` do (docs/pnp.md): the adapter is halted and its
 * device removed, then DriverEntry, AddDevice and a new MiniportInitializeEx - a new adapter with a
 * new ring. A receive path that keeps ring state outside the adapter (a static index, say) or
 * leaves descriptors behind answers nothing after the reload. Last case: the adapter is replaced. */
static void survives_unload_and_reload(struct ktest *t)
{
    NEED_ADAPTER(t, a);
    NTSTATUS status = io_driver_unload("e1000");
    KTEST_ASSERT_TRUE(t, status == STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, first_adapter() == NULL);
    status = io_driver_load("e1000");
    KTEST_ASSERT_TRUE(t, status == STATUS_SUCCESS);
    PE1000_ADAPTER b = first_adapter();
    KTEST_ASSERT_TRUE(t, b != NULL);
    unsigned count = 2 * b->RxRingSize;
    unsigned replies = pings(b, 2000, count);
    wait_for_quiet(b);
    console_printf("lab-e1000rx: after unload + load: %u of %u pings answered\n", replies, count);
    KTEST_EXPECT_EQ(t, replies, count);
    KTEST_EXPECT_EQ(t, E1000Read(b, E1000_RDT), (b->RxNext + b->RxRingSize - 1) % b->RxRingSize);
}

KTEST_MANUAL_SUITE(lab_e1000rx_grade, KTEST_CASE(ping_gateway), KTEST_CASE(ten_pings_ten_replies),
                   KTEST_CASE(rx_counter_counts_arrivals), KTEST_CASE(no_errors_for_good_traffic),
                   KTEST_CASE(ring_survives_wrap), KTEST_CASE(survives_unload_and_reload));
