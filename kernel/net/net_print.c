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

/* What is printed about one adapter, copied while the adapter list is locked (so it cannot be
 * unregistered half-way) and printed after the lock is dropped (printing is slow). */
struct snapshot {
    char name[NETIF_NAME_MAX];
    uint8_t mac[ETH_ADDR_LEN];
    bool link_up;
    struct ip_config config;
    unsigned irq_cause_count;
    struct netif_irq_cause irq_causes[NETIF_IRQ_CAUSES_MAX];
    struct netif_counters counters;
    struct arp_cache arp;
    uint64_t ticks_per_second;
};

_Static_assert(sizeof(struct netif_counters) % sizeof(uint64_t) == 0, "netif_counters is read as uint64_t words");

static void take_snapshot(struct netif *netif, void *context)
{
    struct snapshot *s = context;
    memcpy(s->name, netif->name, sizeof(s->name));
    s->name[NETIF_NAME_MAX - 1] = '\0';
    memcpy(s->mac, netif->mac, ETH_ADDR_LEN);
    s->link_up = netif->link_up;
    s->config = net_ipv4_of(netif);
    s->irq_cause_count = netif->irq_cause_count < NETIF_IRQ_CAUSES_MAX ? netif->irq_cause_count : NETIF_IRQ_CAUSES_MAX;
    for (unsigned i = 0; i < NETIF_IRQ_CAUSES_MAX; i++) {
        s->irq_causes[i].name = netif->irq_causes[i].name;
        s->irq_causes[i].count = netif_counter_read(&netif->irq_causes[i].count);
    }
    const uint64_t *from = (const uint64_t *)&netif->counters;
    uint64_t *to = (uint64_t *)&s->counters;
    for (size_t i = 0; i < sizeof(s->counters) / sizeof(uint64_t); i++)
        to[i] = netif_counter_read(&from[i]);
    s->ticks_per_second = netif->stack.ticks_per_second ? netif->stack.ticks_per_second : 1;
    KIRQL irql;
    KeAcquireSpinLock(&netif->stack.arp_lock, &irql);
    s->arp = netif->stack.arp;
    KeReleaseSpinLock(&netif->stack.arp_lock, irql);
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

static void print_arp_cache(struct printer *p, struct snapshot *s)
{
    uint64_t now = net_now();
    unsigned shown = 0;
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        const struct arp_entry *e = &s->arp.entries[i];
        /* arp_cache_state treats expired entries as gone (and frees them in our copy). */
        if (e->state == ARP_STATE_FREE || arp_cache_state(&s->arp, e->ip, now, NULL) == ARP_STATE_FREE)
            continue;
        char ip[IP_ADDR_TEXT_LEN], mac[ETH_ADDR_TEXT_LEN];
        ip_addr_format(e->ip, ip);
        line_start(p, 2);
        if (e->state == ARP_STATE_COMPLETE)
            word(p, " ", "arp %-15s %s  %llus old", ip, eth_addr_format(e->mac, mac),
                 ull((now - e->updated) / s->ticks_per_second));
        else
            word(p, " ", "arp %-15s (incomplete)       %u request%s", ip, e->requests, e->requests == 1 ? "" : "s");
        shown++;
    }
    if (!shown) {
        line_start(p, 2);
        word(p, " ", "arp cache empty");
    }
}

static void print_snapshot(struct printer *p, struct snapshot *s)
{
    const struct netif_counters *c = &s->counters;
    char mac[ETH_ADDR_TEXT_LEN], ip[IP_CONFIG_TEXT_LEN];

    line_start(p, 0);
    word(p, " ", "%s:", s->name);
    word(p, " ", "%s", eth_addr_format(s->mac, mac));
    word(p, " ", "link %s", s->link_up ? "up" : "down");
    word(p, " ", "%s", ip_config_format(&s->config, ip));

    line_start(p, 2);
    word(p, " ", "rx %llu packets %llu bytes, %llu dropped, %llu errors", ull(c->rx_packets), ull(c->rx_bytes),
         ull(c->rx_drops), ull(c->rx_errors));
    line_start(p, 2);
    word(p, " ", "tx %llu packets %llu bytes, %llu dropped, %llu errors", ull(c->tx_packets), ull(c->tx_bytes),
         ull(c->tx_drops), ull(c->tx_errors));

    line_start(p, 2);
    word(p, " ", "interrupts %llu", ull(c->interrupts));
    for (unsigned i = 0; i < s->irq_cause_count; i++)
        word(p, i ? ", " : ": ", "%s %llu", s->irq_causes[i].name ? s->irq_causes[i].name : "?",
             ull(s->irq_causes[i].count));

    line_start(p, 2);
    word(p, " ", "arp in %llu req %llu rep, out %llu req %llu rep;", ull(c->arp_requests_in), ull(c->arp_replies_in),
         ull(c->arp_requests_out), ull(c->arp_replies_out));
    word(p, " ", "icmp echo in %llu req %llu rep", ull(c->icmp_echo_requests_in), ull(c->icmp_echo_replies_in));
    line_start(p, 2);
    word(p, " ", "udp in %llu, echoed %llu, discarded %llu, to handlers %llu", ull(c->udp_in), ull(c->udp_echoed),
         ull(c->udp_discarded), ull(c->udp_delivered));
    word(p, "; ", "looped back %llu", ull(c->loopback));

    bool any = false;
    for (unsigned r = NET_OK + 1; r < NET_DROP_COUNT; r++) {
        if (!c->drop[r])
            continue;
        if (!any)
            line_start(p, 2);
        word(p, any ? ", " : " ", any ? "%s %llu" : "drops: %s %llu", net_drop_name((enum net_drop)r), ull(c->drop[r]));
        any = true;
    }
    print_arp_cache(p, s);
    flush(p);
}

void net_print_to(net_print_sink *sink, void *context)
{
    struct printer p = {.sink = sink, .context = context};
    unsigned shown = 0;
    for (unsigned i = 0; i < NETIF_MAX; i++) {
        struct snapshot s; /* ~1.3 KiB of a 16 KiB stack */
        struct netif *n = netif_get(i);
        if (n && n->refresh_counters && KeGetCurrentIrql() == PASSIVE_LEVEL)
            n->refresh_counters(n);
        if (!net_with_netif(i, take_snapshot, &s))
            continue;
        print_snapshot(&p, &s);
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
