/* tests/ktest/io_connect_test.c - IoConnectInterruptEx / IoDisconnectInterruptEx: every version
 * connects and delivers, the fallback, every status code, rollback after failures, no leaks over
 * 1,000 connect/disconnect cycles, KeSynchronizeExecution on objects of every version.
 * Devices: the second edu (00:07.0, taken from its driver for the test), LPT1 (ISA, edge), the
 * e1000e (MSI-X). Cases skip themselves when their device or interrupt kind is absent; the suite
 * runs with msi=on (default), msi=off and msix=off. */
#include "arch/x86_64/cpu.h"
#include "drivers/edu/edu.h"
#include "include/wdm.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/vectors.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/io_probe.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 2000

static struct probe probe;

/* The second edu, taken from its driver. */
static PDEVICE_OBJECT take_edu(unsigned flags)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, flags))
        return NULL;
    probe = (struct probe){.edu = io_test_map_memory(pdo, 0)};
    io_test_edu_quiet(probe.edu);
    return pdo;
}

static PDEVICE_OBJECT lpt1(void)
{
    PDEVICE_OBJECT pdo = io_pdo_find_isa("PNP0400");
    if (pdo) {
        probe = (struct probe){.lpt = io_test_pdo(pdo)->isa_port};
        probe_lpt_quiet(probe.lpt);
    }
    return pdo;
}

/* A PDO that has no interrupt at all (the host bridge, normally). */
static PDEVICE_OBJECT pdo_without_interrupts(void)
{
    for (unsigned i = 0; i < io_pdo_count(); i++)
        if (io_test_interrupt_count(io_pdo_at(i)) == 0)
            return io_pdo_at(i);
    return NULL;
}

static bool has_messages(PDEVICE_OBJECT pdo)
{
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    return d && io_descriptor_is_message(d);
}

/* ---- each version connects and delivers ---- */

static void fully_specified_delivers(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    ULONG versions[] = {CONNECT_FULLY_SPECIFIED, CONNECT_FULLY_SPECIFIED_GROUP};
    for (unsigned v = 0; v < 2; v++) {
        PKINTERRUPT object = NULL;
        IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, probe_isr, &probe, &object);
        p.Version = versions[v];
        uint64_t before = probe.calls;
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        KTEST_ASSERT_NOT_NULL(t, object);
        KTEST_EXPECT_EQ(t, p.Version, versions[v]);
        KTEST_EXPECT_EQ(t, object->Vector, io_test_vector(d));
        KTEST_EXPECT_EQ(t, object->Affinity, KeQueryActiveProcessors());
        probe_edu_raise(probe.edu, 1);
        KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, before + 1, WAIT_MS));
        KTEST_EXPECT_TRUE(t, probe.last_interrupt == object);
        KTEST_EXPECT_EQ(t, probe.irql, io_test_level(d));
        KTEST_EXPECT_TRUE(t, probe.lock_held);
        KTEST_EXPECT_EQ(t, probe.last_message, 0xFFFFFFFF); /* a plain KSERVICE_ROUTINE, even on a message */
        io_test_disconnect(versions[v], object);
    }
    io_test_give_back(pdo);
}

static void line_based_delivers_on_lpt1(struct ktest *t)
{
    PDEVICE_OBJECT pdo = lpt1();
    if (!pdo)
        KTEST_SKIP(t, "no LPT1");
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, probe_isr, &probe, &object);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_ASSERT_NOT_NULL(t, object);
    KTEST_EXPECT_EQ(t, object->Mode, Latched);  /* an ISA edge line */
    KTEST_EXPECT_FALSE(t, object->ShareVector); /* ... owned by one device */
    for (int i = 1; i <= 3; i++) {
        probe_lpt_raise(probe.lpt);
        KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, (uint64_t)i, WAIT_MS));
    }
    KTEST_EXPECT_EQ(t, probe.calls, 3);
    KTEST_EXPECT_EQ(t, probe.irql, object->SynchronizeIrql);
    io_test_disconnect(CONNECT_LINE_BASED, object);
    probe_lpt_raise(probe.lpt); /* the line is masked again: nothing arrives */
    KeStallExecutionProcessor(5000);
    KTEST_EXPECT_EQ(t, probe.calls, 3);
    probe_lpt_quiet(probe.lpt);
}

