/* tests/ktest/e1000_stats_print.c - see e1000_stats_print.h. */
#include "tests/ktest/e1000_stats_print.h"
#include "drivers/ndis/ndis_block.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

struct netif *e1000_netif(PE1000_ADAPTER Adapter) { return Adapter ? ndis_netif_of(Adapter->AdapterHandle) : NULL; }

void e1000_print_stats_to(e1000_print_sink *sink, void *context)
{
    char line[512];
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (!a)
            continue;
        struct netif *netif = e1000_netif(a);
        if (!netif)
            continue;
        ndis_refresh_statistics(ndis_adapter_from_handle(a->AdapterHandle));
        struct e1000_stats s = e1000_stats_of(a);
        const struct netif_counters *n = &netif->counters;
        const char *dev = strchr(a->Name, ' ');
        ksnprintf(line, sizeof(line),
                  "e1000-stats: %s dev=%s chip=%s mode=%s itr=%u link=%s isr=%lu claimed=%lu declined=%lu dpc=%lu "
                  "rx=%lu rx_multi=%lu rx_err=%lu budget_hits=%lu rxo=%lu missed=%lu tx=%lu tx_done=%lu "
                  "tx_full=%lu links=%lu wd_polls=%lu wd_links=%lu link_irq=%s net_rx=%lu net_tx=%lu net_drops=%lu "
                  "udp_echoed=%lu",
                  netif->name, dev ? dev + 1 : a->Name, a->Chip == E1000_CHIP_82574L ? "82574L" : "82540EM",
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
