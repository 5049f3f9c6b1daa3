/* drivers/e1000/e1000_stats.c - the driver's running adapters and their counters, for tests and
 * people. Not part of any Windows interface: Windows drivers report statistics through OIDs
 * (OID_GEN_STATISTICS), which irqlab does not have.
 *
 *   e1000-stats: net0 dev=00:03.0 chip=82540EM mode=line isr=1046 claimed=1003 declined=43 dpc=1003
 *                rx=1002 ... (one line)
 *
 * The tests (tests/e2e/test_net_*.py, tests/ktest/e1000_*.c) parse the key=value pairs.
 */
#include "drivers/e1000/e1000.h"
#include "kernel/console/console.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

static PE1000_ADAPTER adapters[E1000_MAX_ADAPTERS];

VOID e1000_remember(PE1000_ADAPTER Adapter)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER expected = NULL;
        if (__atomic_compare_exchange_n(&adapters[i], &expected, Adapter, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
            Adapter->Slot = i;
            return;
        }
    }
}

VOID e1000_forget(PE1000_ADAPTER Adapter)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER expected = Adapter;
        (void)__atomic_compare_exchange_n(&adapters[i], &expected, NULL, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    }
}

PE1000_ADAPTER e1000_adapter(unsigned slot)
{
    return slot < E1000_MAX_ADAPTERS ? __atomic_load_n(&adapters[slot], __ATOMIC_ACQUIRE) : NULL;
}

unsigned e1000_adapter_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++)
        n += e1000_adapter(i) != NULL;
    return n;
}

struct e1000_stats e1000_stats_of(PE1000_ADAPTER Adapter)
{
    struct e1000_stats copy = {0};
    const uint64_t *from = (const uint64_t *)&Adapter->Stats;
    uint64_t *to = (uint64_t *)&copy;
    for (size_t i = 0; i < sizeof(copy) / sizeof(uint64_t); i++)
        to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
    return copy;
}

void e1000_print_stats_to(e1000_print_sink *sink, void *context)
{
    char line[512];
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (!a)
            continue;
        struct e1000_stats s = e1000_stats_of(a);
        const struct netif_counters *n = &a->Netif.counters;
        const char *dev = strchr(a->Name, ' ');
        ksnprintf(line, sizeof(line),
                  "e1000-stats: %s dev=%s chip=%s mode=%s itr=%u link=%s isr=%lu claimed=%lu declined=%lu dpc=%lu "
                  "rx=%lu rx_multi=%lu rx_err=%lu budget_hits=%lu rxo=%lu missed=%lu tx=%lu tx_done=%lu "
                  "tx_full=%lu links=%lu wd_polls=%lu wd_links=%lu link_irq=%s net_rx=%lu net_tx=%lu net_drops=%lu "
                  "udp_echoed=%lu",
                  a->Netif.name, dev ? dev + 1 : a->Name, a->Chip == E1000_CHIP_82574L ? "82574L" : "82540EM",
                  E1000ModeName(a->Mode), (unsigned)a->ItrInterval, a->LinkUp ? "up" : "down",
                  (unsigned long)s.isr_calls, (unsigned long)s.isr_claimed, (unsigned long)s.isr_declined,
                  (unsigned long)s.dpc_runs, (unsigned long)s.rx_frames, (unsigned long)s.rx_multi_buffer,
                  (unsigned long)s.rx_errors, (unsigned long)s.rx_budget_hits, (unsigned long)s.rx_overruns,
                  (unsigned long)s.rx_missed, (unsigned long)s.tx_frames, (unsigned long)s.tx_completed,
                  (unsigned long)s.tx_ring_full, (unsigned long)s.link_changes, (unsigned long)s.watchdog_polls,
                  (unsigned long)s.watchdog_links, (a->LineCauses & E1000_ICR_LSC) ? "on" : "off",
                  (unsigned long)netif_counter_read(&n->rx_packets), (unsigned long)netif_counter_read(&n->tx_packets),
                  (unsigned long)netif_counter_read(&n->rx_drops), (unsigned long)netif_counter_read(&n->udp_echoed));
        sink(context, line);
    }
}

static void console_sink(void *context, const char *line)
{
    (void)context;
    console_printf("%s\n", line);
}

void e1000_print_stats(void) { e1000_print_stats_to(console_sink, NULL); }
