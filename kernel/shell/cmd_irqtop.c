/* kernel/shell/cmd_irqtop.c - `irqtop [refreshes]`: interrupts per second, per vector and CPU,
 * refreshed every second until a key is pressed - like watching /proc/interrupts, or the
 * "Interrupts/sec" counter of Windows' Performance Monitor (docs/shell.md, docs/performance.md).
 *
 * Rates are differences of the per-CPU counters `irq` shows (claimed + unclaimed, written only by
 * their own CPU, read here without a lock: a value that was true a moment ago), divided by the
 * guest time between two snapshots (KeQueryInterruptTime). With a number it stops by itself after
 * that many refreshes (what scripts and tests use). */
#include "arch/x86_64/cpu.h"
#include "include/wdm.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/vectors.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_input.h"

#define IRQTOP_CPU_COLUMNS 4 /* more CPUs: the total and the busiest CPU only (80 columns) */
#define IRQTOP_POLL_MS 50

static uint64_t counts[2][256][IRQTOP_CPU_COLUMNS + 1]; /* [snapshot][vector][cpu or total] */

static unsigned cpu_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        if (ke_prcbs[i] && ke_prcbs[i]->online)
            n = i + 1;
    return n;
}

/* Per vector: each of the first IRQTOP_CPU_COLUMNS CPUs, and the total over all CPUs last. */
static void snapshot(uint64_t out[256][IRQTOP_CPU_COLUMNS + 1], unsigned cpus)
{
    memset(out, 0, sizeof(counts[0]));
    for (unsigned c = 0; c < cpus; c++) {
        struct kprcb *p = ke_prcbs[c];
        if (!p)
            continue;
        for (unsigned v = 0; v < 256; v++) {
            uint64_t n = p->vector_claimed[v] + p->vector_unclaimed[v];
            if (c < IRQTOP_CPU_COLUMNS)
                out[v][c] = n;
            out[v][IRQTOP_CPU_COLUMNS] += n;
        }
    }
}

static void owner_of(uint8_t vector, char *out, size_t size)
{
    struct ke_vector *v = &ke_vector_table[vector];
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v); /* with interrupts off: the dispatcher takes it at device IRQL (cmd_irq.c) */
    const char *name = "-";
    if (v->chain.Flink != &v->chain) {
        const KINTERRUPT *object = CONTAINING_RECORD(v->chain.Flink, KINTERRUPT, InterruptListEntry);
        name = object->OwnerName ? object->OwnerName : "?";
    } else if (vector == KE_VECTOR_SPURIOUS) {
        name = "spurious";
    }
    strlcpy(out, name, size);
    ke_chain_unlock(v);
    cpu_restore_interrupts(flags);
}

static unsigned long rate(uint64_t before, uint64_t after, uint64_t elapsed_100ns)
{
    return elapsed_100ns ? (unsigned long)((after - before) * 10000000ull / elapsed_100ns) : 0;
}

static void print_rates(unsigned refresh, unsigned cpus, uint64_t elapsed_100ns)
{
    unsigned columns = cpus < IRQTOP_CPU_COLUMNS ? cpus : IRQTOP_CPU_COLUMNS;
    bool all_columns = cpus <= IRQTOP_CPU_COLUMNS;
    console_printf("\x1b[H\x1b[J"); /* home, clear: the table stays in place on a terminal */
    console_printf("irqtop %u: interrupts/s over %lu ms, %u CPU%s; any key stops\n", refresh,
                   (unsigned long)(elapsed_100ns / 10000), cpus, cpus == 1 ? "" : "s");
    console_printf(" vec IRQL");
    if (all_columns)
        for (unsigned c = 0; c < columns; c++)
            console_printf("    CPU%u", c);
    console_printf("    total  owner\n");
    unsigned long sum = 0;
    for (unsigned v = 0; v < 256; v++) {
        unsigned long total = rate(counts[0][v][IRQTOP_CPU_COLUMNS], counts[1][v][IRQTOP_CPU_COLUMNS], elapsed_100ns);
        if (!total)
            continue;
        sum += total;
        char owner[24];
        owner_of((uint8_t)v, owner, sizeof(owner));
        console_printf("0x%02x %4u", v, v >> 4);
        if (all_columns)
            for (unsigned c = 0; c < columns; c++)
                console_printf(" %7lu", rate(counts[0][v][c], counts[1][v][c], elapsed_100ns));
        console_printf(" %8lu  %s\n", total, owner);
    }
    console_printf("all vectors: %lu interrupts/s\n", sum);
}

/* Wait about a second of guest time, checking for a key every IRQTOP_POLL_MS. True if pressed. */
static bool wait_a_second(void)
{
    LARGE_INTEGER step = {.QuadPart = -(LONGLONG)IRQTOP_POLL_MS * 10000};
    for (unsigned waited = 0; waited < 1000; waited += IRQTOP_POLL_MS) {
        if (shell_input_key_pressed())
            return true;
        KeDelayExecutionThread(KernelMode, FALSE, &step);
    }
    return shell_input_key_pressed();
}

static int cmd_irqtop(const struct shell_args *args)
{
    unsigned long limit = 0; /* 0: until a key */
    if (args->argc > 2 || (args->argc == 2 && !cmdline_parse_number(args->argv[1], &limit)))
        return SHELL_USAGE;
    unsigned cpus = cpu_count();
    snapshot(counts[0], cpus);
    ULONGLONG then = KeQueryInterruptTime();
    unsigned refresh = 0;
    for (;;) {
        bool key = wait_a_second();
        snapshot(counts[1], cpus);
        ULONGLONG now = KeQueryInterruptTime();
        print_rates(++refresh, cpus, now - then);
        if (key || (limit && refresh >= limit))
            break;
        memcpy(counts[0], counts[1], sizeof(counts[0]));
        then = now;
    }
    console_printf("irqtop: stopped after %u refresh%s\n", refresh, refresh == 1 ? "" : "es");
    return SHELL_OK;
}

SHELL_COMMAND(irqtop, "irqtop [refreshes]", "interrupts/s per vector and CPU, every second",
              "Like watching /proc/interrupts: every second, the interrupts each CPU took per vector "
              "since the last refresh, divided by the time between the two (guest time). Runs until "
              "a key is pressed, or for the given number of refreshes. `irq` has the totals and "
              "where each vector comes from.",
              cmd_irqtop);
