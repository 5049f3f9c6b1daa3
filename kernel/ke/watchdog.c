/* kernel/ke/watchdog.c - see watchdog.h. learn.microsoft.com "Bug Check 0x133
 * DPC_WATCHDOG_VIOLATION" (parameters, and the defaults 0x500 / 0x1E00 ticks its examples show)
 * and "Bug Check 0x101 CLOCK_WATCHDOG_TIMEOUT". */
#include "kernel/ke/watchdog.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/ke/clock.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/shutdown_watch.h"
#include "kernel/ke/storm.h"
#include "kernel/ke/time.h"
#include "kernel/ke/vectors.h"
#include "kernel/lib/string.h"

CMDLINE_OPTION(dpc_watchdog, "<ms>|0",
               "bugcheck 0x133 when one DPC routine or ISR runs longer (default 20000; 0 = off)");
CMDLINE_OPTION(dpc_watchdog_period, "<ms>|0",
               "bugcheck 0x133 when a CPU stays this long at DISPATCH_LEVEL or above (default 120000; 0 = off)");
CMDLINE_OPTION(clock_watchdog, "<ms>|0",
               "bugcheck 0x101 when a CPU takes no clock interrupt this long (default 10000; 0 = off)");

/* Windows: 0x500 and 0x1E00 ticks of 15.625 ms = 20 s and 120 s. Windows' clock watchdog is
 * shorter, but a vCPU thread of a loaded host can stall for seconds under TCG. */
#define DPC_WATCHDOG_DEFAULT_MS 20000u
#define DPC_WATCHDOG_PERIOD_DEFAULT_MS 120000u
#define CLOCK_WATCHDOG_DEFAULT_MS 10000u
#define NMI_PROBE_WAIT_US 100000u /* how long a hung CPU gets to answer the NMI probe */

static uint32_t dpc_limit = DPC_WATCHDOG_DEFAULT_MS / (1000u / KE_CLOCK_HZ);
static uint32_t period_limit = DPC_WATCHDOG_PERIOD_DEFAULT_MS / (1000u / KE_CLOCK_HZ);
static uint32_t clock_limit = CLOCK_WATCHDOG_DEFAULT_MS / (1000u / KE_CLOCK_HZ);
static struct ke_dpc_watchdog_triage triage;

const struct ke_dpc_watchdog_triage *ke_watchdog_triage(void) { return &triage; }
uint32_t ke_watchdog_dpc_limit(void) { return dpc_limit; }
uint32_t ke_watchdog_period_limit(void) { return period_limit; }
uint32_t ke_watchdog_clock_limit(void) { return clock_limit; }

uint32_t ke_watchdog_set_dpc_limit(uint32_t ticks)
{
    uint32_t old = dpc_limit;
    __atomic_store_n(&dpc_limit, ticks, __ATOMIC_RELAXED);
    return old;
}

/* `name=<ms>` as clock ticks, rounded up (1 ms is one tick, not none); 0 stays 0 (= off). */
static uint32_t limit_ticks(const char *name, uint32_t current)
{
    const char *text = cmdline_get(name);
    if (!text)
        return current;
    uint64_t ms = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9' && ms < 100000000u; p++)
        ms = ms * 10 + (uint64_t)(*p - '0');
    if (p == text || *p) {
        log_warn("watchdog: %s=%s is not a number of milliseconds; keeping %u ms", name, text,
                 (unsigned)(current * (1000u / KE_CLOCK_HZ)));
        return current;
    }
    return (uint32_t)((ms * KE_CLOCK_HZ + 999u) / 1000u);
}

void ke_watchdog_init(void)
{
    dpc_limit = limit_ticks("dpc_watchdog", dpc_limit);
    period_limit = limit_ticks("dpc_watchdog_period", period_limit);
    clock_limit = limit_ticks("clock_watchdog", clock_limit);
}

/* ---- 0x133, P1 = 0: one routine for too long -------------------------------------------- */

static void check_running_routine(struct kprcb *prcb)
{
    void *routine = prcb->watched.routine;
    if (!routine || !dpc_limit)
        return;
    uint64_t ran = prcb->clock_ticks - prcb->watched.start_tick;
    if (ran <= dpc_limit)
        return;
    triage.cpu = prcb->number;
    triage.kind = prcb->watched.kind;
    triage.routine = routine;
    triage.object = prcb->watched.object;
    triage.ticks = ran;
    KeBugCheckEx(DPC_WATCHDOG_VIOLATION, 0, ran, dpc_limit, (ULONG_PTR)&triage);
}

/* ---- 0x133, P1 = 1: too long at DISPATCH_LEVEL or above ---------------------------------- */

static void *first_isr(uint8_t vector)
{
    /* Read without the chain lock: only to name it on the way to a bugcheck. */
    struct ke_vector *v = &ke_vector_table[vector];
    if (IsListEmpty(&v->chain))
        return NULL;
    PKINTERRUPT o = CONTAINING_RECORD(v->chain.Flink, KINTERRUPT, InterruptListEntry);
    return o->ServiceRoutine ? (void *)o->ServiceRoutine : (void *)o->MessageServiceRoutine;
}

static void start_new_period(struct kprcb *prcb)
{
    prcb->elevated_ticks = 0;
    if (prcb->period_interrupts) {
        memset(prcb->period_vector_count, 0, sizeof(prcb->period_vector_count));
        prcb->period_interrupts = 0;
    }
}

