/* kernel/ke/storm.h - interrupt-storm detection for level-triggered lines.
 *
 * A level-triggered line that nobody silences fires again the instant it is EOI'd, forever:
 * the CPU does nothing else. irqlab watches each level vector in windows of KE_STORM_WINDOW
 * interrupts (per CPU, no shared counters); if at least KE_STORM_UNCLAIMED of them were claimed
 * by no ISR, the line is masked at the IOAPIC, the owners are named on the console and the
 * vector is marked "storm" in the statistics - the rest of the system keeps running. (These are
 * the numbers Linux uses in kernel/irq/spurious.c.) With `verifier=storm` irqlab instead stops
 * with Windows' bugcheck 0xF2 HARDWARE_INTERRUPT_STORM. An ISR that claims every interrupt of a
 * line its device keeps asserted escapes these counts: it is found as a "claimed storm" (the line
 * pending again at every EOI, KE_CLAIMED_STORM_STREAK times in a row over KE_CLAIMED_STORM_MS),
 * reported on the console and, with `verifier=storm`, stopped with 0xF2 at once; without the
 * verifier the cumulative DPC watchdog (watchdog.h) stops it later with 0x133.
 * An unclaimed interrupt more than KE_STORM_QUIET_MS after the previous one starts the unclaimed
 * count over, so only interrupts close together in guest time make a storm.
 */
#ifndef IRQLAB_KE_STORM_H
#define IRQLAB_KE_STORM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ke/kprcb.h"

#define KE_STORM_WINDOW 100000u
#define KE_STORM_UNCLAIMED 99900u
/* An unclaimed interrupt this long after the previous one restarts the unclaimed count. */
#define KE_STORM_QUIET_MS 100u
/* A claimed storm: this many interrupts in a row, each claimed and each pending again at its
 * EOI, spanning at least KE_CLAIMED_STORM_MS of guest time. */
#define KE_CLAIMED_STORM_STREAK 1000u
#define KE_CLAIMED_STORM_MS 100u

/* Count one dispatched interrupt; masks the line if it turned out to be a storm. */
void ke_storm_account(struct kprcb *prcb, uint8_t vector, bool claimed);
/* True when `verifier=storm` asks for bugcheck 0xF2 instead of masking. */
bool ke_storm_bugchecks(void);
/* True when the `verifier=` list names `check` ("storm", "io"). */
bool ke_verifier_check_on(const char *check);
/* A level-triggered IOAPIC line (the only kind that can storm). */
bool ke_storm_is_level_line(uint8_t vector);
/* With `verifier=storm`: bugcheck 0xF2 naming the vector's first ISR; otherwise return. Also
 * used by the DPC watchdog (watchdog.c) for a storm the ISR claims, which the counts here miss. */
void ke_storm_bugcheck_if_verifying(uint8_t vector);
/* Total storms detected since boot (tests, shell): masked ones, and claimed ones. */
uint64_t ke_storm_count(void);
uint64_t ke_storm_claimed_count(void);

#endif
