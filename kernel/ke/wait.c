/* kernel/ke/wait.c - KeWaitForSingleObject, KeWaitForMultipleObjects, KeDelayExecutionThread.
 *
 * learn.microsoft.com: KeWaitForSingleObject, KeWaitForMultipleObjects, KeDelayExecutionThread,
 * "Bug Check 0xB8: ATTEMPTED_SWITCH_FROM_DPC", "Bug Check 0xC: MAXIMUM_WAIT_OBJECTS_EXCEEDED".
 *
 * A wait, under the dispatcher lock at DISPATCH_LEVEL:
 *   1. already satisfied?  consume (wait_core.c) and return STATUS_WAIT_0 + n, no switch
 *   2. zero timeout?       return STATUS_TIMEOUT (legal at DISPATCH_LEVEL)
 *   3. link one KWAIT_BLOCK per object into the objects' wait lists (+ one on the thread's own
 *      timer for the timeout), State = Waiting, ke_switch_away()
 *   4. ...someone signals an object (KeSetEvent, KeReleaseSemaphore, a timer's expiry) and
 *      ke_unwait_thread() unlinks our blocks and readies us with the status...
 *   5. back from ke_switch_away: return WaitStatus, lowering to the IRQL we came in at.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/timer_core.h"
#include "kernel/ke/wait_core.h"

void ke_unwait_thread(PKTHREAD thread, NTSTATUS status, KPRIORITY increment)
{
    PKWAIT_BLOCK first = thread->WaitBlockList, b = first;
    while (b) {
        if (b->WaitListEntry.Flink) {
            RemoveEntryList(&b->WaitListEntry);
            b->WaitListEntry.Flink = b->WaitListEntry.Blink = NULL;
        }
        b = b->NextWaitBlock;
        if (b == first)
            break;
    }
    ke_timer_remove_locked(&thread->Timer);
    thread->WaitBlockList = NULL;
    thread->WaitStatus = status;
    thread->Priority = (SCHAR)sched_boost(thread->BasePriority, thread->Priority, increment);
    ke_ready_thread(thread);
}

static void unwait_block(PKWAIT_BLOCK block, NTSTATUS status, void *context)
{
    ke_unwait_thread(block->Thread, status, *(KPRIORITY *)context);
}

void ke_signal_object(DISPATCHER_HEADER *object, KPRIORITY increment)
{
    if (!object->WaitListHead.Flink)
        return; /* never waited for (an object set up before it could be) */
    wait_signal(object, unwait_block, &increment);
}

static void link_block(PKWAIT_BLOCK b, PKTHREAD t, PVOID object, USHORT key, WAIT_TYPE type)
{
    b->Thread = t;
    b->Object = object;
    b->WaitKey = key;
    b->WaitType = (UCHAR)type;
    InsertTailList(&((DISPATCHER_HEADER *)object)->WaitListHead, &b->WaitListEntry);
}

/* The IRQL rules, checked before anything else so the mistake shows even when the object
 * happens to be signalled. */
static void check_wait_irql(PLARGE_INTEGER timeout, void *routine, void *caller)
{
    KIRQL irql = ke_get_irql();
    bool may_block = !timeout || timeout->QuadPart != 0;
    if (may_block && ke_current_prcb()->dpc_running && irql == DISPATCH_LEVEL) {
        /* P1 = the thread, P2 = 0 (no new thread chosen), P3 = its stack pointer, P4 = the caller. */
        uint64_t rsp;
        __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
        KeBugCheckEx(ATTEMPTED_SWITCH_FROM_DPC, (ULONG_PTR)KeGetCurrentThread(), 0, rsp, (ULONG_PTR)caller);
    }
    KIRQL limit = may_block ? APC_LEVEL : DISPATCH_LEVEL;
    if (irql > limit)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, limit, (ULONG_PTR)caller);
}

