/* kernel/ke/verifier_command.c - the `verifier` shell command: every driver-verifier check, whether
 * it is on, how often it fired and what it gives (verifier.h; docs/verifier.md). */
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/ke/clock.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/message_decline.h"
#include "kernel/ke/storm.h"
#include "kernel/ke/verifier.h"
#include "kernel/ke/verifier_budget.h"
#include "kernel/ke/watchdog.h"
#include "kernel/mm/pool.h"
#include "kernel/mm/pool_special.h"
#include "kernel/mm/pool_track.h"
#include "kernel/mm/pool_verify.h"
#include "kernel/shell/shell.h"

static void show_budget(void)
{
    uint32_t isr_us, dpc_us;
    ke_verifier_budget_get(&isr_us, &dpc_us);
    console_printf("  budget: ISR %u us, DPC %u us; slowest routines over it:\n", isr_us, dpc_us);
    struct ke_budget_worst w[KE_BUDGET_WORST];
    unsigned n = ke_verifier_budget_worst(w, KE_BUDGET_WORST);
    if (!n)
        console_printf("    (none)\n");
    for (unsigned i = 0; i < n; i++) {
        char name[96];
        ksym_format((uint64_t)(uintptr_t)w[i].routine, name, sizeof(name));
        /* 4 + 4 + 32 + 17 + 17 columns at most */
        console_printf("    %s %-32.32s worst %8lu us, %8lu over\n", w[i].kind == KE_WATCHED_ISR ? "ISR" : "DPC", name,
                       (unsigned long)w[i].us, (unsigned long)w[i].overruns);
    }
}

static int cmd_verifier(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    const char *v = cmdline_get("verifier");
    console_printf("verifier options (command line `verifier=`): %s\n", v && *v ? v : "(none)");
    console_printf("  check     on   count  gives / catches\n");
    for (int i = 0; i < KE_VERIFY_CHECKS; i++) {
        const struct ke_verifier_rule *r = ke_verifier_rule(i);
        console_printf("  %-9s %-3s %6lu  %s\n            %s\n", r->name, ke_verifier_on(i) ? "on" : "off",
                       (unsigned long)ke_verifier_hits(i), r->stop, r->what);
    }
    console_printf("  storms: %lu masked (unclaimed), %lu claimed with the line asserted,\n"
                   "          %lu message-based ISRs that declined 3 interrupts in a row\n",
                   (unsigned long)ke_storm_count(), (unsigned long)ke_storm_claimed_count(),
                   (unsigned long)ke_message_decline_reports());
    show_budget();
    char tag[5];
    struct pool_verify_settings s = pool_verify_settings();
    console_printf("  lowres: tag %s, 1 in %u allocations fails, seed %lu\n",
                   s.fail_tag ? pool_tag_text(s.fail_tag, tag) : "(none)", s.fail_one_in, (unsigned long)s.seed);
    uint32_t special = pool_special_tag();
    console_printf("  special: tag %s, %u blocks live\n", special ? pool_tag_text(special, tag) : "(none)",
                   pool_special_live());
    console_printf("  pool: %u driver blocks tracked, %lu not tracked (table of %u full)\n", pool_track_live(),
                   (unsigned long)pool_track_untracked(), (unsigned)POOL_TRACK_MAX);
    console_printf("Always checked: IRQL rules (0x9, 0xA), spin-lock ownership (0xF, 0x10),\n"
                   "pool misuse (0xC2, 0x19), a routine returning at the wrong IRQL (0xC8),\n"
                   "IoConnectInterruptEx / IoDisconnectInterruptEx rules (0xA, 0xCA),\n"
                   "an interrupt object used after IoDisconnectInterruptEx (0xD5).\n");
    /* The watchdogs (kernel/ke/watchdog.h): limits in ms, 0 = off. */
    unsigned ms = 1000u / KE_CLOCK_HZ;
    console_printf("Watchdogs (ms, 0 = off):\n"
                   "  dpc_watchdog=%u         0x133, one DPC or ISR ran too long\n"
                   "  dpc_watchdog_period=%u  0x133, a CPU stayed at DISPATCH_LEVEL or above\n"
                   "  clock_watchdog=%u       0x101, a CPU's clock interrupt stopped\n",
                   ke_watchdog_dpc_limit() * ms, ke_watchdog_period_limit() * ms, ke_watchdog_clock_limit() * ms);
    return SHELL_OK;
}

SHELL_COMMAND(verifier, "verifier", "driver-verifier checks: which are on, what they found",
              "Checks are chosen at boot with verifier=<list>|all, e.g. CMDLINE='verifier=storm,io'.", cmd_verifier);
