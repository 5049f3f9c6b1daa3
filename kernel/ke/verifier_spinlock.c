/* kernel/ke/verifier_spinlock.c - verifier=spinlock: no going below DISPATCH_LEVEL while this CPU
 * holds a spin lock.
 *
 * A spin lock is only safe at DISPATCH_LEVEL or above: below it the holder can be preempted, and
 * the next thread on this CPU that wants the lock spins forever (on Windows that ends in 0x133 or
 * 0x101, far from the mistake). The classic ways in: releasing nested locks in the wrong order
 * (KeReleaseSpinLock(&outer, OldIrql) restores PASSIVE_LEVEL while `inner` is still held), or a
 * KeLowerIrql in the middle of a locked region. Each CPU counts the KSPIN_LOCKs its driver-facing
 * routines took and gave back (spinlock.c, queued_spinlock.c); KeLowerIrql asks here.
 * The stop is 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION with parameter 1 = 0x31, Windows' code for
 * an invalid KeLowerIrql (learn.microsoft.com "Bug Check 0xC4"): P2 = the current IRQL, P3 = the
 * IRQL asked for, P4 = the caller (Windows: 0; irqlab names the call site). */
#include "kernel/ke/verifier_spinlock.h"

#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/verifier.h"

uint32_t ke_verifier_spinlocks_held(void) { return ke_current_prcb()->spinlocks_held; }

void ke_verifier_lower_with_lock_held(KIRQL current, KIRQL new_irql, void *caller)
{
    if (new_irql >= DISPATCH_LEVEL || !ke_verifier_on(KE_VERIFY_SPINLOCK) || !ke_current_prcb()->spinlocks_held)
        return;
    ke_verifier_count(KE_VERIFY_SPINLOCK);
    KeBugCheckEx(DRIVER_VERIFIER_DETECTED_VIOLATION, 0x31, current, new_irql, (ULONG_PTR)caller);
}
