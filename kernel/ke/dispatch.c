/* kernel/ke/dispatch.c - the interrupt dispatcher: one function, read top to bottom.
 *
 *   vector stub (vectors.asm) -> trap_dispatch (trap.c) -> ke_dispatch_interrupt (here)
 *     1. spurious?            LAPIC vector 0xFF or a PIC ghost: count it, no EOI, return
 *     2. raise IRQL           CR8 = vector >> 4 (the hardware already masks this class)
 *     3. interrupts on        so a higher-IRQL interrupt may preempt this one
 *     4. walk the chain       call each ISR under its lock at its SynchronizeIrql (passive: wake its thread)
 *     5. interrupts off, EOI  the dispatcher sends the EOI, exactly once; drivers never do
 *     6. account              per-CPU counts; storm detection on level lines
 *     7. lower IRQL           back to where the interrupted code was
 *     8. drain DPCs           if that is below DISPATCH_LEVEL and DPCs were queued
 * Intel SDM Vol. 3A §6.8.1 (IF and interrupt gates), §11.8.3 (TPR/PPR), §11.8.5 (EOI).
 */
#include "kernel/ke/dispatch.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/trap_frame.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/chain_walk.h"
#include "kernel/ke/dpc_internal.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/message_decline.h"
#include "kernel/ke/spinlock.h"
#include "kernel/ke/storm.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/trace.h"
#include "kernel/ke/vectors.h"
#include "kernel/ke/watchdog.h"

/* Step 4's inner call: one ISR at its SynchronizeIrql, holding its interrupt spin lock. */
static BOOLEAN invoke_isr(PKINTERRUPT interrupt, void *context)
{
    struct kprcb *prcb = context;
    if (!ke_interrupt_runs_here(interrupt, prcb->number))
        return FALSE; /* soft-disconnected, or another processor's object (interrupt.h) */
    KIRQL vector_irql = ke_get_irql();
    ke_set_irql_unchecked(interrupt->SynchronizeIrql); /* >= the vector's IRQL (connect checks) */
    void *isr = interrupt->ServiceRoutine ? (void *)interrupt->ServiceRoutine : (void *)interrupt->MessageServiceRoutine;
    ke_spin_lock_acquire_raw(interrupt->ActualLock, isr);
    /* Device ISRs are timed by the DPC watchdog; the clock's and the IPI's (at and above
     * CLOCK_LEVEL) cannot be - the clock does the timing. */
    struct ke_watched outer;
    bool watched = interrupt->Irql < CLOCK_LEVEL;
    if (watched)
        ke_watch_begin(prcb, KE_WATCHED_ISR, isr, interrupt, &outer);

    BOOLEAN claimed = FALSE; /* ke_interrupt_connect refuses objects without a routine */
    trace_isr(interrupt->Vector, isr, interrupt); /* off: one not-taken branch (trace.h) */
    if (interrupt->MessageServiceRoutine)
        claimed = interrupt->MessageServiceRoutine(interrupt, interrupt->ServiceContext, interrupt->MessageIndex);
    else if (interrupt->ServiceRoutine)
        claimed = interrupt->ServiceRoutine(interrupt, interrupt->ServiceContext);
    trace_isr_end(interrupt->Vector, isr, claimed);
    if (watched)
        ke_watch_end(prcb, &outer);

    KIRQL after = ke_get_irql();
    if (after != interrupt->SynchronizeIrql)
        /* The ISR changed the IRQL and did not restore it. P1 = IRQL found, P2 = expected,
         * P3 = the ISR, P4 = the interrupt object. */
        KeBugCheckEx(IRQL_UNEXPECTED_VALUE, after, interrupt->SynchronizeIrql, (ULONG_PTR)isr, (ULONG_PTR)interrupt);
    ke_spin_lock_release_raw(interrupt->ActualLock, isr);
    ke_set_irql_unchecked(vector_irql);

    if (claimed)
        interrupt->ServiceCount[prcb->number]++;
    else
        interrupt->DeclineCount[prcb->number]++;
    return claimed;
}

void ke_dispatch_interrupt(struct trap_frame *frame)
{
    uint8_t vector = (uint8_t)frame->vector;
    struct kprcb *prcb = ke_current_prcb();

    /* 1. Spurious interrupts have no ISR and must not be EOI'd (SDM §11.9; 8259A data sheet). */
    if (vector == KE_VECTOR_SPURIOUS) {
        prcb->spurious_lapic++;
        return;
    }
    if (vector >= KE_VECTOR_PIC_BASE && vector < KE_VECTOR_PIC_BASE + 16) {
        pic_handle_stray_vector(vector);
        return;
    }

    /* 2. + 3. (and what the DPC watchdog needs to know, watchdog.h) */
    trace_interrupt(vector);
    KIRQL interrupted_irql = ke_get_irql();
    if (vector == KE_VECTOR_CLOCK) {
        prcb->clock_interrupted_irql = interrupted_irql;
    } else {
        prcb->period_vector_count[vector]++;
        prcb->period_interrupts++;
    }
    ke_set_irql_unchecked(KE_VECTOR_TO_IRQL(vector));
    prcb->interrupt_nesting++;
    cpu_enable_interrupts();

    /* 4. */
    struct ke_vector *v = &ke_vector_table[vector];
    bool claimed;
    if (v->per_processor) {
        /* The clock and IPIs have one object per CPU and no chain lock (interrupt.h) */
        PKINTERRUPT own = v->per_processor[prcb->number];
        claimed = own && invoke_isr(own, prcb); /* its own clock or IPI object */
    } else {
        struct chain_walk_result walk;
        ke_chain_lock(v);
        ke_walk_chain(&v->chain, v->mode, v->passive ? ke_passive_trap : invoke_isr, prcb, &walk);
        if (v->source.kind == KE_SOURCE_MSI && !v->passive && walk.calls)
            ke_message_account(v, prcb->number, walk.claimed); /* a message ISR declining its own device */
        ke_chain_unlock(v);
        claimed = walk.claimed;
    }

    /* 5. */
    cpu_disable_interrupts();
    lapic_eoi();

    /* 6. A level line asserted again the moment it is EOI'd sends the CPU straight into the next
     * interrupt: the DPC watchdog counts that as time at DIRQL (watchdog.h). QEMU re-delivers
     * synchronously with the EOI (hw/intc/ioapic.c, ioapic_eoi_broadcast), so IRR shows it now. */
    bool level_line = v->source.kind == KE_SOURCE_GSI && v->source.level;
    if (level_line) {
        if (lapic_irr_pending(vector))
            prcb->tick_redelivered++;
        else
            prcb->tick_quiet++;
    }
    if (claimed)
        prcb->vector_claimed[vector]++;
    else
        prcb->vector_unclaimed[vector]++;
    if (level_line)
        ke_storm_account(prcb, vector, claimed); /* only level lines storm (storm.h) */
    prcb->interrupt_nesting--;
    trace_interrupt_end(vector);

    /* 7. + 8. (and the thread switch a DPC, the clock or an IPI asked for: kernel/ke/switch.c) */
    if (interrupted_irql < DISPATCH_LEVEL && (ke_dpc_pending(prcb) || ke_switch_pending(prcb))) {
        ke_set_irql_unchecked(DISPATCH_LEVEL);
        ke_lower_from_dispatch(interrupted_irql); /* returns with interrupts off again */
    } else {
        ke_set_irql_unchecked(interrupted_irql);
    }
}
