/* tests/ktest/io_active_test.c - IoReportInterruptInactive / IoReportInterruptActive and
 * IoGetAffinityInterrupt (kernel/io/interrupt_active.c, interrupt_affinity.c), on the second edu
 * (00:07.0, taken from its driver) both with its MSI message and with its level INTx line.
 *
 * The proof that an inactive ISR is not called is a count, not a wait: a second, active object
 * on the same vector (connected AFTER it, so later in the chain) services the edu; once that one
 * has counted an interrupt, the dispatcher has walked past the inactive object for it. Without
 * the dispatcher's check (kernel/ke/interrupt.h, ke_interrupt_runs_here) the inactive ISR's count
 * goes up and the cases fail. Stop codes: manual suite io_active_crash, tests/e2e/test_nmi.py. */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/passive_interrupt.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 5000

static struct probe probe;
static volatile uint64_t watcher_calls;

/* An ISR that only counts and never claims: it shares the vector with the probe. */
static BOOLEAN watcher_isr(PKINTERRUPT interrupt, PVOID context)
{
    (void)interrupt;
    (void)context;
    __atomic_add_fetch(&watcher_calls, 1, __ATOMIC_RELEASE);
    return FALSE;
}

static const unsigned variants[] = {0, IO_START_NO_MSI}; /* MSI (latched), then the INTx line (level) */

static PDEVICE_OBJECT take_edu(unsigned flags)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, flags))
        return NULL;
    probe = (struct probe){.edu = io_test_map_memory(pdo, 0)};
    io_test_edu_quiet(probe.edu);
    watcher_calls = 0;
    return pdo;
}

static IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS state_of(ULONG version, PVOID context)
{
    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = {.Version = version};
    s.ConnectionContext.Generic = context;
    return s;
}

/* Raise one edu interrupt and wait until the probe has serviced it. */
static bool one_interrupt(void)
{
    uint64_t before = probe.calls;
    probe_edu_raise(probe.edu, 1);
    return io_test_wait(&probe.calls, before + 1, WAIT_MS);
}

static void inactive_isr_is_not_called_on_a_shared_vector(struct ktest *t)
{
    for (unsigned k = 0; k < 2; k++) {
        PDEVICE_OBJECT pdo = take_edu(variants[k]);
        if (!pdo)
            KTEST_SKIP(t, "needs -device edu,addr=07.0");
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
        PKINTERRUPT watcher = NULL, server = NULL;
        IO_CONNECT_INTERRUPT_PARAMETERS pw = io_test_fully(pdo, d, watcher_isr, NULL, &watcher);
        IO_CONNECT_INTERRUPT_PARAMETERS ps = io_test_fully(pdo, d, probe_isr, &probe, &server);
        pw.FullySpecified.ShareVector = ps.FullySpecified.ShareVector = TRUE;
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&pw), STATUS_SUCCESS); /* first in the chain */
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&ps), STATUS_SUCCESS);
        struct ke_vector *v = &ke_vector_table[watcher->Vector];

        KTEST_EXPECT_TRUE(t, one_interrupt());
        uint64_t active_calls = watcher_calls;
        KTEST_EXPECT_TRUE(t, active_calls >= 1); /* active: called before the probe claims */

        IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = state_of(CONNECT_FULLY_SPECIFIED, watcher);
        IoReportInterruptInactive(&s);
        KTEST_EXPECT_TRUE(t, watcher->Inactive);
        KTEST_EXPECT_FALSE(t, v->masked); /* the probe still needs the vector */
        for (int i = 0; i < 3; i++)
            KTEST_EXPECT_TRUE(t, one_interrupt());
        KTEST_EXPECT_EQ(t, watcher_calls, active_calls); /* three interrupts went past it */

        IoReportInterruptActive(&s);
        KTEST_EXPECT_FALSE(t, watcher->Inactive);
        KTEST_EXPECT_TRUE(t, one_interrupt());
        KTEST_EXPECT_TRUE(t, watcher_calls > active_calls); /* called again, still first */
        io_test_disconnect(CONNECT_FULLY_SPECIFIED, server);
        io_test_disconnect(CONNECT_FULLY_SPECIFIED, watcher); /* IoDisconnectInterruptEx in either state */
        io_test_give_back(pdo);
    }
}

