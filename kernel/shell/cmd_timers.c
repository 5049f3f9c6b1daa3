/* kernel/shell/cmd_timers.c - `timers`: every queued KTIMER, as kernel/ke/timer.c holds them
 * (docs/scheduling.md "Timers", docs/shell.md).
 *
 * One row per timer, earliest first: when it is due (ms from now; negative = overdue, the expiry
 * DPC has not run yet), its period, the routine of its DPC (symbolised with kernel/ke/ksyms.c) and,
 * for a wait's timeout, the thread that waits. A snapshot is taken under the dispatcher lock and
 * printed after it is released. */
#include "kernel/console/console.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/thread.h"
#include "kernel/lib/format.h"
#include "kernel/shell/shell.h"

#define MAX_SHOWN 48

static void due_text(char *buf, size_t size, ULONGLONG due, ULONGLONG now)
{
    /* 100 ns units -> ms, rounded towards zero; a timer can be a tick overdue until its DPC runs. */
    if (due >= now)
        ksnprintf(buf, size, "%lu", (unsigned long)((due - now) / 10000));
    else
        ksnprintf(buf, size, "-%lu", (unsigned long)((now - due) / 10000));
}

static int cmd_timers(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    static struct ke_timer_info rows[MAX_SHOWN];
    unsigned total = ke_timer_snapshot(rows, MAX_SHOWN);
    ULONGLONG now = KeQueryInterruptTime();
    unsigned shown = total < MAX_SHOWN ? total : MAX_SHOWN;
    console_printf("  due in ms    period  DPC routine                     for thread\n");
    for (unsigned i = 0; i < shown; i++) {
        const struct ke_timer_info *r = &rows[i];
        char due[24], period[16], routine[48], waiter[32];
        due_text(due, sizeof(due), r->due, now);
        if (r->period)
            ksnprintf(period, sizeof(period), "%u ms", (unsigned)r->period);
        else
            ksnprintf(period, sizeof(period), "once");
        uint64_t offset = 0;
        const char *name = r->dpc_routine ? ksym_lookup((uint64_t)(uintptr_t)r->dpc_routine, &offset) : NULL;
        if (name && offset == 0)
            ksnprintf(routine, sizeof(routine), "%s", name); /* a routine's entry: its name alone */
        else if (r->dpc_routine)
            ksym_format((uint64_t)(uintptr_t)r->dpc_routine, routine, sizeof(routine));
        else
            ksnprintf(routine, sizeof(routine), "-");
        if (r->waiter)
            ksnprintf(waiter, sizeof(waiter), "%u %s", (unsigned)r->waiter_id, r->waiter_name);
        else
            ksnprintf(waiter, sizeof(waiter), "-");
        console_printf("%11s  %8s  %-30s  %s\n", due, period, routine, waiter);
    }
    if (total > shown)
        console_printf("... and %u more\n", total - shown);
    console_printf("%u timer%s queued. A wait's timeout has no DPC: it wakes the thread named.\n", total,
                   total == 1 ? "" : "s");
    return SHELL_OK;
}

SHELL_COMMAND(timers, "timers", "timers: queued KTIMERs - due time, period, DPC routine, waiting thread",
              "One row per KTIMER in the kernel's timer queue, earliest first: how many milliseconds until "
              "it is due (negative: due, its expiry DPC has not run yet), its period (\"once\" for a one-shot "
              "timer), the routine its DPC runs (a driver's KeSetTimer DPC, an NDIS timer object's "
              "NetTimerCallback such as E1000WatchdogTimer) and, for a KeWaitFor... or KeDelayExecutionThread "
              "timeout, the thread that waits. docs/scheduling.md explains timers.",
              cmd_timers);
