/* kernel/io/csq.c - cancel-safe IRP queues: IoCsqInitialize(Ex), IoCsqInsertIrp(Ex),
 * IoCsqRemoveNextIrp, IoCsqRemoveIrp.
 *
 * learn.microsoft.com: "Cancel-Safe IRP Queues", IO_CSQ, IO_CSQ_IRP_CONTEXT, IoCsqInitialize,
 * IoCsqInitializeEx, IoCsqInsertIrp, IoCsqInsertIrpEx, IoCsqRemoveNextIrp, IoCsqRemoveIrp,
 * CsqCompleteCanceledIrp.
 *
 * The driver owns the queue and its lock; these routines own the cancel logic. Every step runs
 * under the driver's lock (CsqAcquireLock), and every decision is one IoSetCancelRoutine
 * exchange (cancel.c explains why that settles the race with IoCancelIrp):
 *   insert       queue the IRP, set the CSQ's cancel routine; if Irp->Cancel is already set, take
 *                the routine back - if it was still there, nobody else will complete the IRP:
 *                dequeue it and hand it to CsqCompleteCanceledIrp;
 *   remove       IoSetCancelRoutine(Irp, NULL): non-NULL - ours, dequeue it; NULL - IoCancelIrp
 *                took the routine and the cancel routine is on its way to dequeue it: skip it;
 *   cancel       the CSQ's cancel routine drops the cancel spin lock, then dequeues the IRP under
 *                the driver's lock and calls CsqCompleteCanceledIrp (outside the lock).
 * Which CSQ an IRP belongs to travels in Irp->Tail.Overlay.DriverContext[3]: the IO_CSQ, or the
 * IO_CSQ_IRP_CONTEXT (its Type says which), as on Windows - a driver using a CSQ leaves
 * DriverContext[3] alone.
 */
#include "kernel/io/irp.h"

#define CSQ_SLOT 3 /* Irp->Tail.Overlay.DriverContext[CSQ_SLOT] */

static NTSTATUS csq_init(PIO_CSQ Csq, ULONG type, PVOID insert, PIO_CSQ_REMOVE_IRP remove, PIO_CSQ_PEEK_NEXT_IRP peek,
                         PIO_CSQ_ACQUIRE_LOCK acquire, PIO_CSQ_RELEASE_LOCK release,
                         PIO_CSQ_COMPLETE_CANCELED_IRP complete)
{
    Csq->Type = type;
    Csq->CsqInsertIrp = (PIO_CSQ_INSERT_IRP)insert;
    Csq->CsqRemoveIrp = remove;
    Csq->CsqPeekNextIrp = peek;
    Csq->CsqAcquireLock = acquire;
    Csq->CsqReleaseLock = release;
    Csq->CsqCompleteCanceledIrp = complete;
    Csq->ReservePointer = NULL;
    return STATUS_SUCCESS;
}

NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                         PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                         PIO_CSQ_RELEASE_LOCK CsqReleaseLock, PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    return csq_init(Csq, IO_TYPE_CSQ, (PVOID)CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp, CsqAcquireLock,
                    CsqReleaseLock, CsqCompleteCanceledIrp);
}

NTSTATUS IoCsqInitializeEx(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP_EX CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                           PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                           PIO_CSQ_RELEASE_LOCK CsqReleaseLock, PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    return csq_init(Csq, IO_TYPE_CSQ_EX, (PVOID)CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp, CsqAcquireLock,
                    CsqReleaseLock, CsqCompleteCanceledIrp);
}

/* The IRP has left the queue: forget the CSQ and the context's link to it. Under the lock. */
static void csq_forget(PIRP Irp)
{
    PIO_CSQ_IRP_CONTEXT context = Irp->Tail.Overlay.DriverContext[CSQ_SLOT];
    if (context && context->Type == IO_TYPE_CSQ_IRP_CONTEXT)
        context->Irp = NULL;
    Irp->Tail.Overlay.DriverContext[CSQ_SLOT] = NULL;
}

static VOID csq_cancel_routine(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    PVOID slot = Irp->Tail.Overlay.DriverContext[CSQ_SLOT];
    PIO_CSQ csq = slot;
    if (((PIO_CSQ_IRP_CONTEXT)slot)->Type == IO_TYPE_CSQ_IRP_CONTEXT)
        csq = ((PIO_CSQ_IRP_CONTEXT)slot)->Csq;
    KIRQL irql;
    csq->CsqAcquireLock(csq, &irql);
    csq->CsqRemoveIrp(csq, Irp);
    csq_forget(Irp);
    csq->CsqReleaseLock(csq, irql);
    csq->CsqCompleteCanceledIrp(csq, Irp);
}

NTSTATUS IoCsqInsertIrpEx(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context, PVOID InsertContext)
{
    KIRQL irql;
    NTSTATUS status = STATUS_SUCCESS;
    Csq->CsqAcquireLock(Csq, &irql);
    if (Context) {
        Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
        Context->Irp = Irp;
        Context->Csq = Csq;
        Irp->Tail.Overlay.DriverContext[CSQ_SLOT] = Context;
    } else {
        Irp->Tail.Overlay.DriverContext[CSQ_SLOT] = Csq;
    }
    if (Csq->Type == IO_TYPE_CSQ_EX)
        status = ((PIO_CSQ_INSERT_IRP_EX)(PVOID)Csq->CsqInsertIrp)(Csq, Irp, InsertContext);
    else
        Csq->CsqInsertIrp(Csq, Irp);
    if (!NT_SUCCESS(status)) {
        csq_forget(Irp);
        Csq->CsqReleaseLock(Csq, irql);
        return status;
    }
    IoMarkIrpPending(Irp);
    (void)IoSetCancelRoutine(Irp, csq_cancel_routine);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL)) {
        /* Cancelled before it was cancelable, and no cancel routine will run: ours to finish. */
        Csq->CsqRemoveIrp(Csq, Irp);
        csq_forget(Irp);
        Csq->CsqReleaseLock(Csq, irql);
        Csq->CsqCompleteCanceledIrp(Csq, Irp);
        return status;
    }
    Csq->CsqReleaseLock(Csq, irql);
    return status;
}

VOID IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    (void)IoCsqInsertIrpEx(Csq, Irp, Context, NULL);
}

PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
    KIRQL irql;
    Csq->CsqAcquireLock(Csq, &irql);
    PIRP irp = Csq->CsqPeekNextIrp(Csq, NULL, PeekContext);
    while (irp) {
        if (IoSetCancelRoutine(irp, NULL)) {
            Csq->CsqRemoveIrp(Csq, irp);
            csq_forget(irp);
            break;
        }
        /* Being cancelled: its cancel routine waits for our lock to dequeue it. */
        irp = Csq->CsqPeekNextIrp(Csq, irp, PeekContext);
    }
    Csq->CsqReleaseLock(Csq, irql);
    return irp;
}

PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context)
{
    KIRQL irql;
    PIRP irp = NULL;
    Csq->CsqAcquireLock(Csq, &irql);
    if (Context->Irp && IoSetCancelRoutine(Context->Irp, NULL)) {
        irp = Context->Irp;
        Csq->CsqRemoveIrp(Csq, irp);
        csq_forget(irp);
    }
    Csq->CsqReleaseLock(Csq, irql);
    return irp;
}
