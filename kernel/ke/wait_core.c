/* kernel/ke/wait_core.c - see wait_core.h (pure: no locks, no hardware). */
#include "kernel/ke/wait_core.h"

bool wait_object_signaled(const DISPATCHER_HEADER *object, PKTHREAD thread)
{
    if (object->Type == MutantObject)
        return object->SignalState > 0 || ((const KMUTANT *)object)->OwnerThread == thread;
    return object->SignalState > 0;
}

void wait_object_consume(DISPATCHER_HEADER *object, PKTHREAD thread)
{
    switch (object->Type) {
    case EventSynchronizationObject:
    case TimerSynchronizationObject: object->SignalState = 0; break;
    case SemaphoreObject: object->SignalState--; break;
    case MutantObject:
        if (object->SignalState-- == 1) /* free until now: the thread owns one more mutex */
            InsertTailList(wait_thread_mutant_list(thread), &((KMUTANT *)object)->MutantListEntry);
        ((KMUTANT *)object)->OwnerThread = thread;
        break;
    default: break; /* notification events and timers, threads: stay signalled */
    }
}

bool wait_test(PVOID const objects[], ULONG count, WAIT_TYPE type, PKTHREAD thread, ULONG *index)
{
    for (ULONG i = 0; i < count; i++) {
        bool signaled = wait_object_signaled(objects[i], thread);
        if (type == WaitAny && signaled) {
            *index = i;
            return true;
        }
        if (type == WaitAll && !signaled)
            return false;
    }
    *index = 0;
    return type == WaitAll && count > 0;
}

void wait_satisfy(PVOID const objects[], ULONG count, WAIT_TYPE type, ULONG index, PKTHREAD thread)
{
    if (type == WaitAny) {
        wait_object_consume(objects[index], thread);
        return;
    }
    for (ULONG i = 0; i < count; i++)
        wait_object_consume(objects[i], thread);
}

/* A WaitAll wait: are all of the thread's WaitAll blocks' objects signalled? (Its timeout block,
 * if any, is a WaitAny block on the thread's timer and does not count.) */
static bool all_signaled(PKWAIT_BLOCK first)
{
    PKWAIT_BLOCK b = first;
    do {
        if (b->WaitType == WaitAll && !wait_object_signaled(b->Object, b->Thread))
            return false;
        b = b->NextWaitBlock;
    } while (b && b != first);
    return true;
}

static void consume_all(PKWAIT_BLOCK first)
{
    PKWAIT_BLOCK b = first;
    do {
        if (b->WaitType == WaitAll)
            wait_object_consume(b->Object, b->Thread);
        b = b->NextWaitBlock;
    } while (b && b != first);
}

void wait_signal(DISPATCHER_HEADER *object, wait_unwait_fn unwait, void *context)
{
    PLIST_ENTRY head = &object->WaitListHead;
    PLIST_ENTRY entry = head->Flink;
    while (entry != head && object->SignalState > 0) {
        PKWAIT_BLOCK block = CONTAINING_RECORD(entry, KWAIT_BLOCK, WaitListEntry);
        if (block->WaitType == WaitAny) {
            wait_object_consume(object, block->Thread);
            unwait(block, (NTSTATUS)block->WaitKey, context);
        } else if (all_signaled(block)) {
            consume_all(block);
            unwait(block, STATUS_WAIT_0, context);
        } else {
            entry = entry->Flink;
            continue;
        }
        entry = head->Flink; /* unwait unlinked that thread's blocks: start again */
    }
}
