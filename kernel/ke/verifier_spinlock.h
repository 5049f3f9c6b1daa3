/* kernel/ke/verifier_spinlock.h - verifier=spinlock (verifier_spinlock.c): per-CPU count of held
 * spin locks, and the check KeLowerIrql makes. */
#ifndef IRQLAB_KE_VERIFIER_SPINLOCK_H
#define IRQLAB_KE_VERIFIER_SPINLOCK_H

#include <stdint.h>

#include "include/wdm.h"
#include "kernel/ke/kprcb.h"

/* Inline on purpose: these sit in every KeAcquireSpinLock / KeReleaseSpinLock / KeLowerIrql, and
 * an out-of-line call each cost more than the lock itself (docs/performance.md). The count is kept
 * whether or not verifier=spinlock is on, so switching the check on at run time never sees a
 * stale count; only a CPU that lowers below DISPATCH_LEVEL while it holds a lock - a bug, or a
 * check that is off - makes the out-of-line call. */
FORCEINLINE void ke_verifier_spinlock_taken(void) { ke_current_prcb()->spinlocks_held++; }
FORCEINLINE void ke_verifier_spinlock_given(void)
{
    struct kprcb *prcb = ke_current_prcb();
    if (prcb->spinlocks_held)
        prcb->spinlocks_held--;
}
uint32_t ke_verifier_spinlocks_held(void);
/* Stops with 0xC4 / 0x31 if the check is on (verifier_spinlock.c). */
void ke_verifier_lower_with_lock_held(KIRQL current, KIRQL new_irql, void *caller);
/* Stops with 0xC4 / 0x31 if the check is on, new_irql < DISPATCH_LEVEL and a lock is held. */
FORCEINLINE void ke_verifier_check_lower(KIRQL current, KIRQL new_irql, void *caller)
{
    if (__builtin_expect(new_irql < DISPATCH_LEVEL && ke_current_prcb()->spinlocks_held, 0))
        ke_verifier_lower_with_lock_held(current, new_irql, caller);
}

#endif
