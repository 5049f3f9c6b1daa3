/* kernel/shell/cmd_irq.c - `irq`: every interrupt vector in use, like Linux's /proc/interrupts.
 *
 * One row per vector: its IRQL (vector >> 4, kernel/ke/vectors.h), where it comes from (an IOAPIC
 * input - a GSI - with trigger mode and polarity, a PCI MSI / MSI-X message, or the local APIC
 * itself), how often each CPU took it, how many no ISR claimed, whether it is masked (or was
 * masked as a storm, kernel/ke/storm.h) and who connected it (KINTERRUPT.OwnerName).
 *
 * Reading the vector table by its rules (kernel/ke/interrupt.h): a chain and the vector's state
 * change only under its chain lock, taken with interrupts off - the dispatcher holds the same lock
 * at device IRQL, so taking it with interrupts on could deadlock against an interrupt of that very
 * vector on this CPU. The per-CPU counters are written only by their CPU; reading them without a
 * lock gives a value that was true a moment ago, which is all a table can show anyway.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"
#include "kernel/console/console.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/kprcb.h"
#include "kernel/ke/storm.h"
#include "kernel/ke/vectors.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/io/pnp.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_format.h"

#define IRQ_MAX_OWNERS 4
#define IRQ_OWNER_LEN 32
#define IRQ_INLINE_CPUS 2 /* up to this many CPUs get a column each; more: a total and a second table */
#define IRQ_CPUS_PER_BLOCK 8

struct irq_row {
    uint8_t vector;
    char source[24];
    bool masked, storm, local;
    uint32_t objects;
    unsigned owner_count;
    char owners[IRQ_MAX_OWNERS][IRQ_OWNER_LEN];
    uint64_t per_cpu[KE_MAX_CPUS];
    uint64_t total, unclaimed;
};

static unsigned cpu_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < KE_MAX_CPUS; i++)
        if (ke_prcbs[i] && ke_prcbs[i]->online)
            n = i + 1;
    return n;
}

static void describe_source(const struct ke_source *s, char *out, size_t size)
{
    switch (s->kind) {
    case KE_SOURCE_GSI:
        ksnprintf(out, size, "GSI %u %s/%s", s->gsi, s->level ? "level" : "edge", s->active_low ? "low" : "high");
        break;
    case KE_SOURCE_MSI: {
        /* MSI-X labels carry the entry ("00:04.0 MSI-X 2"); an MSI block shares one label. */
        const char *label = s->label ? s->label : "MSI";
        size_t len = strlen(label);
        if (len >= 3 && !strcmp(label + len - 3, "MSI"))
            ksnprintf(out, size, "%s %u", label, s->message);
        else
            ksnprintf(out, size, "%s", label);
        break;
    }
    case KE_SOURCE_LOCAL: ksnprintf(out, size, "%s", s->label ? s->label : "local APIC"); break;
    case KE_SOURCE_NONE: ksnprintf(out, size, "-"); break;
    }
}

/* Everything about one vector. False if the vector is not worth a row. */
static bool collect(uint8_t vector, struct irq_row *row)
{
    memset(row, 0, sizeof(*row));
    row->vector = vector;
    for (unsigned cpu = 0; cpu < KE_MAX_CPUS; cpu++) {
        struct kprcb *p = ke_prcbs[cpu];
        if (!p)
            continue;
        row->per_cpu[cpu] = p->vector_claimed[vector] + p->vector_unclaimed[vector];
        row->total += row->per_cpu[cpu];
        row->unclaimed += p->vector_unclaimed[vector];
    }

    struct ke_vector *v = &ke_vector_table[vector];
    struct ke_source source;
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_chain_lock(v);
    source = v->source;
    row->masked = v->masked;
    row->storm = v->storm;
    row->objects = v->object_count;
    for (PLIST_ENTRY e = v->chain.Flink; e != &v->chain && row->owner_count < IRQ_MAX_OWNERS; e = e->Flink) {
        const KINTERRUPT *object = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
        const char *name = object->OwnerName ? object->OwnerName : "?";
        /* One name for a set of per-processor objects (the clock's, IPIs', IoConnectInterrupt's) */
        if (object->PerProcessor && row->owner_count && !strcmp(row->owners[row->owner_count - 1], name)) {
            row->objects--;
            continue;
        }
        strlcpy(row->owners[row->owner_count++], name, IRQ_OWNER_LEN);
    }
    /* The label may live in a device's state: copy the text while the vector cannot change. */
    describe_source(&source, row->source, sizeof(row->source));
    ke_chain_unlock(v);
    cpu_restore_interrupts(flags);

    row->local = source.kind == KE_SOURCE_LOCAL;
    return source.kind != KE_SOURCE_NONE || row->objects || row->total;
}

static const char *state_of(const struct irq_row *row)
{
    if (row->storm)
        return "storm";
    if (row->masked)
        return "masked";
    return row->objects || row->local ? "on" : "-";
}

/* Column widths; every line stays under 80 columns (shell_format.h). */
#define W_COUNT 7
#define LEFT_PART 27 /* "vec  IRQL source           ": "0xd1   13 GSI 23 level/high" */

static void print_header(unsigned cpus, bool inline_cpus)
{
    console_printf("%-4s %4s %-17s", "vec", "IRQL", "source");
    if (inline_cpus) {
        for (unsigned c = 0; c < cpus; c++) {
            char name[8];
            ksnprintf(name, sizeof(name), "CPU%u", c);
            console_printf(" %*s", W_COUNT, name);
        }
    } else {
        console_printf(" %*s", W_COUNT + 2, "total");
    }
    console_printf(" %9s %-6s %s\n", "unclaimed", "state", "owner");
}

