/* kernel/ke/verifier_budget.h - verifier=budget (verifier_budget.c): ISR and DPC run times over
 * a budget, reported with the routine's name; the worst ones kept for the shell and tests. */
#ifndef IRQLAB_KE_VERIFIER_BUDGET_H
#define IRQLAB_KE_VERIFIER_BUDGET_H

#include <stdint.h>

#define KE_BUDGET_WORST 8

struct ke_budget_worst {
    void *routine;     /* the ISR or DeferredRoutine */
    uint8_t kind;      /* enum ke_watched_kind */
    uint64_t us;       /* its longest run, microseconds of guest TSC */
    uint64_t overruns; /* runs over the budget */
};

/* The budgets in microseconds (verifier_isr_us=, verifier_dpc_us=; tests may change them). */
void ke_verifier_budget_get(uint32_t *isr_us, uint32_t *dpc_us);
void ke_verifier_budget_set(uint32_t isr_us, uint32_t dpc_us);
/* Copy the worst routines seen (at most max); returns how many. */
unsigned ke_verifier_budget_worst(struct ke_budget_worst *out, unsigned max);

#endif
