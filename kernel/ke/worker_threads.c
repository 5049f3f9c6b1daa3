/* kernel/ke/worker_threads.c - system worker threads: ExQueueWorkItem.
 *
 * learn.microsoft.com: "System Worker Threads", ExQueueWorkItem, ExInitializeWorkItem,
 * WORK_QUEUE_TYPE (the priorities: CriticalWorkQueue 13, DelayedWorkQueue 12,
 * HyperCriticalWorkQueue 15), "Bug Check 0xE1: WORKER_THREAD_RETURNED_AT_BAD_IRQL" and
 * "Bug Check 0xE4: WORKER_INVALID".
 *
 * A DPC may not wait; a work item is how it gets code to run where waiting is allowed. Each queue
 * is a list of WORK_QUEUE_ITEMs under a spin lock plus a semaphore that counts them; its threads
 * wait on the semaphore, take the oldest item and call its routine at PASSIVE_LEVEL. Several
 * threads per queue, as on Windows, so that one routine that waits does not hold up the others.
 * (Windows also grows the pool of threads when items wait long; irqlab's is fixed.)
 *
 * The item is off the queue (List.Flink = NULL) before its routine runs, so the routine may
 * free the item or queue it again - what every driver's "requeue myself" pattern needs.
 */
#include "kernel/ke/worker_threads.h"

#include "kernel/ke/bugcheck.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/thread.h"
#include "kernel/lib/format.h"

struct work_queue {
    const char *name;
    KPRIORITY priority;
    unsigned thread_count;
    KSPIN_LOCK lock;
    LIST_ENTRY items;  /* oldest first */
    KSEMAPHORE count;  /* one per item in `items`: a worker thread waits here */
    PKTHREAD threads[2];
    volatile uint64_t queued, ran;
};

static struct work_queue work_queues[EX_WORKER_QUEUES] = {
    [CriticalWorkQueue] = {.name = "crit", .priority = 13, .thread_count = 2},
    [DelayedWorkQueue] = {.name = "dly", .priority = 12, .thread_count = 2},
    [HyperCriticalWorkQueue] = {.name = "hyper", .priority = 15, .thread_count = 1},
};
static volatile bool started;

_Static_assert(sizeof(WORK_QUEUE_ITEM) == 0x20, "WORK_QUEUE_ITEM must keep the WDK's x64 size");
_Static_assert(__builtin_offsetof(WORK_QUEUE_ITEM, WorkerRoutine) == 0x10, "WORK_QUEUE_ITEM.WorkerRoutine offset");

/* "Queued" marker while ExQueueWorkItem is between its check and the insert: a second caller
 * racing for the same item sees it as queued. */
#define ITEM_CLAIMED ((PLIST_ENTRY)(uintptr_t)1)

static VOID worker_thread(PVOID context)
{
    struct work_queue *q = context;
    for (;;) {
        (void)KeWaitForSingleObject(&q->count, Executive, KernelMode, FALSE, NULL);
        KIRQL old;
        KeAcquireSpinLock(&q->lock, &old);
        PLIST_ENTRY entry = q->items.Flink;
        RemoveEntryList(entry);
        PWORK_QUEUE_ITEM item = CONTAINING_RECORD(entry, WORK_QUEUE_ITEM, List);
        PWORKER_THREAD_ROUTINE routine = item->WorkerRoutine;
        PVOID parameter = item->Parameter;
        __atomic_store_n(&item->List.Flink, NULL, __ATOMIC_RELEASE); /* dequeued before it runs */
        KeReleaseSpinLock(&q->lock, old);

        routine(parameter);
        __atomic_fetch_add(&q->ran, 1, __ATOMIC_RELAXED);
        KIRQL irql = ke_get_irql();
        if (irql != PASSIVE_LEVEL)
            /* P1 = the routine, P2 = the IRQL it returned at, P3 = its parameter, P4 = the item
             * (which may already be freed: only its address is reported). */
            KeBugCheckEx(WORKER_THREAD_RETURNED_AT_BAD_IRQL, (ULONG_PTR)routine, irql, (ULONG_PTR)parameter,
                         (ULONG_PTR)item);
    }
}

