/* kernel/shell/cmd_trace.c - `trace start|stop|clear|status|dump`: the per-CPU interrupt trace
 * (kernel/ke/trace.h; docs/performance.md "The trace").
 *
 * `trace dump` prints every event still in the rings, one line each, CPU by CPU in sequence order:
 *     T <cpu> <seq> <tsc> <type> <vector> <arg> <what> <object> <symbol>
 * between a `trace: dump tsc_hz=...` header and a `trace: end <n> events` line - the format
 * scripts/trace.py reads. Recording pauses while it prints (the console's own interrupts would
 * otherwise fill the rings with the dump itself) and resumes afterwards if it was on. */
#include "kernel/console/console.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/ksyms.h"
#include "kernel/ke/time.h"
#include "kernel/ke/trace.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"

static const char *const type_names[] = {
    [TRACE_INTERRUPT] = "int",   [TRACE_INTERRUPT_END] = "int_end", [TRACE_ISR] = "isr",
    [TRACE_ISR_END] = "isr_end", [TRACE_DPC_QUEUE] = "dpc_queue",   [TRACE_DPC] = "dpc",
    [TRACE_DPC_END] = "dpc_end", [TRACE_SWITCH] = "switch",         [TRACE_MARK] = "mark",
};

static const char *type_name(uint8_t type)
{
    return type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type] ? type_names[type] : "?";
}

static uint32_t first_seq(const struct trace_cpu *b)
{
    return b->next > TRACE_EVENTS_PER_CPU ? b->next - TRACE_EVENTS_PER_CPU : 0;
}

static void dump(void)
{
    bool was_on = trace_on;
    trace_stop();
    unsigned cpus = 0;
    for (unsigned c = 0; c < KE_MAX_CPUS; c++)
        if (trace_buffer(c))
            cpus = c + 1;
    console_printf("trace: dump tsc_hz=%lu cpus=%u events_per_cpu=%u\n", (unsigned long)time_tsc_frequency(), cpus,
                   TRACE_EVENTS_PER_CPU);
    unsigned long total = 0;
    for (unsigned c = 0; c < cpus; c++) {
        const struct trace_cpu *b = trace_buffer(c);
        if (!b)
            continue;
        for (uint32_t seq = first_seq(b); seq < b->next; seq++) {
            const struct trace_event *e = trace_event_at(c, seq);
            if (!e)
                continue;
            char symbol[64] = "-";
            if (e->type == TRACE_ISR || e->type == TRACE_ISR_END || e->type == TRACE_DPC_QUEUE ||
                e->type == TRACE_DPC || e->type == TRACE_DPC_END)
                ksym_format(e->what, symbol, sizeof(symbol));
            console_printf("T %u %u %lu %s %u %u %lx %lx %s\n", c, (unsigned)e->seq, (unsigned long)e->tsc,
                           type_name(e->type), (unsigned)e->vector, (unsigned)e->arg, (unsigned long)e->what,
                           (unsigned long)e->object, symbol);
            total++;
        }
    }
    console_printf("trace: end %lu events\n", total);
    if (was_on)
        trace_start();
}

static int cmd_trace(const struct shell_args *args)
{
    if (args->argc != 2)
        return SHELL_USAGE;
    const char *what = args->argv[1];
    if (!strcmp(what, "start")) {
        if (!trace_start()) {
            console_printf("trace: no memory for the buffers\n");
            return SHELL_OK;
        }
        console_printf("trace: on (%u events per CPU; oldest overwritten)\n", TRACE_EVENTS_PER_CPU);
    } else if (!strcmp(what, "stop")) {
        trace_stop();
        console_printf("trace: off\n");
    } else if (!strcmp(what, "clear")) {
        bool was_on = trace_on; /* a CPU must not be recording while its ring is reset (trace.h) */
        trace_stop();
        trace_clear();
        if (was_on)
            trace_start();
        console_printf("trace: cleared\n");
    } else if (!strcmp(what, "status")) {
        console_printf("trace: %s\n", trace_on ? "on" : "off");
        for (unsigned c = 0; c < KE_MAX_CPUS; c++) {
            const struct trace_cpu *b = trace_buffer(c);
            if (b)
                console_printf("  CPU %u: %u events recorded, %u kept\n", c, (unsigned)b->next,
                               (unsigned)(b->next - first_seq(b)));
        }
    } else if (!strcmp(what, "dump")) {
        dump();
    } else {
        return SHELL_USAGE;
    }
    return SHELL_OK;
}

SHELL_COMMAND(trace, "trace start|stop|clear|status|dump", "per-CPU trace of interrupts, ISRs, DPCs, switches",
              "start   record interrupt entry/exit, ISR calls and results, DPC queue/run and context "
              "switches into each CPU's ring (the newest events win)\n"
              "stop   stop recording; the rings keep what they have\n"
              "clear   forget every event\n"
              "status   on or off, events per CPU\n"
              "dump   print the events, one line each (scripts/trace.py makes Chrome trace JSON and "
              "histograms of them; docs/performance.md). `trace=on` on the command line starts it at boot.",
              cmd_trace);
