/* kernel/ke/timer.c - KTIMER: KeInitializeTimer(Ex), KeSetTimer(Ex), KeCancelTimer,
 * KeReadStateTimer, and wait timeouts.
 *
 * learn.microsoft.com: KeSetTimerEx, KeCancelTimer, KeReadStateTimer, "Timer Objects and DPCs".
 * As in Windows, expiry is two-staged: the clock ISR (CLOCK_LEVEL, CPU 0) only compares the
 * interrupt time with the earliest due time and queues the expiry DPC; the DPC (DISPATCH_LEVEL)
 * takes every expired timer off the queue, signals it (waking its waiters, re-arming a periodic
 * one) and queues the timer's own DPC. The due-time and ordering rules are timer_core.h's.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/ke/object_watch.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/time.h"
#include "kernel/ke/timer_core.h"
#include "kernel/lib/string.h"
#include "kernel/ke/verifier_irql.h"

static LIST_ENTRY timer_queue = {&timer_queue, &timer_queue}; /* under the dispatcher lock */
static volatile ULONGLONG next_due = TIMER_NEVER;
static KDPC expiry_dpc;
static bool expiry_dpc_ready;

ULONGLONG KeQueryInterruptTime(VOID) { return __atomic_load_n(&ke_tick_count, __ATOMIC_RELAXED) * KE_TIME_INCREMENT; }

static void update_next_due(void) { __atomic_store_n(&next_due, timer_queue_next_due(&timer_queue), __ATOMIC_RELEASE); }

void ke_timer_insert_locked(PKTIMER timer, ULONGLONG due, ULONG period, PKDPC dpc)
{
    timer->DueTime.QuadPart = due;
    timer->Period = period;
    timer->Dpc = dpc;
    timer_queue_insert(&timer_queue, timer);
    update_next_due();
}

bool ke_timer_remove_locked(PKTIMER timer)
{
    if (!timer->Header.Inserted)
        return false;
    RemoveEntryList(&timer->TimerListEntry);
    timer->Header.Inserted = FALSE;
    update_next_due();
    return true;
}

/* The thread whose KTHREAD.Timer this is (its wait timeout), or NULL: walk the threads rather
 * than trust CONTAINING_RECORD on a driver's KTIMER. Dispatcher lock held. */
static PKTHREAD waiter_of(PKTIMER timer)
{
    for (PLIST_ENTRY e = ke_thread_list.Flink; e != &ke_thread_list; e = e->Flink) {
        PKTHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, ThreadListEntry);
        if (&t->Timer == timer)
            return t;
    }
    return NULL;
}

unsigned ke_timer_snapshot(struct ke_timer_info *out, unsigned max)
{
    unsigned n = 0;
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    for (PLIST_ENTRY e = timer_queue.Flink; e != &timer_queue; e = e->Flink, n++) {
        if (n >= max)
            continue;
        PKTIMER timer = CONTAINING_RECORD(e, KTIMER, TimerListEntry);
        struct ke_timer_info *i = &out[n];
        i->timer = timer;
        i->due = timer->DueTime.QuadPart;
        i->period = timer->Period;
        i->dpc_routine = timer->Dpc ? timer->Dpc->DeferredRoutine : NULL;
        i->dpc_context = timer->Dpc ? timer->Dpc->DeferredContext : NULL;
        i->waiter = waiter_of(timer);
        i->waiter_id = i->waiter ? i->waiter->ThreadId : 0;
        strlcpy(i->waiter_name, i->waiter ? i->waiter->Name : "", sizeof(i->waiter_name));
    }
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(old);
    return n;
}

#define EXPIRY_BATCH 16

static VOID expire_timers(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    ULONGLONG now = KeQueryInterruptTime();
    PKDPC dpcs[EXPIRY_BATCH];
    unsigned n = 0;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    PKTIMER timer;
    while (n < EXPIRY_BATCH && (timer = timer_queue_pop_expired(&timer_queue, now))) {
        if (timer->Period) {
            timer->DueTime.QuadPart = timer_next_periodic_due(timer->DueTime.QuadPart, timer->Period, now);
            timer_queue_insert(&timer_queue, timer);
        }
        timer->Header.SignalState = 1;
        ke_signal_object(&timer->Header, 0);
        if (timer->Dpc)
            dpcs[n++] = timer->Dpc;
    }
    update_next_due();
    bool more = next_due <= now;
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    for (unsigned i = 0; i < n; i++)
        KeInsertQueueDpc(dpcs[i], (PVOID)(uintptr_t)(ULONG)now, (PVOID)(uintptr_t)(ULONG)(now >> 32));
    if (more)
        KeInsertQueueDpc(&expiry_dpc, NULL, NULL); /* a batch was not enough */
}

void ke_timer_clock_tick(void)
{
    if (!expiry_dpc_ready) {
        KeInitializeDpc(&expiry_dpc, expire_timers, NULL);
        KeSetImportanceDpc(&expiry_dpc, HighImportance);
        expiry_dpc_ready = true;
    }
    if (KeQueryInterruptTime() >= __atomic_load_n(&next_due, __ATOMIC_ACQUIRE))
        KeInsertQueueDpc(&expiry_dpc, NULL, NULL);
}

VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    Timer->Header.Type = Type == SynchronizationTimer ? TimerSynchronizationObject : TimerNotificationObject;
    Timer->Header.Absolute = 0;
    Timer->Header.Size = sizeof(KTIMER) / sizeof(LONG);
    Timer->Header.Inserted = FALSE;
    Timer->Header.SignalState = 0;
    InitializeListHead(&Timer->Header.WaitListHead);
    Timer->DueTime.QuadPart = 0;
    Timer->TimerListEntry.Flink = Timer->TimerListEntry.Blink = NULL;
    Timer->Dpc = NULL;
    Timer->Processor = 0;
    Timer->Period = 0;
    ke_object_initialized(Timer, true); /* kernel/ke/object_watch.h */
}

VOID KeInitializeTimer(PKTIMER Timer) { KeInitializeTimerEx(Timer, NotificationTimer); }

BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    KE_VERIFY_IRQL_AT_MOST(KeSetTimerEx, DISPATCH_LEVEL); /* verifier=irql */
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    BOOLEAN was_set = ke_timer_remove_locked(Timer);
    Timer->Header.SignalState = 0;
    Timer->Header.Absolute = DueTime.QuadPart > 0;
    ke_timer_insert_locked(Timer, timer_due_from(DueTime.QuadPart, KeQueryInterruptTime()),
                           Period > 0 ? (ULONG)Period : 0, Dpc);
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(old);
    return was_set;
}

BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
    KE_VERIFY_IRQL_AT_MOST(KeSetTimer, DISPATCH_LEVEL); /* verifier=irql */
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

BOOLEAN KeCancelTimer(PKTIMER Timer)
{
    KE_VERIFY_IRQL_AT_MOST(KeCancelTimer, DISPATCH_LEVEL); /* verifier=irql */
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    BOOLEAN was_set = ke_timer_remove_locked(Timer);
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(old);
    return was_set;
}

BOOLEAN KeReadStateTimer(PKTIMER Timer) { return __atomic_load_n(&Timer->Header.SignalState, __ATOMIC_ACQUIRE) != 0; }
