/* drivers/parport/parport_owner.h - who owns the parallel port, and who waits for it. Pure: the
 * caller holds the port interrupt's lock around every call (tests/unit/test_par_owner.c).
 *
 * learn.microsoft.com: "Synchronizing the Use of a ParallelPort", IOCTL_INTERNAL_PARALLEL_PORT_
 * ALLOCATE / _FREE, PPARALLEL_TRY_ALLOCATE_ROUTINE, PPARALLEL_FREE_ROUTINE,
 * PPARALLEL_QUERY_WAITERS_ROUTINE; "Synchronizing the Use of a ParallelPort".
 *
 * The port is free or allocated to one client. An allocate request that finds it allocated waits
 * in a FIFO queue; a free hands the port straight to the oldest waiter (the port never becomes
 * free in between, so a TryAllocatePort cannot jump the queue), or leaves it idle when nobody
 * waits. A waiter that gives up (its request was cancelled) leaves the queue again. */
#ifndef IRQLAB_DRIVERS_PARPORT_OWNER_H
#define IRQLAB_DRIVERS_PARPORT_OWNER_H

#include <stdint.h>

#include <wdm.h>

struct parport_waiter {
    LIST_ENTRY link;
    PVOID tag;                /* who waits (the request's FILE_OBJECT, may be NULL) */
    volatile BOOLEAN granted; /* set by the free that handed the port over */
    BOOLEAN queued;           /* in the queue (enqueued, neither granted nor cancelled yet) */
};

struct parport_owner {
    BOOLEAN allocated;
    PVOID owner_tag;    /* tag of the allocation (NULL: a callback, or a request without a file) */
    LIST_ENTRY waiters; /* struct parport_waiter, oldest first */
    ULONG waiter_count;
    /* Statistics (the shell's `lpt status`). */
    uint64_t allocations;   /* grants: immediate and handed over */
    uint64_t refusals;      /* TryAllocate calls that found the port allocated */
    uint64_t waits;         /* requests that had to queue */
    uint64_t handovers;     /* frees that handed the port to a waiter */
    uint64_t cancellations; /* waiters that gave up */
    uint64_t stray_frees;   /* frees of a port that was not allocated (ignored) */
};

enum parport_free_result {
    PARPORT_FREE_IDLE,          /* nobody waited: the port is free now */
    PARPORT_FREE_HANDED_OVER,   /* the oldest waiter owns it now */
    PARPORT_FREE_NOT_ALLOCATED, /* it was not allocated: nothing changed */
};

void parport_owner_init(struct parport_owner *o);
/* Take the port if it is free. Never queues. */
BOOLEAN parport_owner_try_allocate(struct parport_owner *o, PVOID tag);
/* Join the queue (the port is allocated). */
void parport_owner_enqueue(struct parport_owner *o, struct parport_waiter *w);
/* Give up waiting: TRUE if `w` was still queued (now removed) or had left it already without the
 * port, FALSE if it was granted the port meanwhile (then it owns the port and must use it or free
 * it). Counted as a cancellation only when it is removed here. */
BOOLEAN parport_owner_cancel(struct parport_owner *o, struct parport_waiter *w);
enum parport_free_result parport_owner_free(struct parport_owner *o);

#endif
