/* tests/ktest/io_stale_crash_test.c - using an interrupt object after IoDisconnectInterruptEx gave
 * it back (manual suite `io_stale_crash`; tests/e2e/test_bugcheck_interrupt.py boots
 * `ktest=io_stale_crash.<case>` and reads the stop screen). Each case connects an ISR to COM1's
 * line (every machine has one), disconnects it, then passes the stale KINTERRUPT on:
 *
 *   synchronize_after_disconnect     KeSynchronizeExecution
 *   acquire_lock_after_disconnect    KeAcquireInterruptSpinLock
 *
 * Both stop with 0xD5 DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL: P1 = the object, P2 = 0 (a read),
 * P3 = the caller (inside the case), P4 = 0. By hand:
 *
 *     make run-ktest CMDLINE='ktest=io_stale_crash.synchronize_after_disconnect'
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static BOOLEAN never(PKINTERRUPT interrupt, PVOID context)
{
    (void)interrupt;
    (void)context;
    return FALSE; /* COM1's interrupts are off (IER = 0): this never runs */
}

static BOOLEAN nothing(PVOID context)
{
    (void)context;
    return TRUE;
}

/* Connect to COM1 (taken from its driver; the case stops the machine, so it is never given back)
 * and disconnect again: the object handed out is stale from then on. */
static PKINTERRUPT stale_interrupt(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_test_take(io_pdo_find_isa("PNP0501"), 0);
    if (!pdo) {
        ktest_fail(t, __FILE__, __LINE__, "no COM1 PDO, or it could not be taken from its driver");
        return NULL;
    }
    PKINTERRUPT object = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(pdo, never, NULL, &object);
    if (!NT_SUCCESS(IoConnectInterruptEx(&p))) {
        ktest_fail(t, __FILE__, __LINE__, "connect failed");
        return NULL;
    }
    io_test_disconnect(CONNECT_LINE_BASED, object);
    return object;
}

static CRASH_SITE void synchronize_after_disconnect(struct ktest *t)
{
    PKINTERRUPT object = stale_interrupt(t);
    if (!object)
        return;
    (void)KeSynchronizeExecution(object, nothing, NULL);
    ktest_fail(t, __FILE__, __LINE__, "KeSynchronizeExecution on a disconnected interrupt returned");
}

static CRASH_SITE void acquire_lock_after_disconnect(struct ktest *t)
{
    PKINTERRUPT object = stale_interrupt(t);
    if (!object)
        return;
    KIRQL old = KeAcquireInterruptSpinLock(object);
    KeReleaseInterruptSpinLock(object, old);
    ktest_fail(t, __FILE__, __LINE__, "KeAcquireInterruptSpinLock on a disconnected interrupt returned");
}

KTEST_MANUAL_SUITE(io_stale_crash, KTEST_CASE(synchronize_after_disconnect), KTEST_CASE(acquire_lock_after_disconnect));
