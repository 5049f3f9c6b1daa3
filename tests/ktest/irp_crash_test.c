/* tests/ktest/irp_crash_test.c - cancellation rules broken on purpose, each ending the kernel with
 * Windows' stop code (manual suite `irp_crash`; tests/e2e/test_bugcheck_irp.py boots
 * `ktest=irp_crash.<case>` and reads the stop screen). By hand:
 *
 *     make run-ktest CMDLINE='ktest=irp_crash.complete_with_cancel_routine_set'
 *
 *   complete_with_cancel_routine_set   IoCompleteRequest on an IRP whose cancel routine is still
 *                                      set: 0x48 CANCEL_STATE_IN_COMPLETED_IRP, P1 = the IRP,
 *                                      P2 = the cancel routine (pend_cancel_routine)
 *   cancel_routine_keeps_the_lock      a cancel routine that returns without
 *                                      IoReleaseCancelSpinLock: 0x11B DRIVER_RETURNED_HOLDING_
 *                                      CANCEL_LOCK, P1 = the IRP, P2 = the routine
 *   cancel_completed_irp               IoCancelIrp finds a cancel routine in an IRP that is back
 *                                      with its sender: 0x48, P1 = the IRP, P2 = the routine
 *   cancel_above_dispatch_level        IoCancelIrp at IRQL 3: 0xA, P1 = IoCancelIrp, P2 = 3,
 *                                      P3 = 2 (DISPATCH_LEVEL, the highest allowed)
 * Booted with verifier=io (Driver Verifier's I/O verification), 0xC9 DRIVER_VERIFIER_IOMANAGER_
 * VIOLATION:
 *   verified_complete_with_cancel_routine_set   the first case: P1 = 7, P2 = the routine, P3 = the IRP
 *   verified_complete_with_pending_status       IoCompleteRequest with IoStatus.Status =
 *                                               STATUS_PENDING: P1 = 6, P2 = 0x103, P3 = the IRP
 * (without verifier=io the last one passes unnoticed, as on Windows: the case fails then).
 */
#include "tests/ktest/irp_pend_driver.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static PIRP pend_one(struct ktest *t, ULONG code)
{
    static KEVENT event;
    static IO_STATUS_BLOCK iosb;
    static UCHAR out[PEND_INFORMATION];
    PIRP irp = NULL;
    if (!pend_create() || pend_send(code, &event, &iosb, out, &irp) != STATUS_PENDING) {
        ktest_fail(t, __FILE__, __LINE__, "the request did not pend");
        return NULL;
    }
    return irp;
}

static CRASH_SITE void complete_with_cancel_routine_set(struct ktest *t)
{
    PIRP irp = pend_one(t, PEND_CANCELABLE);
    if (!irp)
        return;
    KIRQL irql;
    IoAcquireCancelSpinLock(&irql);
    RemoveEntryList(&irp->Tail.Overlay.ListEntry); /* off the queue, but the routine stays set */
    IoReleaseCancelSpinLock(irql);
    pend_complete(irp, STATUS_SUCCESS);
    ktest_fail(t, __FILE__, __LINE__, "completing with a cancel routine set returned");
}

static CRASH_SITE void verified_complete_with_cancel_routine_set(struct ktest *t)
{
    complete_with_cancel_routine_set(t);
}

static CRASH_SITE void verified_complete_with_pending_status(struct ktest *t)
{
    PIRP irp = pend_one(t, PEND_HOLD);
    if (!irp)
        return;
    PIRP held = pend_take();
    held->IoStatus.Status = STATUS_PENDING; /* "not done yet" is not a result */
    IoCompleteRequest(held, IO_NO_INCREMENT);
    ktest_fail(t, __FILE__, __LINE__, "completing with STATUS_PENDING returned (booted without verifier=io?)");
}

static VOID keep_the_lock(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp); /* forgets IoReleaseCancelSpinLock(Irp->CancelIrql) */
}

static CRASH_SITE void cancel_routine_keeps_the_lock(struct ktest *t)
{
    PIRP irp = pend_one(t, PEND_HOLD);
    if (!irp)
        return;
    (void)IoSetCancelRoutine(pend_take(), keep_the_lock);
    (void)IoCancelIrp(irp);
    ktest_fail(t, __FILE__, __LINE__, "a cancel routine kept the cancel spin lock and nothing stopped");
}

static CRASH_SITE void cancel_completed_irp(struct ktest *t)
{
    PIRP irp = IoAllocateIrp(1, FALSE); /* the sender's own: no driver holds it */
    if (!irp) {
        ktest_fail(t, __FILE__, __LINE__, "no IRP");
        return;
    }
    (void)IoSetCancelRoutine(irp, keep_the_lock);
    (void)IoCancelIrp(irp);
    ktest_fail(t, __FILE__, __LINE__, "cancelling an IRP no driver holds returned");
}

static CRASH_SITE void cancel_above_dispatch_level(struct ktest *t)
{
    PIRP irp = pend_one(t, PEND_HOLD);
    if (!irp)
        return;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL + 1, &old);
    (void)IoCancelIrp(irp);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoCancelIrp above DISPATCH_LEVEL returned");
}

KTEST_MANUAL_SUITE(irp_crash, KTEST_CASE(complete_with_cancel_routine_set), KTEST_CASE(cancel_routine_keeps_the_lock),
                   KTEST_CASE(cancel_completed_irp), KTEST_CASE(cancel_above_dispatch_level),
                   KTEST_CASE(verified_complete_with_cancel_routine_set),
                   KTEST_CASE(verified_complete_with_pending_status));