static void line_based_delivers_on_a_pci_line(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, probe_isr, &probe, &object);
    p.LineBased.SynchronizeIrql = 12; /* a minimum above the line's IRQL wins */
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, object->Mode, LevelSensitive);
    KTEST_EXPECT_TRUE(t, object->ShareVector);
    KTEST_EXPECT_EQ(t, object->SynchronizeIrql, 12);
    probe_edu_raise(probe.edu, 4);
    KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, 1, WAIT_MS));
    KTEST_EXPECT_EQ(t, probe.irql, 12);
    io_test_disconnect(CONNECT_LINE_BASED, object);
    io_test_give_back(pdo);
}

static void message_based_fills_the_table_and_delivers(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    if (!has_messages(pdo)) {
        io_test_give_back(pdo);
        KTEST_SKIP(t, "the edu has no message resource (msi=off)");
    }
    struct io_pdo *x = io_test_pdo(pdo);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PIO_INTERRUPT_MESSAGE_INFO table = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, (PVOID *)&table);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p.Version, CONNECT_MESSAGE_BASED); /* unchanged: messages were used */
    KTEST_ASSERT_NOT_NULL(t, table);
    KTEST_ASSERT_EQ(t, table->MessageCount, 1);
    PIO_INTERRUPT_MESSAGE_INFO_ENTRY e = &table->MessageInfo[0];
    KTEST_EXPECT_EQ(t, e->Vector, io_test_vector(d));
    KTEST_EXPECT_EQ(t, e->Irql, io_test_level(d));
    KTEST_EXPECT_EQ(t, table->UnifiedIrql, e->Irql);
    KTEST_EXPECT_EQ(t, e->MessageData, e->Vector); /* fixed delivery, edge: data = vector */
    uint32_t cpu = x->messages[0].cpu;
    uint64_t expect_address = 0xFEE00000ull | ((uint64_t)(ke_prcbs[cpu]->apic_id & 0xFF) << 12);
    KTEST_EXPECT_EQ(t, (uint64_t)e->MessageAddress.QuadPart, expect_address);
    KTEST_EXPECT_EQ(t, e->TargetProcessorSet, (KAFFINITY)1 << cpu);
    KTEST_EXPECT_EQ(t, e->Mode, Latched);
    KTEST_ASSERT_NOT_NULL(t, e->InterruptObject);
    /* The device holds exactly what the table says, and MSI is on. */
    uint64_t address;
    uint32_t data;
    unsigned count;
    KTEST_ASSERT_TRUE(t, pci_msi_read(x->pci, &address, &data, &count));
    KTEST_EXPECT_TRUE(t, pci_msi_enabled(x->pci));
    KTEST_EXPECT_EQ(t, address, (uint64_t)e->MessageAddress.QuadPart);
    KTEST_EXPECT_EQ(t, data, e->MessageData);
    KTEST_EXPECT_EQ(t, count, 1);

    probe_edu_raise(probe.edu, 2);
    KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, 1, WAIT_MS));
    KTEST_EXPECT_EQ(t, probe.last_message, 0);
    KTEST_EXPECT_TRUE(t, probe.last_interrupt == e->InterruptObject);
    KTEST_EXPECT_EQ(t, probe.per_cpu[cpu], 1); /* arrived where the table said */

    ULONG vector = e->Vector;
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);        /* frees the table: e is gone */
    KTEST_EXPECT_FALSE(t, pci_msi_enabled(x->pci));          /* the last message left: MSI off */
    KTEST_EXPECT_TRUE(t, ke_vector_table[vector].allocated); /* the vector stays the device's */
    KTEST_EXPECT_EQ(t, ke_vector_table[vector].object_count, 0);
    io_test_give_back(pdo);
}

static void message_based_falls_back_to_the_line(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, (PVOID *)&object);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p.Version, CONNECT_LINE_BASED); /* rewritten: the fallback was connected */
    KTEST_ASSERT_NOT_NULL(t, object);
    KTEST_EXPECT_TRUE(t, object->ServiceRoutine == probe_isr);
    KTEST_EXPECT_NULL(t, object->MessageServiceRoutine);
    KTEST_EXPECT_EQ(t, object->Mode, LevelSensitive);
    probe_edu_raise(probe.edu, 8);
    KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, 1, WAIT_MS));
    KTEST_EXPECT_EQ(t, probe.last_message, 0xFFFFFFFF); /* the KSERVICE_ROUTINE ran */
    io_test_disconnect(p.Version, object);              /* disconnect with the Version that came back */

    /* No fallback routine: irqlab's documented choice is STATUS_NOT_FOUND, outputs untouched. */
    PVOID untouched = (PVOID)0x1111;
    p = io_test_message(pdo, probe_message_isr, NULL, &probe, &untouched);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_NOT_FOUND);
    KTEST_EXPECT_EQ(t, p.Version, CONNECT_MESSAGE_BASED);
    KTEST_EXPECT_TRUE(t, untouched == (PVOID)0x1111);
    io_test_give_back(pdo);
}

