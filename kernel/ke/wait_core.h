/* kernel/ke/wait_core.h - when is a wait satisfied, and what satisfying it does to the objects.
 * Pure (host-tested in tests/unit/test_wait_core.c); kernel/ke/wait.c calls it under the
 * dispatcher lock.
 *
 * learn.microsoft.com "Kernel Dispatcher Objects", KeWaitForMultipleObjects, KeInitializeEvent,
 * KeInitializeSemaphore, KeInitializeMutex, KeInitializeTimerEx:
 *   object            signalled when            a satisfied wait does
 *   notification event SignalState > 0          nothing (stays signalled: wakes every waiter)
 *   synchronization ev SignalState > 0          resets it (wakes exactly one waiter)
 *   semaphore          count > 0                count - 1
 *   mutex              free, or owned by waiter  owner = waiter, recursion + 1
 *   notification timer expired                   nothing
 *   synchronization tm expired                   resets it
 *   thread             terminated                nothing
 * A WaitAll wait is satisfied only when every object is signalled at the same moment; only then
 * are they all consumed (so a WaitAll waiter never holds half of its objects).
 */
#ifndef IRQLAB_KE_WAIT_CORE_H
#define IRQLAB_KE_WAIT_CORE_H

#include <stdbool.h>

#include "include/wdm.h"

/* The list of mutexes a thread owns (KMUTEX.MutantListEntry links them), so that a thread ending
 * while it owns one can be caught. Provided by the caller: kernel/ke/thread.c (KTHREAD's
 * MutantListHead) or a host test. */
PLIST_ENTRY wait_thread_mutant_list(PKTHREAD thread);

bool wait_object_signaled(const DISPATCHER_HEADER *object, PKTHREAD thread);
void wait_object_consume(DISPATCHER_HEADER *object, PKTHREAD thread);

/* Would this wait be satisfied now? For WaitAny, *index = the first signalled object. */
bool wait_test(PVOID const objects[], ULONG count, WAIT_TYPE type, PKTHREAD thread, ULONG *index);
/* Consume what a satisfied wait takes: objects[index] for WaitAny, all of them for WaitAll. */
void wait_satisfy(PVOID const objects[], ULONG count, WAIT_TYPE type, ULONG index, PKTHREAD thread);

/* The object was just signalled: wake the waiters it satisfies, in the order they started
 * waiting, for as long as it stays signalled. For each, `unwait(block, status, context)` is
 * called after the objects were consumed; it must unlink every wait block of that thread. */
typedef void (*wait_unwait_fn)(PKWAIT_BLOCK satisfied, NTSTATUS status, void *context);
void wait_signal(DISPATCHER_HEADER *object, wait_unwait_fn unwait, void *context);

#endif
