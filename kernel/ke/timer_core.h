/* kernel/ke/timer_core.h - the timer queue's rules: due times and expiry order. Pure
 * (host-tested in tests/unit/test_timer_core.c); kernel/ke/timer.c calls it under the
 * dispatcher lock.
 *
 * Times are interrupt time: 100 ns units since the clock started, advancing one clock period
 * (KeQueryTimeIncrement) per tick. A DueTime as the WDK's KeSetTimer / KeWaitForSingleObject
 * take it: negative = relative to now, positive = absolute, 0 = now. A timer expires at the
 * first tick whose interrupt time is >= its due time - never before it. Timers with the same due
 * time expire in the order they were set. A periodic timer's next due time is its previous due
 * time + Period (so periods do not accumulate the tick's lateness); if the system fell behind by
 * a whole period, it continues from now instead of firing a burst.
 */
#ifndef IRQLAB_KE_TIMER_CORE_H
#define IRQLAB_KE_TIMER_CORE_H

#include "include/wdm.h"

#define TIMER_NEVER (~0ull)

ULONGLONG timer_due_from(LONGLONG due_time, ULONGLONG now);
ULONGLONG timer_next_periodic_due(ULONGLONG previous_due, ULONG period_ms, ULONGLONG now);

/* The queue: KTIMERs linked through TimerListEntry, ordered by DueTime. */
void timer_queue_insert(PLIST_ENTRY queue, PKTIMER timer);
/* The earliest timer due at or before `now`, unlinked (Header.Inserted cleared), or NULL. */
PKTIMER timer_queue_pop_expired(PLIST_ENTRY queue, ULONGLONG now);
/* Due time of the earliest timer, or TIMER_NEVER. */
ULONGLONG timer_queue_next_due(const LIST_ENTRY *queue);

#endif
