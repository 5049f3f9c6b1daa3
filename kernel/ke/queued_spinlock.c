/* kernel/ke/queued_spinlock.c - in-stack queued spin locks (KLOCK_QUEUE_HANDLE), wdm.h.
 *
 * The MCS queue lock (Mellor-Crummey and Scott, "Algorithms for Scalable Synchronization on
 * Shared-Memory Multiprocessors", 1991), which is what Windows' queued spin locks are:
 *   * the KSPIN_LOCK word holds the address of the LAST queue entry (0 = free);
 *   * an acquirer swaps its own entry in; if there was a predecessor it links itself behind it
 *     and spins on its own entry's wait bit (its own cache line, on its own stack);
 *   * the releaser hands the lock straight to its successor by clearing that bit, or, with no
 *     successor, swaps the lock word back to 0 (unless someone is just linking in: then it
 *     waits for the link to appear).
 * So waiters get the lock in arrival order. LockQueue.Lock is the lock's address with bit 0
 * (waiting) and bit 1 (owner) as flags, the LOCK_QUEUE_WAIT / LOCK_QUEUE_OWNER bits of
 * Windows. Releasing a handle that does not own its lock stops with 0x10 SPIN_LOCK_NOT_OWNED
 * (P1 = the lock, P2 = the handle's Lock field, P3 = the handle, P4 = the caller); acquiring at
 * DPC level below DISPATCH_LEVEL stops with 0x9 as KeAcquireSpinLockAtDpcLevel does.
 * Reference: "Queued Spin Locks", "KeAcquireInStackQueuedSpinLock",
 * "KeReleaseInStackQueuedSpinLockFromDpcLevel" (learn.microsoft.com).
 */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/verifier_spinlock.h"

#define LOCK_QUEUE_WAIT 1u
#define LOCK_QUEUE_OWNER 2u

static ULONG_PTR *lock_field(PKSPIN_LOCK_QUEUE q) { return (ULONG_PTR *)(void *)&q->Lock; }

static void queued_acquire(PKSPIN_LOCK lock, PKSPIN_LOCK_QUEUE q)
{
    q->Next = NULL;
    __atomic_store_n(lock_field(q), (ULONG_PTR)lock | LOCK_QUEUE_WAIT, __ATOMIC_RELAXED);
    PKSPIN_LOCK_QUEUE pred = (PKSPIN_LOCK_QUEUE)__atomic_exchange_n(lock, (ULONG_PTR)q, __ATOMIC_ACQ_REL);
    if (pred) {
        __atomic_store_n(&pred->Next, q, __ATOMIC_RELEASE);
        while (__atomic_load_n(lock_field(q), __ATOMIC_ACQUIRE) & LOCK_QUEUE_WAIT)
            cpu_pause();
    }
    __atomic_store_n(lock_field(q), (ULONG_PTR)lock | LOCK_QUEUE_OWNER, __ATOMIC_RELAXED);
}

static void queued_release(PKSPIN_LOCK_QUEUE q, void *caller)
{
    ULONG_PTR field = __atomic_load_n(lock_field(q), __ATOMIC_RELAXED);
    PKSPIN_LOCK lock = (PKSPIN_LOCK)(field & ~(ULONG_PTR)(LOCK_QUEUE_WAIT | LOCK_QUEUE_OWNER));
    if (!(field & LOCK_QUEUE_OWNER) || !lock)
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, (ULONG_PTR)lock, field, (ULONG_PTR)q, (ULONG_PTR)caller);
    __atomic_store_n(lock_field(q), (ULONG_PTR)lock, __ATOMIC_RELAXED); /* no longer the owner */
    PKSPIN_LOCK_QUEUE next = __atomic_load_n(&q->Next, __ATOMIC_ACQUIRE);
    if (!next) {
        ULONG_PTR expected = (ULONG_PTR)q;
        if (__atomic_compare_exchange_n(lock, &expected, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return; /* nobody waiting */
        /* A successor swapped itself in but has not linked behind us yet. */
        while (!(next = __atomic_load_n(&q->Next, __ATOMIC_ACQUIRE)))
            cpu_pause();
    }
    /* Hand over: the successor stops spinning and owns the lock. */
    __atomic_store_n(lock_field(next), (ULONG_PTR)lock, __ATOMIC_RELEASE);
}

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    queued_acquire(SpinLock, &LockHandle->LockQueue);
    ke_verifier_spinlock_taken();
}

VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KIRQL old = LockHandle->OldIrql;
    void *caller = __builtin_return_address(0);
    queued_release(&LockHandle->LockQueue, caller);
    ke_verifier_spinlock_given();
    ke_verifier_check_lower(KeGetCurrentIrql(), old, caller);
    KeLowerIrql(old);
}

VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql < DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, irql, DISPATCH_LEVEL, (ULONG_PTR)SpinLock,
                     (ULONG_PTR)__builtin_return_address(0));
    queued_acquire(SpinLock, &LockHandle->LockQueue);
    ke_verifier_spinlock_taken();
}

VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    queued_release(&LockHandle->LockQueue, __builtin_return_address(0));
    ke_verifier_spinlock_given();
}
