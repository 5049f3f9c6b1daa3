/* tests/ktest/io_legacy_test.c - the legacy IoConnectInterrupt / IoDisconnectInterrupt
 * (kernel/io/connect_legacy.c) on the second edu (00:07.0, taken from its driver), with its MSI
 * message and with its level INTx line: one interrupt object per processor of the mask, the
 * first returned, one shared lock, the ISR called only through the object of the CPU that took
 * the interrupt; the three documented statuses for every bad input; interchangeable with
 * IoConnectInterruptEx / IoDisconnectInterruptEx (CONNECT_FULLY_SPECIFIED); IoReportInterrupt*
 * on a legacy connection. Stop codes: manual suite io_legacy_crash, tests/e2e/test_nmi.py. */
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 5000

static struct probe probe;
static const unsigned variants[] = {0, IO_START_NO_MSI}; /* MSI, then the INTx line */

static PDEVICE_OBJECT take_edu(unsigned flags)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, flags))
        return NULL;
    probe = (struct probe){.edu = io_test_map_memory(pdo, 0)};
    io_test_edu_quiet(probe.edu);
    return pdo;
}

static unsigned bits(KAFFINITY a)
{
    unsigned n = 0;
    for (; a; a &= a - 1)
        n++;
    return n;
}

/* IoConnectInterrupt with what the translated descriptor says, and this mask. */
static NTSTATUS connect(const CM_PARTIAL_RESOURCE_DESCRIPTOR *d, PKINTERRUPT *out, PKSPIN_LOCK lock, KAFFINITY mask)
{
    return IoConnectInterrupt(out, probe_isr, &probe, lock, io_test_vector(d), io_test_level(d), io_test_level(d),
                              io_test_mode(d), d->ShareDisposition == CmResourceShareShared, mask, FALSE);
}

static bool one_interrupt(void)
{
    uint64_t before = probe.calls;
    probe_edu_raise(probe.edu, 1);
    return io_test_wait(&probe.calls, before + 1, WAIT_MS);
}

/* The CPU whose per-CPU count went up, or -1. */
static int cpu_that_ran(const uint64_t *before)
{
    for (ULONG c = 0; c < KeQueryActiveProcessorCount(NULL); c++)
        if (probe.per_cpu[c] != before[c])
            return (int)c;
    return -1;
}

static BOOLEAN note_irql(PVOID context)
{
    *(KIRQL *)context = KeGetCurrentIrql();
    return TRUE;
}

static void one_object_per_processor(struct ktest *t)
{
    for (unsigned k = 0; k < 2; k++) {
        PDEVICE_OBJECT pdo = take_edu(variants[k]);
        if (!pdo)
            KTEST_SKIP(t, "needs -device edu,addr=07.0");
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
        KAFFINITY active = KeQueryActiveProcessors();
        unsigned connections = io_connection_count();
        uint64_t pool = io_test_pool_bytes(IO_TAG_INTERRUPT);
        struct ke_vector *v = &ke_vector_table[io_test_vector(d)];
        uint32_t objects_before = v->object_count;

        PKINTERRUPT first = NULL;
        KTEST_ASSERT_EQ(t, connect(d, &first, NULL, active | ((KAFFINITY)1 << 63)), STATUS_SUCCESS);
        KTEST_ASSERT_NOT_NULL(t, first);
        KTEST_EXPECT_EQ(t, v->object_count, objects_before + bits(active)); /* a set of objects */
        KTEST_EXPECT_TRUE(t, first->PerProcessor);
        KTEST_EXPECT_EQ(t, first->Number, 0); /* the first is the lowest processor's */
        KTEST_EXPECT_EQ(t, first->Affinity, active);
        KTEST_EXPECT_EQ(t, io_connection_count(), connections + 1);
        /* One lock for all of them, and not any single object's own. */
        for (PLIST_ENTRY e = v->chain.Flink; e != &v->chain; e = e->Flink) {
            PKINTERRUPT o = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
            if (o->ServiceContext != &probe)
                continue; /* another driver's, on a shared line */
            KTEST_EXPECT_TRUE(t, o->ActualLock == first->ActualLock);
            KTEST_EXPECT_TRUE(t, o->PerProcessor);
        }
        if (bits(active) > 1)
            KTEST_EXPECT_TRUE(t, first->ActualLock != &first->SpinLock);

        for (int i = 0; i < 4; i++) {
            uint64_t before[KE_MAX_CPUS];
            for (ULONG c = 0; c < KE_MAX_CPUS; c++)
                before[c] = probe.per_cpu[c];
            KTEST_EXPECT_TRUE(t, one_interrupt());
            int cpu = cpu_that_ran(before);
            KTEST_EXPECT_TRUE(t, cpu >= 0);
            /* The object the ISR got is the one of the processor it ran on. */
            KTEST_EXPECT_EQ(t, probe.last_interrupt->Number, cpu);
            KTEST_EXPECT_TRUE(t, probe.lock_held);
            KTEST_EXPECT_EQ(t, probe.irql, io_test_level(d));
        }
        KIRQL seen = 0;
        KTEST_EXPECT_TRUE(t, KeSynchronizeExecution(first, note_irql, &seen));
        KTEST_EXPECT_EQ(t, seen, io_test_level(d));

        IoDisconnectInterrupt(first);
        KTEST_EXPECT_EQ(t, v->object_count, objects_before);
        KTEST_EXPECT_EQ(t, io_connection_count(), connections);
        KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), pool);
        io_test_give_back(pdo);
    }
}