static NTSTATUS wait_common(ULONG count, PVOID objects[], WAIT_TYPE type, KWAIT_REASON reason,
                            PLARGE_INTEGER timeout, PKWAIT_BLOCK blocks, NTSTATUS timeout_status)
{
    KIRQL irql = KfRaiseIrql(DISPATCH_LEVEL);
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    PKTHREAD self = ke_this_sched()->current;

    /* 1. + 2. */
    ULONG index;
    NTSTATUS status;
    if (count && wait_test(objects, count, type, self, &index)) {
        wait_satisfy(objects, count, type, index, self);
        status = STATUS_WAIT_0 + (type == WaitAny ? (NTSTATUS)index : 0);
        goto out;
    }
    if (timeout && timeout->QuadPart == 0) {
        status = STATUS_TIMEOUT;
        goto out;
    }

    /* 3. The blocks form a ring through NextWaitBlock (wait_core's WaitAll check walks it). */
    PKWAIT_BLOCK first = NULL, last = NULL;
    for (ULONG i = 0; i < count; i++) {
        link_block(&blocks[i], self, objects[i], (USHORT)i, type);
        if (last)
            last->NextWaitBlock = &blocks[i];
        else
            first = &blocks[i];
        last = &blocks[i];
    }
    if (timeout) {
        PKWAIT_BLOCK tb = &self->WaitBlock[THREAD_WAIT_OBJECTS];
        self->Timer.Header.SignalState = 0;
        link_block(tb, self, &self->Timer, (USHORT)timeout_status, WaitAny);
        if (last)
            last->NextWaitBlock = tb;
        else
            first = tb;
        last = tb;
        ULONGLONG now = KeQueryInterruptTime();
        ke_timer_insert_locked(&self->Timer, timer_due_from(timeout->QuadPart, now), 0, NULL);
    }
    last->NextWaitBlock = first;
    self->WaitBlockList = first;
    self->WaitReason = (UCHAR)reason;
    self->WaitIrql = irql;
    self->State = Waiting;
    ke_switch_away();

    /* 5. */
    status = self->WaitStatus;
out:
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    KeLowerIrql(irql);
    return status;
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                               PLARGE_INTEGER Timeout)
{
    check_wait_irql(Timeout, (void *)KeWaitForSingleObject, __builtin_return_address(0));
    PKTHREAD self = KeGetCurrentThread();
    PVOID objects[1] = {Object};
    return wait_common(1, objects, WaitAny, WaitReason, Timeout, self->WaitBlock, STATUS_TIMEOUT);
}

NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType, KWAIT_REASON WaitReason,
                                  KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray)
{
    check_wait_irql(Timeout, (void *)KeWaitForMultipleObjects, __builtin_return_address(0));
    /* P1 = Count, P2 = the limit that was exceeded, P3 = WaitBlockArray, P4 = the caller. */
    if (Count > MAXIMUM_WAIT_OBJECTS || Count == 0)
        KeBugCheckEx(MAXIMUM_WAIT_OBJECTS_EXCEEDED, Count, MAXIMUM_WAIT_OBJECTS, (ULONG_PTR)WaitBlockArray,
                     (ULONG_PTR)__builtin_return_address(0));
    if (Count > THREAD_WAIT_OBJECTS && !WaitBlockArray)
        KeBugCheckEx(MAXIMUM_WAIT_OBJECTS_EXCEEDED, Count, THREAD_WAIT_OBJECTS, 0, (ULONG_PTR)__builtin_return_address(0));
    PKWAIT_BLOCK blocks = WaitBlockArray ? WaitBlockArray : KeGetCurrentThread()->WaitBlock;
    return wait_common(Count, Object, WaitType, WaitReason, Timeout, blocks, STATUS_TIMEOUT);
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval)
{
    check_wait_irql(Interval, (void *)KeDelayExecutionThread, __builtin_return_address(0));
    if (!Interval)
        return STATUS_INVALID_PARAMETER;
    if (Interval->QuadPart == 0) { /* a zero delay gives the CPU to an equal-priority ready thread */
        KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
        uint64_t flags = cpu_save_and_disable_interrupts();
        struct ke_sched_cpu *cpu = ke_this_sched();
        cpu->dispatch_pending = cpu->quantum_end = true;
        cpu_restore_interrupts(flags);
        KeLowerIrql(old);
        return STATUS_SUCCESS;
    }
    return wait_common(0, NULL, WaitAny, DelayExecution, Interval, NULL, STATUS_SUCCESS);
}
