/* kernel/ke/sched_core.h - the scheduler's rules, without hardware: ready queues, which CPU a
 * readied thread goes to, when it preempts, and priority boosts. Pure (host-tested in
 * tests/unit/test_sched_core.c); kernel/ke/thread.c and switch.c call it under the dispatcher lock.
 *
 * Windows' rules (Windows Internals, "Thread Scheduling"; learn.microsoft.com "Scheduling
 * Priorities", "Priority Boosts"):
 *   - 32 priorities: 0 for the idle threads, 1-15 variable, 16-31 real-time.
 *   - the highest-priority ready thread runs; among equals, round robin by quantum.
 *   - a thread that becomes ready with a higher priority than a CPU's running thread preempts it
 *     at once; the preempted thread goes back to the HEAD of its priority's queue (it keeps its
 *     turn), a thread whose quantum ended goes to the TAIL.
 *   - a wake-up may boost a variable-priority thread (never above 15); the boost decays by one
 *     level per quantum end. Real-time threads are never boosted.
 */
#ifndef IRQLAB_KE_SCHED_CORE_H
#define IRQLAB_KE_SCHED_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"

#define SCHED_PRIORITIES 32

/* One CPU's ready threads: one FIFO list per priority and a bit per non-empty list. */
struct sched_ready_queue {
    LIST_ENTRY lists[SCHED_PRIORITIES];
    uint32_t summary; /* bit p set <=> lists[p] not empty */
    unsigned count;
};

void sched_queue_init(struct sched_ready_queue *q);
void sched_queue_insert(struct sched_ready_queue *q, PLIST_ENTRY entry, int priority, bool at_head);
void sched_queue_remove(struct sched_ready_queue *q, PLIST_ENTRY entry, int priority);
/* Highest priority with a ready thread, or -1. */
int sched_queue_highest(const struct sched_ready_queue *q);
/* Take the first thread of `priority` (which must be non-empty). */
PLIST_ENTRY sched_queue_pop(struct sched_ready_queue *q, int priority);

/* What the chooser needs to know about each CPU. */
struct sched_cpu_view {
    bool online;
    bool idle;            /* running its idle thread with nothing pending */
    int running_priority; /* of the thread it runs (or will run next) */
};

/* Which CPU a thread of `priority` allowed on `affinity` should be readied on: its last CPU if
 * that is idle; else any idle allowed CPU; else the allowed CPU running the lowest priority below
 * `priority` (its last CPU on a tie); else its last CPU if allowed; else the lowest allowed.
 * -1 if no allowed CPU is online. */
int sched_choose_cpu(const struct sched_cpu_view *cpus, unsigned count, KAFFINITY affinity, unsigned last,
                     int priority);

/* A ready thread preempts a running one only if strictly higher. */
static inline bool sched_preempts(int ready_priority, int running_priority) { return ready_priority > running_priority; }
/* At quantum end the running thread yields to an equal or higher ready one. */
static inline bool sched_quantum_yields(int highest_ready, int running_priority)
{
    return highest_ready >= 0 && highest_ready >= running_priority;
}

/* Priority after a wake-up with `increment`: variable threads go to base + increment (at most
 * 15) unless already higher; real-time threads keep theirs. */
int sched_boost(int base, int current, int increment);
/* Priority after a quantum end: a boosted variable thread drops one level towards its base. */
int sched_decay(int base, int current);

#endif
