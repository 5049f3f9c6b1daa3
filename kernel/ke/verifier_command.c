/* kernel/ke/verifier_command.c - the `verifier` shell command: which driver-verifier checks are on.
 * Options come from the command line (`verifier=storm[,...]`, declared in kernel/ke/storm.c). */
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/ke/storm.h"
#include "kernel/ke/watchdog.h"
#include "kernel/ke/clock.h"
#include "kernel/shell/shell.h"

static int cmd_verifier(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    const char *v = cmdline_get("verifier");
    console_printf("verifier options (command line `verifier=`): %s\n", v && *v ? v : "(none)");
    console_printf("  storm  %-3s  a storm stops the machine: bugcheck 0xF2 HARDWARE_INTERRUPT_STORM\n",
                   ke_storm_bugchecks() ? "on" : "off");
    console_printf("             (off: the line is masked and shown as `storm` by `irq`)\n");
    console_printf("  io     %-3s  I/O verification: 0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION when\n"
                   "             IoCompleteRequest sees STATUS_PENDING or a cancel routine set\n",
                   ke_verifier_check_on("io") ? "on" : "off");
    console_printf("  storms detected since boot: %llu\n", (unsigned long long)ke_storm_count());
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

SHELL_COMMAND(verifier, "verifier", "driver-verifier checks that are switched on",
              "Checks are chosen at boot with verifier=<list>, e.g. CMDLINE='verifier=storm,io'.", cmd_verifier);
