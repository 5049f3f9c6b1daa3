/* tests/ktest/wdk_crash_test.c - IRQL rules of the issue-12 routines, each ending the kernel with
 * the stop code irqlab uses for "IRQL too low / too high" (manual suite `wdk_crash`;
 * tests/e2e/test_bugcheck_wdk.py boots `ktest=wdk_crash.<case>` and reads the stop screen):
 *
 *   io_request_dpc_at_dispatch      IoRequestDpc at DISPATCH_LEVEL (documented: DIRQL): 0x9,
 *                                   P1 = 2, P2 = 3, P3 = the device object, P4 = the caller
 *   sync_above_synchronize_irql     KeSynchronizeExecution at HIGH_LEVEL: 0x9, P1 = 15,
 *                                   P2 = the object's SynchronizeIrql, P3 = the object
 *   queued_lock_at_dpc_level_below  KeAcquireInStackQueuedSpinLockAtDpcLevel at PASSIVE_LEVEL: 0x9,
 *                                   P1 = 0, P2 = 2, P3 = the lock
 *   queued_release_not_owned        releasing a KLOCK_QUEUE_HANDLE that owns nothing: 0x10,
 *                                   P1 = 0 (no lock), P2 = 0, P3 = the handle
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static VOID never_dpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {}

static BOOLEAN never_isr(PKINTERRUPT interrupt, PVOID context) { return FALSE; }
static BOOLEAN nothing(PVOID context) { return TRUE; }

static DEVICE_OBJECT crash_device;

static CRASH_SITE void io_request_dpc_at_dispatch(struct ktest *t)
{
    IoInitializeDpcRequest(&crash_device, never_dpc);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    IoRequestDpc(&crash_device, NULL, NULL); /* DIRQL only */
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoRequestDpc at DISPATCH_LEVEL returned");
}

static CRASH_SITE void sync_above_synchronize_irql(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_test_take(io_pdo_find_isa("PNP0501"), 0); /* COM1, never given back */
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, never_isr, NULL, &object);
    if (!pdo || !NT_SUCCESS(IoConnectInterruptEx(&p))) {
        ktest_fail(t, __FILE__, __LINE__, "no COM1 interrupt to synchronize with");
        return;
    }
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    (void)KeSynchronizeExecution(object, nothing, NULL);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "KeSynchronizeExecution above SynchronizeIrql returned");
}

static KSPIN_LOCK crash_lock;

static CRASH_SITE void queued_lock_at_dpc_level_below(struct ktest *t)
{
    KLOCK_QUEUE_HANDLE h;
    KeInitializeSpinLock(&crash_lock);
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&crash_lock, &h); /* at PASSIVE_LEVEL */
    ktest_fail(t, __FILE__, __LINE__, "KeAcquireInStackQueuedSpinLockAtDpcLevel at PASSIVE_LEVEL returned");
}

static KLOCK_QUEUE_HANDLE never_acquired;

static CRASH_SITE void queued_release_not_owned(struct ktest *t)
{
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&never_acquired);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "releasing a handle that owns nothing returned");
}

KTEST_MANUAL_SUITE(wdk_crash, KTEST_CASE(io_request_dpc_at_dispatch), KTEST_CASE(sync_above_synchronize_irql),
                   KTEST_CASE(queued_lock_at_dpc_level_below), KTEST_CASE(queued_release_not_owned));
