/* kernel/ke/verifier.h - irqlab's Driver Verifier: named checks, switched on with
 * `verifier=<list>|all`, each counted and listed with its stop code by the shell's `verifier`.
 *
 * learn.microsoft.com "Driver Verifier", "Driver Verifier options and rule classes",
 * "Bug Check 0xC4: DRIVER_VERIFIER_DETECTED_VIOLATION". docs/verifier.md lists every check.
 *
 *   storm     a level line that nobody silences, or an ISR that claims (returns TRUE) while
 *             its line stays asserted: 0xF2 HARDWARE_INTERRUPT_STORM (kernel/ke/storm.c); a
 *             message-based ISR declining its own device's interrupts: 0xF2 too
 *             (kernel/ke/message_decline.c)
 *   io        IoCompleteRequest misuse: 0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION (kernel/io/irp.c)
 *   budget    an ISR or DPC routine over its time budget (guest TSC): a console report, no stop
 *             (the hard limit is the DPC watchdog's 0x133; kernel/ke/verifier_budget.c)
 *   spinlock  IRQL lowered below DISPATCH_LEVEL while this CPU holds a spin lock:
 *             0xC4, P1 = 0x31 (kernel/ke/verifier_spinlock.c)
 *   lowres    low-resources simulation: pool allocations under a chosen tag fail at random
 *             from a fixed seed, so a driver's error paths run (kernel/mm/pool_verify.c)
 *   special   special pool: allocations under a chosen tag end at an unmapped guard page; an
 *             overrun stops with 0xD6 naming the allocation (kernel/mm/pool_special.c)
 *   irql      exported routines above their documented maximum IRQL, where not always checked:
 *             0xA IRQL_NOT_LESS_OR_EQUAL naming the routine (kernel/ke/verifier_irql.c)
 *   ndis      NDIS rules that are only reported otherwise: NdisMDeregisterInterruptEx while the
 *             NIC still interrupts -> 0x7C BUGCODE_NDIS_DRIVER, P1 = 0x100E; NdisMRegisterInterruptEx
 *             outside MiniportInitializeEx -> 0x7C, P1 = 0x100F (kernel/ndis/)
 *   pool      pool tracking: a driver unloaded with allocations it made still outstanding:
 *             0xC4, P1 = 0x62 (kernel/mm/pool_track.c, checked by kernel/io/pnp_driver.c)
 */
#ifndef IRQLAB_KE_VERIFIER_H
#define IRQLAB_KE_VERIFIER_H

#include <stdbool.h>
#include <stdint.h>

enum ke_verifier_check {
    KE_VERIFY_STORM,
    KE_VERIFY_IO,
    KE_VERIFY_BUDGET,
    KE_VERIFY_SPINLOCK,
    KE_VERIFY_LOWRES,
    KE_VERIFY_SPECIAL,
    KE_VERIFY_IRQL,
    KE_VERIFY_NDIS,
    KE_VERIFY_POOL,
    KE_VERIFY_CHECKS
};

struct ke_verifier_rule {
    const char *name; /* the word in verifier= */
    const char *stop; /* what a violation gives: "0xF2 HARDWARE_INTERRUPT_STORM", "report" */
    const char *what; /* one line for the shell */
};

/* The checks that are on, a bit each, once verifier= has been read (ke_verifier_parsed). */
extern volatile uint32_t ke_verifier_enabled;
extern volatile bool ke_verifier_parsed;
/* The first call: reads verifier= (verifier.c). */
bool ke_verifier_on_first(enum ke_verifier_check check);
/* Is the check on? (verifier= at boot, or ke_verifier_set from a test). A bit test, inline:
 * the interrupt path asks on every ISR and DPC (docs/performance.md). */
static inline __attribute__((always_inline)) bool ke_verifier_on(enum ke_verifier_check check)
{
    if (__builtin_expect(!ke_verifier_parsed, 0))
        return ke_verifier_on_first(check);
    return (ke_verifier_enabled >> check) & 1;
}
/* Tests: switch a check on or off at run time; returns whether it was on. */
bool ke_verifier_set(enum ke_verifier_check check, bool on);
/* Count one violation (or, for lowres, one injected failure). */
void ke_verifier_count(enum ke_verifier_check check);
uint64_t ke_verifier_hits(enum ke_verifier_check check);
const struct ke_verifier_rule *ke_verifier_rule(enum ke_verifier_check check);

#endif