static void a_vector_nobody_is_active_on_is_masked(struct ktest *t)
{
    for (unsigned k = 0; k < 2; k++) {
        PDEVICE_OBJECT pdo = take_edu(variants[k]);
        if (!pdo)
            KTEST_SKIP(t, "needs -device edu,addr=07.0");
        PKINTERRUPT object = NULL;
        IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, probe_isr, &probe, &object);
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        struct ke_vector *v = &ke_vector_table[object->Vector];
        KTEST_EXPECT_TRUE(t, one_interrupt());

        /* At DISPATCH_LEVEL (allowed), twice (the second is a no-op). */
        IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = state_of(CONNECT_LINE_BASED, object);
        KIRQL old;
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        IoReportInterruptInactive(&s);
        IoReportInterruptInactive(&s);
        KeLowerIrql(old);
        KTEST_EXPECT_TRUE(t, object->Inactive);
        /* Masked - unless other drivers' objects share the line (msi=off puts every device on one). */
        KTEST_EXPECT_EQ(t, v->masked, v->object_count == 1);
        KTEST_EXPECT_EQ(t, io_connection_count() > 0, true); /* still registered */

        if (v->source.kind == KE_SOURCE_MSI && !v->source.mask) {
            /* edu's MSI cannot be held back: the message arrives and no ISR is asked. */
            uint64_t unclaimed = 0, before = probe.calls;
            for (ULONG c = 0; c < KeQueryActiveProcessorCount(NULL); c++)
                unclaimed += ke_prcbs[c]->vector_unclaimed[object->Vector];
            probe_edu_raise(probe.edu, 1);
            bool arrived = false;
            for (unsigned i = 0; i < WAIT_MS * 10 && !arrived; i++) {
                uint64_t now = 0;
                for (ULONG c = 0; c < KeQueryActiveProcessorCount(NULL); c++)
                    now += ke_prcbs[c]->vector_unclaimed[object->Vector];
                arrived = now > unclaimed;
                KeStallExecutionProcessor(100);
            }
            KTEST_EXPECT_TRUE(t, arrived);
            KTEST_EXPECT_EQ(t, probe.calls, before);
            io_test_edu_quiet(probe.edu);
        }

        IoReportInterruptActive(&s);
        IoReportInterruptActive(&s);
        KTEST_EXPECT_FALSE(t, object->Inactive);
        KTEST_EXPECT_FALSE(t, v->masked);
        io_test_edu_quiet(probe.edu);
        KTEST_EXPECT_TRUE(t, one_interrupt());
        io_test_disconnect(CONNECT_LINE_BASED, object);
        io_test_give_back(pdo);
    }
}

static void message_based_connection_goes_inactive(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    PVOID context = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, &context);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    if (p.Version != CONNECT_MESSAGE_BASED) {
        io_test_disconnect(p.Version, context);
        io_test_give_back(pdo);
        KTEST_SKIP(t, "the edu has no message resource (msi=off)");
    }
    PIO_INTERRUPT_MESSAGE_INFO table = context;
    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = state_of(CONNECT_MESSAGE_BASED, table);
    IoReportInterruptInactive(&s);
    for (ULONG m = 0; m < table->MessageCount; m++) {
        KTEST_EXPECT_TRUE(t, table->MessageInfo[m].InterruptObject->Inactive);
        KTEST_EXPECT_TRUE(t, ke_vector_table[table->MessageInfo[m].Vector].masked);
    }
    IoReportInterruptActive(&s);
    for (ULONG m = 0; m < table->MessageCount; m++)
        KTEST_EXPECT_FALSE(t, table->MessageInfo[m].InterruptObject->Inactive);
    io_test_edu_quiet(probe.edu);
    KTEST_EXPECT_TRUE(t, one_interrupt());
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    io_test_give_back(pdo);
}

/* Interrupts of `vector` that no ISR claimed, on every CPU. */
static uint64_t unclaimed(ULONG vector)
{
    uint64_t n = 0;
    for (ULONG c = 0; c < KeQueryActiveProcessorCount(NULL); c++)
        n += ke_prcbs[c]->vector_unclaimed[vector];
    return n;
}

/* A passive-level ISR (Windows 8) on the edu's message, which cannot be masked: while inactive
 * its interrupts still arrive, and the trap neither takes them nor wakes the ISR's thread. */