static void message_based_on_an_isa_device_falls_back(struct ktest *t)
{
    PDEVICE_OBJECT pdo = lpt1();
    if (!pdo)
        KTEST_SKIP(t, "no LPT1");
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, (PVOID *)&object);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, p.Version, CONNECT_LINE_BASED);
    probe_lpt_raise(probe.lpt);
    KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, 1, WAIT_MS));
    io_test_disconnect(CONNECT_LINE_BASED, object);
    probe_lpt_quiet(probe.lpt);
}

/* ---- status codes ---- */

static BOOLEAN never(PKINTERRUPT i, PVOID c)
{
    (void)i;
    (void)c;
    return FALSE;
}

/* The first device vector nobody allocated. */
static ULONG unallocated_vector(void)
{
    for (ULONG v = KE_VECTOR_DEVICE_FIRST; v <= KE_VECTOR_DEVICE_LAST; v++)
        if (!ke_vector_table[v].allocated)
            return v;
    return 0;
}

static void every_status_code(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PKINTERRUPT object = (PKINTERRUPT)0x2222;
    unsigned connections = io_connection_count();
    IO_CONNECT_INTERRUPT_PARAMETERS p;

    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(NULL), STATUS_INVALID_PARAMETER);
    /* Unknown versions: STATUS_INVALID_PARAMETER_1, Version and outputs untouched. */
    ULONG bad_versions[] = {0, 6, 0x100};
    for (unsigned i = 0; i < 3; i++) {
        p = io_test_fully(pdo, d, probe_isr, &probe, &object);
        p.Version = bad_versions[i];
        KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER_1);
        KTEST_EXPECT_EQ(t, p.Version, bad_versions[i]);
    }
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.Version = CONNECT_MESSAGE_BASED_PASSIVE;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_NOT_SUPPORTED);

    /* NULL PDO / output / routine, in every version. */
    p = io_test_fully(NULL, d, probe_isr, &probe, &object);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, probe_isr, &probe, NULL);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, NULL, &probe, &object);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_line(NULL, probe_isr, &probe, &object);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_line(pdo, probe_isr, &probe, NULL);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_line(pdo, NULL, &probe, &object);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_message(NULL, probe_message_isr, probe_isr, &probe, (PVOID *)&object);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, NULL);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_message(pdo, NULL, probe_isr, &probe, (PVOID *)&object);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);

    /* IRQLs, vector, floating point, group. */
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.SynchronizeIrql = (KIRQL)(p.FullySpecified.Irql - 1);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.SynchronizeIrql = HIGH_LEVEL + 1;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.Irql = (KIRQL)(p.FullySpecified.Irql + 1); /* != Vector >> 4 */
    p.FullySpecified.SynchronizeIrql = p.FullySpecified.Irql;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.FloatingSave = TRUE;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_line(pdo, probe_isr, &probe, &object);
    p.LineBased.FloatingSave = TRUE;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_line(pdo, probe_isr, &probe, &object);
    p.LineBased.SynchronizeIrql = 0x20;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.Version = CONNECT_FULLY_SPECIFIED_GROUP;
    p.FullySpecified.Group = 1;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.InterruptMode = io_test_mode(d) == Latched ? LevelSensitive : Latched; /* not the resource's */
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);

    /* ProcessorEnableMask without an active processor. */
    p = io_test_fully(pdo, d, probe_isr, &probe, &object);
    p.FullySpecified.ProcessorEnableMask = 0;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER_10);
    p.FullySpecified.ProcessorEnableMask = ~KeQueryActiveProcessors();
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER_10);

    /* A vector that is not this device's: another device's, or nobody's. */
    PDEVICE_OBJECT other = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *od = other ? io_test_interrupt(other, 0, false) : NULL;
    if (od && io_test_vector(od) != io_test_vector(d)) {
        p = io_test_fully(pdo, od, probe_isr, &probe, &object);
        KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_NOT_FOUND);
    }
    ULONG free_vector = unallocated_vector();
    if (free_vector) {
        p = io_test_fully(pdo, d, probe_isr, &probe, &object);
        p.FullySpecified.Vector = free_vector;
        p.FullySpecified.Irql = p.FullySpecified.SynchronizeIrql = (KIRQL)(free_vector >> 4);
        KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_NOT_FOUND);
    }

    /* A device with no interrupts at all. */
    PDEVICE_OBJECT bare = pdo_without_interrupts();
    if (bare) {
        p = io_test_line(bare, probe_isr, &probe, &object);
        KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_NOT_FOUND);
        p = io_test_message(bare, probe_message_isr, probe_isr, &probe, (PVOID *)&object);
        KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_NOT_FOUND);
        KTEST_EXPECT_EQ(t, p.Version, CONNECT_MESSAGE_BASED);
    }

    /* LINE_BASED on a device that was given messages: tests/ktest/io_line_on_message_test.c. */

    KTEST_EXPECT_TRUE(t, object == (PKINTERRUPT)0x2222); /* no failure wrote an output */
    KTEST_EXPECT_EQ(t, io_connection_count(), connections);
    io_test_give_back(pdo);
}