void ex_worker_threads_init(void)
{
    for (unsigned t = 0; t < EX_WORKER_QUEUES; t++) {
        struct work_queue *q = &work_queues[t];
        KeInitializeSpinLock(&q->lock);
        InitializeListHead(&q->items);
        KeInitializeSemaphore(&q->count, 0, 0x7FFFFFFF);
        for (unsigned i = 0; i < q->thread_count; i++) {
            /* "worker crit 0", "worker dly 1", "worker hyper": 13 characters, the width of the
             * shell's `threads` name column. */
            char name[24];
            if (q->thread_count > 1)
                ksnprintf(name, sizeof(name), "worker %s %u", q->name, i);
            else
                ksnprintf(name, sizeof(name), "worker %s", q->name);
            q->threads[i] = ke_create_thread(worker_thread, q, (int)q->priority, (KAFFINITY)-1, name);
            if (!q->threads[i])
                KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 8, t, i, 0);
        }
    }
    __atomic_store_n(&started, true, __ATOMIC_RELEASE);
}

VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)
{
    /* Above DISPATCH_LEVEL the queue's spin lock could deadlock against the code this interrupt
     * interrupted. P1 = this routine, P2 = the IRQL, P3 = the highest allowed, P4 = the caller. */
    KIRQL irql = ke_get_irql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)ExQueueWorkItem, irql, DISPATCH_LEVEL,
                     (ULONG_PTR)__builtin_return_address(0));
    /* 0xE4 WORKER_INVALID, P1 = which mistake, P2 = the item, P3 = the queue type. */
    if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
        KeBugCheckEx(WORKER_INVALID, 5, (ULONG_PTR)WorkItem, QueueType, (ULONG_PTR)-1);
    if ((unsigned)QueueType >= EX_WORKER_QUEUES)
        KeBugCheckEx(WORKER_INVALID, 6, (ULONG_PTR)WorkItem, QueueType, 0);
    if (!WorkItem->WorkerRoutine)
        KeBugCheckEx(WORKER_INVALID, 7, (ULONG_PTR)WorkItem, QueueType, 0);
    PLIST_ENTRY expected = NULL;
    if (!__atomic_compare_exchange_n(&WorkItem->List.Flink, &expected, ITEM_CLAIMED, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED))
        KeBugCheckEx(WORKER_INVALID, 1, (ULONG_PTR)WorkItem, QueueType, 0); /* queued and not yet run */

    struct work_queue *q = &work_queues[QueueType];
    KIRQL old;
    KeAcquireSpinLock(&q->lock, &old);
    InsertTailList(&q->items, &WorkItem->List);
    __atomic_fetch_add(&q->queued, 1, __ATOMIC_RELAXED);
    KeReleaseSpinLock(&q->lock, old);
    (void)KeReleaseSemaphore(&q->count, 0, 1, FALSE); /* wakes one of the queue's threads */
}

bool ex_worker_queue_info(WORK_QUEUE_TYPE type, struct ex_worker_queue_info *info)
{
    if ((unsigned)type >= EX_WORKER_QUEUES || !started)
        return false;
    const struct work_queue *q = &work_queues[type];
    info->name = q->name;
    info->priority = q->priority;
    info->thread_count = q->thread_count;
    for (unsigned i = 0; i < 2; i++)
        info->threads[i] = i < q->thread_count ? q->threads[i] : NULL;
    info->queued = __atomic_load_n(&q->queued, __ATOMIC_RELAXED);
    info->ran = __atomic_load_n(&q->ran, __ATOMIC_RELAXED);
    return true;
}

bool ex_is_worker_thread(PKTHREAD thread)
{
    for (unsigned t = 0; t < EX_WORKER_QUEUES; t++)
        for (unsigned i = 0; i < work_queues[t].thread_count; i++)
            if (thread && work_queues[t].threads[i] == thread)
                return true;
    return false;
}
