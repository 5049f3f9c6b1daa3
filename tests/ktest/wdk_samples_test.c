/* tests/ktest/wdk_samples_test.c - runs the WDK-style fragments of tests/wdk_samples/ (built
 * against include/ only, with -Wall -Werror, by the Makefile's CC-WDK rule). Each case runs a
 * fragment on real devices where one is needed and checks what it did and what it printed:
 *   * sample_connect.c on the second edu, with messages and with the line-based fallback;
 *   * sample_ndis_isr.c registered through NDIS on the e1000e, its ISR and DPC run by hand
 *     (the cause register is a pool block: the e1000e's real causes belong to its own driver);
 *   * sample_sync_memory.c on its own;
 *   * sample_bus_config.c on the first edu's PDO;
 *   * sample_isr_to_thread.c on the second edu: interrupt -> DPC -> work item -> event -> thread. */
#include "include/wdm.h"
#include "kernel/cm/registry.h"
#include "kernel/console/log.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_test_miniport.h"
#include "tests/wdk_samples/wdk_samples.h"

#define WAIT_MS 10000
static char printed[256];

static void run_connect_sample(struct ktest *t, unsigned start_flags)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, start_flags))
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    static SAMPLE_DEVICE dev;
    memset(&dev, 0, sizeof(dev));
    dev.PhysicalDeviceObject = pdo;
    dev.Registers = (volatile UCHAR *)io_test_map_memory(pdo, 0);
    io_test_edu_quiet((volatile ULONG *)dev.Registers);

    printed[0] = 0;
    log_dbgprint_capture("sample: ", printed, sizeof(printed));
    NTSTATUS status = SampleConnectInterrupt(&dev);
    log_dbgprint_capture(NULL, NULL, 0);
    KTEST_ASSERT_EQ(t, status, STATUS_SUCCESS);

    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    bool messages = d && io_descriptor_is_message(d);
    char expect[128];
    if (messages) {
        KTEST_EXPECT_EQ(t, dev.ConnectVersion, CONNECT_MESSAGE_BASED);
        PIO_INTERRUPT_MESSAGE_INFO info = dev.ConnectionContext;
        /* What the WDK-style "%lu ... 0x%lx ... %lu" of ULONGs must print, by the C99 engine. */
        ksnprintf(expect, sizeof(expect), "sample: %u message(s), first vector 0x%x, IRQL %u\n",
                  (unsigned)info->MessageCount, (unsigned)info->MessageInfo[0].Vector, (unsigned)info->UnifiedIrql);
    } else {
        KTEST_EXPECT_EQ(t, dev.ConnectVersion, CONNECT_LINE_BASED);
        strlcpy(expect, "sample: line-based fallback\n", sizeof(expect));
    }
    KTEST_EXPECT_STREQ(t, printed, expect);

    SampleRaiseInterrupt(&dev, 0x5);
    for (unsigned ms = 0; ms < WAIT_MS && dev.DpcCount < 1; ms++)
        KeStallExecutionProcessor(1000);
    KTEST_EXPECT_EQ(t, dev.DpcCount, 1);
    KTEST_EXPECT_GE(t, dev.IsrCount, 1);
    KTEST_EXPECT_EQ(t, dev.LastStatusSeen, 0x5);
    SampleDisconnectInterrupt(&dev);
    io_test_give_back(pdo);
}

static void connect_sample_with_messages(struct ktest *t) { run_connect_sample(t, 0); }

/* Wait (in this PASSIVE_LEVEL thread) until *counter reaches target, at most WAIT_MS of guest time. */
static bool wait_for(volatile LONG *counter, LONG target)
{
    LARGE_INTEGER ms = {.QuadPart = -10 * 1000};
    for (unsigned i = 0; i < WAIT_MS && *counter < target; i++)
        KeDelayExecutionThread(KernelMode, FALSE, &ms);
    return *counter >= target;
}

