/* tests/ktest/irp_cancel_test.c - cancelling pending IRPs: a cancel routine set the WDK's classic
 * way (global cancel spin lock, IoSetCancelRoutine) runs at DISPATCH_LEVEL holding the lock and
 * completes the IRP with STATUS_CANCELLED; IoCancelIrp without a cancel routine only sets
 * Irp->Cancel; an IRP cancelled before its driver queued it is finished at once; the cancel-safe
 * queue removes a cancelled IRP exactly once (IoCsqRemoveNextIrp / IoCsqRemoveIrp skip it); and on
 * several CPUs, cancellation racing normal completion completes every IRP exactly once and loses
 * none (counted with io_irps_outstanding). (WDK: "Canceling IRPs", "Cancel-Safe IRP Queues".) */
#include "include/wdm.h"
#include "kernel/io/irp.h"
#include "tests/ktest/irp_pend_driver.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

static void cancel_routine_completes_the_irp_cancelled(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    UCHAR out[PEND_INFORMATION] = {0};
    PIRP irp = NULL;
    KTEST_ASSERT_EQ(t, pend_send(PEND_CANCELABLE, &event, &iosb, out, &irp), STATUS_PENDING);
    KTEST_EXPECT_EQ(t, pend_cancelable_count(), 1);
    KTEST_EXPECT_FALSE(t, irp->Cancel);
    KTEST_EXPECT_TRUE(t, IoCancelIrp(irp)); /* it had a cancel routine */
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL); /* the routine gave back Irp->CancelIrql */
    KTEST_EXPECT_EQ(t, pend.cancel_calls, 1);
    KTEST_EXPECT_EQ(t, pend.cancel_irql, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, pend.cancel_caller_irql, PASSIVE_LEVEL);
    KTEST_ASSERT_TRUE(t, pend_wait(&event));
    KTEST_EXPECT_EQ(t, iosb.Status, STATUS_CANCELLED);
    KTEST_EXPECT_EQ(t, iosb.Information, 0);
    KTEST_EXPECT_EQ(t, pend_cancelable_count(), 0);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);

    /* Completed normally instead: the driver takes the routine back first. */
    KTEST_ASSERT_EQ(t, pend_send(PEND_CANCELABLE, &event, &iosb, out, &irp), STATUS_PENDING);
    PIRP mine = pend_cancelable_next();
    KTEST_ASSERT_TRUE(t, mine == irp);
    KTEST_EXPECT_NULL(t, irp->CancelRoutine);
    pend_complete(mine, STATUS_SUCCESS);
    KTEST_ASSERT_TRUE(t, pend_wait(&event));
    KTEST_EXPECT_EQ(t, iosb.Status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, pend.cancel_calls, 1);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    pend_delete();
}

static void without_a_cancel_routine_only_the_flag_is_set(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    UCHAR out[PEND_INFORMATION] = {0};
    PIRP irp = NULL;
    KTEST_ASSERT_EQ(t, pend_send(PEND_HOLD, &event, &iosb, out, &irp), STATUS_PENDING);
    KTEST_EXPECT_FALSE(t, IoCancelIrp(irp));
    KTEST_EXPECT_TRUE(t, irp->Cancel);
    KTEST_EXPECT_FALSE(t, KeReadStateEvent(&event)); /* still the driver's */
    PIRP held = pend_take();
    KTEST_ASSERT_TRUE(t, held == irp);
    pend_complete(held, held->Cancel ? STATUS_CANCELLED : STATUS_SUCCESS); /* the driver looks */
    KTEST_ASSERT_TRUE(t, pend_wait(&event));
    KTEST_EXPECT_EQ(t, iosb.Status, STATUS_CANCELLED);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    pend_delete();
}

/* IoCancelIrp before IoCallDriver (the sender gave up at once): the driver must not queue it. */
static void an_irp_cancelled_before_it_was_queued(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    static const ULONG codes[] = {PEND_CANCELABLE, PEND_CSQ};
    for (unsigned i = 0; i < 2; i++) {
        KEVENT event;
        IO_STATUS_BLOCK iosb = {0};
        UCHAR out[PEND_INFORMATION] = {0};
        KeInitializeEvent(&event, NotificationEvent, FALSE);
        PIRP irp = IoBuildDeviceIoControlRequest(codes[i], pend.device, NULL, 0, out, sizeof(out), FALSE, &event, &iosb);
        KTEST_ASSERT_NOT_NULL(t, irp);
        KTEST_EXPECT_FALSE(t, IoCancelIrp(irp));
        NTSTATUS status = IoCallDriver(pend.device, irp);
        /* The classic driver checks Irp->Cancel and completes at once; IoCsqInsertIrp marks the
         * IRP pending and hands it straight to CsqCompleteCanceledIrp. */
        KTEST_EXPECT_EQ(t, status, codes[i] == PEND_CSQ ? STATUS_PENDING : STATUS_CANCELLED);
        KTEST_ASSERT_TRUE(t, pend_wait(&event));
        KTEST_EXPECT_EQ(t, iosb.Status, STATUS_CANCELLED);
    }
    KTEST_EXPECT_EQ(t, pend.cancel_calls, 1); /* CsqCompleteCanceledIrp once */
    KTEST_EXPECT_EQ(t, pend_cancelable_count(), 0);
    KTEST_EXPECT_TRUE(t, IsListEmpty(&pend.csq_list));
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    pend_delete();
}

