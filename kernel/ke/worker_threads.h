/* kernel/ke/worker_threads.h - the system worker threads behind ExQueueWorkItem and
 * IoQueueWorkItem (worker_threads.c), as the kernel and tests see them. */
#ifndef IRQLAB_KE_WORKER_THREADS_H
#define IRQLAB_KE_WORKER_THREADS_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"

#define EX_WORKER_QUEUES 3 /* CriticalWorkQueue, DelayedWorkQueue, HyperCriticalWorkQueue */

/* Start every queue's threads. Boot, PASSIVE_LEVEL, once the scheduler runs. */
void ex_worker_threads_init(void);

/* For the shell and tests: a queue's priority, its threads, and how many items it took and ran. */
struct ex_worker_queue_info {
    const char *name;
    KPRIORITY priority;
    unsigned thread_count;
    PKTHREAD threads[2];
    uint64_t queued, ran;
};
bool ex_worker_queue_info(WORK_QUEUE_TYPE type, struct ex_worker_queue_info *info);
/* Is `thread` one of the system worker threads? */
bool ex_is_worker_thread(PKTHREAD thread);

#endif
