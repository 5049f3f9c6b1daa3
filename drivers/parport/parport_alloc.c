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
 *   PORT_ALLOCATE request   the port if it is free; else the request queues (FIFO) and waits to be
 *                           handed the port. Windows returns STATUS_PENDING and completes the
 *                           IRP later; irqlab has no threads, so the dispatch routine itself waits
 *                           (at PASSIVE_LEVEL, interrupts on, so the owner's ISR and DPCs keep
 *                           running) for at most AllocateTimeoutMs, then gives up the way a
 *                           Windows client that finds the delay unacceptable cancels its request:
 *                           STATUS_CANCELLED. Sent at DISPATCH_LEVEL nothing could free the port
 *                           while it waits on this CPU, so a busy port is STATUS_CANCELLED at once.
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
 */
#include "drivers/parport/parport_internal.h"

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

BOOLEAN ParportTryAllocatePort(PVOID Context)
{
    PPARPORT_EXTENSION ext = Context;
    KIRQL old = ParportLock(ext);
    BOOLEAN got = parport_owner_try_allocate(&ext->Owner, NULL);
    ParportUnlock(ext, old);
    return got;
}

VOID ParportFreePort(PVOID Context)
{
    PPARPORT_EXTENSION ext = Context;
    KIRQL old = ParportLock(ext);
    if (parport_owner_free(&ext->Owner) == PARPORT_FREE_IDLE)
        ParportRunDeferredChecks(ext);
    ParportUnlock(ext, old);
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
    return parport_owner_try_allocate(&ext->Owner, NULL);
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
    KIRQL old = ParportLock(ext);
    if (ext->DpcFreePending) {
        ext->DpcFreePending = FALSE;
        if (parport_owner_free(&ext->Owner) == PARPORT_FREE_IDLE)
            ext->DpcCheckPending = TRUE; /* the waiter gave up meanwhile */
    }
    if (ext->DpcCheckPending) {
        ext->DpcCheckPending = FALSE;
        ParportRunDeferredChecks(ext);
    }
    ParportUnlock(ext, old);
}

/* Microseconds since boot, from the performance counter. */
static ULONG64 ParportNowUs(VOID)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER now = KeQueryPerformanceCounter(&frequency);
    return (ULONG64)now.QuadPart / ((ULONG64)frequency.QuadPart / 1000000 ? (ULONG64)frequency.QuadPart / 1000000 : 1);
}

NTSTATUS ParportAllocatePortRequest(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack, ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Information);
    KIRQL caller_irql = KeGetCurrentIrql();
    PVOID tag = Stack->FileObject;
    KIRQL old = ParportLock(Ext);
    if (parport_owner_try_allocate(&Ext->Owner, tag)) {
        ParportUnlock(Ext, old);
        return STATUS_SUCCESS;
    }
    if (caller_irql >= DISPATCH_LEVEL || Ext->AllocateTimeoutMs == 0) {
        Ext->Owner.cancellations++;
        ParportUnlock(Ext, old);
        return STATUS_CANCELLED;
    }
    struct parport_waiter waiter = {.tag = tag};
    parport_owner_enqueue(&Ext->Owner, &waiter);
    ULONG64 deadline = ParportNowUs() + (ULONG64)Ext->AllocateTimeoutMs * 1000;
    ParportUnlock(Ext, old);

    /* The free that hands us the port comes from the owner: its ISR, its DPC, another CPU. */
    while (!__atomic_load_n(&waiter.granted, __ATOMIC_ACQUIRE) && ParportNowUs() < deadline)
        KeStallExecutionProcessor(10);

    old = ParportLock(Ext);
    BOOLEAN cancelled = parport_owner_cancel(&Ext->Owner, &waiter);
    ParportUnlock(Ext, old);
    return cancelled ? STATUS_CANCELLED : STATUS_SUCCESS;
}

NTSTATUS ParportFreePortRequest(PPARPORT_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack, ULONG_PTR *Information)
{
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Stack);
    UNREFERENCED_PARAMETER(Information);
    ParportFreePort(Ext);
    return STATUS_SUCCESS;
}
