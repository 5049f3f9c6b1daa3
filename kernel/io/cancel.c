/* kernel/io/cancel.c - cancelling pending IRPs: the global cancel spin lock and IoCancelIrp.
 *
 * learn.microsoft.com: "Canceling IRPs", "Cancel Routines", "Using the System's Cancel Spin
 * Lock", IoCancelIrp, IoSetCancelRoutine, IoAcquireCancelSpinLock, IoReleaseCancelSpinLock,
 * DRIVER_CANCEL, "Bug Check 0x48 CANCEL_STATE_IN_COMPLETED_IRP", "Bug Check 0x11B
 * DRIVER_RETURNED_HOLDING_CANCEL_LOCK".
 *
 * A driver that keeps an IRP (returns STATUS_PENDING) makes it cancelable by setting a cancel
 * routine. IoCancelIrp sets Irp->Cancel, then - holding the one global cancel spin lock - takes
 * the routine out of the IRP with an atomic exchange and calls it at DISPATCH_LEVEL, the IRQL to
 * return to in Irp->CancelIrql. The routine releases the lock (IoReleaseCancelSpinLock(Irp->
 * CancelIrql)), takes the IRP off its queue and completes it with STATUS_CANCELLED.
 *
 * The race with normal completion is settled by the same exchange: the driver that wants to
 * complete the IRP first does IoSetCancelRoutine(Irp, NULL). A non-NULL result means the driver
 * won: no cancel routine will run. NULL means IoCancelIrp got there first: the cancel routine
 * runs (or ran) and will complete the IRP - the driver must leave it alone. Exactly one of the two
 * completes it. The cancel-safe queue (csq.c) wraps this rule so drivers cannot get it wrong.
 *
 * Stops, as Windows:
 *   IoCancelIrp finds a cancel routine in an IRP that is already completed (no driver holds it):
 *     CANCEL_STATE_IN_COMPLETED_IRP (0x48), P1 = the IRP, P2 = the cancel routine;
 *   the cancel routine returns still holding the cancel spin lock: DRIVER_RETURNED_HOLDING_
 *     CANCEL_LOCK (0x11B), P1 = the IRP, P2 = the cancel routine;
 *   IoCancelIrp above DISPATCH_LEVEL: IRQL_NOT_LESS_OR_EQUAL (0xA), P1 = IoCancelIrp, P2 = the
 *     IRQL, P3 = DISPATCH_LEVEL, P4 = the caller.
 */
#include "kernel/io/irp.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/ke/kprcb.h"

static KSPIN_LOCK io_cancel_lock;

VOID IoAcquireCancelSpinLock(PKIRQL Irql) { KeAcquireSpinLock(&io_cancel_lock, Irql); }

VOID IoReleaseCancelSpinLock(KIRQL Irql) { KeReleaseSpinLock(&io_cancel_lock, Irql); }

/* The lock word holds the owning CPU's kprcb with bit 0 set (kernel/ke/spinlock.c). */
static bool cancel_lock_held_here(void)
{
    return __atomic_load_n(&io_cancel_lock, __ATOMIC_RELAXED) == ((ULONG_PTR)(uintptr_t)ke_current_prcb() | 1);
}

BOOLEAN IoCancelIrp(PIRP Irp)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)IoCancelIrp, irql, DISPATCH_LEVEL,
                     (ULONG_PTR)__builtin_return_address(0));
    IoAcquireCancelSpinLock(&irql);
    Irp->Cancel = TRUE;
    PDRIVER_CANCEL routine = IoSetCancelRoutine(Irp, NULL);
    if (!routine) {
        IoReleaseCancelSpinLock(irql);
        return FALSE;
    }
    if (Irp->CurrentLocation > Irp->StackCount + 1)
        KeBugCheckEx(CANCEL_STATE_IN_COMPLETED_IRP, (ULONG_PTR)Irp, (ULONG_PTR)routine, 0, 0);
    Irp->CancelIrql = irql;
    routine(IoGetCurrentIrpStackLocation(Irp)->DeviceObject, Irp);
    /* The routine may have completed (freed) the IRP: only its address is used from here on. */
    if (cancel_lock_held_here())
        KeBugCheckEx(DRIVER_RETURNED_HOLDING_CANCEL_LOCK, (ULONG_PTR)Irp, (ULONG_PTR)routine, 0, 0);
    return TRUE;
}
