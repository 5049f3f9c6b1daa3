/* kernel/ke/storm.c - see storm.h. */
#include "kernel/ke/storm.h"

#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/interrupt.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

static bool verifier_check(const char *value, char *why, size_t why_size);
CMDLINE_OPTION_CHECKED(
    verifier, "storm,io",
    "driver-verifier checks; storm: bugcheck 0xF2 instead of masking a storm; io: I/O verification (0xC9)",
    verifier_check);

/* The checks verifier= knows. A misspelt one would otherwise switch nothing on, silently. */
static const char *const verifier_checks[] = {"storm", "io"};

static bool verifier_check(const char *value, char *why, size_t why_size)
{
    for (const char *p = value;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool known = false;
        for (size_t i = 0; i < sizeof(verifier_checks) / sizeof(verifier_checks[0]); i++)
            known |= strlen(verifier_checks[i]) == len && strncmp(p, verifier_checks[i], len) == 0;
        if (!known) {
            ksnprintf(why, why_size, "'%.*s' is not a verifier check (known: storm, io); ignored", (int)len, p);
            return false;
        }
        if (!end)
            return true;
        p = end + 1;
    }
}

static volatile uint64_t storms_detected;

bool ke_verifier_check_on(const char *check)
{
    const char *v = cmdline_get("verifier");
    if (!v)
        return false;
    size_t want = strlen(check);
    for (const char *p = v; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == want && strncmp(p, check, len) == 0)
            return true;
        p += len + (end ? 1 : 0);
    }
    return false;
}

bool ke_storm_bugchecks(void) { return ke_verifier_check_on("storm"); }

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
    PKINTERRUPT first = IsListEmpty(&v->chain) ? NULL : CONTAINING_RECORD(v->chain.Flink, KINTERRUPT, InterruptListEntry);
    /* P1 = first ISR, P2 = its context, P3 = its interrupt object, P4 = 1 alone / 2 chained. */
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
              "line masked", vector, v->source.gsi, unclaimed, KE_STORM_WINDOW);
    for (PLIST_ENTRY l = v->chain.Flink; l != &v->chain; l = l->Flink) {
        PKINTERRUPT o = CONTAINING_RECORD(l, KINTERRUPT, InterruptListEntry);
        log_error("irq:   owner: %s (ISR %p)", o->OwnerName,
                  o->ServiceRoutine ? (void *)o->ServiceRoutine : (void *)o->MessageServiceRoutine);
    }
    ke_chain_unlock(v);
}

void ke_storm_account(struct kprcb *prcb, uint8_t vector, bool claimed)
{
    struct ke_vector *v = &ke_vector_table[vector];
    if (v->source.kind != KE_SOURCE_GSI || !v->source.level || v->storm)
        return;
    prcb->storm_window_total[vector]++;
    if (!claimed)
        prcb->storm_window_unclaimed[vector]++;
    if (prcb->storm_window_total[vector] < KE_STORM_WINDOW)
        return;
    uint32_t unclaimed = prcb->storm_window_unclaimed[vector];
    prcb->storm_window_total[vector] = 0;
    prcb->storm_window_unclaimed[vector] = 0;
    if (unclaimed >= KE_STORM_UNCLAIMED)
        report_storm(vector, v, unclaimed);
}

uint64_t ke_storm_count(void) { return storms_detected; }
