/* kernel/ke/verifier_budget.c - verifier=budget: ISRs and DPC routines that run too long.
 *
 * An ISR "should return control as quickly as possible" and leave the work to its DPC (Windows
 * DDK, "ISR Performance"); the figures usually quoted from Microsoft's hardware-certification
 * guidance are 25 microseconds for an ISR and 100 for a DPC routine, irqlab's default budgets.
 * The hard limits are the DPC watchdog's (watchdog.h, 0x133); this check only reports, so a
 * student sees the slow routine long before anything stops. Time is the guest's TSC: under TCG it
 * follows the host clock, so a loaded host makes routines look slower - the report is a hint, not
 * a verdict (tests judge with budgets far beyond any host's noise).
 *
 * Each routine is reported when it sets a new worst time for itself, so a slow ISR that runs a
 * million times prints a handful of lines, not a million; `verifier` lists the worst ones. The
 * time of a DPC includes any ISR that interrupted it. */
#include "kernel/ke/verifier_budget.h"
#include "arch/x86_64/cpu.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/rawlock.h"
#include "kernel/ke/time.h"
#include "kernel/ke/watchdog.h"

CMDLINE_OPTION_CHECKED(verifier_isr_us, "<us>", "verifier=budget: report an ISR that runs longer (default 25)",
                       cmdline_check_number);
CMDLINE_OPTION_CHECKED(verifier_dpc_us, "<us>", "verifier=budget: report a DPC routine that runs longer (default 100)",
                       cmdline_check_number);

static uint32_t isr_budget_us, dpc_budget_us;
static volatile bool budgets_read;
static struct ke_budget_worst worst[KE_BUDGET_WORST];
static raw_lock_t worst_lock = RAW_LOCK_INIT;

static uint32_t option(const char *name, uint32_t default_us)
{
    unsigned long v;
    const char *text = cmdline_get(name);
    return text && cmdline_parse_number(text, &v) ? (uint32_t)v : default_us;
}

static void read_budgets(void)
{
    if (budgets_read)
        return;
    if (!isr_budget_us)
        isr_budget_us = option("verifier_isr_us", 25);
    if (!dpc_budget_us)
        dpc_budget_us = option("verifier_dpc_us", 100);
    budgets_read = true;
}

void ke_verifier_budget_get(uint32_t *isr_us, uint32_t *dpc_us)
{
    read_budgets();
    *isr_us = isr_budget_us;
    *dpc_us = dpc_budget_us;
}

void ke_verifier_budget_set(uint32_t isr_us, uint32_t dpc_us)
{
    read_budgets();
    isr_budget_us = isr_us;
    dpc_budget_us = dpc_us;
}

/* Record `us` for `routine`; true if it is a new worst for it (then report). */
static bool record(void *routine, uint8_t kind, uint64_t us)
{
    uint64_t flags = raw_lock_acquire(&worst_lock);
    struct ke_budget_worst *slot = NULL, *least = &worst[0];
    for (unsigned i = 0; i < KE_BUDGET_WORST; i++) {
        if (worst[i].routine == routine) {
            slot = &worst[i];
            break;
        }
        if (worst[i].us < least->us)
            least = &worst[i];
    }
    bool is_new = false;
    if (!slot && us > least->us) { /* not in the table: take the least bad slot */
        *least = (struct ke_budget_worst){.routine = routine, .kind = kind};
        slot = least;
    }
    if (slot) {
        slot->overruns++;
        if (us > slot->us) {
            slot->us = us;
            is_new = true;
        }
    }
    raw_lock_release(&worst_lock, flags);
    return is_new;
}

void ke_verifier_budget_end(struct kprcb *prcb)
{
    uint64_t mhz = time_tsc_frequency() / 1000000;
    if (!mhz || !prcb->watched.routine)
        return;
    uint64_t us = (rdtsc() - prcb->watched.start_tsc) / mhz;
    read_budgets();
    bool isr = prcb->watched.kind == KE_WATCHED_ISR;
    uint32_t budget = isr ? isr_budget_us : dpc_budget_us;
    if (us <= budget)
        return;
    ke_verifier_count(KE_VERIFY_BUDGET);
    if (!record(prcb->watched.routine, prcb->watched.kind, us))
        return;
    char name[96];
    ksym_format((uint64_t)(uintptr_t)prcb->watched.routine, name, sizeof(name));
    log_warn("verifier: budget: %s %s ran %lu us on CPU %u (budget %u us, verifier_%s_us=)", isr ? "ISR" : "DPC", name,
             (unsigned long)us, prcb->number, budget, isr ? "isr" : "dpc");
}

unsigned ke_verifier_budget_worst(struct ke_budget_worst *out, unsigned max)
{
    unsigned n = 0;
    uint64_t flags = raw_lock_acquire(&worst_lock);
    for (unsigned i = 0; i < KE_BUDGET_WORST && n < max; i++)
        if (worst[i].routine)
            out[n++] = worst[i];
    raw_lock_release(&worst_lock, flags);
    return n;
}
