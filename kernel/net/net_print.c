/* kernel/net/net_print.c - the `net` listing: adapters, addresses, counters, ARP caches.
 *
 * Output goes through a line sink so the shell prints it and a test can check it (every line
 * fits in 80 columns: long lists wrap onto indented continuation lines). Counters are read
 * without stopping traffic, so numbers printed on different lines may be a few frames apart.
 */
#include <stdarg.h>

#include "kernel/console/console.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/net/net_internal.h"

#define PRINT_COLUMNS 80

struct printer {
    net_print_sink *sink;
    void *context;
    size_t indent; /* of the current logical line; continuations get 4 more */
    size_t len;
    bool fresh; /* nothing but indentation on the line yet */
    char line[PRINT_COLUMNS + 1];
};

static void flush(struct printer *p)
{
    if (p->len) {
        p->line[p->len] = '\0';
        p->sink(p->context, p->line);
    }
    p->len = 0;
}

static void pad(struct printer *p, size_t n)
{
    while (p->len < n && p->len < PRINT_COLUMNS)
        p->line[p->len++] = ' ';
}

/* Start a new logical line. */
static void line_start(struct printer *p, size_t indent)
{
    flush(p);
    p->indent = indent;
    pad(p, indent);
    p->fresh = true;
}

/* Append one word (formatted), separated by `sep` unless it starts the line; wrap when it
 * would pass column 80. */
__attribute__((format(printf, 3, 4))) static void word(struct printer *p, const char *sep, const char *fmt, ...)
{
    char text[PRINT_COLUMNS + 1];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    size_t text_len = strlen(text);
    size_t sep_len = p->fresh ? 0 : strlen(sep);
    if (p->len + sep_len + text_len > PRINT_COLUMNS && !p->fresh) {
        flush(p);
        pad(p, p->indent + 4);
        sep_len = 0;
    }
    p->fresh = false;
    for (size_t i = 0; i < sep_len && p->len < PRINT_COLUMNS; i++)
        p->line[p->len++] = sep[i];
    for (size_t i = 0; i < text_len && p->len < PRINT_COLUMNS; i++)
        p->line[p->len++] = text[i];
}

static unsigned long long rd(const uint64_t *counter) { return (unsigned long long)netif_counter_read(counter); }

static void print_arp_cache(struct printer *p, struct netif *netif)
{
    struct arp_cache copy;
    uint64_t now = net_now();
    KIRQL irql;
    KeAcquireSpinLock(&netif->stack.arp_lock, &irql);
    copy = netif->stack.arp;
    KeReleaseSpinLock(&netif->stack.arp_lock, irql);
    uint64_t hz = netif->stack.ticks_per_second ? netif->stack.ticks_per_second : 1;
    unsigned shown = 0;
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &copy.entries[i];
        if (arp_cache_state(&copy, e->ip, now, NULL) == ARP_STATE_FREE || e->state == ARP_STATE_FREE)
            continue;
        char ip[IP_ADDR_TEXT_LEN], mac[ETH_ADDR_TEXT_LEN];
        ip_addr_format(e->ip, ip);
        line_start(p, 2);
        if (e->state == ARP_STATE_COMPLETE)
            word(p, " ", "arp %-15s %s  %llus old", ip, eth_addr_format(e->mac, mac),
                 (unsigned long long)((now - e->updated) / hz));
        else
            word(p, " ", "arp %-15s (incomplete)       %u request%s", ip, e->requests, e->requests == 1 ? "" : "s");
        shown++;
    }
    if (!shown) {
        line_start(p, 2);
        word(p, " ", "arp cache empty");
    }
}

static void print_netif(struct printer *p, struct netif *netif)
{
    const struct netif_counters *c = &netif->counters;
    char mac[ETH_ADDR_TEXT_LEN], ip[IP_CONFIG_TEXT_LEN];
    struct ip_config config = net_ipv4_of(netif);

    line_start(p, 0);
    word(p, " ", "%s:", netif->name);
    word(p, " ", "%s", eth_addr_format(netif->mac, mac));
    word(p, " ", "link %s", netif->link_up ? "up" : "down");
    word(p, " ", "%s", ip_config_format(&config, ip));

    line_start(p, 2);
    word(p, " ", "rx %llu packets %llu bytes, %llu dropped, %llu errors", rd(&c->rx_packets), rd(&c->rx_bytes),
         rd(&c->rx_drops), rd(&c->rx_errors));
    line_start(p, 2);
    word(p, " ", "tx %llu packets %llu bytes, %llu dropped, %llu errors", rd(&c->tx_packets), rd(&c->tx_bytes),
         rd(&c->tx_drops), rd(&c->tx_errors));

    line_start(p, 2);
    word(p, " ", "interrupts %llu", rd(&c->interrupts));
    for (unsigned i = 0; i < netif->irq_cause_count && i < NETIF_IRQ_CAUSES_MAX; i++)
        word(p, i ? ", " : ": ", "%s %llu", netif->irq_causes[i].name ? netif->irq_causes[i].name : "?",
             rd(&netif->irq_causes[i].count));

    line_start(p, 2);
    word(p, " ", "arp in %llu req %llu rep, out %llu req %llu rep;", rd(&c->arp_requests_in), rd(&c->arp_replies_in),
         rd(&c->arp_requests_out), rd(&c->arp_replies_out));
    word(p, " ", "icmp echo in %llu req %llu rep", rd(&c->icmp_echo_requests_in), rd(&c->icmp_echo_replies_in));
    line_start(p, 2);
    word(p, " ", "udp in %llu, echoed %llu, discarded %llu, to handlers %llu", rd(&c->udp_in), rd(&c->udp_echoed),
         rd(&c->udp_discarded), rd(&c->udp_delivered));

    bool any = false;
    for (unsigned r = NET_OK + 1; r < NET_DROP_COUNT; r++) {
        uint64_t n = netif_counter_read(&c->drop[r]);
        if (!n)
            continue;
        if (!any)
            line_start(p, 2);
        word(p, any ? ", " : " ", any ? "%s %llu" : "drops: %s %llu", net_drop_name((enum net_drop)r),
             (unsigned long long)n);
        any = true;
    }
    print_arp_cache(p, netif);
    flush(p);
}

void net_print_to(net_print_sink *sink, void *context)
{
    struct printer p = {.sink = sink, .context = context};
    unsigned shown = 0;
    for (unsigned i = 0; i < NETIF_MAX; i++) {
        struct netif *netif = netif_get(i);
        if (!netif)
            continue;
        print_netif(&p, netif);
        shown++;
    }
    if (!shown) {
        line_start(&p, 0);
        word(&p, " ", "no network adapters");
        flush(&p);
    }
}

static void console_sink(void *context, const char *line)
{
    (void)context;
    console_printf("%s\n", line);
}

void net_print(void) { net_print_to(console_sink, NULL); }
