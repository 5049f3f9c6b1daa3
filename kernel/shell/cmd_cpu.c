/* kernel/shell/cmd_cpu.c - `cpus` and `dpc`: the per-processor blocks (kernel/ke/kprcb.h).
 *
 * Every counter here is written only by its own CPU (that is why they live in the kprcb) and
 * read here without a lock: each number was true a moment ago. The IRQL is CR8, a register, so
 * only the CPU running the shell can read its own; the others would need an IPI, which would
 * itself change what it measures. */
#include "kernel/console/console.h"
#include "kernel/ke/irql.h"
#include "kernel/ke/kprcb.h"
#include "kernel/lib/format.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_format.h"

static uint64_t interrupts_taken(const struct kprcb *p)
{
    uint64_t total = p->spurious_lapic;
    for (unsigned v = 0; v < KE_VECTORS; v++)
        total += p->vector_claimed[v] + p->vector_unclaimed[v];
    return total;
}

static int cmd_cpus(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    struct kprcb *me = ke_current_prcb();
    KIRQL irql = KeGetCurrentIrql();
    unsigned online = 0;
    console_printf("CPU  APIC id  online   clock ticks    interrupts     DPCs run  IRQL\n");
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        const struct kprcb *p = ke_prcbs[i];
        if (!p)
            continue;
        char ticks[16], ints[16], dpcs[16];
        online += p->online;
        console_printf("%3u  %7u  %-6s %13s %13s %12s  %s\n", p->number, p->apic_id, p->online ? "yes" : "no",
                       shell_format_count(ticks, sizeof(ticks), p->clock_ticks, 13),
                       shell_format_count(ints, sizeof(ints), interrupts_taken(p), 13),
                       shell_format_count(dpcs, sizeof(dpcs), p->dpc_executed, 12), p == me ? ke_irql_name(irql) : "-");
    }
    console_printf("%u CPU%s online; the shell runs on CPU %u (only a CPU can read its own IRQL)\n", online,
                   online == 1 ? "" : "s", me->number);
    return SHELL_OK;
}

SHELL_COMMAND(cpus, "cpus", "processors: APIC id, clock ticks, interrupts, DPCs, IRQL",
              "One row per processor block (KPRCB). interrupts counts every vector the CPU took, spurious "
              "ones included; DPCs run counts DPC routines it executed. IRQL is shown for the CPU "
              "running the shell: PASSIVE_LEVEL while it waits for you.",
              cmd_cpus);

static int cmd_dpc(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    console_printf("CPU  queued now  max depth        queued      executed  running\n");
    for (unsigned i = 0; i < KE_MAX_CPUS; i++) {
        const struct kprcb *p = ke_prcbs[i];
        if (!p)
            continue;
        char queued[16], executed[16];
        console_printf("%3u  %10u %10u %13s %13s  %s\n", p->number, p->dpc_depth, p->dpc_max_depth,
                       shell_format_count(queued, sizeof(queued), p->dpc_queued, 13),
                       shell_format_count(executed, sizeof(executed), p->dpc_executed, 13),
                       p->dpc_running ? "yes" : "no");
    }
    console_printf("A DPC runs on the CPU whose queue it is in, when that CPU's IRQL drops below\n"
                   "DISPATCH_LEVEL: at the end of an interrupt or in KeLowerIrql.\n");
    return SHELL_OK;
}

SHELL_COMMAND(dpc, "dpc", "per-CPU DPC queues: depth, maximum, queued, executed",
              "queued now: DPCs waiting in the CPU's queue; max depth: the most ever waiting at once; "
              "queued/executed: totals since boot (a KeInsertQueueDpc of a DPC that is already queued "
              "is not counted: it returns FALSE and changes nothing).",
              cmd_dpc);