static void csq_skips_the_cancelled_irp(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    KEVENT event[3];
    IO_STATUS_BLOCK iosb[3];
    UCHAR out[3][PEND_INFORMATION];
    PIRP irp[3];
    for (int i = 0; i < 3; i++)
        KTEST_ASSERT_EQ(t, pend_send(PEND_CSQ, &event[i], &iosb[i], out[i], &irp[i]), STATUS_PENDING);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps + 3);
    KTEST_EXPECT_TRUE(t, IoCancelIrp(irp[1]));
    KTEST_ASSERT_TRUE(t, pend_wait(&event[1]));
    KTEST_EXPECT_EQ(t, iosb[1].Status, STATUS_CANCELLED);
    KTEST_EXPECT_EQ(t, pend.cancel_calls, 1);
    KTEST_EXPECT_TRUE(t, IoCsqRemoveNextIrp(&pend.csq, NULL) == irp[0]);
    KTEST_EXPECT_TRUE(t, IoCsqRemoveNextIrp(&pend.csq, NULL) == irp[2]);
    KTEST_EXPECT_NULL(t, IoCsqRemoveNextIrp(&pend.csq, NULL));
    KTEST_EXPECT_NULL(t, irp[0]->CancelRoutine);
    pend_complete(irp[0], STATUS_SUCCESS);
    pend_complete(irp[2], STATUS_SUCCESS);
    for (int i = 0; i < 3; i += 2) {
        KTEST_ASSERT_TRUE(t, pend_wait(&event[i]));
        KTEST_EXPECT_EQ(t, iosb[i].Status, STATUS_SUCCESS);
    }
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    pend_delete();
}

/* IoCsqRemoveIrp finds an IRP again by its IO_CSQ_IRP_CONTEXT; after a cancel, it finds none. An
 * IRP built by hand (IoAllocateIrp) that the test queues itself, as a driver does with IRPs it
 * owns; a peek context picks IRPs by file object. */
