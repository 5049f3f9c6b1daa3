/* kernel/ke/timer_core.c - see timer_core.h (pure: no locks, no hardware). */
#include "kernel/ke/timer_core.h"

ULONGLONG timer_due_from(LONGLONG due_time, ULONGLONG now)
{
    if (due_time < 0)
        return now + (ULONGLONG)(-due_time);
    return due_time > 0 ? (ULONGLONG)due_time : now;
}

ULONGLONG timer_next_periodic_due(ULONGLONG previous_due, ULONG period_ms, ULONGLONG now)
{
    ULONGLONG period = (ULONGLONG)period_ms * 10000u;
    ULONGLONG next = previous_due + period;
    return next > now ? next : now + period;
}

void timer_queue_insert(PLIST_ENTRY queue, PKTIMER timer)
{
    PLIST_ENTRY e = queue->Blink; /* from the back: equal due times keep their order */
    while (e != queue && CONTAINING_RECORD(e, KTIMER, TimerListEntry)->DueTime.QuadPart > timer->DueTime.QuadPart)
        e = e->Blink;
    InsertHeadList(e, &timer->TimerListEntry); /* right after e */
    timer->Header.Inserted = TRUE;
}

PKTIMER timer_queue_pop_expired(PLIST_ENTRY queue, ULONGLONG now)
{
    if (IsListEmpty(queue))
        return NULL;
    PKTIMER first = CONTAINING_RECORD(queue->Flink, KTIMER, TimerListEntry);
    if (first->DueTime.QuadPart > now)
        return NULL;
    RemoveEntryList(&first->TimerListEntry);
    first->Header.Inserted = FALSE;
    return first;
}

ULONGLONG timer_queue_next_due(const LIST_ENTRY *queue)
{
    if (queue->Flink == queue)
        return TIMER_NEVER;
    return CONTAINING_RECORD(queue->Flink, KTIMER, TimerListEntry)->DueTime.QuadPart;
}