static void isr_to_thread_sample_wakes_its_thread(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo || !io_test_take(pdo, 0))
        KTEST_SKIP(t, "needs -device edu,addr=07.0");
    static SAMPLE_DEVICE dev;
    memset(&dev, 0, sizeof(dev));
    dev.PhysicalDeviceObject = pdo;
    dev.Registers = (volatile UCHAR *)io_test_map_memory(pdo, 0);
    io_test_edu_quiet((volatile ULONG *)dev.Registers);
    KTEST_ASSERT_EQ(t, SampleStartWaiter(&dev, pdo), STATUS_SUCCESS);
    log_dbgprint_capture("sample: ", printed, sizeof(printed)); /* the connect message: not checked here */
    NTSTATUS status = SampleConnectInterrupt(&dev);
    log_dbgprint_capture(NULL, NULL, 0);
    KTEST_ASSERT_EQ(t, status, STATUS_SUCCESS);

    HANDLE me = PsGetCurrentThreadId();
    for (LONG i = 1; i <= 5; i++) {
        SampleRaiseInterrupt(&dev, 0x10 + (ULONG)i);
        KTEST_EXPECT_TRUE(t, wait_for(&dev.WaiterWakeups, i)); /* one wake-up per interrupt */
    }
    SampleDisconnectInterrupt(&dev);
    SampleStopWaiter(&dev);
    KTEST_EXPECT_EQ(t, dev.DpcCount, 5);
    KTEST_EXPECT_EQ(t, dev.WorkCount, 5);
    KTEST_EXPECT_EQ(t, dev.WaiterWakeups, 5);
    KTEST_EXPECT_EQ(t, dev.LastStatusSeen, 0x15);
    KTEST_EXPECT_EQ(t, dev.WorkIrql, PASSIVE_LEVEL);   /* the work routine, in a worker thread */
    KTEST_EXPECT_EQ(t, dev.WaiterIrql, PASSIVE_LEVEL); /* the driver's own thread */
    KTEST_EXPECT_NE(t, dev.WaiterThreadId, NULL);
    KTEST_EXPECT_NE(t, dev.WaiterThreadId, me);
    KTEST_EXPECT_NULL(t, dev.WorkItem); /* freed by SampleStopWaiter */
    io_test_give_back(pdo);
}
static void connect_sample_falls_back_to_the_line(struct ktest *t) { run_connect_sample(t, IO_START_NO_MSI); }

/* ---- NDIS ---- */
static SAMPLE_ADAPTER sample_adapter;
static volatile ULONG sample_registers[2];
static struct ktest *ndis_t;

