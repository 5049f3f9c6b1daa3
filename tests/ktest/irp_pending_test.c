/* tests/ktest/irp_pending_test.c - requests that pend: the dispatch routine marks the IRP pending
 * and returns STATUS_PENDING, IoCallDriver hands that to the sender, who waits on its event at
 * PASSIVE_LEVEL; the IRP is completed later from a DPC (at DISPATCH_LEVEL, on another CPU when
 * there is one) or from a system thread, and the sender then finds its status, its information
 * and its output bytes, with no IRP left over. Through a filter, the pending mark reaches the
 * filter's completion routine as Irp->PendingReturned. (WDK: "Handling IRPs that pend",
 * IoMarkIrpPending, "Completing IRPs".) */
#include "include/wdm.h"
#include "kernel/io/irp.h"
#include "tests/ktest/irp_pend_driver.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

/* A different CPU than this one when there is one (the completion then races nothing but the
 * sender's wait), else this one. */
static CCHAR other_cpu(void) { return (CCHAR)((KeGetCurrentProcessorNumber() + 1) % (ULONG)KeNumberProcessors); }

static struct {
    PIRP irp;
    KIRQL irql;
    volatile uint64_t done;
    KEVENT go;
} completer;

static VOID complete_in_dpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    completer.irql = KeGetCurrentIrql();
    pend_complete(completer.irp, STATUS_SUCCESS);
    __atomic_store_n(&completer.done, 1, __ATOMIC_RELEASE);
}

static VOID complete_in_thread(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    (void)KeWaitForSingleObject(&completer.go, Executive, KernelMode, FALSE, NULL);
    completer.irql = KeGetCurrentIrql();
    if (completer.irp) /* NULL: the test failed before it had an IRP to give us */
        pend_complete(completer.irp, STATUS_SUCCESS);
    __atomic_store_n(&completer.done, 1, __ATOMIC_RELEASE);
}

/* What the sender sees when the request comes back. */
static void expect_completed(struct ktest *t, PKEVENT event, IO_STATUS_BLOCK *iosb, const UCHAR *out, unsigned irps)
{
    KTEST_ASSERT_TRUE(t, pend_wait(event));
    KTEST_EXPECT_EQ(t, iosb->Status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, iosb->Information, PEND_INFORMATION);
    for (unsigned i = 0; i < PEND_INFORMATION; i++)
        KTEST_EXPECT_EQ(t, out[i], PEND_OUTPUT_BYTE);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps); /* freed before the event was set */
}

/* Sent, pending, and nothing happened to the sender's side yet. */
static bool sent_and_pending(struct ktest *t, PKEVENT event, IO_STATUS_BLOCK *iosb, UCHAR *out, unsigned irps)
{
    completer.irp = NULL;
    KTEST_CHECK_(t, return false, pend_send(PEND_HOLD, event, iosb, out, NULL) == STATUS_PENDING,
                 "IoCallDriver did not return STATUS_PENDING");
    KTEST_EXPECT_FALSE(t, KeReadStateEvent(event));
    KTEST_EXPECT_EQ(t, iosb->Status, 0x7EADBEEF); /* untouched until completion */
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps + 1);
    PIRP irp = pend_take();
    KTEST_CHECK_(t, return false, irp != NULL, "the driver holds no IRP");
    completer.irp = irp;
    KTEST_EXPECT_TRUE(t, IoGetCurrentIrpStackLocation(completer.irp)->Control & SL_PENDING_RETURNED);
    return true;
}

static void pending_irp_completed_from_a_dpc(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    UCHAR out[PEND_INFORMATION] = {0};
    completer.done = 0;
    if (sent_and_pending(t, &event, &iosb, out, irps)) {
        KDPC dpc;
        KeInitializeDpc(&dpc, complete_in_dpc, NULL);
        KeSetTargetProcessorDpc(&dpc, other_cpu());
        KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&dpc, NULL, NULL));
        expect_completed(t, &event, &iosb, out, irps);
        KTEST_EXPECT_TRUE(t, th_spin_until(&completer.done, 2000)); /* the DPC is off our stack */
        KTEST_EXPECT_EQ(t, completer.irql, DISPATCH_LEVEL);
    }
    pend_delete();
}

