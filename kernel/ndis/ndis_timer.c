/* kernel/ndis/ndis_timer.c - NDIS timer objects: NdisAllocateTimerObject, NdisSetTimerObject,
 * NdisCancelTimerObject, NdisFreeTimerObject.
 *
 * learn.microsoft.com: "NDIS Timer Functions", NdisAllocateTimerObject, NdisSetTimerObject,
 * NdisCancelTimerObject, NdisFreeTimerObject, NDIS_TIMER_CHARACTERISTICS, NetTimerCallback;
 * KeCancelTimer (remarks: a DPC already running runs to completion - KeFlushQueuedDpcs waits for it).
 *
 * A timer object is a KTIMER and a KDPC whose routine IS the miniport's NetTimerCallback (the
 * two prototypes have the same shape: the KDPC, a context, two system arguments), so the `timers`
 * shell command and a backtrace show the driver's routine, not an NDIS thunk.
 *
 * Cancelling for good (halt, free) is the subtle part. The kernel's expiry DPC takes an expired
 * timer off the queue under the dispatcher lock and queues the timer's DPC a moment later, after
 * dropping it. So after KeCancelTimer the callback may still (1) be about to be queued by an expiry
 * DPC running right now, (2) be queued, or (3) be running. Hence: cancel, flush (the expiry DPC has
 * finished: (1) became (2)), remove the queued DPC, flush again (what was running has returned).
 */
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_verify.h"

#define NDIS_TIMER_MAGIC IRQLAB_POOL_TAG("NdTm")

struct ndis_timer {
    ULONG magic;
    ULONG tag;
    KTIMER timer;
    KDPC dpc;
    PVOID default_context; /* the characteristics' FunctionContext */
};

static struct ndis_timer *require_timer(NDIS_HANDLE handle, void *routine, void *caller)
{
    struct ndis_timer *t = handle;
    if (!t || t->magic != NDIS_TIMER_MAGIC)
        ndis_bugcheck(NDIS_BUGCHECK_BAD_TIMER_HANDLE, (ULONG_PTR)handle, (ULONG_PTR)routine, (ULONG_PTR)caller,
                      "not a timer object from NdisAllocateTimerObject");
    return t;
}

NDIS_STATUS NdisAllocateTimerObject(NDIS_HANDLE NdisHandle, PNDIS_TIMER_CHARACTERISTICS TimerCharacteristics,
                                    PNDIS_HANDLE pTimerObject)
{
    UNREFERENCED_PARAMETER(NdisHandle); /* Windows charges the memory to it; irqlab's pool does not */
    const NDIS_TIMER_CHARACTERISTICS *c = TimerCharacteristics;
    if (!c || !pTimerObject || c->Header.Type != NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS ||
        c->Header.Revision < NDIS_TIMER_CHARACTERISTICS_REVISION_1 ||
        c->Header.Size < NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 || !c->TimerFunction)
        return NDIS_STATUS_INVALID_PARAMETER;
    ULONG tag = c->AllocationTag ? c->AllocationTag : NDIS_TAG_MEMORY;
    struct ndis_timer *t = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*t), tag);
    if (!t)
        return NDIS_STATUS_RESOURCES;
    t->magic = NDIS_TIMER_MAGIC;
    t->tag = tag;
    t->default_context = c->FunctionContext;
    KeInitializeTimerEx(&t->timer, NotificationTimer);
    /* NDIS_TIMER_FUNCTION and KDEFERRED_ROUTINE differ only in the first parameter's pointer type. */
    KeInitializeDpc(&t->dpc, (PKDEFERRED_ROUTINE)(void *)c->TimerFunction, c->FunctionContext);
    *pTimerObject = t;
    return NDIS_STATUS_SUCCESS;
}

BOOLEAN NdisSetTimerObject(NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime, LONG MillisecondsPeriod,
                           PVOID FunctionContext)
{
    struct ndis_timer *t = require_timer(TimerObject, (void *)NdisSetTimerObject, __builtin_return_address(0));
    /* The context of the runs to come; a run already queued keeps the one it was queued with
     * only if it already read it - as on Windows, change it only while the timer is idle. */
    t->dpc.DeferredContext = FunctionContext ? FunctionContext : t->default_context;
    return KeSetTimerEx(&t->timer, DueTime, MillisecondsPeriod > 0 ? MillisecondsPeriod : 0, &t->dpc);
}

BOOLEAN NdisCancelTimerObject(NDIS_HANDLE TimerObject)
{
    struct ndis_timer *t = require_timer(TimerObject, (void *)NdisCancelTimerObject, __builtin_return_address(0));
    BOOLEAN was_set = KeCancelTimer(&t->timer);
    if (KeGetCurrentIrql() == PASSIVE_LEVEL) {
        KeFlushQueuedDpcs(); /* an expiry DPC that had taken the timer has queued its callback */
        (void)KeRemoveQueueDpc(&t->dpc);
        KeFlushQueuedDpcs(); /* and a callback that was already running has returned */
    } else {
        (void)KeRemoveQueueDpc(&t->dpc); /* the best that can be done above PASSIVE_LEVEL */
    }
    return was_set;
}

VOID NdisFreeTimerObject(NDIS_HANDLE TimerObject)
{
    struct ndis_timer *t = require_timer(TimerObject, (void *)NdisFreeTimerObject, __builtin_return_address(0));
    ndis_require_passive((void *)NdisFreeTimerObject, __builtin_return_address(0));
    (void)NdisCancelTimerObject(TimerObject);
    t->magic = 0; /* a stale handle is caught, not followed */
    ExFreePoolWithTag(t, t->tag);
}
