/* tests/ktest/io_smp_test.c - IoConnectInterruptEx on several CPUs: ProcessorEnableMask is
 * honoured (the interrupt arrives only there), and IoDisconnectInterruptEx returns only when no
 * ISR of the connection runs or can run anywhere - even while the device keeps firing at another
 * CPU. Needs -smp 2 or more (cases skip on one CPU) and -device edu,addr=07.0. */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irq_route.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"

static struct probe probe;

static PDEVICE_OBJECT take_edu(unsigned flags)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, flags))
        return NULL;
    probe = (struct probe){.edu = io_test_map_memory(pdo, 0)};
    io_test_edu_quiet(probe.edu);
    return pdo;
}

static uint64_t calls_on_all_cpus(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        n += probe.per_cpu[i];
    return n;
}

static void affinity_is_honoured(struct ktest *t, unsigned flags)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    PDEVICE_OBJECT pdo = take_edu(flags);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    ktest_log(t, "%s interrupt, vector 0x%02lx", io_descriptor_is_message(d) ? "message" : "line",
              (unsigned long)io_test_vector(d));
    for (ULONG cpu = 0; cpu < cpus; cpu++) {
        PKINTERRUPT object = NULL;
        IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, probe_isr, &probe, &object);
        p.FullySpecified.ProcessorEnableMask = (KAFFINITY)1 << cpu;
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        KTEST_EXPECT_EQ(t, object->Affinity, (KAFFINITY)1 << cpu);
        KTEST_EXPECT_EQ(t, ke_route_target_cpu((uint8_t)object->Vector), cpu);
        for (unsigned i = 0; i < KE_MAX_CPUS; i++)
            probe.per_cpu[i] = 0;
        uint64_t before = probe.calls;
        for (int i = 1; i <= 3; i++) {
            probe_edu_raise(probe.edu, 1);
            KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, before + (uint64_t)i, 2000));
        }
        io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
        KTEST_EXPECT_EQ(t, probe.per_cpu[cpu], 3);
        KTEST_EXPECT_EQ(t, calls_on_all_cpus(), 3);
    }
    io_test_give_back(pdo);
}

static void message_affinity_is_honoured(struct ktest *t)
{
    if (io_test_cmdline_off("msi"))
        KTEST_SKIP(t, "msi=off: no message interrupts");
    affinity_is_honoured(t, 0);
}

static void line_affinity_is_honoured(struct ktest *t) { affinity_is_honoured(t, IO_START_NO_MSI); }

static BOOLEAN never(PKINTERRUPT i, PVOID c)
{
    (void)i;
    (void)c;
    return FALSE;
}

static void masks_no_cpu_can_satisfy_are_refused(struct ktest *t)
{
    if (KeQueryActiveProcessorCountEx(0) < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PKINTERRUPT first = NULL, second = (PKINTERRUPT)0x77;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, never, NULL, &first);
    p.FullySpecified.ProcessorEnableMask = 1; /* CPU 0 only */
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    /* The line is one IOAPIC entry aimed at one CPU: it cannot also go only to CPU 1. (Another
     * context: the same ISR with the same context twice on one vector is refused anyway.) */
    p = io_test_fully(pdo, d, never, &second, &second);
    p.FullySpecified.ProcessorEnableMask = 2;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER_10);
    KTEST_EXPECT_TRUE(t, second == (PKINTERRUPT)0x77);
    /* A mask that includes CPU 0 is fine. */
    p.FullySpecified.ProcessorEnableMask = 3;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ke_route_target_cpu((uint8_t)io_test_vector(d)), 0);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, second);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, first);
    io_test_give_back(pdo);
}

/* The device interrupts another CPU without pause (the ISR raises the next interrupt itself)
 * while this CPU disconnects. After IoDisconnectInterruptEx returns, the count must not move. */
static void disconnect_while_firing_elsewhere(struct ktest *t, unsigned flags)
{
    ULONG cpus = KeQueryActiveProcessorCountEx(0);
    if (cpus < 2)
        KTEST_SKIP(t, "needs 2 or more CPUs");
    PDEVICE_OBJECT pdo = take_edu(flags);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    ULONG me = KeGetCurrentProcessorNumber(), other = (me + 1) % cpus;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.ProcessorEnableMask = (KAFFINITY)1 << other;
    probe.rearm = true;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    probe_edu_raise(probe.edu, 1);
    bool streaming = io_test_wait(&probe.calls, 500, 5000);

    IO_DISCONNECT_INTERRUPT_PARAMETERS dp = {.Version = CONNECT_FULLY_SPECIFIED};
    dp.ConnectionContext.InterruptObject = object;
    IoDisconnectInterruptEx(&dp);
    uint64_t at_return = __atomic_load_n(&probe.calls, __ATOMIC_ACQUIRE);
    KeStallExecutionProcessor(50000); /* a grace period: anything still in flight would show */
    uint64_t later = __atomic_load_n(&probe.calls, __ATOMIC_ACQUIRE);
    probe.rearm = false;
    io_test_edu_quiet(probe.edu);

    KTEST_EXPECT_TRUE(t, streaming);
    KTEST_EXPECT_EQ(t, later, at_return);
    KTEST_EXPECT_EQ(t, probe.per_cpu[me], 0);
    KTEST_EXPECT_EQ(t, probe.per_cpu[other], at_return);
    ktest_log(t, "%s: %lu ISR calls on CPU %lu before the disconnect returned, none after",
              io_descriptor_is_message(d) ? "message" : "line", (unsigned long)at_return, (unsigned long)other);
    io_test_give_back(pdo);
}

static void disconnect_while_messages_fire_elsewhere(struct ktest *t)
{
    if (io_test_cmdline_off("msi"))
        KTEST_SKIP(t, "msi=off: no message interrupts");
    disconnect_while_firing_elsewhere(t, 0);
}

static void disconnect_while_the_line_fires_elsewhere(struct ktest *t)
{
    disconnect_while_firing_elsewhere(t, IO_START_NO_MSI);
}

KTEST_SUITE(io_smp, KTEST_CASE(message_affinity_is_honoured), KTEST_CASE(line_affinity_is_honoured),
            KTEST_CASE(masks_no_cpu_can_satisfy_are_refused), KTEST_CASE(disconnect_while_messages_fire_elsewhere),
            KTEST_CASE(disconnect_while_the_line_fires_elsewhere));
