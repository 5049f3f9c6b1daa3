/* kernel/ke/watchdog.h - nothing may hang a CPU silently: Windows' DPC and clock watchdogs.
 *
 * learn.microsoft.com "Bug Check 0x133 DPC_WATCHDOG_VIOLATION" and "Bug Check 0x101
 * CLOCK_WATCHDOG_TIMEOUT". Every check runs in the clock interrupt (CLOCK_LEVEL, above DISPATCH
 * and every DIRQL, so it preempts DPCs and device ISRs) and counts clock ticks of the guest's own
 * LAPIC timer: a busy host slows the guest and its clock alike, and while QEMU is paused (a GDB
 * session) the guest's clocks stand still, so no limit runs out.
 *
 *   0x133, P1 = 0  one DPC routine or ISR ran longer than `dpc_watchdog=` ms (default 20000,
 *                  Windows' 0x500 ticks of 15.6 ms). P2 = its run time in ticks, P3 = the limit
 *                  in ticks, P4 = the triage block below (it names the routine).
 *   0x133, P1 = 1  a CPU spent `dpc_watchdog_period=` ms (default 120000, Windows' 0x1E00
 *                  ticks) without a break at DISPATCH_LEVEL or above: back-to-back DPCs, a DPC
 *                  that queues itself again, an ISR that claims a line its device never lowers.
 *                  P2 = the period in ticks, P3 = the triage block, P4 = 0. A tick counts as
 *                  "at DISPATCH_LEVEL or above" when the clock interrupted code at DISPATCH_LEVEL
 *                  or above, or when the CPU went from one interrupt of a level line straight into
 *                  the next all tick long (watchdog.c says how); two ticks that are neither start
 *                  the count over. With `verifier=storm`, a period spent mostly on one level line
 *                  is reported as 0xF2 HARDWARE_INTERRUPT_STORM naming its ISR instead.
 *   0x101          another CPU has taken no clock interrupt for `clock_watchdog=` ms (default
 *                  10000): it spins with interrupts disabled or at IRQL >= CLOCK_LEVEL. Found by
 *                  the clock interrupt of the CPU before it (CPU n watches CPU n + 1, the last
 *                  watches CPU 0), so it needs -smp 2 or more. P1 = the limit in
 *                  ticks, P2 = 0, P3 = the hung CPU's KPRCB, P4 = its number.
 * `=0` switches a check off.
 */
#ifndef IRQLAB_KE_WATCHDOG_H
#define IRQLAB_KE_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/verifier.h"

/* verifier=budget (verifier_budget.c): report the bracketed routine if it ran over its budget. */
void ke_verifier_budget_end(struct kprcb *prcb);

/* What Windows' nt!DPC_WATCHDOG_GLOBAL_TRIAGE_BLOCK is for: the 0x133 parameter that says who.
 * Filled in just before the bugcheck; the stop screen reads it. */
struct ke_dpc_watchdog_triage {
    uint32_t cpu;
    uint32_t kind;           /* enum ke_watched_kind of `routine` */
    void *routine;           /* the DPC routine or ISR running when the limit ran out (or NULL) */
    void *object;            /* its KDPC or KINTERRUPT */
    uint64_t ticks;          /* how long it had run (P1 = 0) or the period (P1 = 1) */
    uint32_t interrupts;     /* P1 = 1: interrupts dispatched during the period ... */
    uint32_t busiest_vector; /* ... the vector that took most of them ... */
    uint32_t busiest_count;
    void *busiest_isr; /* ... and the first ISR on it */
};
const struct ke_dpc_watchdog_triage *ke_watchdog_triage(void);

/* Read the limits from the command line (before the clock starts). */
void ke_watchdog_init(void);
/* The limits in clock ticks (0 = off), for the shell and tests. */
uint32_t ke_watchdog_dpc_limit(void);
uint32_t ke_watchdog_period_limit(void);
uint32_t ke_watchdog_clock_limit(void);
/* Tests: change the single DPC/ISR limit (ticks, 0 = off); returns the old one. */
uint32_t ke_watchdog_set_dpc_limit(uint32_t ticks);

/* Called by every CPU's clock ISR, at CLOCK_LEVEL. */
void ke_watchdog_clock_tick(struct kprcb *prcb);

/* Bracket a DPC routine or ISR call: the clock interrupt times whatever is in prcb->watched.
 * Nested (an ISR interrupting a DPC) the outer one is saved and put back. */
FORCEINLINE void ke_watch_begin(struct kprcb *prcb, enum ke_watched_kind kind, void *routine, void *object,
                                  struct ke_watched *saved)
{
    *saved = prcb->watched;
    prcb->watched.routine = NULL; /* the clock interrupt may look at any moment: never half-set */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    prcb->watched.object = object;
    prcb->watched.start_tick = prcb->clock_ticks;
    prcb->watched.kind = (uint8_t)kind;
    prcb->watched.start_tsc = ke_verifier_on(KE_VERIFY_BUDGET) ? rdtsc() : 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    prcb->watched.routine = routine;
}

FORCEINLINE void ke_watch_end(struct kprcb *prcb, const struct ke_watched *saved)
{
    if (prcb->watched.start_tsc)
        ke_verifier_budget_end(prcb);
    prcb->watched.routine = NULL;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    prcb->watched.object = saved->object;
    prcb->watched.start_tick = saved->start_tick;
    prcb->watched.kind = saved->kind;
    prcb->watched.start_tsc = saved->start_tsc;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    prcb->watched.routine = saved->routine;
}

/* The NMI handler asks this first: true if the NMI was the clock watchdog asking where this CPU
 * is (its RIP is recorded for the 0x101 stop screen), not a hardware NMI. */
bool ke_watchdog_nmi_probe(uint64_t rip);

#endif
