/* kernel/ke/threaded_dpc.c - threaded DPCs: KeInitializeThreadedDpc's DPCs run at PASSIVE_LEVEL.
 *
 * learn.microsoft.com "Introduction to Threaded DPCs": a threaded DPC runs at PASSIVE_LEVEL; an
 * ordinary DPC can preempt it, a thread cannot; when threaded DPCs are disabled (the
 * ThreadDpcEnable registry value; here `threaded_dpcs=off`) they run as ordinary DPCs. Windows
 * runs them in a real-time thread of priority 31 on every processor; so does irqlab.
 *
 * Each CPU has its own threaded queue (KDPC.DpcData points at it while the DPC waits there, as it
 * points at the KPRCB for an ordinary queue), its thread, and one ordinary DPC - the "kick" - that
 * wakes the thread. Why the kick: KeInsertQueueDpc may be called from an ISR, above the
 * DISPATCH_LEVEL at which a thread can be made ready. Windows requests a DISPATCH_LEVEL software
 * interrupt on the target CPU for the same reason; the kick DPC is exactly that, and it reuses
 * the IPI path ordinary DPCs take to another CPU.
 *
 * The routine runs at PASSIVE_LEVEL in a thread, so the DPC watchdog does not time it (it watches
 * DISPATCH_LEVEL and above): a long threaded DPC delays only threads below priority 31.
 */
#include "kernel/ke/threaded_dpc.h"

#include "arch/x86_64/cpu.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/dpc_internal.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/rawlock.h"
#include "kernel/ke/thread.h"
#include "kernel/lib/format.h"

CMDLINE_OPTION(threaded_dpcs, "on|off",
               "off: threaded DPCs run as ordinary DPCs at DISPATCH_LEVEL, as with ThreadDpcEnable=0 (default on)");

#define THREADED_DPC_PRIORITY 31

struct threaded_queue {
    PKDPC head, tail;
    PKTHREAD thread;
    volatile uint64_t executed;
    KEVENT work; /* synchronization: set by the kick, waited for by the thread */
    KDPC kick;
    raw_lock_t lock; /* taken with interrupts off: an ISR may insert */
    unsigned depth;
    volatile bool running; /* a routine is running (set under `lock` when it is dequeued) */
};

static struct threaded_queue threaded_queues[KE_MAX_CPUS];
static volatile bool enabled;

bool ke_threaded_dpcs_enabled(void) { return __atomic_load_n(&enabled, __ATOMIC_ACQUIRE); }
PKTHREAD ke_threaded_dpc_thread(unsigned cpu) { return cpu < KE_MAX_CPUS ? threaded_queues[cpu].thread : NULL; }
uint64_t ke_threaded_dpc_executed(unsigned cpu) { return cpu < KE_MAX_CPUS ? threaded_queues[cpu].executed : 0; }

static PKDPC threaded_next(const KDPC *dpc)
{
    PSINGLE_LIST_ENTRY next = dpc->DpcListEntry.Next;
    return next ? CONTAINING_RECORD(next, KDPC, DpcListEntry) : NULL;
}

static VOID kick(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    (void)KeSetEvent(&((struct threaded_queue *)context)->work, 0, FALSE);
}

static VOID threaded_dpc_thread(PVOID context)
{
    struct threaded_queue *q = context;
    unsigned cpu = (unsigned)(q - threaded_queues);
    for (;;) {
        (void)KeWaitForSingleObject(&q->work, Executive, KernelMode, FALSE, NULL);
        for (;;) {
            uint64_t flags = raw_lock_acquire(&q->lock);
            PKDPC dpc = q->head;
            if (!dpc) {
                raw_lock_release(&q->lock, flags);
                break;
            }
            q->head = threaded_next(dpc);
            if (!q->head)
                q->tail = NULL;
            q->depth--;
            PKDEFERRED_ROUTINE routine = dpc->DeferredRoutine;
            PVOID ctx = dpc->DeferredContext, a1 = dpc->SystemArgument1, a2 = dpc->SystemArgument2;
            dpc->ProcessorHistory |= (KAFFINITY)1 << cpu;
            __atomic_store_n(&dpc->DpcData, NULL, __ATOMIC_RELEASE); /* it may be queued again now */
            q->running = true;
            raw_lock_release(&q->lock, flags);

            routine(dpc, ctx, a1, a2);
            __atomic_store_n(&q->running, false, __ATOMIC_RELEASE);
            __atomic_fetch_add(&q->executed, 1, __ATOMIC_RELAXED);
            KIRQL after = ke_get_irql();
            if (after != PASSIVE_LEVEL)
                /* As for an ordinary DPC (dpc.c), against the IRQL it was called at. */
                KeBugCheckEx(IRQL_UNEXPECTED_VALUE, after, PASSIVE_LEVEL, (ULONG_PTR)routine, (ULONG_PTR)dpc);
        }
    }
}