static NDIS_STATUS init_with_the_sample_handlers(struct ntm_state *s)
{
    struct ktest *t = ndis_t;
    if (ntm_set_attributes() != NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_FAILURE;
    memset(&sample_adapter, 0, sizeof(sample_adapter));
    sample_adapter.Registers = sample_registers;
    NDIS_STATUS status = SampleRegisterInterrupt(s->adapter, &sample_adapter);
    KTEST_EXPECT_EQ(t, status, NDIS_STATUS_SUCCESS);
    if (status != NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_FAILURE;
    KTEST_EXPECT_NOT_NULL(t, sample_adapter.InterruptHandle);

    /* The ISR at a DIRQL: claims, clears the cause, asks for the default DPC. */
    sample_registers[0] = 0x81;
    BOOLEAN queue = FALSE;
    ULONG targets = 0xFFFF;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL + 3, &old);
    BOOLEAN claimed = SampleMiniportMessageIsr(&sample_adapter, 0, &queue, &targets);
    KeLowerIrql(old);
    KTEST_EXPECT_TRUE(t, claimed);
    KTEST_EXPECT_TRUE(t, queue);
    KTEST_EXPECT_EQ(t, targets, 0);
    KTEST_EXPECT_EQ(t, sample_registers[0], 0);

    /* The DPC at DISPATCH_LEVEL: takes the latched cause inside NdisMSynchronizeWithInterruptEx. */
    printed[0] = 0;
    log_dbgprint_capture("sample-ndis: ", printed, sizeof(printed));
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    SampleMiniportMessageInterruptDpc(&sample_adapter, 0, NULL, NULL, NULL);
    KeLowerIrql(old);
    log_dbgprint_capture(NULL, NULL, 0);
    KTEST_EXPECT_EQ(t, sample_adapter.LastCauseHandled, 0x81);
    KTEST_EXPECT_EQ(t, sample_adapter.DpcRuns, 1);
    KTEST_EXPECT_STREQ(t, printed, "sample-ndis: cause 0x00000081 handled, 1 interrupt(s)\n");

    SampleMiniportDisableInterrupt(&sample_adapter);
    KTEST_EXPECT_EQ(t, sample_registers[1], 0);
    NdisMDeregisterInterruptEx(sample_adapter.InterruptHandle);
    return NDIS_STATUS_FAILURE; /* done: NDIS unwinds the adapter */
}

static void ndis_sample_isr_and_dpc(struct ktest *t)
{
    ndis_t = t;
    memset(&ntm, 0, sizeof(ntm));
    ntm.on_initialize = init_with_the_sample_handlers;
    NDIS_STATUS init = NDIS_STATUS_SUCCESS;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_EXPECT_EQ(t, init, NDIS_STATUS_FAILURE);
    ntm_stop(nic);
}

/* ---- ring ---- */
static void ring_sample_under_a_queued_lock(struct ktest *t)
{
    static SAMPLE_RING ring;
    SampleRingInitialize(&ring);
    for (USHORT i = 0; i < 10; i++)
        KTEST_EXPECT_EQ(t, SampleRingPush(&ring, i, (USHORT)(0x100 | i)), i < SAMPLE_RING_SIZE);
    KTEST_EXPECT_EQ(t, ring.Dropped, 2);

    printed[0] = 0;
    log_dbgprint_capture("sample-ring ", printed, sizeof(printed));
    SampleReportRing(&ring, "t");
    log_dbgprint_capture(NULL, NULL, 0);
    KTEST_EXPECT_STREQ(t, printed, "sample-ring t: 8 queued, 2 dropped, capacity 8, max 8\n");

    SAMPLE_RECORD out[SAMPLE_RING_SIZE];
    KTEST_ASSERT_EQ(t, SampleRingDrain(&ring, out, SAMPLE_RING_SIZE), SAMPLE_RING_SIZE);
    for (ULONG i = 0; i < SAMPLE_RING_SIZE; i++) {
        KTEST_EXPECT_EQ(t, out[i].Code, i);
        KTEST_EXPECT_EQ(t, out[i].AsUlong, (ULONG)((0x100 | i) << 16 | i));
        KTEST_EXPECT_GT(t, out[i].Time.QuadPart, 132223104000000000ll); /* after 2020 */
        if (i)
            KTEST_EXPECT_GE(t, out[i].Time.QuadPart, out[i - 1].Time.QuadPart);
    }
    KTEST_EXPECT_EQ(t, ring.Lock, 0);
    KTEST_EXPECT_EQ(t, SampleRingDrain(&ring, out, SAMPLE_RING_SIZE), 0);
}

static void bus_config_sample_reads_ids(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo)
        KTEST_SKIP(t, "needs -device edu");
    SAMPLE_BUS_CONFIG config;
    char why[64];
    KTEST_ASSERT_TRUE(t, cm_set_value("edu", "SampleAnswer", "42", why, sizeof(why))); /* edu.SampleAnswer=42 */
    printed[0] = 0;
    log_dbgprint_capture("sample-bus: ", printed, sizeof(printed));
    NTSTATUS status = SampleReadBusConfig(pdo, &config);
    log_dbgprint_capture(NULL, NULL, 0);
    KTEST_ASSERT_EQ(t, status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, config.Answer, 42);
    cm_delete_value("edu", "SampleAnswer");
    SAMPLE_BUS_CONFIG unset;
    KTEST_ASSERT_EQ(t, SampleReadBusConfig(pdo, &unset), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, unset.Answer, 7); /* not set: the driver's default */
    KTEST_EXPECT_EQ(t, config.VendorId, IO_TEST_EDU_VENDOR);
    KTEST_EXPECT_EQ(t, config.DeviceId, IO_TEST_EDU_DEVICE);
    KTEST_EXPECT_EQ(t, strncmp(printed, "sample-bus: PCI\\VEN_1234&DEV_11E8&SUBSYS_", 41), 0);
    char expect[128];
    WCHAR first[64];
    ULONG length;
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyHardwareID, sizeof(first), first, &length),
                    STATUS_BUFFER_TOO_SMALL); /* the whole list is longer than 64 characters */
    size_t n = 0;
    for (const WCHAR *w = config.FirstHardwareId; *w && n < 60; w++)
        expect[n++] = (char)*w;
    expect[n] = '\0';
    KTEST_EXPECT_EQ(t, n, 44); /* PCI\VEN_1234&DEV_11E8&SUBSYS_ssssvvvv&REV_rr */
    char line[160];
    ksnprintf(line, sizeof(line), "sample-bus: %s (%u bytes of IDs)\n", expect, (unsigned)length);
    KTEST_EXPECT_STREQ(t, printed, line);
}

KTEST_SUITE(wdk_samples, KTEST_CASE(connect_sample_with_messages), KTEST_CASE(connect_sample_falls_back_to_the_line),
            KTEST_CASE(ndis_sample_isr_and_dpc), KTEST_CASE(ring_sample_under_a_queued_lock),
            KTEST_CASE(bus_config_sample_reads_ids), KTEST_CASE(isr_to_thread_sample_wakes_its_thread));
