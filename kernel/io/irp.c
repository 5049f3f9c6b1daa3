/* kernel/io/irp.c - IRPs: IoAllocateIrp, IoFreeIrp, IoCallDriver, IoCompleteRequest.
 *
 * learn.microsoft.com: IRP, IO_STACK_LOCATION, IoAllocateIrp, IoCallDriver, IoCompleteRequest,
 * IoSetCompletionRoutine, "Completing IRPs", "I/O Stack Locations", "Bug Check 0x35
 * NO_MORE_IRP_STACK_LOCATIONS", "Bug Check 0x44 MULTIPLE_IRP_COMPLETE_REQUESTS".
 *
 * An IRP is one allocation: the IRP, then StackCount stack locations. The sender owns it while
 * CurrentLocation == StackCount + 1 (CurrentStackLocation then points one past the last location)
 * and fills the *next* location - the one the first driver will see. IoCallDriver steps down one
 * location and calls the target driver's MajorFunction[] entry; a driver passes the IRP on by
 * filling the next location and calling IoCallDriver again. IoCompleteRequest walks back up: at
 * each location it steps up first, then calls the completion routine stored there - set by the
 * driver one level up with IoSetCompletionRoutine - with that driver's device object. A routine
 * returning STATUS_MORE_PROCESSING_REQUIRED takes the IRP back (it will complete it again or free
 * it). Past the top, the I/O manager finishes the request for the sender: buffered output copied
 * back, IoStatus copied to UserIosb, UserEvent set, the IRP (and its system buffer) freed.
 *
 * Pending requests ("Handling IRPs that pend", IoMarkIrpPending): a dispatch routine may keep the
 * IRP - IoMarkIrpPending, return STATUS_PENDING - and complete it later from a DPC, a timer or a
 * thread. IoCallDriver returns STATUS_PENDING to the sender, who waits on its event (at
 * PASSIVE_LEVEL) and then reads its IO_STATUS_BLOCK. The mark travels up: each level's
 * SL_PENDING_RETURNED becomes Irp->PendingReturned for the level above, whose completion routine
 * marks its own location in turn (a level without a routine is marked here). Windows finishes a
 * pended request in an APC in the sender's thread; irqlab finishes it in the completing context
 * (any IRQL <= DISPATCH_LEVEL: no page faults to fear, one address space), freeing the IRP before
 * it sets the event, so a woken sender sees its request fully gone. Cancellation: cancel.c, csq.c.
 * Rules checked as Driver Verifier would, with Windows' stop codes:
 *   IoCallDriver / IoCompleteRequest above DISPATCH_LEVEL: IRQL_NOT_LESS_OR_EQUAL (0xA), P1 = the
 *     routine, P2 = the IRQL, P3 = DISPATCH_LEVEL (the highest allowed), P4 = the caller;
 *   IoCallDriver with no stack location left: NO_MORE_IRP_STACK_LOCATIONS (0x35), P1 = the IRP;
 *   completing an IRP that no driver holds (completed twice, or freed): 0x44, P1 = the IRP;
 *   completing an IRP whose cancel routine is still set: CANCEL_STATE_IN_COMPLETED_IRP (0x48),
 *     P1 = the IRP, P2 = the cancel routine (Windows stops when such an IRP is then cancelled, or
 *     at once under Driver Verifier; irqlab stops where the mistake is, every time).
 * With `verifier=io` (Driver Verifier's I/O verification), IoCompleteRequest also stops with
 * DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) as Windows does then ("Bug Check 0xC9"):
 *   P1 = 6: completed with a pending status (STATUS_PENDING or -1), P2 = the status, P3 = the IRP;
 *   P1 = 7: completed with its cancel routine still set, P2 = the routine, P3 = the IRP.
 */
#include "kernel/io/irp.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/ke/storm.h" /* ke_verifier_check_on: the verifier= switch */
#include "kernel/lib/string.h"
#include "kernel/ke/verifier_irql.h"

struct io_system_buffer {
    ULONG output_length;
    ULONG reserved;
    UCHAR data[]; /* 8-byte aligned: what AssociatedIrp.SystemBuffer points at */
};

static volatile LONG irps_outstanding;

unsigned io_irps_outstanding(void) { return (unsigned)__atomic_load_n(&irps_outstanding, __ATOMIC_RELAXED); }