static void sharing_and_mode_conflicts_are_refused(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(IO_START_NO_MSI);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PKINTERRUPT first = NULL, second = (PKINTERRUPT)0x3333;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, d, never, NULL, &first);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    /* A second object that will not share the line. */
    p = io_test_fully(pdo, d, never, NULL, &second);
    p.FullySpecified.ShareVector = FALSE;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_TRUE(t, second == (PKINTERRUPT)0x3333);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, first);
    /* The other way round: the first will not share, the second asks to. (Only if the line is
     * free: with msi=off the other edu's driver is on it, and an exclusive connect is refused.) */
    p = io_test_fully(pdo, d, never, NULL, &first);
    p.FullySpecified.ShareVector = FALSE;
    if (ke_vector_table[io_test_vector(d)].object_count == 0) {
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        p = io_test_line(pdo, never, NULL, &second);
        KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
        io_test_disconnect(CONNECT_FULLY_SPECIFIED, first);
    } else {
        KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    }
    io_test_give_back(pdo);

    /* A message vector is never shared. */
    pdo = take_edu(0);
    if (!has_messages(pdo)) {
        io_test_give_back(pdo);
        return;
    }
    PIO_INTERRUPT_MESSAGE_INFO table;
    p = io_test_message(pdo, probe_message_isr, NULL, &probe, (PVOID *)&table);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    p = io_test_fully(pdo, io_test_interrupt(pdo, 0, false), never, NULL, &second);
    p.FullySpecified.ShareVector = TRUE;
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    io_test_give_back(pdo);
}

static void allocation_failure_leaves_nothing(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    struct io_pdo *x = io_test_pdo(pdo);
    uint64_t bytes = io_test_pool_bytes(IO_TAG_INTERRUPT);
    unsigned free_vectors = ke_vector_free_count();
    ULONG vector = io_test_vector(io_test_interrupt(pdo, 0, false));
    uint32_t objects = ke_vector_table[vector].object_count; /* msi=off: the other edu's driver */
    PVOID context = (PVOID)0x4444;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, &context);
    io_fail_next_allocations(1);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INSUFFICIENT_RESOURCES);
    KTEST_EXPECT_TRUE(t, context == (PVOID)0x4444);
    KTEST_EXPECT_EQ(t, p.Version, CONNECT_MESSAGE_BASED);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), bytes);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_vectors);
    KTEST_EXPECT_EQ(t, io_connections_of(pdo), 0);
    KTEST_EXPECT_EQ(t, ke_vector_table[vector].object_count, objects);
    KTEST_EXPECT_FALSE(t, pci_msi_enabled(x->pci));
    /* ... and the next attempt works. */
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    io_test_disconnect(p.Version, context);
    io_test_give_back(pdo);
}

static void thousand_connects_leak_nothing(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    PDEVICE_OBJECT lpt = io_pdo_find_isa("PNP0400");
    uint64_t bytes = io_test_pool_bytes(IO_TAG_INTERRUPT);
    unsigned free_vectors = ke_vector_free_count(), connections = io_connection_count();
    uint32_t objects = ke_vector_table[io_test_vector(d)].object_count;
    for (int i = 0; i < 1000; i++) {
        PVOID context;
        IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, &context);
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        io_test_disconnect(p.Version, context);
        PKINTERRUPT object;
        p = io_test_fully(pdo, d, probe_isr, &probe, &object);
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
        if (lpt) {
            p = io_test_line(lpt, never, NULL, &object);
            KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
            io_test_disconnect(CONNECT_LINE_BASED, object);
        }
    }
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), bytes);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_vectors);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections);
    KTEST_EXPECT_EQ(t, ke_vector_table[io_test_vector(d)].object_count, objects);
    /* Still works afterwards. */
    PVOID context;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, &context);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    probe_edu_raise(probe.edu, 1);
    KTEST_EXPECT_TRUE(t, io_test_wait(&probe.calls, 1, WAIT_MS));
    io_test_disconnect(p.Version, context);
    io_test_give_back(pdo);
}

