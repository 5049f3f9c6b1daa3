/* kernel/ke/passive_interrupt.h - passive-level ISRs (Windows 8 and later).
 *
 * learn.microsoft.com, "Using Passive-Level Interrupt Service Routines": a driver registers an
 * ISR that runs at PASSIVE_LEVEL (IoConnectInterruptEx, CONNECT_FULLY_SPECIFIED with Irql =
 * SynchronizeIrql = PASSIVE_LEVEL and SpinLock = NULL) when it can reach its device's registers
 * only through slow, blocking I/O (a sensor behind I2C). The kernel's interrupt trap handler
 * cannot call such an ISR; it must silence the interrupt at the controller and schedule the ISR:
 *
 *   level-triggered:  mask the line at the IOAPIC, EOI, wake the ISR's thread; the thread runs
 *                     the ISR at PASSIVE_LEVEL and unmasks the line when it returns. The device
 *                     keeps its line asserted meanwhile, but the masked pin cannot fire again.
 *   edge (MSI, an edge pin): EOI, count the edge, wake the thread. An edge that arrives while the
 *                     ISR runs is counted too; the thread runs the ISR again for it, so no edge
 *                     is lost (an edge is never repeated by the hardware).
 *
 * One thread per interrupt object (not one per CPU). Windows documents only that "the kernel's
 * interrupt trap handler schedules this routine" and that the ISR "runs at a relatively high
 * priority"; a thread per object keeps one passive ISR that blocks on slow I/O from delaying
 * every other passive interrupt that happens to arrive on its CPU, and it runs the ISR of one
 * object one call at a time, as the interrupt spin lock does for a DIRQL ISR. The thread runs at
 * LOW_REALTIME_PRIORITY + 1 (above every ordinary thread and work item, which is what the
 * "Worker Routines" section of that page expects when it tells the ISR to hand slow work on).
 *
 * Synchronization: the object's PassiveEvent, a synchronization event (signalled = free), is
 * held by the thread around each ISR call and by KeSynchronizeExecution around its routine.
 * KeAcquireInterruptSpinLock / KeReleaseInterruptSpinLock on the object: 0x13B
 * PASSIVE_INTERRUPT_ERROR, P1 = 1 ("Bug Check 0x13B").
 * Sharing: Windows documents nothing about a passive ISR on a line with other ISRs. irqlab gives
 * a passive ISR its vector alone (ke_interrupt_connect: KE_CONNECT_PASSIVE_SHARE): a DIRQL ISR on
 * a line that stays masked while a thread runs would miss its own device's interrupts.
 */
#ifndef IRQLAB_KE_PASSIVE_INTERRUPT_H
#define IRQLAB_KE_PASSIVE_INTERRUPT_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"

#define KE_PASSIVE_ISR_PRIORITY (LOW_REALTIME_PRIORITY + 1)

struct ke_passive_interrupt {
    PKINTERRUPT interrupt; /* set by ke_passive_attach */
    bool level;            /* LevelSensitive: the trap masks the line, the thread unmasks it */
    KEVENT lock_event;     /* the object's PassiveEvent */
    KEVENT work_event;     /* synchronization: set (from wake_dpc) when work arrived */
    KDPC wake_dpc;         /* the trap handler runs at DIRQL, where KeSetEvent may not be called */
    PKTHREAD thread;
    volatile LONG pending;  /* interrupts the ISR has not yet been called for */
    volatile bool in_isr;   /* the thread is inside the ISR */
    volatile bool stopping; /* ke_passive_stop: end the thread */
    /* Counters (tests, `irq`). */
    volatile uint64_t traps;            /* interrupts the trap handler took */
    volatile uint64_t traps_during_isr; /* ... of them while the ISR was running (edges counted, not lost) */
    volatile uint64_t isr_calls;
    volatile uint64_t isr_claimed;
    volatile uint64_t unmasks; /* level: times the thread unmasked the line after the ISR */
};

/* PASSIVE_LEVEL, before the object exists: the state and its (waiting) thread. NULL when out of
 * memory. */
struct ke_passive_interrupt *ke_passive_create(void);
/* Tie the state to its object (before ke_interrupt_connect): sets Passive and PassiveEvent. */
void ke_passive_attach(struct ke_passive_interrupt *passive, PKINTERRUPT interrupt);
/* PASSIVE_LEVEL, after ke_interrupt_disconnect (or a failed connect): waits until the ISR, if it
 * is running, has returned, ends the thread and frees the state. The ISR is not called again. */
void ke_passive_stop(struct ke_passive_interrupt *passive);

/* The dispatcher's step 4 for a passive vector (its chain walker calls this instead of an ISR,
 * for the vector's one object), at the vector's IRQL with the chain lock held, before the EOI:
 * silence the line, count, wake the thread (see above). Returns TRUE: the interrupt is handled. */
BOOLEAN ke_passive_trap(PKINTERRUPT interrupt, void *context);

/* KeSynchronizeExecution for a passive-level object (PASSIVE_LEVEL caller). */
BOOLEAN ke_passive_synchronize(PKINTERRUPT interrupt, PKSYNCHRONIZE_ROUTINE routine, PVOID context);

#endif
