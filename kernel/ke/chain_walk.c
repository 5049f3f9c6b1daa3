/* kernel/ke/chain_walk.c - see chain_walk.h for the rules (Windows' chained dispatch). */
#include "kernel/ke/chain_walk.h"

#include "kernel/ke/interrupt.h"

static PKINTERRUPT object_of(PLIST_ENTRY link) { return CONTAINING_RECORD(link, KINTERRUPT, InterruptListEntry); }

void ke_walk_chain(PLIST_ENTRY chain, KINTERRUPT_MODE mode, ke_isr_invoker invoke, void *context,
                   struct chain_walk_result *result)
{
    *result = (struct chain_walk_result){0, 0, false, NULL};
    if (IsListEmpty(chain))
        return;

    bool single = chain->Flink->Flink == chain;
    for (unsigned pass = 0; pass < KE_LATCHED_MAX_PASSES; pass++) {
        bool claimed_this_pass = false;
        result->passes++;
        for (PLIST_ENTRY link = chain->Flink; link != chain; link = link->Flink) {
            PKINTERRUPT interrupt = object_of(link);
            result->calls++;
            if (!invoke(interrupt, context))
                continue;
            claimed_this_pass = true;
            if (!result->claimed) {
                result->claimed = true;
                result->first_claimer = interrupt;
            }
            if (mode == LevelSensitive)
                return; /* first claim wins; the line re-asserts for anyone else */
        }
        if (single || mode == LevelSensitive || !claimed_this_pass)
            return;
    }
}