static void print_row(const struct irq_row *row, unsigned cpus, bool inline_cpus)
{
    char buf[24];
    int width = LEFT_PART;
    console_printf("0x%02x %4u %-17.17s", row->vector, row->vector >> 4, row->source);
    if (inline_cpus) {
        for (unsigned c = 0; c < cpus; c++)
            console_printf(" %*s", W_COUNT, shell_format_count(buf, sizeof(buf), row->per_cpu[c], W_COUNT));
        width += (int)cpus * (W_COUNT + 1);
    } else {
        console_printf(" %*s", W_COUNT + 2, shell_format_count(buf, sizeof(buf), row->total, W_COUNT + 2));
        width += W_COUNT + 3;
    }
    console_printf(" %9s %-6s", shell_format_count(buf, sizeof(buf), row->unclaimed, 9), state_of(row));
    width += 10 + 7;
    int room = SHELL_COLUMNS - 2 - width; /* owner column: what is left of 79 */
    if (!row->owner_count) {
        console_printf(" %s\n", row->vector == KE_VECTOR_SPURIOUS ? "(never EOI'd)" : "-");
        return;
    }
    for (unsigned i = 0; i < row->owner_count; i++) {
        if (i)
            console_printf("%*s", width, "");
        bool more = i + 1 == row->owner_count && row->objects > row->owner_count; /* more than we copied */
        console_printf(" %.*s%s\n", more ? room - 2 : room, row->owners[i], more ? " +" : "");
    }
}

static void collect_spurious(struct irq_row *row)
{
    memset(row, 0, sizeof(*row));
    row->vector = KE_VECTOR_SPURIOUS;
    row->local = true;
    strlcpy(row->source, "LAPIC spurious", sizeof(row->source));
    for (unsigned cpu = 0; cpu < KE_MAX_CPUS; cpu++) {
        if (!ke_prcbs[cpu])
            continue;
        row->per_cpu[cpu] = ke_prcbs[cpu]->spurious_lapic;
        row->total += row->per_cpu[cpu];
    }
}

/* More CPUs than fit in one row: the per-CPU counts as a second table, 8 CPUs per block. */
static void print_per_cpu(unsigned cpus)
{
    struct irq_row row;
    for (unsigned first = 0; first < cpus; first += IRQ_CPUS_PER_BLOCK) {
        unsigned last = first + IRQ_CPUS_PER_BLOCK < cpus ? first + IRQ_CPUS_PER_BLOCK : cpus;
        console_printf("\n%-4s", "vec");
        for (unsigned c = first; c < last; c++) {
            char name[8];
            ksnprintf(name, sizeof(name), "CPU%u", c);
            console_printf(" %*s", W_COUNT + 1, name);
        }
        console_printf("\n");
        for (unsigned v = KE_VECTOR_PIC_BASE; v <= KE_VECTOR_SPURIOUS; v++) {
            if (v == KE_VECTOR_SPURIOUS)
                collect_spurious(&row);
            else if (!collect((uint8_t)v, &row))
                continue;
            console_printf("0x%02x", v);
            for (unsigned c = first; c < last; c++) {
                char buf[24];
                console_printf(" %*s", W_COUNT + 1, shell_format_count(buf, sizeof(buf), row.per_cpu[c], W_COUNT + 1));
            }
            console_printf("\n");
        }
    }
}

static int cmd_irq(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    unsigned cpus = cpu_count();
    bool inline_cpus = cpus <= IRQ_INLINE_CPUS;
    struct irq_row row;
    print_header(cpus, inline_cpus);
    for (unsigned v = KE_VECTOR_PIC_BASE; v < KE_VECTOR_SPURIOUS; v++)
        if (collect((uint8_t)v, &row))
            print_row(&row, cpus, inline_cpus);
    collect_spurious(&row);
    print_row(&row, cpus, inline_cpus);
    if (!inline_cpus)
        print_per_cpu(cpus);
    uint64_t stray = 0;
    for (unsigned irq = 0; irq < PIC_IRQ_COUNT; irq++)
        stray += pic_stray_count(irq);
    console_printf("8259 PIC: spurious IRQ 7 %llu, IRQ 15 %llu; real IRQs while masked %llu\n",
                   (unsigned long long)pic_spurious_count(7), (unsigned long long)pic_spurious_count(15),
                   (unsigned long long)stray);
    console_printf("interrupt storms detected since boot: %llu\n", (unsigned long long)ke_storm_count());
    io_pnp_print_stopped(); /* stopped devices: no vector; their MSI / MSI-X / pin as the hardware says */
    return SHELL_OK;
}

SHELL_COMMAND(irq, "irq", "interrupt vectors: source, IRQL, per-CPU counts, owners",
              "One row per vector in use. source: GSI n edge|level/high|low is an IOAPIC input; "
              "'00:03.0 MSI 0' or '00:04.0 MSI-X 2' a PCI message; LAPIC timer, IPI, LAPIC error and "
              "LAPIC spurious come from the local APIC. IRQL = vector >> 4. unclaimed: interrupts no ISR "
              "said were its own. state: on, masked (no ISR connected), storm (masked by the storm "
              "detector). owner: KINTERRUPT.OwnerName of each connected interrupt object. Below the table, a "
              "stopped device's interrupt hardware: MSI / MSI-X off, MSI-X entries masked, its IOAPIC pin.",
              cmd_irq);
