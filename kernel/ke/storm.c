/* kernel/ke/storm.c - see storm.h. */
#include "kernel/ke/storm.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "include/wdm.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/time.h"
#include "kernel/ke/verifier.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

static volatile uint64_t storms_detected;
static volatile uint64_t claimed_storms_detected;

bool ke_verifier_check_on(const char *check)
{
    for (int i = 0; i < KE_VERIFY_CHECKS; i++)
        if (strcmp(ke_verifier_rule(i)->name, check) == 0)
            return ke_verifier_on(i);
    return false;
}

bool ke_storm_bugchecks(void) { return ke_verifier_on(KE_VERIFY_STORM); }

bool ke_storm_is_level_line(uint8_t vector)
{
    const struct ke_vector *v = &ke_vector_table[vector];
    return v->source.kind == KE_SOURCE_GSI && v->source.level;
}

void ke_storm_bugcheck_if_verifying(uint8_t vector)
{
    if (!ke_storm_bugchecks())
        return;
    /* Read without the chain lock: only for the bugcheck's parameters, which stop everything. */
    struct ke_vector *v = &ke_vector_table[vector];
    PKINTERRUPT first =
        IsListEmpty(&v->chain) ? NULL : CONTAINING_RECORD(v->chain.Flink, KINTERRUPT, InterruptListEntry);
    /* P1 = first ISR, P2 = its context, P3 = its interrupt object, P4 = 1 alone / 2 chained. */
    ke_verifier_count(KE_VERIFY_STORM);
    KeBugCheckEx(HARDWARE_INTERRUPT_STORM, first ? (ULONG_PTR)first->ServiceRoutine : 0,
                 first ? (ULONG_PTR)first->ServiceContext : 0, (ULONG_PTR)first, v->object_count > 1 ? 2 : 1);
}

static void report_storm(uint8_t vector, struct ke_vector *v, uint32_t unclaimed)
{
    ke_storm_bugcheck_if_verifying(vector);

    ke_chain_lock(v); /* interrupts are off here; a disconnect elsewhere finishes quickly */
    ke_vector_mask(vector);
    v->storm = true;
    storms_detected++;
    log_error("irq: interrupt storm on vector 0x%02x (GSI %u, level): %u of the last %u not claimed; "
              "line masked",
              vector, v->source.gsi, unclaimed, KE_STORM_WINDOW);
    for (PLIST_ENTRY l = v->chain.Flink; l != &v->chain; l = l->Flink) {
        PKINTERRUPT o = CONTAINING_RECORD(l, KINTERRUPT, InterruptListEntry);
        log_error("irq:   owner: %s (ISR %p)", o->OwnerName,
                  o->ServiceRoutine ? (void *)o->ServiceRoutine : (void *)o->MessageServiceRoutine);
    }
    ke_chain_unlock(v);
}

/* Guest TSC ticks in `ms` milliseconds (0 before the TSC is calibrated: no time rule then). */
static uint64_t tsc_ms(uint64_t ms) { return time_tsc_frequency() / 1000 * ms; }

/* An ISR that returns TRUE while its device keeps the level line asserted: every interrupt looks
 * handled, so the unclaimed counts never see it, and the CPU does nothing else. The sign: the
 * line is pending again in the IRR the moment it is EOI'd (QEMU re-delivers synchronously,
 * hw/intc/ioapic.c ioapic_eoi_broadcast), KE_CLAIMED_STORM_STREAK times in a row and for at
 * least KE_CLAIMED_STORM_MS of guest time - a busy device that lowers its line between
 * interrupts breaks the streak. Counted always and reported once per streak; with
 * `verifier=storm` it stops with 0xF2 at once, long before the DPC watchdog's 0x133.
 *
 * One gap is forgiven: QEMU's IOAPIC holds back every 10,000th successive re-delivery of a
 * level line for 10 ms of guest time (ioapic_eoi_broadcast, SUCCESSIVE_IRQ_MAX_COUNT: it lets
 * a buggy guest make progress), so at that EOI the IRR is empty although the line is still
 * asserted. A gap that follows at least KE_CLAIMED_STORM_STREAK re-deliveries in a row keeps
 * the streak; a gap sooner than that ends it. How many interrupts fit in KE_CLAIMED_STORM_MS
 * depends on the host's speed, so without this rule a fast host never saw a storm. */
