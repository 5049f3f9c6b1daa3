/* tests/ktest/e1000_stats_print.h - the "e1000-stats:" lines the e2e network tests parse, and the
 * stack's view of an e1000 adapter (the netif NDIS registered for it). Test helpers: the driver
 * itself knows nothing of kernel/net.
 *
 *   e1000-stats: net0 dev=00:03.0 chip=82540EM mode=line isr=1046 claimed=1003 declined=43 dpc=1003
 *                rx=1002 ... (one line)
 */
#ifndef IRQLAB_TESTS_E1000_STATS_PRINT_H
#define IRQLAB_TESTS_E1000_STATS_PRINT_H

#include "drivers/e1000/e1000.h"
#include "kernel/net/netif.h"

/* The netif NDIS bound the adapter to (NULL if it is not bound). */
struct netif *e1000_netif(PE1000_ADAPTER Adapter);
typedef void e1000_print_sink(void *context, const char *line);
/* One line per running adapter; first folds the NIC's counters into the netif (OIDs), so
 * net_drops includes the frames the NIC missed. PASSIVE_LEVEL. */
void e1000_print_stats_to(e1000_print_sink *sink, void *context);

#endif