static void each_processor_takes_its_own(struct ktest *t)
{
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    for (ULONG cpu = 0; cpu < cpus; cpu++) {
        PKINTERRUPT first = NULL;
        KTEST_ASSERT_EQ(t, connect(d, &first, NULL, (KAFFINITY)1 << cpu), STATUS_SUCCESS);
        KTEST_EXPECT_EQ(t, first->Number, cpu);
        uint64_t before = probe.per_cpu[cpu];
        KTEST_EXPECT_TRUE(t, one_interrupt());
        KTEST_EXPECT_EQ(t, probe.per_cpu[cpu], before + 1); /* the interrupt was moved there */
        KTEST_EXPECT_TRUE(t, probe.last_interrupt == first);
        GROUP_AFFINITY g;
        KTEST_EXPECT_EQ(t, IoGetAffinityInterrupt(first, &g), STATUS_SUCCESS);
        KTEST_EXPECT_EQ(t, g.Mask, (KAFFINITY)1 << cpu);
        IoDisconnectInterrupt(first);
    }
    io_test_give_back(pdo);
}

static void caller_lock_and_both_disconnects(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    PKINTERRUPT first = NULL;
    KTEST_ASSERT_EQ(t, connect(d, &first, &lock, KeQueryActiveProcessors()), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, first->ActualLock == &lock);
    KTEST_EXPECT_TRUE(t, one_interrupt());
    /* IoDisconnectInterruptEx with CONNECT_FULLY_SPECIFIED undoes IoConnectInterrupt ... */
    unsigned connections = io_connection_count();
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, first);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections - 1);
    /* ... and IoDisconnectInterrupt undoes a CONNECT_FULLY_SPECIFIED IoConnectInterruptEx. */
    PKINTERRUPT ex = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, probe_isr, &probe, &ex);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, one_interrupt());
    IoDisconnectInterrupt(ex);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections - 1);
    io_test_give_back(pdo);
}

static void soft_disconnect_of_a_legacy_connection(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PKINTERRUPT first = NULL;
    KTEST_ASSERT_EQ(t, connect(d, &first, NULL, KeQueryActiveProcessors()), STATUS_SUCCESS);
    struct ke_vector *v = &ke_vector_table[first->Vector];
    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS s = {.Version = CONNECT_FULLY_SPECIFIED};
    s.ConnectionContext.InterruptObject = first;
    IoReportInterruptInactive(&s);
    for (PLIST_ENTRY e = v->chain.Flink; e != &v->chain; e = e->Flink) {
        PKINTERRUPT o = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
        KTEST_EXPECT_TRUE(t, o->Inactive == (o->ServiceContext == &probe)); /* others' stay active */
    }
    /* Masked unless other drivers' objects share the line. */
    KTEST_EXPECT_EQ(t, v->masked, v->object_count == bits(KeQueryActiveProcessors()));
    IoReportInterruptActive(&s);
    KTEST_EXPECT_TRUE(t, one_interrupt());
    IoDisconnectInterrupt(first);
    io_test_give_back(pdo);
}

