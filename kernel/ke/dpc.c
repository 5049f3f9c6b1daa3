/* kernel/ke/dpc.c - Deferred Procedure Calls.
 *
 * An ISR runs at device IRQL and must be short; it queues a DPC for the rest of the work. A DPC
 * runs at DISPATCH_LEVEL with interrupts enabled, on the CPU whose queue it is in, as soon as that
 * CPU's IRQL drops below DISPATCH_LEVEL: at the end of the interrupt dispatcher, or in KeLowerIrql.
 * Rules (learn.microsoft.com, KeInsertQueueDpc / "Organization of DPC Queues"):
 *   * A KDPC is in at most one queue at a time: inserting a queued DPC returns FALSE and changes
 *     nothing (so many ISR calls may collapse into one DPC run - the DPC must drain all work).
 *   * The default target is the current CPU; KeSetTargetProcessorDpc picks another one, which is
 *     then kicked with an IPI. HighImportance DPCs go to the head of the queue.
 */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/dpc_internal.h"
#include "kernel/ke/ipi.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/kobjects.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/object_watch.h"
#include "kernel/ke/threaded_dpc.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/trace.h"
#include "kernel/ke/watchdog.h"
#include "kernel/lib/string.h"

/* Windows' default MaximumDpcQueueDepth: a LowImportance DPC is processed at once only when its
 * queue holds more than this many DPCs. */
#define KE_DPC_MAXIMUM_QUEUE_DEPTH 4

ke_object_init_hook_fn *volatile ke_object_init_hook;

VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    memset(Dpc, 0, sizeof(*Dpc));
    Dpc->Type = DpcObject;
    Dpc->Importance = MediumImportance;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
    ke_object_initialized(Dpc, false); /* kernel/ke/object_watch.h */
}

/* Its routine runs at PASSIVE_LEVEL in the target CPU's threaded-DPC thread (threaded_dpc.c), or
 * as an ordinary DPC when threaded DPCs are off (`threaded_dpcs=off`). */
VOID KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    KeInitializeDpc(Dpc, DeferredRoutine, DeferredContext);
    Dpc->Type = ThreadedDpcObject;
}

VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CHAR Number)
{
    Dpc->Number = (USHORT)(MAXIMUM_PROCESSORS + (UCHAR)Number);
}

NTSTATUS KeSetTargetProcessorDpcEx(PKDPC Dpc, PPROCESSOR_NUMBER ProcNumber)
{
    if (!ProcNumber || ProcNumber->Group != 0 || ProcNumber->Number >= KE_MAX_CPUS)
        return STATUS_INVALID_PARAMETER;
    KeSetTargetProcessorDpc(Dpc, (CHAR)ProcNumber->Number);
    return STATUS_SUCCESS;
}

VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance) { Dpc->Importance = (UCHAR)Importance; }

struct kprcb *ke_dpc_target(const KDPC *dpc, struct kprcb *current)
{
    if (dpc->Number < MAXIMUM_PROCESSORS)
        return current;
    unsigned n = dpc->Number - MAXIMUM_PROCESSORS;
    /* A DPC aimed at a CPU that does not exist runs on the current one rather than never. */
    return n < KE_MAX_CPUS && ke_prcbs[n] && ke_prcbs[n]->online ? ke_prcbs[n] : current;
}

/* The queue links KDPCs through DpcListEntry; this turns a link back into its KDPC. */
static PKDPC dpc_next(const KDPC *dpc)
{
    PSINGLE_LIST_ENTRY next = dpc->DpcListEntry.Next;
    return next ? CONTAINING_RECORD(next, KDPC, DpcListEntry) : NULL;
}

BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    if (Dpc->Type == ThreadedDpcObject && ke_threaded_dpcs_enabled())
        return ke_threaded_dpc_insert(Dpc, SystemArgument1, SystemArgument2); /* its CPU's thread */
    /* Interrupts off: we must not migrate or be re-entered between choosing and queueing. */
    uint64_t flags = cpu_save_and_disable_interrupts();
    struct kprcb *current = ke_current_prcb();
    struct kprcb *target = ke_dpc_target(Dpc, current);

    PVOID expected = NULL;
    if (!__atomic_compare_exchange_n(&Dpc->DpcData, &expected, (PVOID)target, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED)) {
        cpu_restore_interrupts(flags);
        return FALSE; /* already queued somewhere: the first caller's arguments stand */
    }
    Dpc->SystemArgument1 = SystemArgument1;
    Dpc->SystemArgument2 = SystemArgument2;

    uint64_t lock_flags = raw_lock_acquire(&target->dpc_lock);
    Dpc->DpcListEntry.Next = NULL;
    if (!target->dpc_head) {
        target->dpc_head = target->dpc_tail = Dpc;
    } else if (Dpc->Importance == HighImportance) {
        Dpc->DpcListEntry.Next = &target->dpc_head->DpcListEntry;
        target->dpc_head = Dpc;
    } else {
        target->dpc_tail->DpcListEntry.Next = &Dpc->DpcListEntry;
        target->dpc_tail = Dpc;
    }
    if (++target->dpc_depth > target->dpc_max_depth)
        target->dpc_max_depth = target->dpc_depth;
    target->dpc_queued++;
    raw_lock_release(&target->dpc_lock, lock_flags);
    trace_dpc_queue((void *)Dpc->DeferredRoutine, Dpc, target->number);

    /* LowImportance: no immediate processing unless the queue got deep ("Organization of DPC
     * Queues"); the DPC then runs when the target next drops below DISPATCH_LEVEL, at the latest
     * at the end of its next clock interrupt. irqlab applies the depth rule, not the rate rule. */
    bool deferred = Dpc->Importance == LowImportance && target->dpc_depth <= KE_DPC_MAXIMUM_QUEUE_DEPTH;
    if (deferred) {
        /* stays queued */
    } else if (target != current) {
        ke_ipi_send(target->number, KE_IPI_DPC);
    } else if (ke_get_irql() < DISPATCH_LEVEL && current->interrupt_nesting == 0) {
        /* Queued from below DISPATCH_LEVEL outside an interrupt: nothing would lower the IRQL
         * later, so run the queue now (Windows requests a DISPATCH software interrupt, which
         * fires at once for the same reason). */
        KIRQL old = ke_get_irql();
        ke_set_irql_unchecked(DISPATCH_LEVEL);
        cpu_restore_interrupts(flags);
        ke_lower_from_dispatch(old);
        return TRUE;
    }
    cpu_restore_interrupts(flags);
    return TRUE;
}

BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc)
{
    struct kprcb *owner = (struct kprcb *)Dpc->DpcData;
    if (!owner)
        return FALSE;
    BOOLEAN removed = FALSE;
    if (ke_threaded_dpc_remove(Dpc, &removed)) /* it was in a threaded queue */
        return removed;
    uint64_t flags = raw_lock_acquire(&owner->dpc_lock);
    if (Dpc->DpcData == owner) {
        PKDPC prev = NULL;
        for (PKDPC d = owner->dpc_head; d; prev = d, d = dpc_next(d)) {
            if (d != Dpc)
                continue;
            PKDPC next = dpc_next(Dpc);
            if (prev)
                prev->DpcListEntry.Next = Dpc->DpcListEntry.Next;
            else
                owner->dpc_head = next;
            if (owner->dpc_tail == Dpc)
                owner->dpc_tail = prev;
            owner->dpc_depth--;
            Dpc->DpcData = NULL;
            removed = TRUE;
            break;
        }
    }
    raw_lock_release(&owner->dpc_lock, flags);
    return removed;
}

_Static_assert(sizeof(KDPC) == 0x40, "KDPC must keep the WDK's x64 size");
_Static_assert(__builtin_offsetof(KDPC, DpcListEntry) == 0x08, "KDPC.DpcListEntry offset");
_Static_assert(__builtin_offsetof(KDPC, DeferredRoutine) == 0x18, "KDPC.DeferredRoutine offset");
_Static_assert(__builtin_offsetof(KDPC, DpcData) == 0x38, "KDPC.DpcData offset");