static void account_claimed(struct kprcb *prcb, uint8_t vector, bool claimed)
{
    bool again = claimed && lapic_irr_pending(vector);
    uint32_t *streak = &prcb->storm_claimed_streak[vector];
    uint32_t *run = &prcb->storm_claimed_run[vector];
    if (!again) {
        if (claimed && *run >= KE_CLAIMED_STORM_STREAK) {
            *run = 0; /* QEMU's held-back re-delivery: the streak goes on */
            return;
        }
        *streak = 0;
        *run = 0;
        return;
    }
    if (*run < UINT32_MAX)
        (*run)++;
    if (*streak == UINT32_MAX)
        return; /* this streak was reported already */
    uint64_t now = rdtsc();
    if ((*streak)++ == 0)
        prcb->storm_streak_start_tsc[vector] = now;
    if (*streak < KE_CLAIMED_STORM_STREAK || now - prcb->storm_streak_start_tsc[vector] < tsc_ms(KE_CLAIMED_STORM_MS))
        return;
    *streak = UINT32_MAX;
    claimed_storms_detected++;
    ke_storm_bugcheck_if_verifying(vector);
    struct ke_vector *v = &ke_vector_table[vector];
    PKINTERRUPT first =
        IsListEmpty(&v->chain) ? NULL : CONTAINING_RECORD(v->chain.Flink, KINTERRUPT, InterruptListEntry);
    log_warn("irq: claimed storm on vector 0x%02x (GSI %u, level): %u interrupts in a row claimed by %s (ISR %p) "
             "while the line stayed asserted (verifier=storm stops here with 0xF2)",
             vector, v->source.gsi, KE_CLAIMED_STORM_STREAK, first ? first->OwnerName : "?",
             first ? (void *)first->ServiceRoutine : NULL);
}

void ke_storm_account(struct kprcb *prcb, uint8_t vector, bool claimed)
{
    struct ke_vector *v = &ke_vector_table[vector];
    if (v->source.kind != KE_SOURCE_GSI || !v->source.level || v->storm)
        return;
    account_claimed(prcb, vector, claimed);
    prcb->storm_window_total[vector]++;
    if (!claimed) {
        /* A storm is unclaimed interrupts back to back. One that comes more than
         * KE_STORM_QUIET_MS after the previous unclaimed one starts the count over (the rule of
         * Linux's note_interrupt, in its spurious-interrupt code), so a shared line with a rare stray
         * interrupt is never masked however long the system runs. */
        uint64_t now = rdtsc();
        uint64_t quiet = tsc_ms(KE_STORM_QUIET_MS);
        if (quiet && now - prcb->storm_last_unclaimed_tsc[vector] > quiet)
            prcb->storm_window_unclaimed[vector] = 0;
        prcb->storm_last_unclaimed_tsc[vector] = now;
        prcb->storm_window_unclaimed[vector]++;
    }
    if (prcb->storm_window_total[vector] < KE_STORM_WINDOW)
        return;
    uint32_t unclaimed = prcb->storm_window_unclaimed[vector];
    prcb->storm_window_total[vector] = 0;
    prcb->storm_window_unclaimed[vector] = 0;
    if (unclaimed >= KE_STORM_UNCLAIMED)
        report_storm(vector, v, unclaimed);
}

uint64_t ke_storm_claimed_count(void) { return claimed_storms_detected; }

uint64_t ke_storm_count(void) { return storms_detected; }
