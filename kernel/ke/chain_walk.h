/* kernel/ke/chain_walk.h - the rules for calling the ISRs that share one vector.
 *
 *  * One object on the vector: call its ISR once; the return value only feeds the statistics.
 *  * Level-triggered (LevelSensitive) chain: call ISRs in connect order and stop at the first one
 *    that returns TRUE. The line is still asserted if another device also wants service, so the
 *    IOAPIC raises the interrupt again right after the EOI and the next ISR gets its turn.
 *  * Edge-triggered (Latched) chain: an edge is not repeated, so a device whose edge arrived while
 *    another ISR ran would be lost if we stopped early. Walk the whole chain, and walk it again
 *    as long as some ISR claimed work in the last pass; stop after a full pass that claimed
 *    nothing (or after KE_LATCHED_MAX_PASSES, to survive an ISR that always says TRUE).
 * Pure code: tests/unit/test_chain_walk.c checks these rules with fake ISRs on the host.
 */
#ifndef IRQLAB_KE_CHAIN_WALK_H
#define IRQLAB_KE_CHAIN_WALK_H

#include <stdbool.h>

#include "include/wdm.h"

#define KE_LATCHED_MAX_PASSES 8

struct chain_walk_result {
    unsigned calls;          /* ISR invocations */
    unsigned passes;         /* full passes over the chain */
    bool claimed;            /* some ISR returned TRUE */
    PKINTERRUPT first_claimer;
};

/* Calls invoke(object, context) for each ISR that must run; invoke returns the ISR's result. */
typedef BOOLEAN (*ke_isr_invoker)(PKINTERRUPT interrupt, void *context);

void ke_walk_chain(PLIST_ENTRY chain, KINTERRUPT_MODE mode, ke_isr_invoker invoke, void *context,
                   struct chain_walk_result *result);

#endif
