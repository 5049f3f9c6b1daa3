/* kernel/ke/spinlock.c - KSPIN_LOCK: the DISPATCH_LEVEL spin lock of wdm.h.
 *
 * A KSPIN_LOCK is one pointer-sized word: 0 when free, otherwise the owning CPU's kprcb address
 * with bit 0 set. Recording the owner lets irqlab catch the two classic mistakes with the
 * stop codes Windows uses: taking a lock this CPU already holds (0x0F SPIN_LOCK_ALREADY_OWNED,
 * a guaranteed deadlock) and releasing a lock this CPU does not hold (0x10 SPIN_LOCK_NOT_OWNED).
 * Acquiring raises to DISPATCH_LEVEL first so this CPU cannot be rescheduled or run a DPC that
 * wants the same lock while holding it.
 */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/spinlock.h"
#include "kernel/ke/verifier_spinlock.h"

static inline ULONG_PTR owner_tag(void) { return (ULONG_PTR)(uintptr_t)ke_current_prcb() | 1; }

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock) { *SpinLock = 0; }

void ke_spin_lock_acquire_raw(PKSPIN_LOCK lock, void *caller)
{
    ULONG_PTR me = owner_tag();
    if (__atomic_load_n(lock, __ATOMIC_RELAXED) == me)
        KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, (ULONG_PTR)lock, me, 0, (ULONG_PTR)caller);
    for (;;) {
        ULONG_PTR expected = 0;
        if (__atomic_compare_exchange_n(lock, &expected, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        while (__atomic_load_n(lock, __ATOMIC_RELAXED) != 0)
            cpu_pause();
    }
}

bool ke_spin_lock_try_raw(PKSPIN_LOCK lock)
{
    ULONG_PTR expected = 0;
    return __atomic_compare_exchange_n(lock, &expected, owner_tag(), false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void ke_spin_lock_release_raw(PKSPIN_LOCK lock, void *caller)
{
    ULONG_PTR me = owner_tag();
    if (__atomic_load_n(lock, __ATOMIC_RELAXED) != me)
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, (ULONG_PTR)lock, *lock, me, (ULONG_PTR)caller);
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    ke_spin_lock_acquire_raw(SpinLock, __builtin_return_address(0));
    ke_verifier_spinlock_taken();
    return old;
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    void *caller = __builtin_return_address(0);
    ke_spin_lock_release_raw(SpinLock, caller);
    ke_verifier_spinlock_given();
    ke_verifier_check_lower(KeGetCurrentIrql(), NewIrql, caller); /* the call site, not KeReleaseSpinLock */
    KeLowerIrql(NewIrql);
}

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql < DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, irql, DISPATCH_LEVEL, (ULONG_PTR)SpinLock,
                     (ULONG_PTR)__builtin_return_address(0));
    ke_spin_lock_acquire_raw(SpinLock, __builtin_return_address(0));
    ke_verifier_spinlock_taken();
}

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    ke_spin_lock_release_raw(SpinLock, __builtin_return_address(0));
    ke_verifier_spinlock_given();
}

BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    if (!ke_spin_lock_try_raw(SpinLock))
        return FALSE;
    ke_verifier_spinlock_taken();
    return TRUE;
}

BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock) { return __atomic_load_n(SpinLock, __ATOMIC_RELAXED) == 0; }
