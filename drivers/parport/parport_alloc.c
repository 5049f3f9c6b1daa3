/* drivers/parport/parport_alloc.c - who may use the parallel port: the allocate and free requests
 * and callbacks, the queue of waiting allocate requests, and the deferred port checks.
 *
 * learn.microsoft.com: "Synchronizing the Use of a ParallelPort", IOCTL_INTERNAL_PARALLEL_PORT_
 * ALLOCATE, IOCTL_INTERNAL_PARALLEL_PORT_FREE, PPARALLEL_TRY_ALLOCATE_ROUTINE,
 * PPARALLEL_FREE_ROUTINE, PPARALLEL_QUERY_WAITERS_ROUTINE, PARALLEL_INTERRUPT_INFORMATION
 * (TryAllocatePortAtInterruptLevel, FreePortFromInterruptLevel), PARALLEL_INTERRUPT_SERVICE_ROUTINE
 * (DeferredPortCheckRoutine); "Synchronizing the Use of a ParallelPort".
 *
 * Every state change happens under the port interrupt's lock (ParportLock), so a client ISR that
 * allocates or frees at DIRQL and a client at PASSIVE_LEVEL never see half a change.
 *
 *   PORT_ALLOCATE request   the port if it is free; else the request is queued (FIFO) as Windows
 *                           does: IoMarkIrpPending, a cancel routine, STATUS_PENDING. It completes
 *                           with STATUS_SUCCESS when a free hands it the port, or with
 *                           STATUS_CANCELLED when its sender gives up (IoCancelIrp) first. Sent at
 *                           PASSIVE_LEVEL or DISPATCH_LEVEL alike: nothing waits in the port driver.
 *   TryAllocatePort         never waits: TRUE or FALSE. Cannot jump the queue: a free hands the
 *                           port straight to the oldest waiter.
 *   FreePort / PORT_FREE    hands the port to the oldest waiter, or leaves it idle and then runs
 *                           every client's DeferredPortCheckRoutine (at the port's DIRQL, under
 *                           the lock) - the documented "port is idle again" notification.
 *   ...AtInterruptLevel     the same from inside the port's critical section (a client ISR):
 *                           TryAllocate takes a free port; a free with waiters is passed to the
 *                           port's DpcForIsr, which hands the port over at DISPATCH_LEVEL, and a
 *                           free without waiters leaves the port idle and lets the DPC run the
 *                           deferred checks (so they never run nested inside a client's ISR).
 * A free of a port that is not allocated changes nothing (counted as a stray free).
 *
 * A queued request's waiter lives in its IRP (Tail.Overlay.DriverContext, the driver's while it
 * holds the IRP). Cancel and hand-over meet under the state lock, and IoSetCancelRoutine(Irp, NULL)
 * decides between them ("Canceling IRPs"): a free grants the oldest waiter whose cancel routine
 * it could take back; a waiter whose routine IoCancelIrp took already is dropped from the queue
 * and left to that routine, which completes it with STATUS_CANCELLED. The granted request is
 * completed after the lock is released (IoCompleteRequest: <= DISPATCH_LEVEL).
 */
#include "parport_internal.h"

KIRQL ParportLock(PPARPORT_EXTENSION Ext)
{
    KIRQL old;
    KeRaiseIrql(Ext->Irql, &old);
    KeAcquireSpinLockAtDpcLevel(&Ext->StateLock);
    return old;
}

VOID ParportUnlock(PPARPORT_EXTENSION Ext, KIRQL OldIrql)
{
    KeReleaseSpinLockFromDpcLevel(&Ext->StateLock);
    KeLowerIrql(OldIrql);
}

/* Under the lock: the port went idle; tell the clients that wait for that. */
static VOID ParportRunDeferredChecks(PPARPORT_EXTENSION Ext)
{
    if (Ext->Owner.allocated || Ext->Owner.waiter_count)
        return; /* taken again meanwhile: not idle after all */
    Ext->DeferredPasses++;
    (void)parport_clients_run_deferred(&Ext->Clients);
}

/* The queued request a waiter belongs to. */
static PIRP ParportWaiterIrp(struct parport_waiter *w)
{
    return CONTAINING_RECORD((PVOID *)w, IRP, Tail.Overlay.DriverContext[0]);
}
_Static_assert(sizeof(struct parport_waiter) <= sizeof(((PIRP)0)->Tail.Overlay.DriverContext),
               "a waiter fits in the IRP's DriverContext");

/* Under the lock: free the port - to the oldest waiter that can still be granted, or idle.
 * Returns the granted request (complete it with ParportGrant once the lock is released). */
static PIRP ParportFreeLocked(PPARPORT_EXTENSION Ext, enum parport_free_result *Result)
{
    while (Ext->Owner.allocated && !IsListEmpty(&Ext->Owner.waiters)) {
        struct parport_waiter *w = CONTAINING_RECORD(Ext->Owner.waiters.Flink, struct parport_waiter, link);
        if (IoSetCancelRoutine(ParportWaiterIrp(w), NULL))
            break;                                  /* ours again: no cancel routine will run */
        (void)parport_owner_cancel(&Ext->Owner, w); /* being cancelled: its routine completes it */
    }
    PLIST_ENTRY oldest = Ext->Owner.waiters.Flink;
    *Result = parport_owner_free(&Ext->Owner);
    if (*Result != PARPORT_FREE_HANDED_OVER)
        return NULL;
    return ParportWaiterIrp(CONTAINING_RECORD(oldest, struct parport_waiter, link));
}