static void bad_input_gets_the_documented_statuses(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    ULONG vector = io_test_vector(d);
    KIRQL irql = io_test_level(d);
    KINTERRUPT_MODE mode = io_test_mode(d);
    KAFFINITY active = KeQueryActiveProcessors();
    unsigned connections = io_connection_count();
    uint64_t pool = io_test_pool_bytes(IO_TAG_INTERRUPT);
    PKINTERRUPT out = (PKINTERRUPT)0x1234;
#define LEGACY(...) IoConnectInterrupt(&out, __VA_ARGS__)
    KTEST_EXPECT_EQ(t,
                    IoConnectInterrupt(NULL, probe_isr, &probe, NULL, vector, irql, irql, mode, FALSE, active, FALSE),
                    STATUS_INVALID_PARAMETER);
    /* "No processors were specified" - none at all, or only offline ones. */
    KTEST_EXPECT_EQ(t, LEGACY(probe_isr, &probe, NULL, vector, irql, irql, mode, FALSE, 0, FALSE),
                    STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_NULL(t, out);
    if (KeQueryActiveProcessorCount(NULL) < 64)
        KTEST_EXPECT_EQ(t, LEGACY(probe_isr, &probe, NULL, vector, irql, irql, mode, FALSE, (KAFFINITY)1 << 63, FALSE),
                        STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, LEGACY(probe_isr, &probe, NULL, vector, irql, irql, mode, FALSE, active, TRUE),
                    STATUS_INVALID_PARAMETER); /* FloatingSave */
    KTEST_EXPECT_EQ(t, LEGACY(NULL, &probe, NULL, vector, irql, irql, mode, FALSE, active, FALSE),
                    STATUS_INVALID_PARAMETER); /* no ISR */
    KTEST_EXPECT_EQ(
        t, LEGACY(probe_isr, &probe, NULL, vector, (KIRQL)(irql + 1), (KIRQL)(irql + 1), mode, FALSE, active, FALSE),
        STATUS_INVALID_PARAMETER); /* Irql is not the vector's */
    KTEST_EXPECT_EQ(t,
                    LEGACY(probe_isr, &probe, NULL, vector, PASSIVE_LEVEL, PASSIVE_LEVEL, mode, FALSE, active, FALSE),
                    STATUS_INVALID_PARAMETER); /* passive-level ISRs are the Ex form's (Windows 8) */
    KTEST_EXPECT_EQ(t, LEGACY(probe_isr, &probe, NULL, vector, irql, (KIRQL)(irql - 1), mode, FALSE, active, FALSE),
                    STATUS_INVALID_PARAMETER); /* SynchronizeIrql below Irql */
    KTEST_EXPECT_EQ(t,
                    LEGACY(probe_isr, &probe, NULL, vector, irql, irql, mode == Latched ? LevelSensitive : Latched,
                           FALSE, active, FALSE),
                    STATUS_INVALID_PARAMETER); /* not the descriptor's mode */
    KTEST_EXPECT_EQ(t, LEGACY(probe_isr, &probe, NULL, 0x2F, 2, 2, mode, FALSE, active, FALSE),
                    STATUS_INVALID_PARAMETER); /* a vector no device was given */
    io_fail_next_allocations(1);
    KTEST_EXPECT_EQ(t, LEGACY(probe_isr, &probe, NULL, vector, irql, irql, mode, FALSE, active, FALSE),
                    STATUS_INSUFFICIENT_RESOURCES);
    KTEST_EXPECT_NULL(t, out);
    /* A refused share: one side will not share. Alone on its vector the first connection
     * refuses to share; on a line other drivers use (msi=off puts every device on one) it shares
     * and the second, exclusive one is refused. */
    BOOLEAN alone = ke_vector_table[vector].object_count == 0;
    PKINTERRUPT first = NULL;
    KTEST_ASSERT_EQ(
        t, IoConnectInterrupt(&first, probe_isr, &probe, NULL, vector, irql, irql, mode, !alone, active, FALSE),
        STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, LEGACY(probe_isr, (PVOID)&out, NULL, vector, irql, irql, mode, alone, active, FALSE),
                    STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_NULL(t, out);
    /* The same ISR and context again: refused like IoConnectInterruptEx's duplicate. */
    KTEST_EXPECT_EQ(t, LEGACY(probe_isr, &probe, NULL, vector, irql, irql, mode, !alone, active, FALSE),
                    STATUS_INVALID_PARAMETER);
    IoDisconnectInterrupt(first);
#undef LEGACY
    KTEST_EXPECT_EQ(t, io_connection_count(), connections);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), pool);
    io_test_give_back(pdo);
}

KTEST_SUITE(io_legacy, KTEST_CASE(one_object_per_processor), KTEST_CASE(each_processor_takes_its_own),
            KTEST_CASE(caller_lock_and_both_disconnects), KTEST_CASE(soft_disconnect_of_a_legacy_connection),
            KTEST_CASE(bad_input_gets_the_documented_statuses));

/* ---- io_legacy_crash (tests/e2e/test_nmi.py reads the stop screens) ---- */

#define CRASH_SITE __attribute__((noipa))

static CRASH_SITE void legacy_connect_at_dispatch(struct ktest *t)
{
    PKINTERRUPT out;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)IoConnectInterrupt(&out, probe_isr, &probe, NULL, 0x31, 3, 3, Latched, FALSE, 1, FALSE);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoConnectInterrupt at DISPATCH_LEVEL returned");
}

static CRASH_SITE void legacy_disconnect_unknown(struct ktest *t)
{
    KINTERRUPT never_connected;
    IoDisconnectInterrupt(&never_connected); /* 0xCA, P1 = 0x9, P2 = 1, P3 = the object, P4 = 0 */
    ktest_fail(t, __FILE__, __LINE__, "IoDisconnectInterrupt of an unknown object returned");
}

KTEST_MANUAL_SUITE(io_legacy_crash, KTEST_CASE(legacy_connect_at_dispatch), KTEST_CASE(legacy_disconnect_unknown));