void ke_drain_dpcs(void)
{
    struct kprcb *prcb = ke_current_prcb();
    prcb->dpc_running = true;
    for (;;) {
        uint64_t flags = raw_lock_acquire(&prcb->dpc_lock);
        PKDPC dpc = prcb->dpc_head;
        if (!dpc) {
            raw_lock_release(&prcb->dpc_lock, flags);
            break;
        }
        prcb->dpc_head = dpc_next(dpc);
        if (!prcb->dpc_head)
            prcb->dpc_tail = NULL;
        prcb->dpc_depth--;
        PKDEFERRED_ROUTINE routine = dpc->DeferredRoutine;
        PVOID context = dpc->DeferredContext, a1 = dpc->SystemArgument1, a2 = dpc->SystemArgument2;
        dpc->ProcessorHistory |= (KAFFINITY)1 << prcb->number;
        /* Dequeued before it runs, so the routine (or an ISR) may queue it again. */
        __atomic_store_n(&dpc->DpcData, NULL, __ATOMIC_RELEASE);
        raw_lock_release(&prcb->dpc_lock, flags);

        struct ke_watched outer;
        ke_watch_begin(prcb, KE_WATCHED_DPC, (void *)routine, dpc, &outer); /* timed by the DPC watchdog */
        trace_dpc((void *)routine, dpc);
        routine(dpc, context, a1, a2);
        trace_dpc_end((void *)routine, dpc);
        ke_watch_end(prcb, &outer);
        prcb->dpc_executed++;
        KIRQL after = ke_get_irql();
        if (after != DISPATCH_LEVEL)
            /* A DPC routine must return at DISPATCH_LEVEL. P1 = IRQL found, P2 = expected,
             * P3 = the routine, P4 = the KDPC. */
            KeBugCheckEx(IRQL_UNEXPECTED_VALUE, after, DISPATCH_LEVEL, (ULONG_PTR)routine, (ULONG_PTR)dpc);
    }
    prcb->dpc_running = false;
}

void ke_lower_from_dispatch(KIRQL new_irql)
{
    for (;;) {
        struct kprcb *prcb = ke_current_prcb(); /* again each time: a switch may move this thread */
        uint64_t flags = cpu_save_and_disable_interrupts();
        if (ke_dpc_pending(prcb)) {
            cpu_enable_interrupts(); /* DPCs run with interrupts on, at DISPATCH_LEVEL */
            ke_drain_dpcs();
            cpu_restore_interrupts(flags);
            continue;
        }
        if (ke_switch_pending(prcb)) { /* the DISPATCH_LEVEL software interrupt (switch.c) */
            ke_switch_if_pending();
            cpu_restore_interrupts(flags);
            continue;
        }
        ke_set_irql_unchecked(new_irql);
        cpu_restore_interrupts(flags);
        return;
    }
}

/* KeFlushQueuedDpcs puts one of these at the tail of every CPU's queue. The queue runs in order
 * (a HighImportance DPC queued later goes in front, and runs first - it is not waited for, but
 * cannot delay the marker for ever unless it starves the CPU, which the DPC watchdog reports), so
 * when the marker runs, every DPC queued there before the call has been run and has returned. */
struct flush_marker {
    KDPC dpc;
    volatile bool done;
};

static VOID flush_marker_reached(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct flush_marker *marker = context;
    __atomic_store_n(&marker->done, true, __ATOMIC_RELEASE);
}

VOID KeFlushQueuedDpcs(VOID)
{
    /* Return once every DPC queued on any CPU before this call has run - and only those: a DPC
     * that keeps queueing itself again must not hold the caller up (learn.microsoft.com
     * "KeFlushQueuedDpcs"). PASSIVE_LEVEL only: above it, a DPC queued on this CPU could never
     * run and the wait would never end.
     * P1 = this routine, P2 = the IRQL, P3 = 0 (the highest IRQL allowed), P4 = the caller. */
    KIRQL irql = ke_get_irql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)KeFlushQueuedDpcs, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    struct flush_marker markers[KE_MAX_CPUS];
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        markers[i].done = true;
        struct kprcb *p = ke_prcbs[i];
        if (!p || !p->online)
            continue;
        markers[i].done = false;
        KeInitializeDpc(&markers[i].dpc, flush_marker_reached, &markers[i]);
        KeSetTargetProcessorDpc(&markers[i].dpc, (CHAR)i); /* another CPU: kicked with an IPI */
        KeInsertQueueDpc(&markers[i].dpc, NULL, NULL);     /* this CPU: runs its queue right now */
    }
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        while (!__atomic_load_n(&markers[i].done, __ATOMIC_ACQUIRE))
            cpu_pause();
    ke_threaded_dpc_flush(); /* and the threaded DPCs, which run in their CPUs' threads */
}