/* Outside the lock, <= DISPATCH_LEVEL: the queued request got the port. */
static VOID ParportGrant(PIRP Irp)
{
    if (!Irp)
        return;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

BOOLEAN ParportTryAllocatePort(PVOID Context)
{
    PPARPORT_EXTENSION ext = Context;
    KIRQL old = ParportLock(ext);
    /* A stopped port's extension lives on while clients hold their file objects: refuse. */
    BOOLEAN got = !ext->Removed && !ext->Revoking && parport_owner_try_allocate(&ext->Owner, NULL);
    ParportUnlock(ext, old);
    return got;
}

VOID ParportFreePort(PVOID Context)
{
    PPARPORT_EXTENSION ext = Context;
    enum parport_free_result result;
    KIRQL old = ParportLock(ext);
    PIRP granted = ParportFreeLocked(ext, &result);
    if (result == PARPORT_FREE_IDLE)
        ParportRunDeferredChecks(ext);
    ParportUnlock(ext, old);
    ParportGrant(granted);
}

ULONG ParportQueryNumWaiters(PVOID Context)
{
    PPARPORT_EXTENSION ext = Context;
    KIRQL old = ParportLock(ext);
    ULONG n = ext->Owner.waiter_count;
    ParportUnlock(ext, old);
    return n;
}

/* Inside the critical section: the caller (a client ISR, a KeSynchronizeExecution routine) holds
 * the lock already. */
BOOLEAN ParportTryAllocatePortAtInterruptLevel(PVOID Context)
{
    PPARPORT_EXTENSION ext = Context;
    return !ext->Removed && !ext->Revoking && parport_owner_try_allocate(&ext->Owner, NULL);
}

VOID ParportFreePortFromInterruptLevel(PVOID Context)
{
    PPARPORT_EXTENSION ext = Context;
    if (!ext->Owner.allocated) {
        ext->Owner.stray_frees++;
        return;
    }
    if (ext->Owner.waiter_count) {
        ext->DpcFreePending = TRUE; /* the waiter's request completes at <= DISPATCH_LEVEL */
    } else {
        (void)parport_owner_free(&ext->Owner);
        ext->DpcCheckPending = TRUE;
    }
    IoRequestDpc(ext->Self, NULL, NULL);
}

VOID ParportDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    PPARPORT_EXTENSION ext = DeviceObject->DeviceExtension;
    PIRP granted = NULL;
    KIRQL old = ParportLock(ext);
    if (ext->DpcFreePending) {
        ext->DpcFreePending = FALSE;
        enum parport_free_result result;
        granted = ParportFreeLocked(ext, &result);
        if (result == PARPORT_FREE_IDLE)
            ext->DpcCheckPending = TRUE; /* the waiters were cancelled meanwhile */
    }
    if (ext->DpcCheckPending) {
        ext->DpcCheckPending = FALSE;
        ParportRunDeferredChecks(ext);
    }
    ParportUnlock(ext, old);
    ParportGrant(granted); /* at DISPATCH_LEVEL: the sender waits on its event */
}

/* IoCancelIrp's call for a queued allocate request: at DISPATCH_LEVEL, holding the cancel spin
 * lock, which goes first (the state lock is taken without it). */
static VOID ParportCancelAllocate(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    PPARPORT_EXTENSION ext = DeviceObject->DeviceExtension;
    struct parport_waiter *w = (struct parport_waiter *)Irp->Tail.Overlay.DriverContext;
    KIRQL old = ParportLock(ext);
    (void)parport_owner_cancel(&ext->Owner, w); /* never granted: a free takes the routine first */
    ParportUnlock(ext, old);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

NTSTATUS ParportAllocatePortRequest(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack, ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Information);
    PVOID tag = Stack->FileObject;
    KIRQL old = ParportLock(Ext);
    if (parport_owner_try_allocate(&Ext->Owner, tag)) {
        ParportUnlock(Ext, old);
        return STATUS_SUCCESS;
    }
    struct parport_waiter *w = (struct parport_waiter *)Irp->Tail.Overlay.DriverContext;
    *w = (struct parport_waiter){.tag = tag};
    (void)IoSetCancelRoutine(Irp, ParportCancelAllocate);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL)) {
        /* Cancelled before it could be queued, and no cancel routine will run: the dispatch
         * routine completes it now. */
        Ext->Owner.cancellations++;
        ParportUnlock(Ext, old);
        return STATUS_CANCELLED;
    }
    /* A cancel routine that runs from here on waits for the state lock we hold: the IRP is
     * marked and queued before anyone can complete it. */
    IoMarkIrpPending(Irp);
    parport_owner_enqueue(&Ext->Owner, w);
    ParportUnlock(Ext, old);
    return STATUS_PENDING; /* the IRP is no longer ours to touch: a free or a cancel completes it */
}

NTSTATUS ParportFreePortRequest(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack, ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Stack);
    UNREFERENCED_PARAMETER(Information);
    ParportFreePort(Ext);
    return STATUS_SUCCESS;
}