static NTSTATUS keep(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    *(NTSTATUS *)Context = Irp->IoStatus.Status;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static PIRP queued_by_hand(PIO_CSQ_IRP_CONTEXT context, PFILE_OBJECT file, NTSTATUS *final)
{
    PIRP irp = IoAllocateIrp(1, FALSE);
    if (!irp)
        return NULL;
    IoSetCompletionRoutine(irp, keep, final, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp); /* now "in the driver", as IoCallDriver leaves it */
    IoGetCurrentIrpStackLocation(irp)->FileObject = file;
    IoGetCurrentIrpStackLocation(irp)->DeviceObject = pend.device;
    IoCsqInsertIrp(&pend.csq, irp, context);
    return irp;
}

static void csq_remove_by_context(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    IO_CSQ_IRP_CONTEXT a, b;
    NTSTATUS final_a = STATUS_PENDING, final_b = STATUS_PENDING;
    FILE_OBJECT file_b;
    PIRP ia = queued_by_hand(&a, NULL, &final_a);
    PIRP ib = queued_by_hand(&b, &file_b, &final_b);
    KTEST_ASSERT_TRUE(t, ia && ib);
    KTEST_EXPECT_EQ(t, a.Type, IO_TYPE_CSQ_IRP_CONTEXT);
    KTEST_EXPECT_TRUE(t, a.Irp == ia && a.Csq == &pend.csq);
    KTEST_EXPECT_TRUE(t, IoGetCurrentIrpStackLocation(ia)->Control & SL_PENDING_RETURNED);
    /* A peek context: only file_b's IRP. */
    KTEST_EXPECT_TRUE(t, IoCsqRemoveNextIrp(&pend.csq, &file_b) == ib);
    KTEST_EXPECT_NULL(t, b.Irp);
    KTEST_EXPECT_NULL(t, IoCsqRemoveIrp(&pend.csq, &b)); /* gone already */
    pend_complete(ib, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, final_b, STATUS_SUCCESS);
    /* Cancelled: the context lets go, IoCsqRemoveIrp finds nothing. */
    KTEST_EXPECT_TRUE(t, IoCancelIrp(ia));
    KTEST_EXPECT_EQ(t, final_a, STATUS_CANCELLED);
    KTEST_EXPECT_NULL(t, a.Irp);
    KTEST_EXPECT_NULL(t, IoCsqRemoveIrp(&pend.csq, &a));
    IoFreeIrp(ia);
    IoFreeIrp(ib);
    /* And the plain case: inserted, removed by context, completed. */
    final_a = STATUS_PENDING;
    ia = queued_by_hand(&a, NULL, &final_a);
    KTEST_ASSERT_NOT_NULL(t, ia);
    KTEST_EXPECT_TRUE(t, IoCsqRemoveIrp(&pend.csq, &a) == ia);
    pend_complete(ia, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, final_a, STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, IoCancelIrp(ia)); /* completed, routine cleared: nothing to call */
    IoFreeIrp(ia);
    KTEST_EXPECT_TRUE(t, IsListEmpty(&pend.csq_list));
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    pend_delete();
}

/* ---- the race ---- */

#define RACE_ROUNDS 200

static struct {
    volatile uint64_t started, go, done;
    bool use_csq;
    volatile LONG completions;
    NTSTATUS status;
    KEVENT completed;
} race;

static NTSTATUS race_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    race.status = Irp->IoStatus.Status;
    __atomic_fetch_add(&race.completions, 1, __ATOMIC_SEQ_CST);
    (void)KeSetEvent(&race.completed, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* ours: the test frees it */
}

/* The driver's normal completion, on another CPU, started at the same moment as IoCancelIrp. */
static VOID race_complete(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    __atomic_store_n(&race.started, 1, __ATOMIC_RELEASE);
    if (Context) /* another CPU: wait for the starting shot (bounded: never hang a CPU) */
        (void)th_spin_until(&race.go, 1000);
    PIRP irp = race.use_csq ? IoCsqRemoveNextIrp(&pend.csq, NULL) : pend_cancelable_next();
    if (irp)
        pend_complete(irp, STATUS_SUCCESS);
    __atomic_store_n(&race.done, 1, __ATOMIC_RELEASE);
}

static void cancel_racing_completion_completes_once(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, pend_create());
    unsigned irps = io_irps_outstanding();
    KAFFINITY here = th_pin_here();
    bool smp = KeNumberProcessors > 1;
    unsigned cancelled = 0, completed = 0, cancel_won = 0;
    KDPC dpc;
    KeInitializeDpc(&dpc, race_complete, smp ? (PVOID)1 : NULL);
    KeSetTargetProcessorDpc(&dpc, (CCHAR)((KeGetCurrentProcessorNumber() + 1) % (ULONG)KeNumberProcessors));
    for (unsigned round = 0; round < RACE_ROUNDS && !t->failed; round++) {
        race.use_csq = round & 1;
        race.started = race.go = race.done = 0;
        race.completions = 0;
        KeInitializeEvent(&race.completed, NotificationEvent, FALSE);
        PIRP irp = IoAllocateIrp(pend.device->StackSize, FALSE);
        KTEST_ASSERT_NOT_NULL(t, irp);
        PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
        next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
        next->Parameters.DeviceIoControl.IoControlCode = race.use_csq ? PEND_CSQ : PEND_CANCELABLE;
        IoSetCompletionRoutine(irp, race_done, NULL, TRUE, TRUE, TRUE);
        KTEST_EXPECT_EQ(t, IoCallDriver(pend.device, irp), STATUS_PENDING);

        KTEST_EXPECT_TRUE(t, KeInsertQueueDpc(&dpc, NULL, NULL));
        if (smp)
            KTEST_EXPECT_TRUE(t, th_spin_until(&race.started, 2000));
        __atomic_store_n(&race.go, 1, __ATOMIC_RELEASE);
        if (IoCancelIrp(irp))
            cancel_won++;
        KTEST_EXPECT_TRUE(t, pend_wait(&race.completed));
        KTEST_EXPECT_TRUE(t, th_spin_until(&race.done, 2000));
        KTEST_EXPECT_EQ(t, race.completions, 1);
        if (race.status == STATUS_CANCELLED)
            cancelled++;
        else if (race.status == STATUS_SUCCESS)
            completed++;
        IoFreeIrp(irp);
    }
    th_unpin();
    UNREFERENCED_PARAMETER(here);
    ktest_log(t, "%u rounds: %u cancelled, %u completed normally (IoCancelIrp found a routine %u times)",
              RACE_ROUNDS, cancelled, completed, cancel_won);
    KTEST_EXPECT_EQ(t, cancelled + completed, RACE_ROUNDS);
    KTEST_EXPECT_EQ(t, (unsigned)pend.cancel_calls, cancelled); /* one cancel per cancelled IRP */
    KTEST_EXPECT_EQ(t, cancel_won, cancelled);
    KTEST_EXPECT_EQ(t, pend_cancelable_count(), 0);
    KTEST_EXPECT_TRUE(t, IsListEmpty(&pend.csq_list));
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps);
    pend_delete();
}

KTEST_SUITE(irp_cancel, KTEST_CASE(cancel_routine_completes_the_irp_cancelled),
            KTEST_CASE(without_a_cancel_routine_only_the_flag_is_set), KTEST_CASE(an_irp_cancelled_before_it_was_queued),
            KTEST_CASE(csq_skips_the_cancelled_irp), KTEST_CASE(csq_remove_by_context),
            KTEST_CASE(cancel_racing_completion_completes_once));
