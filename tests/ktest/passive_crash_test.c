/* tests/ktest/passive_crash_test.c - a passive-level interrupt object's rule, broken on purpose
 * (manual suite `passive_crash`; tests/e2e/test_bugcheck_passive.py boots
 * `ktest=passive_crash.<case>` with the second edu and reads the stop screen):
 *
 *   acquire_interrupt_spin_lock   KeAcquireInterruptSpinLock on it   0x13B PASSIVE_INTERRUPT_ERROR, P1 = 1
 *   release_interrupt_spin_lock   KeReleaseInterruptSpinLock on it   the same
 *
 * learn.microsoft.com, "Using Passive-Level Interrupt Service Routines": "The
 * KeAcquireInterruptSpinLock and KeReleaseInterruptSpinLock routines cause a bug check if the
 * ISR for the supplied interrupt object runs at IRQL = PASSIVE_LEVEL"; "Bug Check 0x13B".
 *
 *     make run-ktest CMDLINE='ktest=passive_crash.acquire_interrupt_spin_lock' QEMU_EXTRA='-device edu,addr=07.0'
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static BOOLEAN never_mine(PKINTERRUPT interrupt, PVOID context)
{
    (void)interrupt;
    (void)context;
    return FALSE;
}

/* A passive-level ISR on an edu's line (the second one's if there are two), or NULL (the case
 * then fails, naming why). */
static PKINTERRUPT connect_passive(struct ktest *t)
{
    static PKINTERRUPT object;
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1); /* make check-ktest's */
    if (!pdo)
        pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0); /* the e2e script's only one */
    if (!pdo || !io_test_take(pdo, IO_START_NO_MSI)) {
        ktest_fail(t, __FILE__, __LINE__, "needs -device edu");
        return NULL;
    }
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_fully(pdo, io_test_interrupt(pdo, 0, false), never_mine, NULL, &object);
    p.FullySpecified.Irql = PASSIVE_LEVEL;
    p.FullySpecified.SynchronizeIrql = PASSIVE_LEVEL;
    NTSTATUS status = IoConnectInterruptEx(&p);
    if (!NT_SUCCESS(status)) {
        ktest_fail(t, __FILE__, __LINE__, "IoConnectInterruptEx (passive) returned 0x%08x", (unsigned)status);
        return NULL;
    }
    ktest_log(t, "passive-level interrupt object at 0x%016lx", (unsigned long)(uintptr_t)object);
    return object;
}

static CRASH_SITE void acquire_interrupt_spin_lock(struct ktest *t)
{
    PKINTERRUPT object = connect_passive(t);
    if (!object)
        return;
    KIRQL old = KeAcquireInterruptSpinLock(object);
    KeReleaseInterruptSpinLock(object, old);
    ktest_fail(t, __FILE__, __LINE__, "KeAcquireInterruptSpinLock on a passive-level interrupt object returned");
}

static CRASH_SITE void release_interrupt_spin_lock(struct ktest *t)
{
    PKINTERRUPT object = connect_passive(t);
    if (!object)
        return;
    KeReleaseInterruptSpinLock(object, PASSIVE_LEVEL);
    ktest_fail(t, __FILE__, __LINE__, "KeReleaseInterruptSpinLock on a passive-level interrupt object returned");
}

KTEST_MANUAL_SUITE(passive_crash, KTEST_CASE(acquire_interrupt_spin_lock), KTEST_CASE(release_interrupt_spin_lock));