/* ---- synchronisation ---- */

struct sync_check {
    PKINTERRUPT interrupt;
    KIRQL irql;
    bool lock_held;
};

static BOOLEAN sync_routine(PVOID context)
{
    struct sync_check *c = context;
    c->irql = KeGetCurrentIrql();
    c->lock_held = *c->interrupt->ActualLock != 0;
    return TRUE;
}

static void check_sync(struct ktest *t, PKINTERRUPT interrupt)
{
    struct sync_check c = {.interrupt = interrupt};
    KTEST_EXPECT_TRUE(t, KeSynchronizeExecution(interrupt, sync_routine, &c));
    KTEST_EXPECT_EQ(t, c.irql, interrupt->SynchronizeIrql);
    KTEST_EXPECT_TRUE(t, c.lock_held);
    KTEST_EXPECT_EQ(t, *interrupt->ActualLock, 0); /* released again */
    KIRQL old = KeAcquireInterruptSpinLock(interrupt);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), interrupt->SynchronizeIrql);
    KTEST_EXPECT_NE(t, *interrupt->ActualLock, 0);
    KeReleaseInterruptSpinLock(interrupt, old);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void synchronize_execution_on_every_version(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_edu(0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    PKINTERRUPT object;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, io_test_interrupt(pdo, 0, false), never, NULL, &object);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    check_sync(t, object);
    io_test_disconnect(CONNECT_FULLY_SPECIFIED, object);
    PVOID context;
    p = io_test_message(pdo, probe_message_isr, probe_isr, &probe, &context);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    if (p.Version == CONNECT_MESSAGE_BASED) {
        PIO_INTERRUPT_MESSAGE_INFO table = context;
        for (ULONG i = 0; i < table->MessageCount; i++)
            check_sync(t, table->MessageInfo[i].InterruptObject);
    } else {
        check_sync(t, context);
    }
    io_test_disconnect(p.Version, context);
    io_test_give_back(pdo);

    PDEVICE_OBJECT lpt = io_pdo_find_isa("PNP0400");
    if (lpt) {
        p = io_test_line(lpt, never, NULL, &object);
        KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
        check_sync(t, object);
        io_test_disconnect(CONNECT_LINE_BASED, object);
    }
}

static void message_locks_are_per_message_unless_the_caller_gives_one(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic || io_test_interrupt_count(nic) < 2)
        KTEST_SKIP(t, "needs -device e1000e with MSI-X");
    KTEST_ASSERT_NOT_NULL(t, io_test_take(nic, 0)); /* from the e1000 driver */
    PIO_INTERRUPT_MESSAGE_INFO table;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(nic, probe_message_isr, NULL, &probe, (PVOID *)&table);
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    KIRQL highest = 0;
    for (ULONG i = 0; i < table->MessageCount; i++) {
        PKINTERRUPT o = table->MessageInfo[i].InterruptObject;
        KTEST_EXPECT_TRUE(t, o->ActualLock == &o->SpinLock);                /* its own lock ... */
        KTEST_EXPECT_EQ(t, o->SynchronizeIrql, table->MessageInfo[i].Irql); /* ... at its own IRQL */
        highest = table->MessageInfo[i].Irql > highest ? table->MessageInfo[i].Irql : highest;
        check_sync(t, o);
    }
    KTEST_EXPECT_EQ(t, table->UnifiedIrql, highest);
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);

    static KSPIN_LOCK shared;
    KeInitializeSpinLock(&shared);
    p = io_test_message(nic, probe_message_isr, NULL, &probe, (PVOID *)&table);
    p.MessageBased.SpinLock = &shared;
    KTEST_ASSERT_EQ(t, IoConnectInterruptEx(&p), STATUS_SUCCESS);
    for (ULONG i = 0; i < table->MessageCount; i++) {
        PKINTERRUPT o = table->MessageInfo[i].InterruptObject;
        KTEST_EXPECT_TRUE(t, o->ActualLock == &shared);             /* one critical section for all ... */
        KTEST_EXPECT_EQ(t, o->SynchronizeIrql, table->UnifiedIrql); /* ... at one IRQL */
    }
    check_sync(t, table->MessageInfo[0].InterruptObject);
    io_test_disconnect(CONNECT_MESSAGE_BASED, table);
    io_test_give_back(nic);
}

