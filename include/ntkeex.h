/* include/ntkeex.h - Ke/Ex routines of the WDK's wdm.h that issue 12 added: in-stack queued
 * spin locks, system and interrupt time, the processor count and ExQueryPoolBlockSize.
 * Included at the end of wdm.h (it needs KIRQL and KSPIN_LOCK); kept in its own file so wdm.h
 * stays easy to merge. Each routine's page: docs/reference/<name>.md.
 */
#ifndef IRQLAB_NTKEEX_H
#define IRQLAB_NTKEEX_H

/* ---- In-stack queued spin locks (kernel/ke/queued_spinlock.c) ----
 * A queued spin lock hands the lock to its waiters in FIFO order, each waiter spinning on its
 * own KLOCK_QUEUE_HANDLE (on the caller's stack) instead of on the shared lock word: fair, and
 * no cache-line storm under contention (the MCS lock; Windows' implementation is the same
 * idea). The KSPIN_LOCK holds the address of the last waiter's queue entry (0 = free). Do not
 * mix KeAcquireSpinLock and KeAcquireInStackQueuedSpinLock on the same lock, as the WDK says.
 * Reference: "Queued Spin Locks", "KeAcquireInStackQueuedSpinLock" (learn.microsoft.com). */
typedef struct _KSPIN_LOCK_QUEUE {
    struct _KSPIN_LOCK_QUEUE *volatile Next;
    PKSPIN_LOCK volatile Lock; /* the lock; bit 0 set while waiting, bit 1 set while owning */
} KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;

typedef struct _KLOCK_QUEUE_HANDLE {
    KSPIN_LOCK_QUEUE LockQueue;
    KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle);
/* ---- end of In-stack queued spin locks ---- */

/* ---- System and interrupt time (kernel/ke/system_time.c) ----
 * Both in 100-ns units. System time counts from January 1, 1601 (UTC), as Windows' does; it is
 * the CMOS real-time clock read at boot plus the interrupt time since. Interrupt time counts
 * from boot. KeQuerySystemTime and KeQueryInterruptTime advance once per clock tick
 * (KeQueryTimeIncrement); the Precise forms read the TSC and are exact to well under a tick. */
VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime);
VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime);
ULONGLONG KeQueryInterruptTime(VOID);
ULONGLONG KeQueryInterruptTimePrecise(PULONG64 QpcTimeStamp);
/* ---- end of System and interrupt time ---- */

/* ---- Processor count ----
 * The number of processors started so far (the WDK marks it obsolete: use
 * KeQueryActiveProcessorCountEx). Updated as each processor starts (kernel/ke/kprcb.c). */
extern volatile CCHAR KeNumberProcessors;
/* ---- end of Processor count ---- */

/* ---- Pool block size (kernel/mm/pool.c) ----
 * The number of bytes of the pool block PoolBlock (the address ExAllocatePool2 returned).
 * *QuotaCharged is set to FALSE: irqlab charges no quota. */
SIZE_T ExQueryPoolBlockSize(PVOID PoolBlock, PBOOLEAN QuotaCharged);
/* ---- end of Pool block size ---- */

#endif
