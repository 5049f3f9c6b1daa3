/* kernel/ke/storm.h - interrupt-storm detection for level-triggered lines.
 *
 * A level-triggered line that nobody silences fires again the instant it is EOI'd, forever:
 * the CPU does nothing else. irqlab watches each level vector in windows of KE_STORM_WINDOW
 * interrupts (per CPU, no shared counters); if at least KE_STORM_UNCLAIMED of them were claimed
 * by no ISR, the line is masked at the IOAPIC, the owners are named on the console and the
 * vector is marked "storm" in the statistics - the rest of the system keeps running. (These are
 * the numbers Linux uses in kernel/irq/spurious.c.) With `verifier=storm` irqlab instead stops
 * with Windows' bugcheck 0xF2 HARDWARE_INTERRUPT_STORM.
 */
#ifndef IRQLAB_KE_STORM_H
#define IRQLAB_KE_STORM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ke/kprcb.h"

#define KE_STORM_WINDOW 100000u
#define KE_STORM_UNCLAIMED 99900u

/* Count one dispatched interrupt; masks the line if it turned out to be a storm. */
void ke_storm_account(struct kprcb *prcb, uint8_t vector, bool claimed);
/* True when `verifier=storm` asks for bugcheck 0xF2 instead of masking. */
bool ke_storm_bugchecks(void);
/* Total storms detected since boot (tests, shell). */
uint64_t ke_storm_count(void);

#endif