/* ---- rollback ---- */

static void failed_message_connect_rolls_back(struct ktest *t)
{
    PDEVICE_OBJECT nic = io_pdo_find_pci(IO_TEST_E1000E_VENDOR, IO_TEST_E1000E_DEVICE, 0);
    if (!nic || io_test_interrupt_count(nic) < 3)
        KTEST_SKIP(t, "needs -device e1000e with MSI-X");
    KTEST_ASSERT_NOT_NULL(t, io_test_take(nic, 0)); /* from the e1000 driver */
    struct io_pdo *x = io_test_pdo(nic);
    /* Someone already owns message 2's vector and will not share: the third connect fails. */
    static KINTERRUPT squatter;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d2 = io_test_interrupt(nic, 2, false);
    KIRQL irql = io_test_level(d2);
    ke_interrupt_init(&squatter, never, NULL, 0, NULL, NULL, io_test_vector(d2), irql, irql, Latched, FALSE,
                      KeQueryActiveProcessors(), "ktest:squatter");
    KTEST_ASSERT_EQ(t, ke_interrupt_connect(&squatter), KE_CONNECT_OK);

    uint64_t bytes = io_test_pool_bytes(IO_TAG_INTERRUPT);
    PVOID context = (PVOID)0x5555;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_message(nic, probe_message_isr, NULL, &probe, &context);
    KTEST_EXPECT_EQ(t, IoConnectInterruptEx(&p), STATUS_INVALID_PARAMETER);
    /* While the squatter is still there: its message is exactly as it was (connected, unmasked
     * in the vector table and in the device), the ones the attempt connected are masked again. */
    KTEST_EXPECT_EQ(t, ke_vector_table[io_test_vector(d2)].object_count, 1);
    KTEST_EXPECT_FALSE(t, ke_vector_table[io_test_vector(d2)].masked);
    for (unsigned i = 0; i < 3; i++) {
        bool masked = false;
        KTEST_EXPECT_TRUE(t, pci_msix_read_entry(x->pci, i, NULL, NULL, &masked));
        KTEST_EXPECT_EQ(t, masked, i != 2);
    }
    ke_interrupt_disconnect(&squatter);

    KTEST_EXPECT_TRUE(t, context == (PVOID)0x5555);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_INTERRUPT), bytes);
    KTEST_EXPECT_EQ(t, io_connections_of(nic), 0);
    KTEST_EXPECT_EQ(t, x->connected_messages, 0);
    KTEST_EXPECT_FALSE(t, pci_msix_enabled(x->pci)); /* switched on for the attempt, off again */
    for (unsigned i = 0; i < io_test_interrupt_count(nic); i++) {
        ULONG v = io_test_vector(io_test_interrupt(nic, i, false));
        KTEST_EXPECT_EQ(t, ke_vector_table[v].object_count, 0);
        KTEST_EXPECT_TRUE(t, ke_vector_table[v].masked);
        bool masked = false;
        KTEST_EXPECT_TRUE(t, pci_msix_read_entry(x->pci, i, NULL, NULL, &masked));
        KTEST_EXPECT_TRUE(t, masked);
    }
    io_test_give_back(nic);
}

KTEST_SUITE(io_connect, KTEST_CASE(fully_specified_delivers), KTEST_CASE(line_based_delivers_on_lpt1),
            KTEST_CASE(line_based_delivers_on_a_pci_line), KTEST_CASE(message_based_fills_the_table_and_delivers),
            KTEST_CASE(message_based_falls_back_to_the_line), KTEST_CASE(message_based_on_an_isa_device_falls_back),
            KTEST_CASE(every_status_code), KTEST_CASE(sharing_and_mode_conflicts_are_refused),
            KTEST_CASE(allocation_failure_leaves_nothing), KTEST_CASE(thousand_connects_leak_nothing),
            KTEST_CASE(synchronize_execution_on_every_version),
            KTEST_CASE(message_locks_are_per_message_unless_the_caller_gives_one),
            KTEST_CASE(failed_message_connect_rolls_back));