static void pending_irp_completed_from_a_thread(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    UCHAR out[PEND_INFORMATION] = {0};
    completer.done = 0;
    completer.irp = NULL;
    KeInitializeEvent(&completer.go, NotificationEvent, FALSE);
    PKTHREAD thread = th_start(complete_in_thread, NULL, 8, 0);
    KTEST_ASSERT_NOT_NULL(t, thread);
    if (sent_and_pending(t, &event, &iosb, out, irps)) {
        (void)KeSetEvent(&completer.go, IO_NO_INCREMENT, FALSE);
        expect_completed(t, &event, &iosb, out, irps);
        KTEST_EXPECT_EQ(t, completer.irql, PASSIVE_LEVEL);
    } else {
        (void)KeSetEvent(&completer.go, IO_NO_INCREMENT, FALSE); /* let it end */
    }
    KTEST_EXPECT_TRUE(t, th_join(thread, 20));
    pend_delete();
}

/* ---- through a filter ---- */

static DRIVER_OBJECT filter_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest-pfilt"};
static PDEVICE_OBJECT filter_lower;
static struct {
    BOOLEAN pending_returned;
    KIRQL irql;
    LONG calls;
} filter_seen;

static NTSTATUS filter_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    filter_seen.pending_returned = Irp->PendingReturned;
    filter_seen.irql = KeGetCurrentIrql();
    filter_seen.calls++;
    if (Irp->PendingReturned) /* the WDK's rule for a routine that lets completion go on */
        IoMarkIrpPending(Irp);
    return STATUS_SUCCESS;
}

static NTSTATUS filter_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, filter_done, NULL, TRUE, TRUE, TRUE);
    return IoCallDriver(filter_lower, Irp);
}

static void pending_mark_reaches_the_filter_above(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    filter_driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] = filter_dispatch;
    PDEVICE_OBJECT upper = NULL;
    KTEST_ASSERT_EQ(t, IoCreateDevice(&filter_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &upper), STATUS_SUCCESS);
    filter_lower = IoAttachDeviceToDeviceStack(upper, pend.device);
    KTEST_ASSERT_TRUE(t, filter_lower == pend.device);
    filter_seen.calls = 0;
    unsigned irps = io_irps_outstanding();

    KEVENT event;
    IO_STATUS_BLOCK iosb = {0};
    UCHAR out[PEND_INFORMATION] = {0};
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    PIRP irp = IoBuildDeviceIoControlRequest(PEND_HOLD, upper, NULL, 0, out, sizeof(out), FALSE, &event, &iosb);
    KTEST_ASSERT_NOT_NULL(t, irp);
    KTEST_EXPECT_EQ(t, IoCallDriver(upper, irp), STATUS_PENDING);
    completer.irp = pend_take();
    KTEST_ASSERT_NOT_NULL(t, completer.irp);
    completer.done = 0;
    KDPC dpc;
    KeInitializeDpc(&dpc, complete_in_dpc, NULL);
    KeSetTargetProcessorDpc(&dpc, other_cpu());
    KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&dpc, NULL, NULL));
    expect_completed(t, &event, &iosb, out, irps);
    KTEST_EXPECT_TRUE(t, th_spin_until(&completer.done, 2000));
    KTEST_EXPECT_EQ(t, filter_seen.calls, 1);
    KTEST_EXPECT_TRUE(t, filter_seen.pending_returned);
    KTEST_EXPECT_EQ(t, filter_seen.irql, DISPATCH_LEVEL);
    IoDetachDevice(pend.device);
    IoDeleteDevice(upper);
    pend_delete();
}

/* A request the driver finishes at once still returns its final status, the event already set. */
static void a_request_completed_at_once_is_final(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    UCHAR out[PEND_INFORMATION] = {0};
    KTEST_EXPECT_EQ(t, pend_send(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x9FF, METHOD_BUFFERED, FILE_ANY_ACCESS), &event,
                                 &iosb, out, NULL),
                    STATUS_INVALID_DEVICE_REQUEST);
    KTEST_EXPECT_TRUE(t, KeReadStateEvent(&event));
    KTEST_EXPECT_EQ(t, iosb.Status, STATUS_INVALID_DEVICE_REQUEST);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    pend_delete();
}

KTEST_SUITE(irp_pending, KTEST_CASE(pending_irp_completed_from_a_dpc), KTEST_CASE(pending_irp_completed_from_a_thread),
            KTEST_CASE(pending_mark_reaches_the_filter_above), KTEST_CASE(a_request_completed_at_once_is_final));
