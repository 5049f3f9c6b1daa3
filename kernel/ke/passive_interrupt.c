/* kernel/ke/passive_interrupt.c - passive-level ISRs: the trap half (DIRQL) and the thread half
 * (PASSIVE_LEVEL). The rules and the reasons are in passive_interrupt.h; learn.microsoft.com,
 * "Using Passive-Level Interrupt Service Routines" and "Bug Check 0x13B: PASSIVE_INTERRUPT_ERROR".
 *
 * In GDB: `break ke_passive_trap` stops in the interrupt (IRQL = the vector's), `break
 * passive_call_isr` in the ISR's thread (IRQL 0); `threads` lists it as "passive 0xNN".
 */
#include "kernel/ke/passive_interrupt.h"

#include "arch/x86_64/cpu.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/thread.h"
#include "kernel/lib/format.h"
#include "kernel/mm/heap.h"

/* ---- the trap half: at the vector's IRQL, chain lock held, before the EOI ---------------------- */

static VOID passive_wake(PKDPC dpc, PVOID context, PVOID argument1, PVOID argument2)
{
    UNREFERENCED_PARAMETER(dpc);
    UNREFERENCED_PARAMETER(argument1);
    UNREFERENCED_PARAMETER(argument2);
    struct ke_passive_interrupt *passive = context;
    KeSetEvent(&passive->work_event, 0, FALSE);
}

BOOLEAN ke_passive_trap(PKINTERRUPT interrupt, void *context)
{
    UNREFERENCED_PARAMETER(context);
    struct ke_passive_interrupt *passive = interrupt->Passive;
    if (interrupt->Inactive)
        return FALSE; /* IoReportInterruptInactive: not asked (kernel/io/interrupt_active.c) */
    /* Silence first. A level line left unmasked would fire again the moment the dispatcher sends
     * the EOI, forever, because only the ISR - minutes later, in thread time - can quiet the
     * device. Masked, it waits; the thread unmasks it after the ISR. An edge needs only the EOI. */
    if (passive->level)
        ke_vector_mask((uint8_t)interrupt->Vector);
    passive->traps++;
    if (passive->in_isr)
        passive->traps_during_isr++;
    __atomic_add_fetch(&passive->pending, 1, __ATOMIC_RELEASE);
    KeInsertQueueDpc(&passive->wake_dpc, NULL, NULL); /* already queued: one wake is enough */
    return TRUE;
}

/* ---- the thread half: PASSIVE_LEVEL ------------------------------------------------------------- */

static void wait_for(PKEVENT event) { (void)KeWaitForSingleObject(event, Executive, KernelMode, FALSE, NULL); }

/* One ISR call under the object's PassiveEvent, as a DIRQL ISR runs under its spin lock. */
static void passive_call_isr(struct ke_passive_interrupt *passive)
{
    PKINTERRUPT interrupt = passive->interrupt;
    wait_for(&passive->lock_event);
    passive->in_isr = true;
    BOOLEAN claimed = interrupt->ServiceRoutine(interrupt, interrupt->ServiceContext);
    passive->in_isr = false;
    KIRQL after = ke_get_irql();
    if (after != PASSIVE_LEVEL)
        /* As for a DIRQL ISR (kernel/ke/dispatch.c): P1 = IRQL found, P2 = expected, P3 = the
         * ISR, P4 = the interrupt object. */
        KeBugCheckEx(IRQL_UNEXPECTED_VALUE, after, PASSIVE_LEVEL, (ULONG_PTR)interrupt->ServiceRoutine,
                     (ULONG_PTR)interrupt);
    KeSetEvent(&passive->lock_event, 0, FALSE);
    passive->isr_calls++;
    ULONG cpu = KeGetCurrentProcessorNumber(); /* where the thread ran it, for `irq` */
    if (claimed) {
        passive->isr_claimed++;
        interrupt->ServiceCount[cpu]++;
    } else {
        interrupt->DeclineCount[cpu]++;
    }
}

/* Level: "after the ISR runs, the kernel unmasks the interrupt" - unless the object has been
 * disconnected meanwhile (the disconnect masked the line for good). */
static void passive_unmask(struct ke_passive_interrupt *passive)
{
    PKINTERRUPT interrupt = passive->interrupt;
    struct ke_vector *v = &ke_vector_table[interrupt->Vector];
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v);
    if (interrupt->Connected && !interrupt->Inactive) { /* an inactive object's line stays masked */
        ke_vector_unmask((uint8_t)interrupt->Vector);
        passive->unmasks++;
    }
    ke_chain_unlock(v);
    cpu_restore_interrupts(flags);
}

static VOID passive_thread(PVOID context)
{
    struct ke_passive_interrupt *passive = context;
    for (;;) {
        wait_for(&passive->work_event);
        if (passive->stopping)
            break;
        /* Take every interrupt counted so far; one ISR call serves them all (the ISR reads the
         * device's state, as a DIRQL ISR on a shared edge line does). Interrupts that arrive
         * while it runs are counted again and served by the next turn of this loop. */
        while (!passive->stopping && __atomic_exchange_n(&passive->pending, 0, __ATOMIC_ACQ_REL) > 0) {
            if (passive->interrupt->Inactive)
                continue; /* trapped before IoReportInterruptInactive: dropped, as it would be now */
            passive_call_isr(passive);
            if (passive->level)
                passive_unmask(passive);
        }
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

struct ke_passive_interrupt *ke_passive_create(void)
{
    struct ke_passive_interrupt *passive = kzalloc(sizeof(*passive));
    if (!passive)
        return NULL;
    KeInitializeEvent(&passive->lock_event, SynchronizationEvent, TRUE);
    KeInitializeEvent(&passive->work_event, SynchronizationEvent, FALSE);
    KeInitializeDpc(&passive->wake_dpc, passive_wake, passive);
    passive->thread = ke_create_thread(passive_thread, passive, KE_PASSIVE_ISR_PRIORITY, (KAFFINITY)-1, "passive");
    if (!passive->thread) {
        kfree(passive);
        return NULL;
    }
    return passive;
}

void ke_passive_attach(struct ke_passive_interrupt *passive, PKINTERRUPT interrupt)
{
    passive->interrupt = interrupt;
    passive->level = interrupt->Mode == LevelSensitive;
    interrupt->Passive = passive;
    interrupt->PassiveEvent = &passive->lock_event;
    ksnprintf(passive->thread->Name, sizeof(passive->thread->Name), "passive 0x%02x", (unsigned)interrupt->Vector);
}

void ke_passive_stop(struct ke_passive_interrupt *passive)
{
    /* The object is off its vector: no trap queues the DPC any more. One queued earlier may
     * still be waiting or running somewhere; let it finish before the memory goes. */
    KeFlushQueuedDpcs();
    passive->stopping = true;
    KeSetEvent(&passive->work_event, 0, FALSE);
    /* Returns when the thread has ended - after the ISR call in progress, if any, returned. */
    (void)KeWaitForSingleObject(passive->thread, Executive, KernelMode, FALSE, NULL);
    ke_thread_dereference(passive->thread);
    kfree(passive);
}

BOOLEAN ke_passive_synchronize(PKINTERRUPT interrupt, PKSYNCHRONIZE_ROUTINE routine, PVOID context)
{
    struct ke_passive_interrupt *passive = interrupt->Passive;
    wait_for(&passive->lock_event);
    BOOLEAN result = routine(context);
    KeSetEvent(&passive->lock_event, 0, FALSE);
    return result;
}
