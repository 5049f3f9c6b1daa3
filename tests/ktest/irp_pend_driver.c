/* tests/ktest/irp_pend_driver.c - see irp_pend_driver.h. The cancelable path follows the WDK's
 * "Using the System's Cancel Spin Lock"; the CSQ routines follow "Cancel-Safe IRP Queues". */
#include "tests/ktest/irp_pend_driver.h"

#include "kernel/lib/string.h"

struct pend_device pend;
static DRIVER_OBJECT pend_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest-pend"};

void pend_complete(PIRP irp, NTSTATUS status)
{
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = 0;
    if (NT_SUCCESS(status) && irp->AssociatedIrp.SystemBuffer) {
        memset(irp->AssociatedIrp.SystemBuffer, PEND_OUTPUT_BYTE, PEND_INFORMATION);
        irp->IoStatus.Information = PEND_INFORMATION;
    }
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

/* ---- the classic cancel routine ---- */

static VOID pend_cancel_routine(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    pend.cancel_irql = KeGetCurrentIrql();
    pend.cancel_caller_irql = Irp->CancelIrql;
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry); /* under the cancel spin lock, held for us */
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    __atomic_fetch_add(&pend.cancel_calls, 1, __ATOMIC_SEQ_CST);
    pend_complete(Irp, STATUS_CANCELLED);
}

unsigned pend_cancelable_count(void)
{
    KIRQL irql;
    unsigned n = 0;
    IoAcquireCancelSpinLock(&irql);
    for (PLIST_ENTRY e = pend.cancelable.Flink; e != &pend.cancelable; e = e->Flink)
        n++;
    IoReleaseCancelSpinLock(irql);
    return n;
}

PIRP pend_cancelable_next(void)
{
    KIRQL irql;
    PIRP irp = NULL;
    IoAcquireCancelSpinLock(&irql);
    if (!IsListEmpty(&pend.cancelable)) {
        PIRP first = CONTAINING_RECORD(pend.cancelable.Flink, IRP, Tail.Overlay.ListEntry);
        if (IoSetCancelRoutine(first, NULL)) { /* NULL: IoCancelIrp has it, the routine will run */
            RemoveEntryList(&first->Tail.Overlay.ListEntry);
            irp = first;
        }
    }
    IoReleaseCancelSpinLock(irql);
    return irp;
}

/* ---- the cancel-safe queue ---- */

static VOID csq_insert(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    InsertTailList(&pend.csq_list, &Irp->Tail.Overlay.ListEntry);
}

static VOID csq_remove(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

/* The next IRP after `Irp` (from the head if NULL); with a PeekContext, the next one whose file
 * object it is. */
static PIRP csq_peek(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    UNREFERENCED_PARAMETER(Csq);
    PLIST_ENTRY e = Irp ? Irp->Tail.Overlay.ListEntry.Flink : pend.csq_list.Flink;
    for (; e != &pend.csq_list; e = e->Flink) {
        PIRP next = CONTAINING_RECORD(e, IRP, Tail.Overlay.ListEntry);
        if (!PeekContext || IoGetCurrentIrpStackLocation(next)->FileObject == PeekContext)
            return next;
    }
    return NULL;
}

static VOID csq_acquire(PIO_CSQ Csq, PKIRQL Irql)
{
    UNREFERENCED_PARAMETER(Csq);
    KeAcquireSpinLock(&pend.csq_lock, Irql);
}

static VOID csq_release(PIO_CSQ Csq, KIRQL Irql)
{
    UNREFERENCED_PARAMETER(Csq);
    KeReleaseSpinLock(&pend.csq_lock, Irql);
}

static VOID csq_complete_canceled(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    __atomic_fetch_add(&pend.cancel_calls, 1, __ATOMIC_SEQ_CST);
    pend_complete(Irp, STATUS_CANCELLED);
}

/* ---- dispatch ---- */

static NTSTATUS pend_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    KIRQL irql;
    switch (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode) {
    case PEND_HOLD:
        IoMarkIrpPending(Irp);
        __atomic_store_n(&pend.held, Irp, __ATOMIC_RELEASE);
        return STATUS_PENDING;
    case PEND_CANCELABLE:
        IoAcquireCancelSpinLock(&irql);
        if (Irp->Cancel) {
            IoReleaseCancelSpinLock(irql);
            pend_complete(Irp, STATUS_CANCELLED);
            return STATUS_CANCELLED;
        }
        IoMarkIrpPending(Irp);
        (void)IoSetCancelRoutine(Irp, pend_cancel_routine);
        InsertTailList(&pend.cancelable, &Irp->Tail.Overlay.ListEntry);
        IoReleaseCancelSpinLock(irql);
        return STATUS_PENDING;
    case PEND_CSQ:
        IoCsqInsertIrp(&pend.csq, Irp, NULL); /* marks it pending */
        return STATUS_PENDING;
    default:
        pend_complete(Irp, STATUS_INVALID_DEVICE_REQUEST);
        return STATUS_INVALID_DEVICE_REQUEST;
    }
}

bool pend_create(void)
{
    pend = (struct pend_device){0};
    InitializeListHead(&pend.cancelable);
    InitializeListHead(&pend.csq_list);
    KeInitializeSpinLock(&pend.csq_lock);
    (void)IoCsqInitialize(&pend.csq, csq_insert, csq_remove, csq_peek, csq_acquire, csq_release,
                          csq_complete_canceled);
    pend_driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] = pend_dispatch;
    return NT_SUCCESS(IoCreateDevice(&pend_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &pend.device));
}

void pend_delete(void)
{
    if (pend.device)
        IoDeleteDevice(pend.device);
    pend.device = NULL;
}

PIRP pend_take(void) { return __atomic_exchange_n(&pend.held, NULL, __ATOMIC_ACQ_REL); }

NTSTATUS pend_send(ULONG code, PKEVENT event, PIO_STATUS_BLOCK iosb, UCHAR *out, PIRP *irp)
{
    KeInitializeEvent(event, NotificationEvent, FALSE);
    iosb->Status = 0x7EADBEEF;
    iosb->Information = 0xDEAD;
    PIRP request = IoBuildDeviceIoControlRequest(code, pend.device, NULL, 0, out, PEND_INFORMATION, FALSE, event, iosb);
    if (irp)
        *irp = request;
    if (!request)
        return STATUS_INSUFFICIENT_RESOURCES;
    return IoCallDriver(pend.device, request);
}

bool pend_wait(PKEVENT event)
{
    LARGE_INTEGER timeout;
    timeout.QuadPart = -10000LL * 20000; /* 20 s of guest time: only a lost IRP takes that long */
    return KeWaitForSingleObject(event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}