__attribute__((noreturn)) static void period_exceeded(struct kprcb *prcb)
{
    unsigned busiest = 0;
    for (unsigned v = 1; v < KE_VECTORS; v++)
        if (prcb->period_vector_count[v] > prcb->period_vector_count[busiest])
            busiest = v;
    triage.cpu = prcb->number;
    triage.kind = prcb->watched.routine ? prcb->watched.kind : KE_WATCHED_NONE;
    triage.routine = prcb->watched.routine;
    triage.object = prcb->watched.object;
    triage.ticks = prcb->elevated_ticks;
    triage.interrupts = prcb->period_interrupts;
    triage.busiest_vector = busiest;
    triage.busiest_count = prcb->period_vector_count[busiest];
    triage.busiest_isr = triage.busiest_count ? first_isr((uint8_t)busiest) : NULL;
    /* An ISR that claims a level line its device keeps asserted: to the storm counter every
     * interrupt looks handled, yet it is a storm. With `verifier=storm` say so (0xF2). */
    if (triage.busiest_count * 2u > triage.interrupts && ke_storm_is_level_line((uint8_t)busiest))
        ke_storm_bugcheck_if_verifying((uint8_t)busiest);
    KeBugCheckEx(DPC_WATCHDOG_VIOLATION, 1, period_limit, (ULONG_PTR)&triage, 0);
}

/* One tick "at DISPATCH_LEVEL or above": the clock interrupted code running there, or the CPU
 * spent the tick going from one interrupt of a level line straight into the next. That is the
 * case when the line was still asserted at EOI for every interrupt in the tick but at most one:
 * QEMU lets a storming line rest for 10 ms after 10,000 such interrupts (hw/intc/ioapic.c,
 * SUCCESSIVE_IRQ_MAX_COUNT) - real hardware does not, and neither does the count here. For the
 * same reason one calm tick is not a break; two in a row are. Both rules count events the guest
 * sees, not host time, so a slow host changes only how soon, never whether. */
static void check_cumulative(struct kprcb *prcb)
{
    uint32_t redelivered = prcb->tick_redelivered, quiet = prcb->tick_quiet;
    prcb->tick_redelivered = 0;
    prcb->tick_quiet = 0;
    if (!period_limit)
        return;
    bool storming = redelivered > 0 && quiet <= 1;
    if (prcb->clock_interrupted_irql < DISPATCH_LEVEL && !storming) {
        if (++prcb->calm_ticks >= 2)
            start_new_period(prcb);
        return;
    }
    prcb->calm_ticks = 0;
    if (++prcb->elevated_ticks > period_limit)
        period_exceeded(prcb);
}

/* ---- 0x101: another CPU's clock stopped -------------------------------------------------- */

/* Ask the hung CPU where it is: an NMI gets through even with interrupts disabled. */
static void probe(struct kprcb *hung)
{
    hung->nmi_probe_rip = 0;
    __atomic_store_n(&hung->nmi_probe_requested, true, __ATOMIC_SEQ_CST);
    if (!lapic_send_nmi(hung->apic_id))
        return;
    uint64_t start = rdtsc(), wait = time_us_to_ticks(NMI_PROBE_WAIT_US, time_tsc_frequency());
    while (!__atomic_load_n(&hung->nmi_probe_rip, __ATOMIC_ACQUIRE) && rdtsc() - start < wait)
        cpu_pause();
}

bool ke_watchdog_nmi_probe(uint64_t rip)
{
    if (!ke_prcb_ready())
        return false;
    struct kprcb *prcb = ke_current_prcb();
    if (!__atomic_exchange_n(&prcb->nmi_probe_requested, false, __ATOMIC_SEQ_CST))
        return false;
    __atomic_store_n(&prcb->nmi_probe_rip, rip ? rip : 1, __ATOMIC_RELEASE);
    return true;
}

/* Each CPU watches the next online one, in a ring (0 watches 1, ..., the last watches 0): one
 * check per tick, and the CPU that reports a hung one is always the same - its neighbour. */
static struct kprcb *watched_neighbour(const struct kprcb *me)
{
    for (unsigned k = 1; k < KE_MAX_CPUS; k++) {
        struct kprcb *other = ke_prcbs[(me->number + k) % KE_MAX_CPUS];
        if (other && other != me && other->online)
            return other;
    }
    return NULL;
}

static void check_other_clocks(struct kprcb *me)
{
    struct kprcb *other = clock_limit ? watched_neighbour(me) : NULL;
    if (!other)
        return;
    unsigned i = other->number;
    uint64_t ticks = __atomic_load_n(&other->clock_ticks, __ATOMIC_RELAXED);
    if (ticks == 0)
        return; /* its clock has not started yet */
    if (ticks != me->clock_seen[i]) {
        me->clock_seen[i] = ticks;
        me->clock_seen_at[i] = me->clock_ticks;
        return;
    }
    if (me->clock_ticks - me->clock_seen_at[i] <= clock_limit)
        return;
    probe(other);
    KeBugCheckEx(CLOCK_WATCHDOG_TIMEOUT, clock_limit, 0, (ULONG_PTR)other, other->number);
}

void ke_watchdog_clock_tick(struct kprcb *prcb)
{
    if (bugcheck_in_progress())
        return;
    check_running_routine(prcb);
    check_cumulative(prcb);
    check_other_clocks(prcb);
    ke_shutdown_watch_tick(prcb);
}
