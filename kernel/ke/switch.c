/* kernel/ke/switch.c - the context switch: one story, read top to bottom.
 *
 * A thread stops running for one of three reasons:
 *   1. it waits (KeWaitForSingleObject, KeDelayExecutionThread) or terminates: ke_switch_away()
 *      is called by the thread itself, State already Waiting / Terminated;
 *   2. a higher-priority thread became ready for this CPU (from a DPC, an ISR's DPC, another
 *      thread, or another CPU with an IPI): the readier only sets dispatch_pending;
 *   3. its quantum ended and an equal-priority thread is ready: the clock ISR sets
 *      dispatch_pending.
 * For 2 and 3 the switch happens when this CPU's IRQL drops below DISPATCH_LEVEL - in
 * KeLowerIrql after the DPCs have run, or at the end of the interrupt dispatcher when it returns
 * to PASSIVE_LEVEL/APC_LEVEL code (kernel/ke/dpc.c, ke_lower_from_dispatch). This is Windows'
 * DISPATCH_LEVEL software interrupt: raising to DISPATCH_LEVEL (holding a spin lock, running a
 * DPC) therefore really keeps the thread on the CPU.
 *
 *   ke_switch_if_pending            (IRQL DISPATCH_LEVEL, interrupts off)
 *     take the dispatcher lock
 *     pick the next thread          sched_core: the highest ready one; preempts? yields?
 *     requeue the current one       head of its queue if preempted, tail at quantum end
 *     ke_switch_away -> switch_to   bookkeeping, then ke_swap_context (context_switch.asm)
 *        ...other threads run...    (the lock is released by whichever thread runs next)
 *     back here, maybe on another CPU; reap a thread that terminated to let us run
 *     release the dispatcher lock
 */
#include "arch/x86_64/cpu.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/trace.h"

void ke_swap_context(uint64_t *save_rsp, uint64_t new_rsp);

/* Highest ready thread this CPU may run: its own queue first, else one allowed here from another
 * CPU's queue (an idle CPU helps a busy one). NULL if none. Lock held. */
static PKTHREAD take_ready(struct ke_sched_cpu *cpu, unsigned number, int at_least)
{
    int best = sched_queue_highest(&cpu->ready);
    if (best >= 0 && best >= at_least)
        return CONTAINING_RECORD(sched_queue_pop(&cpu->ready, best), struct _KTHREAD, ReadyListEntry);
    if (best >= 0)
        return NULL;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        struct ke_sched_cpu *other = &ke_sched_cpus[i];
        /* Not from an idle CPU: it is about to run its queue itself (its IPI is on the way). */
        if (other == cpu || !other->ready.count || !other->current || other->current->IsIdle)
            continue;
        for (int p = sched_queue_highest(&other->ready); p >= at_least && p >= 0; p--) {
            PLIST_ENTRY head = &other->ready.lists[p];
            for (PLIST_ENTRY e = head->Flink; e != head; e = e->Flink) {
                PKTHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, ReadyListEntry);
                if ((t->Affinity >> number) & 1) {
                    sched_queue_remove(&other->ready, e, p);
                    return t;
                }
            }
        }
    }
    return NULL;
}

static void after_switch(void)
{
    struct ke_sched_cpu *cpu = ke_this_sched();
    PKTHREAD dead = cpu->terminated;
    if (dead) {
        cpu->terminated = NULL;
        ke_thread_reap(dead);
    }
}

static void switch_to(struct ke_sched_cpu *cpu, PKTHREAD old, PKTHREAD next)
{
    unsigned number = (unsigned)(cpu - ke_sched_cpus);
    next->State = Running;
    next->NextProcessor = number;
    next->Quantum = KE_QUANTUM_TICKS;
    next->ContextSwitches++;
    cpu->context_switches++;
    cpu->current = next;
    if (old->State == Terminated)
        cpu->terminated = old; /* its stack is in use until the swap below is done */
    else if (old->IsIdle)
        old->State = Ready;
    trace_switch(old->ThreadId, next->ThreadId);
    ke_swap_context(&old->KernelStack, next->KernelStack);
    /* We are `old` again. Another CPU may have picked us: use nothing cached from before. */
    __asm__ volatile("" ::"r"(old), "r"(next)); /* keeps both alive, so GDB can print them here */
    after_switch();
}

void ke_switch_away(void)
{
    struct ke_sched_cpu *cpu = ke_this_sched();
    unsigned number = (unsigned)(cpu - ke_sched_cpus);
    PKTHREAD old = cpu->current;
    cpu->dispatch_pending = false;
    cpu->quantum_end = false;
    PKTHREAD next = take_ready(cpu, number, 0);
    if (!next)
        next = cpu->idle;
    if (next == old) { /* readied again before it got away (only the idle thread gets here) */
        old->State = Running;
        return;
    }
    switch_to(cpu, old, next);
}

void ke_switch_if_pending(void)
{
    ke_dispatcher_lock_acquire();
    struct ke_sched_cpu *cpu = ke_this_sched();
    unsigned number = (unsigned)(cpu - ke_sched_cpus);
    PKTHREAD current = cpu->current;
    bool quantum_end = cpu->quantum_end;
    cpu->dispatch_pending = false;
    cpu->quantum_end = false;

    if (current->IsIdle) {
        PKTHREAD next = take_ready(cpu, number, 0);
        if (next)
            switch_to(cpu, current, next);
    } else if (!((current->Affinity >> number) & 1)) {
        /* KeSetSystemAffinityThreadEx excluded this CPU: move to one that is allowed. */
        current->State = Ready;
        ke_ready_thread(current);
        ke_switch_away();
    } else {
        int best = sched_queue_highest(&cpu->ready);
        bool preempt = best >= 0 && sched_preempts(best, current->Priority);
        bool yield = quantum_end && sched_quantum_yields(best, current->Priority);
        if (preempt || yield) {
            current->State = Ready;
            sched_queue_insert(&cpu->ready, &current->ReadyListEntry, current->Priority, /*at_head=*/!yield);
            ke_switch_away();
        }
    }
    ke_dispatcher_lock_release();
}

/* A new thread's first code (from ke_thread_trampoline): the switch left it holding the lock at
 * DISPATCH_LEVEL with interrupts off, like any thread returning from ke_swap_context. */
__attribute__((noreturn)) void ke_thread_start(void);
void ke_thread_start(void)
{
    after_switch();
    ke_dispatcher_lock_release();
    PKTHREAD self = ke_this_sched()->current;
    cpu_enable_interrupts();
    KeLowerIrql(PASSIVE_LEVEL);
    self->StartRoutine(self->StartContext);
    PsTerminateSystemThread(STATUS_SUCCESS);
    __builtin_unreachable();
}