static void passive_level_isr_goes_inactive(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    if (!io_descriptor_is_message(d)) {
        io_test_give_back(pdo);
        KTEST_SKIP(t, "the edu has no message resource (msi=off)");
    }
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.Irql = p.FullySpecified.SynchronizeIrql = PASSIVE_LEVEL;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_ASSERT_NOT_NULL(t, object->Passive);
    KTEST_EXPECT_TRUE(t, one_interrupt());
    KTEST_EXPECT_EQ(t, probe.irql, PASSIVE_LEVEL);

    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = state_of(CONNECT_FULLY_SPECIFIED, object);
    IoReportInterruptInactive(&s);
    uint64_t traps = object->Passive->traps, calls = probe.calls, before = unclaimed(object->Vector);
    probe_edu_raise(probe.edu, 1);
    bool arrived = false;
    for (unsigned i = 0; i < WAIT_MS * 10 && !arrived; i++) {
        arrived = unclaimed(object->Vector) > before;
        KeStallExecutionProcessor(100);
    }
    KTEST_EXPECT_TRUE(t, arrived); /* delivered, and not taken */
    KTEST_EXPECT_EQ(t, object->Passive->traps, traps);
    KTEST_EXPECT_EQ(t, probe.calls, calls);

    io_test_edu_quiet(probe.edu);
    IoReportInterruptActive(&s);
    KTEST_EXPECT_TRUE(t, one_interrupt());
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
    io_test_give_back(pdo);
}

static void affinity_of_interrupt_objects(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    KAFFINITY active = KeQueryActiveProcessors();
    KAFFINITY last = (KAFFINITY)1 << (KeQueryActiveProcessorCount(NULL) - 1);
    KAFFINITY masks[] = {active, last};
    for (unsigned i = 0; i < 2; i++) {
        PKINTERRUPT object = NULL;
        IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, probe_isr, &probe, &object);
        p.FullySpecified.ProcessorEnableMask = masks[i] | ((KAFFINITY)1 << 63); /* an offline CPU drops out */
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        GROUP_AFFINITY g;
        memset(&g, 0xFF, sizeof(g));
        /* Any IRQL. */
        KIRQL old;
        KeRaiseIrql(HIGH_LEVEL, &old);
        NTSTATUS status = IoGetAffinityInterrupt(object, &g);
        KeLowerIrql(old);
        KTEST_EXPECT_EQ(t, status, STATUS_SUCCESS);
        KTEST_EXPECT_EQ(t, g.Mask, masks[i]);
        KTEST_EXPECT_EQ(t, g.Group, 0);
        KTEST_EXPECT_TRUE(t, one_interrupt());
        KTEST_EXPECT_TRUE(t, probe.per_cpu[KeQueryActiveProcessorCount(NULL) - 1] > 0 || i == 0);
        io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
        /* The object's memory now holds the retired mark: not an interrupt object any more. */
        KTEST_EXPECT_EQ(t, IoGetAffinityInterrupt(object, &g), STATUS_INVALID_PARAMETER);
    }
    io_test_give_back(pdo);
}

static void affinity_bad_input(struct ktest *t)
{
    GROUP_AFFINITY g = {0};
    KINTERRUPT zeroed;
    memset(&zeroed, 0, sizeof(zeroed));
    KTEST_EXPECT_EQ(t, IoGetAffinityInterrupt(NULL, &g), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, IoGetAffinityInterrupt(&zeroed, &g), STATUS_INVALID_PARAMETER);
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, probe_isr, &probe, &object);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, IoGetAffinityInterrupt(object, NULL), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, IoGetAffinityInterrupt(object, &g), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, g.Mask, object->Affinity);
    io_test_disconnect(CONNECT_LINE_BASED, object);
    io_test_give_back(pdo);
}

KTEST_SUITE(io_active, KTEST_CASE(inactive_isr_is_not_called_on_a_shared_vector),
            KTEST_CASE(a_vector_nobody_is_active_on_is_masked), KTEST_CASE(message_based_connection_goes_inactive),
            KTEST_CASE(passive_level_isr_goes_inactive), KTEST_CASE(affinity_of_interrupt_objects),
            KTEST_CASE(affinity_bad_input));

/* ---- io_active_crash: misuse that stops (tests/e2e/test_nmi.py reads the screens) ---- */

#define CRASH_SITE __attribute__((noipa))

static CRASH_SITE void report_unknown_context(struct ktest *t)
{
    int not_a_connection;
    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = state_of(CONNECT_LINE_BASED, &not_a_connection);
    IoReportInterruptInactive(&s); /* 0xCA, P1 = 0x9, P2 = 2, P3 = the context, P4 = 0 */
    ktest_fail(t, __FILE__, __LINE__, "IoReportInterruptInactive with an unknown context returned");
}

static CRASH_SITE void report_above_dispatch(struct ktest *t)
{
    int not_a_connection;
    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = state_of(CONNECT_LINE_BASED, &not_a_connection);
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    IoReportInterruptActive(&s); /* IRQL <= DISPATCH_LEVEL, checked first: 0xA */
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoReportInterruptActive at HIGH_LEVEL returned");
}

KTEST_MANUAL_SUITE(io_active_crash, KTEST_CASE(report_unknown_context), KTEST_CASE(report_above_dispatch));
