/* drivers/parport/parport_owner.c - port ownership and the allocate queue (see parport_owner.h).
 * Windows' port driver keeps one counter (-1 free, 0 allocated, n waiters); the same states are
 * spelled out here as a flag and a FIFO list so a student can watch them in GDB. */
#include "parport_owner.h"

void parport_owner_init(struct parport_owner *o)
{
    *o = (struct parport_owner){0};
    InitializeListHead(&o->waiters);
}

BOOLEAN parport_owner_try_allocate(struct parport_owner *o, PVOID tag)
{
    if (o->allocated) {
        o->refusals++;
        return FALSE;
    }
    o->allocated = TRUE;
    o->owner_tag = tag;
    o->allocations++;
    return TRUE;
}

void parport_owner_enqueue(struct parport_owner *o, struct parport_waiter *w)
{
    w->granted = FALSE;
    w->queued = TRUE;
    InsertTailList(&o->waiters, &w->link);
    o->waiter_count++;
    o->waits++;
}

BOOLEAN parport_owner_cancel(struct parport_owner *o, struct parport_waiter *w)
{
    if (w->granted)
        return FALSE;
    if (!w->queued)
        return TRUE;
    w->queued = FALSE;
    RemoveEntryList(&w->link);
    o->waiter_count--;
    o->cancellations++;
    return TRUE;
}

enum parport_free_result parport_owner_free(struct parport_owner *o)
{
    if (!o->allocated) {
        o->stray_frees++;
        return PARPORT_FREE_NOT_ALLOCATED;
    }
    if (IsListEmpty(&o->waiters)) {
        o->allocated = FALSE;
        o->owner_tag = NULL;
        return PARPORT_FREE_IDLE;
    }
    struct parport_waiter *w = CONTAINING_RECORD(o->waiters.Flink, struct parport_waiter, link);
    RemoveEntryList(&w->link);
    w->queued = FALSE;
    o->waiter_count--;
    o->owner_tag = w->tag;
    o->allocations++;
    o->handovers++;
    __atomic_store_n(&w->granted, TRUE, __ATOMIC_RELEASE); /* last: the waiter may run at once */
    return PARPORT_FREE_HANDED_OVER;
}
