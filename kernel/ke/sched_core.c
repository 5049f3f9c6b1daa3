/* kernel/ke/sched_core.c - see sched_core.h (pure: no locks, no hardware). */
#include "kernel/ke/sched_core.h"

void sched_queue_init(struct sched_ready_queue *q)
{
    for (int p = 0; p < SCHED_PRIORITIES; p++)
        InitializeListHead(&q->lists[p]);
    q->summary = 0;
    q->count = 0;
}

void sched_queue_insert(struct sched_ready_queue *q, PLIST_ENTRY entry, int priority, bool at_head)
{
    if (at_head)
        InsertHeadList(&q->lists[priority], entry);
    else
        InsertTailList(&q->lists[priority], entry);
    q->summary |= 1u << priority;
    q->count++;
}

void sched_queue_remove(struct sched_ready_queue *q, PLIST_ENTRY entry, int priority)
{
    RemoveEntryList(entry);
    if (IsListEmpty(&q->lists[priority]))
        q->summary &= ~(1u << priority);
    q->count--;
}

int sched_queue_highest(const struct sched_ready_queue *q)
{
    return q->summary ? 31 - __builtin_clz(q->summary) : -1;
}

PLIST_ENTRY sched_queue_pop(struct sched_ready_queue *q, int priority)
{
    PLIST_ENTRY entry = q->lists[priority].Flink;
    sched_queue_remove(q, entry, priority);
    return entry;
}

static bool allowed(KAFFINITY affinity, unsigned cpu) { return cpu < 64 && (affinity >> cpu) & 1; }

int sched_choose_cpu(const struct sched_cpu_view *cpus, unsigned count, KAFFINITY affinity, unsigned last,
                     int priority)
{
    bool last_ok = last < count && cpus[last].online && allowed(affinity, last);
    if (last_ok && cpus[last].idle)
        return (int)last;
    for (unsigned i = 0; i < count; i++)
        if (cpus[i].online && allowed(affinity, i) && cpus[i].idle)
            return (int)i;
    int best = -1;
    for (unsigned i = 0; i < count; i++) {
        if (!cpus[i].online || !allowed(affinity, i) || cpus[i].running_priority >= priority)
            continue;
        if (best < 0 || cpus[i].running_priority < cpus[best].running_priority ||
            (cpus[i].running_priority == cpus[best].running_priority && i == last))
            best = (int)i;
    }
    if (best >= 0)
        return best;
    if (last_ok)
        return (int)last;
    for (unsigned i = 0; i < count; i++)
        if (cpus[i].online && allowed(affinity, i))
            return (int)i;
    return -1;
}

int sched_boost(int base, int current, int increment)
{
    if (base >= LOW_REALTIME_PRIORITY || increment <= 0)
        return current;
    int boosted = base + increment;
    if (boosted > LOW_REALTIME_PRIORITY - 1)
        boosted = LOW_REALTIME_PRIORITY - 1;
    return boosted > current ? boosted : current;
}

int sched_decay(int base, int current)
{
    if (base >= LOW_REALTIME_PRIORITY || current <= base)
        return current;
    return current - 1;
}
