/* drivers/ndis/ndis_print.c - the NDIS adapters and what their interrupts did, for people.
 *
 *   ndis: e1000 00:03.0 running, line-based, vector 0xb1 IRQL 11 (shared with 1 more)
 *     msg 0: isr 1042 claimed 1000 declined 42  dpc asked 1000 queued 998 ran 998 requeued 0
 *
 * "declined" is the miniport ISR returning FALSE: on a shared line, the interrupts of the other
 * devices on that line. Each line is at most 80 columns; ktests and the shell's `ndis` listing
 * (when there is one) print through the same sink.
 */
#include "drivers/ndis/ndis_block.h"
#include "kernel/console/console.h"
#include "kernel/ke/interrupt.h"
#include "kernel/lib/format.h"

static const char *state_name(enum ndis_adapter_state s)
{
    switch (s) {
    case NDIS_ADAPTER_INITIALIZING: return "initializing";
    case NDIS_ADAPTER_RUNNING: return "running";
    case NDIS_ADAPTER_HALTING: return "halting";
    }
    return "?";
}

static unsigned long load(const uint64_t *counter) { return (unsigned long)__atomic_load_n(counter, __ATOMIC_RELAXED); }

/* The data path's counters (docs/ndis.md), for an adapter NDIS bound to the stack. */
static void print_data_path(struct ndis_adapter *a, ndis_print_sink *sink, void *context)
{
    if (!a->bound)
        return;
    const struct ndis_data_stats *d = &a->data;
    char line[96];
    ksnprintf(line, sizeof(line), "  %s: nbl in %lu (resources %lu) returned %lu dropped %lu", a->netif.name,
              load(&d->indicated), load(&d->indicated_resources), load(&d->returned), load(&d->dropped));
    sink(context, line);
    ksnprintf(line, sizeof(line), "  %s: nbl out %lu completed %lu failed %lu  link %lu  oid %lu (pended %lu)",
              a->netif.name, load(&d->sends), load(&d->send_completions), load(&d->send_failures),
              load(&d->link_indications), load(&d->oid_requests), load(&d->oid_pended));
    sink(context, line);
}

void ndis_print_to(ndis_print_sink *sink, void *context)
{
    char line[96];
    unsigned shown = 0;
    for (unsigned slot = 0; slot < NDIS_MAX_ADAPTERS; slot++) {
        struct ndis_adapter *a = ndis_adapter_at(slot);
        if (!a)
            continue;
        shown++;
        print_data_path(a, sink, context);
        struct ndis_interrupt *in = __atomic_load_n(&a->interrupt, __ATOMIC_ACQUIRE);
        if (!in) {
            ksnprintf(line, sizeof(line), "ndis: %s %s, no interrupt", a->name, state_name(a->state));
            sink(context, line);
            continue;
        }
        PKINTERRUPT first = ndis_interrupt_object(in, 0);
        unsigned sharers = first ? ke_vector_table[first->Vector].object_count : 0;
        if (in->type == NDIS_CONNECT_LINE_BASED)
            ksnprintf(line, sizeof(line), "ndis: %s %s, line-based, vector 0x%02x IRQL %u%s", a->name,
                      state_name(a->state), first ? (unsigned)first->Vector : 0, first ? first->SynchronizeIrql : 0,
                      sharers > 1 ? " (shared)" : "");
        else
            ksnprintf(line, sizeof(line), "ndis: %s %s, message-based, %u message%s%s", a->name, state_name(a->state),
                      (unsigned)in->message_count, in->message_count == 1 ? "" : "s",
                      in->chars.MsiSyncWithAllMessages ? ", one lock" : "");
        sink(context, line);
        for (ULONG m = 0; m < in->message_count; m++) {
            struct ndis_message_stats s = ndis_interrupt_stats(in, m);
            if (in->type == NDIS_CONNECT_MESSAGE_BASED && s.isr_calls == 0 && s.dpc_queued == 0)
                continue; /* a message the miniport does not use */
            ksnprintf(line, sizeof(line),
                      "  msg %u: isr %lu claimed %lu declined %lu  dpc asked %lu queued %lu ran %lu", (unsigned)m,
                      (unsigned long)s.isr_calls, (unsigned long)s.isr_claimed,
                      (unsigned long)(s.isr_calls - s.isr_claimed), (unsigned long)s.dpc_requests,
                      (unsigned long)s.dpc_queued, (unsigned long)s.dpc_runs);
            sink(context, line);
            /* The kernel's own count of the same calls (KINTERRUPT, per CPU, summed). With one lock
             * for all messages every object is message 0's, so show it once. */
            PKINTERRUPT object = ndis_interrupt_object(in, m);
            if (!object || (in->chars.MsiSyncWithAllMessages && m > 0))
                continue;
            uint64_t service = 0, decline = 0;
            for (unsigned cpu = 0; cpu < KE_MAX_CPUS; cpu++) {
                service += __atomic_load_n(&object->ServiceCount[cpu], __ATOMIC_RELAXED);
                decline += __atomic_load_n(&object->DeclineCount[cpu], __ATOMIC_RELAXED);
            }
            ksnprintf(line, sizeof(line), "  msg %u: KINTERRUPT vector 0x%02x IRQL %u: service %lu decline %lu",
                      (unsigned)m, (unsigned)object->Vector, object->SynchronizeIrql, (unsigned long)service,
                      (unsigned long)decline);
            sink(context, line);
        }
    }
    if (!shown)
        sink(context, "ndis: no adapters");
}

static void console_sink(void *context, const char *line)
{
    (void)context;
    console_printf("%s\n", line);
}

void ndis_print(void) { ndis_print_to(console_sink, NULL); }