PVOID io_system_buffer_alloc(ULONG size, ULONG output_length)
{
    struct io_system_buffer *b = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*b) + size, IO_TAG_SYSBUF);
    if (!b)
        return NULL;
    b->output_length = output_length;
    return b->data;
}

static struct io_system_buffer *system_buffer_of(PVOID data)
{
    return CONTAINING_RECORD(data, struct io_system_buffer, data);
}

PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    KE_VERIFY_IRQL_AT_MOST(IoAllocateIrp, DISPATCH_LEVEL); /* verifier=irql */
    UNREFERENCED_PARAMETER(ChargeQuota); /* no quotas */
    if (StackSize < 1)
        return NULL;
    PIRP irp = ExAllocatePool2(POOL_FLAG_NON_PAGED, IoSizeOfIrp(StackSize), IO_TAG_IRP); /* zeroed */
    if (!irp)
        return NULL;
    irp->Type = IO_TYPE_IRP;
    irp->Size = IoSizeOfIrp(StackSize);
    irp->StackCount = StackSize;
    irp->CurrentLocation = (CHAR)(StackSize + 1);
    irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(irp + 1) + StackSize;
    irp->RequestorMode = KernelMode;
    __atomic_fetch_add(&irps_outstanding, 1, __ATOMIC_RELAXED);
    return irp;
}

VOID IoFreeIrp(PIRP Irp)
{
    KE_VERIFY_IRQL_AT_MOST(IoFreeIrp, DISPATCH_LEVEL); /* verifier=irql */
    if (!Irp)
        return;
    Irp->Type = 0; /* a stale pointer no longer looks like an IRP (IoCompleteRequest checks) */
    ExFreePoolWithTag(Irp, IO_TAG_IRP);
    __atomic_fetch_sub(&irps_outstanding, 1, __ATOMIC_RELAXED);
}

static void check_dispatch_level(void *routine, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, DISPATCH_LEVEL, (ULONG_PTR)caller);
}

/* What Windows' default MajorFunction entry (IopInvalidDeviceRequest) does. */
static NTSTATUS invalid_device_request(PIRP Irp)
{
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

NTSTATUS IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    void *caller = __builtin_return_address(0);
    check_dispatch_level((void *)IofCallDriver, caller);
    if (!Irp->CallerAddress)
        Irp->CallerAddress = caller;
    Irp->CurrentLocation--;
    if (Irp->CurrentLocation <= 0)
        KeBugCheckEx(IO_BUGCHECK_NO_MORE_IRP_STACK_LOCATIONS, (ULONG_PTR)Irp, 0, 0, 0);
    Irp->Tail.Overlay.CurrentStackLocation--;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    stack->DeviceObject = DeviceObject;

    PDRIVER_OBJECT driver = DeviceObject->DriverObject;
    PDRIVER_DISPATCH dispatch = NULL;
    if (driver && stack->MajorFunction <= IRP_MJ_MAXIMUM_FUNCTION)
        dispatch = driver->MajorFunction[stack->MajorFunction];
    if (!dispatch)
        return invalid_device_request(Irp);
    return dispatch(DeviceObject, Irp);
}

/* Past the top of the stack: finish the request for its sender, then free the IRP. */
static void finish_for_sender(PIRP Irp)
{
    NTSTATUS status = Irp->IoStatus.Status;
    if ((Irp->Flags & IRP_BUFFERED_IO) && Irp->AssociatedIrp.SystemBuffer) {
        struct io_system_buffer *b = system_buffer_of(Irp->AssociatedIrp.SystemBuffer);
        /* Output is copied back for success and warnings (not errors), as on Windows - but never
         * more than the sender's buffer holds, whatever Information claims. */
        bool is_error = ((ULONG)status >> 30) == 3;
        if ((Irp->Flags & IRP_INPUT_OPERATION) && !is_error && Irp->UserBuffer) {
            ULONG_PTR n = Irp->IoStatus.Information;
            if (n > b->output_length)
                n = b->output_length;
            memcpy(Irp->UserBuffer, b->data, n);
        }
        if (Irp->Flags & IRP_DEALLOCATE_BUFFER)
            ExFreePoolWithTag(b, IO_TAG_SYSBUF);
        Irp->AssociatedIrp.SystemBuffer = NULL;
    }
    if (Irp->UserIosb)
        *Irp->UserIosb = Irp->IoStatus;
    /* Free first, signal last: the sender may run (and return, and count IRPs) the moment the
     * event is set, on another CPU - nothing of the request may be left by then. */
    PKEVENT event = Irp->UserEvent;
    IoFreeIrp(Irp);
    if (event)
        (void)KeSetEvent(event, IO_NO_INCREMENT, FALSE);
}

VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    UNREFERENCED_PARAMETER(PriorityBoost); /* no priority boosts */
    check_dispatch_level((void *)IofCompleteRequest, __builtin_return_address(0));
    if (Irp->Type != IO_TYPE_IRP || Irp->CurrentLocation > Irp->StackCount + 1)
        KeBugCheckEx(IO_BUGCHECK_MULTIPLE_IRP_COMPLETE_REQUESTS, (ULONG_PTR)Irp, 0, 0, 0);
    PDRIVER_CANCEL cancel = __atomic_load_n(&Irp->CancelRoutine, __ATOMIC_ACQUIRE);
    bool verifying = ke_verifier_check_on("io");
    if (verifying && (Irp->IoStatus.Status == STATUS_PENDING || Irp->IoStatus.Status == (NTSTATUS)-1))
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 6, (ULONG_PTR)(ULONG)Irp->IoStatus.Status, (ULONG_PTR)Irp, 0);
    if (cancel && verifying)
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 7, (ULONG_PTR)cancel, (ULONG_PTR)Irp, 0);
    if (cancel) /* IoCancelIrp could still call it, on an IRP that is gone */
        KeBugCheckEx(CANCEL_STATE_IN_COMPLETED_IRP, (ULONG_PTR)Irp, (ULONG_PTR)cancel, 0, 0);

    while (Irp->CurrentLocation <= Irp->StackCount) {
        PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
        PIO_COMPLETION_ROUTINE routine = stack->CompletionRoutine;
        PVOID context = stack->Context;
        UCHAR control = stack->Control;
        Irp->PendingReturned = (control & SL_PENDING_RETURNED) != 0;
        /* The location is done with: clear what belonged to it, then step up to the driver that
         * set the routine (its device object is the one the routine gets). */
        stack->CompletionRoutine = NULL;
        stack->Context = NULL;
        stack->Control = 0;
        Irp->CurrentLocation++;
        Irp->Tail.Overlay.CurrentStackLocation++;

        NTSTATUS status = Irp->IoStatus.Status;
        bool invoke = routine && ((NT_SUCCESS(status) && (control & SL_INVOKE_ON_SUCCESS)) ||
                                  (!NT_SUCCESS(status) && (control & SL_INVOKE_ON_ERROR)) ||
                                  (Irp->Cancel && (control & SL_INVOKE_ON_CANCEL)));
        if (invoke) {
            PDEVICE_OBJECT device = Irp->CurrentLocation <= Irp->StackCount
                                        ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject
                                        : NULL; /* the sender has no location: NULL, as on Windows */
            if (routine(device, Irp, context) == STATUS_MORE_PROCESSING_REQUIRED)
                return; /* the routine's driver owns the IRP again */
        } else if (Irp->PendingReturned && Irp->CurrentLocation <= Irp->StackCount) {
            IoMarkIrpPending(Irp); /* what a routine-less level would otherwise have to do */
        }
    }
    finish_for_sender(Irp);
}

/* learn.microsoft.com "IoForwardIrpSynchronously function (wdm.h)": copy the location down, a
 * completion routine that hands the IRP back (STATUS_MORE_PROCESSING_REQUIRED) by setting an
 * event, IoCallDriver, wait. The caller owns the IRP again afterwards and completes it. */
static NTSTATUS forward_done(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    (void)KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

BOOLEAN IoForwardIrpSynchronously(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)IoForwardIrpSynchronously, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    if (!DeviceObject || !Irp || Irp->CurrentLocation <= 1)
        return FALSE;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, forward_done, &done, TRUE, TRUE, TRUE);
    if (IoCallDriver(DeviceObject, Irp) == STATUS_PENDING)
        (void)KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    return TRUE;
}
