/* kernel/ke/dispatcher_objects.c - events, semaphores, mutexes and fast mutexes.
 *
 * learn.microsoft.com: KeInitializeEvent, KeSetEvent, KeResetEvent, KeClearEvent,
 * KeReadStateEvent, KeInitializeSemaphore, KeReleaseSemaphore, KeInitializeMutex,
 * KeReleaseMutex, ExInitializeFastMutex, ExAcquireFastMutex, ExReleaseFastMutex,
 * ExTryToAcquireFastMutex; "Bug Check 0x1E: KMODE_EXCEPTION_NOT_HANDLED".
 * What "signalled" means per object and what a wait takes: wait_core.h. Each setter signals
 * under the dispatcher lock and wakes the waiters the object now satisfies (ke_signal_object);
 * a woken thread of higher priority than this CPU's runs when the IRQL drops (switch.c).
 */
#include "arch/x86_64/cpu.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/verifier_irql.h"

static KIRQL enter(uint64_t *flags)
{
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    *flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    return old;
}

static void leave(KIRQL old, uint64_t flags)
{
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(old);
}

static void init_header(DISPATCHER_HEADER *h, UCHAR type, UCHAR size, LONG state)
{
    h->Type = type;
    h->Absolute = 0;
    h->Size = size;
    h->Inserted = 0;
    h->SignalState = state;
    InitializeListHead(&h->WaitListHead);
}

/* ---- events ---- */

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    init_header(&Event->Header, Type == SynchronizationEvent ? EventSynchronizationObject : EventNotificationObject,
                sizeof(KEVENT) / sizeof(LONG), State ? 1 : 0);
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    KE_VERIFY_IRQL_AT_MOST(KeSetEvent, DISPATCH_LEVEL); /* verifier=irql */
    UNREFERENCED_PARAMETER(Wait);
    uint64_t flags;
    KIRQL old = enter(&flags);
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    ke_signal_object(&Event->Header, Increment);
    leave(old, flags);
    return previous;
}

LONG KeResetEvent(PRKEVENT Event)
{
    KE_VERIFY_IRQL_AT_MOST(KeResetEvent, DISPATCH_LEVEL); /* verifier=irql */
    return __atomic_exchange_n(&Event->Header.SignalState, 0, __ATOMIC_ACQ_REL);
}

VOID KeClearEvent(PRKEVENT Event)
{
    KE_VERIFY_IRQL_AT_MOST(KeClearEvent, DISPATCH_LEVEL); /* verifier=irql */
    __atomic_store_n(&Event->Header.SignalState, 0, __ATOMIC_RELEASE);
}
LONG KeReadStateEvent(PRKEVENT Event) { return __atomic_load_n(&Event->Header.SignalState, __ATOMIC_ACQUIRE); }

/* ---- semaphores ---- */

VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    init_header(&Semaphore->Header, SemaphoreObject, sizeof(KSEMAPHORE) / sizeof(LONG), Count);
    Semaphore->Limit = Limit;
}

LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait)
{
    KE_VERIFY_IRQL_AT_MOST(KeReleaseSemaphore, DISPATCH_LEVEL); /* verifier=irql */
    UNREFERENCED_PARAMETER(Wait);
    uint64_t flags;
    KIRQL old = enter(&flags);
    LONG previous = Semaphore->Header.SignalState;
    /* previous <= Limit always, so Limit - previous cannot overflow where previous + Adjustment could. */
    if (Adjustment <= 0 || Adjustment > Semaphore->Limit - previous) {
        ke_dispatcher_lock_release();
        /* Windows raises STATUS_SEMAPHORE_LIMIT_EXCEEDED; no kernel handler exists here.
         * P1 = the status, P2 = the caller, P3 = the semaphore, P4 = its limit. */
        KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)(ULONG)STATUS_SEMAPHORE_LIMIT_EXCEEDED,
                     (ULONG_PTR)__builtin_return_address(0), (ULONG_PTR)Semaphore, (ULONG_PTR)Semaphore->Limit);
    }
    Semaphore->Header.SignalState = previous + Adjustment;
    ke_signal_object(&Semaphore->Header, Increment);
    leave(old, flags);
    return previous;
}

LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore) { return __atomic_load_n(&Semaphore->Header.SignalState, __ATOMIC_ACQUIRE); }

/* ---- mutexes ---- */

VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    UNREFERENCED_PARAMETER(Level);
    init_header(&Mutex->Header, MutantObject, sizeof(KMUTEX) / sizeof(LONG), 1);
    InitializeListHead(&Mutex->MutantListEntry);
    Mutex->OwnerThread = NULL;
    Mutex->Abandoned = FALSE;
    Mutex->ApcDisable = 1;
}

LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    KE_VERIFY_IRQL_AT_MOST(KeReleaseMutex, DISPATCH_LEVEL); /* verifier=irql */
    UNREFERENCED_PARAMETER(Wait);
    uint64_t flags;
    KIRQL old = enter(&flags);
    PKTHREAD self = ke_this_sched()->current;
    if (Mutex->OwnerThread != self || Mutex->Header.SignalState > 0) {
        ke_dispatcher_lock_release();
        /* Windows raises STATUS_MUTANT_NOT_OWNED; nothing handles it in kernel mode.
         * P1 = the status, P2 = the caller, P3 = the mutex, P4 = its owner (NULL: free). */
        KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)(ULONG)STATUS_MUTANT_NOT_OWNED,
                     (ULONG_PTR)__builtin_return_address(0), (ULONG_PTR)Mutex, (ULONG_PTR)Mutex->OwnerThread);
    }
    LONG previous = Mutex->Header.SignalState;
    Mutex->Header.SignalState++;
    if (Mutex->Header.SignalState == 1) {
        RemoveEntryList(&Mutex->MutantListEntry);
        InitializeListHead(&Mutex->MutantListEntry);
        Mutex->OwnerThread = NULL;
        ke_signal_object(&Mutex->Header, MUTANT_INCREMENT);
    }
    leave(old, flags);
    return previous;
}

LONG KeReadStateMutex(PRKMUTEX Mutex) { return __atomic_load_n(&Mutex->Header.SignalState, __ATOMIC_ACQUIRE); }

/* ---- fast mutexes: a count and an event, owned at APC_LEVEL ---- */

VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex)
{
    FastMutex->Count = 1;
    FastMutex->Owner = NULL;
    FastMutex->Contention = 0;
    KeInitializeEvent(&FastMutex->Event, SynchronizationEvent, FALSE);
    FastMutex->OldIrql = 0;
}

static void check_fast_mutex_irql(void *routine, void *caller)
{
    KIRQL irql = ke_get_irql();
    if (irql > APC_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, APC_LEVEL, (ULONG_PTR)caller);
}

VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    check_fast_mutex_irql((void *)ExAcquireFastMutex, __builtin_return_address(0));
    KIRQL old = KfRaiseIrql(APC_LEVEL);
    if (__atomic_fetch_sub(&FastMutex->Count, 1, __ATOMIC_ACQUIRE) != 1) {
        /* Owned: the owner's release sets the event for exactly one of us (SynchronizationEvent). */
        __atomic_fetch_add(&FastMutex->Contention, 1, __ATOMIC_RELAXED);
        KeWaitForSingleObject(&FastMutex->Event, WrExecutive, KernelMode, FALSE, NULL);
    }
    FastMutex->Owner = KeGetCurrentThread();
    FastMutex->OldIrql = old;
}

BOOLEAN ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    check_fast_mutex_irql((void *)ExTryToAcquireFastMutex, __builtin_return_address(0));
    KIRQL old = KfRaiseIrql(APC_LEVEL);
    LONG expected = 1;
    if (!__atomic_compare_exchange_n(&FastMutex->Count, &expected, 0, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        KeLowerIrql(old);
        return FALSE;
    }
    FastMutex->Owner = KeGetCurrentThread();
    FastMutex->OldIrql = old;
    return TRUE;
}

VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex)
{
    KIRQL old = (KIRQL)FastMutex->OldIrql;
    FastMutex->Owner = NULL;
    if (__atomic_fetch_add(&FastMutex->Count, 1, __ATOMIC_RELEASE) != 0)
        KeSetEvent(&FastMutex->Event, 0, FALSE); /* someone waits: hand it over */
    KeLowerIrql(old);
}