void ke_threaded_dpc_init(void)
{
    if (!cmdline_get_bool("threaded_dpcs", true)) {
        log_info("dpc: threaded DPCs off (threaded_dpcs=off): they run as ordinary DPCs");
        return;
    }
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        if (!ke_prcbs[i] || !ke_prcbs[i]->online)
            continue;
        struct threaded_queue *q = &threaded_queues[i];
        KeInitializeEvent(&q->work, SynchronizationEvent, FALSE);
        KeInitializeDpc(&q->kick, kick, q);
        KeSetImportanceDpc(&q->kick, HighImportance);
        KeSetTargetProcessorDpc(&q->kick, (CHAR)i);
        char name[24];
        ksnprintf(name, sizeof(name), "dpc thread %u", i); /* fits `threads`' 13 columns */
        q->thread = ke_create_thread(threaded_dpc_thread, q, THREADED_DPC_PRIORITY, (KAFFINITY)1 << i, name);
        if (!q->thread)
            KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 9, i, 0, 0);
    }
    __atomic_store_n(&enabled, true, __ATOMIC_RELEASE);
}

BOOLEAN ke_threaded_dpc_insert(PKDPC dpc, PVOID a1, PVOID a2)
{
    uint64_t flags = cpu_save_and_disable_interrupts(); /* choose and queue on one CPU */
    struct kprcb *target = ke_dpc_target(dpc, ke_current_prcb());
    struct threaded_queue *q = &threaded_queues[target->number];
    PVOID expected = NULL;
    if (!q->thread || !__atomic_compare_exchange_n(&dpc->DpcData, &expected, (PVOID)q, false, __ATOMIC_ACQ_REL,
                                                   __ATOMIC_RELAXED)) {
        cpu_restore_interrupts(flags);
        return FALSE; /* already queued (ordinary or threaded): the first caller's arguments stand */
    }
    dpc->SystemArgument1 = a1;
    dpc->SystemArgument2 = a2;
    uint64_t lock_flags = raw_lock_acquire(&q->lock);
    dpc->DpcListEntry.Next = NULL;
    if (!q->head) {
        q->head = q->tail = dpc;
    } else if (dpc->Importance == HighImportance) {
        dpc->DpcListEntry.Next = &q->head->DpcListEntry;
        q->head = dpc;
    } else {
        q->tail->DpcListEntry.Next = &dpc->DpcListEntry;
        q->tail = dpc;
    }
    q->depth++;
    raw_lock_release(&q->lock, lock_flags);
    cpu_restore_interrupts(flags);
    (void)KeInsertQueueDpc(&q->kick, NULL, NULL); /* FALSE: a kick is already on its way */
    return TRUE;
}

bool ke_threaded_dpc_remove(PKDPC dpc, BOOLEAN *removed)
{
    struct threaded_queue *q = (struct threaded_queue *)dpc->DpcData;
    if ((uintptr_t)q < (uintptr_t)&threaded_queues[0] || (uintptr_t)q >= (uintptr_t)&threaded_queues[KE_MAX_CPUS])
        return false;
    *removed = FALSE;
    uint64_t flags = raw_lock_acquire(&q->lock);
    if (dpc->DpcData == q) {
        PKDPC prev = NULL;
        for (PKDPC d = q->head; d; prev = d, d = threaded_next(d)) {
            if (d != dpc)
                continue;
            if (prev)
                prev->DpcListEntry.Next = dpc->DpcListEntry.Next;
            else
                q->head = threaded_next(dpc);
            if (q->tail == dpc)
                q->tail = prev;
            q->depth--;
            dpc->DpcData = NULL;
            *removed = TRUE;
            break;
        }
    }
    raw_lock_release(&q->lock, flags);
    return true;
}

/* One threaded marker at the tail of each CPU's threaded queue that holds or runs something: when
 * it has run, everything queued there before it has run (the thread takes them in order). A CPU
 * with nothing threaded gets no marker - so an ordinary DPC that keeps queueing itself there (and
 * so keeps the DPC thread from running) does not hold the caller up, the rule dpc.c keeps for
 * ordinary DPCs (tests/ktest/watchdog_test.c, flush_ignores_requeuing_dpc). */
struct flush_marker {
    KDPC dpc;
    volatile bool done;
};

static VOID marker_reached(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    __atomic_store_n(&((struct flush_marker *)context)->done, true, __ATOMIC_RELEASE);
}

void ke_threaded_dpc_flush(void)
{
    if (!ke_threaded_dpcs_enabled())
        return; /* threaded DPCs went to the ordinary threaded_queues, which the caller has flushed */
    struct flush_marker markers[KE_MAX_CPUS];
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        markers[i].done = true;
        struct threaded_queue *q = &threaded_queues[i];
        if (!q->thread)
            continue;
        uint64_t flags = raw_lock_acquire(&q->lock);
        bool busy = q->head || q->running;
        raw_lock_release(&q->lock, flags);
        if (!busy)
            continue;
        markers[i].done = false;
        KeInitializeThreadedDpc(&markers[i].dpc, marker_reached, &markers[i]);
        KeSetTargetProcessorDpc(&markers[i].dpc, (CHAR)i);
        (void)KeInsertQueueDpc(&markers[i].dpc, NULL, NULL); /* this CPU's thread preempts us at once */
    }
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        while (!__atomic_load_n(&markers[i].done, __ATOMIC_ACQUIRE))
            cpu_pause();
}
