/* kernel/net/net_config.c - each adapter's IPv4 configuration from the command line.
 *
 *     ip=10.0.2.15/24,gw=10.0.2.2     adapter 0 (the first registered)
 *     ip1=10.0.2.16/24                adapter 1, and ip2=, ip3= likewise
 *     ip=none                         adapter 0 stays unconfigured (answers no IP traffic)
 *
 * Without an option - or with a value that does not parse or makes no sense, which is
 * reported and then ignored - an adapter gets QEMU user networking's 10.0.2.15/24 with gateway
 * 10.0.2.2. Every `-netdev user` is its own 10.0.2.0/24 whose hostfwd rules deliver to
 * 10.0.2.15, so that default is right for a second adapter on a second user network too.
 * Adapters 4 and up (NETIF_MAX is 8) always start with the default. The text form is parsed by
 * ip_config_parse (kernel/net/ipv4_addr.c, host-tested). RFC 4632 §3.1 for the /bits notation.
 */
#include "kernel/boot/cmdline.h"
#include "kernel/console/log.h"
#include "kernel/lib/format.h"
#include "kernel/net/net_internal.h"

static bool ip_check(const char *value, char *why, size_t why_size)
{
    struct ip_config parsed;
    const char *problem = ip_config_parse(value, &parsed);
    if (!problem)
        return true;
    ksnprintf(why, why_size, "ignored (%s); the adapter uses 10.0.2.15/24,gw=10.0.2.2", problem);
    return false;
}

CMDLINE_OPTION_CHECKED(ip, "<a.b.c.d>[/n][,gw=<a.b.c.d>]|none", "IPv4 of adapter 0 (default 10.0.2.15/24,gw=10.0.2.2)",
                       ip_check);
CMDLINE_OPTION_CHECKED(ip1, "like ip", "IPv4 of adapter 1 (default 10.0.2.15/24,gw=10.0.2.2)", ip_check);
CMDLINE_OPTION_CHECKED(ip2, "like ip", "IPv4 of adapter 2 (default 10.0.2.15/24,gw=10.0.2.2)", ip_check);
CMDLINE_OPTION_CHECKED(ip3, "like ip", "IPv4 of adapter 3 (default 10.0.2.15/24,gw=10.0.2.2)", ip_check);

static const char *const option_names[] = {"ip", "ip1", "ip2", "ip3"};

static void count_netif(struct netif *netif, void *context)
{
    (void)netif;
    if (context)
        ++*(unsigned *)context;
}

void net_config_report_unused(void)
{
    /* Which adapters exist is known only once the drivers have started: an ipN= for an adapter
     * that is not there is reported then, once. */
    unsigned adapters = 0;
    for (unsigned i = 0; i < NETIF_MAX; i++)
        net_with_netif(i, count_netif, &adapters);
    for (unsigned i = 0; i < sizeof(option_names) / sizeof(option_names[0]); i++) {
        const char *text = cmdline_get(option_names[i]);
        struct ip_config parsed;
        if (text && !ip_config_parse(text, &parsed) && !net_with_netif(i, count_netif, NULL))
            log_warn("cmdline: %s=%s ignored: there is no adapter %u (%u network adapter%s)", option_names[i], text, i,
                     adapters, adapters == 1 ? "" : "s");
    }
}

void net_config_apply(struct netif *netif)
{
    struct ip_config config;
    ip_config_default(&config);
    if (netif->index < sizeof(option_names) / sizeof(option_names[0])) {
        const char *key = option_names[netif->index];
        const char *text = cmdline_get(key);
        struct ip_config parsed;
        if (text && !ip_config_parse(text, &parsed)) /* a bad value was reported by cmdline_init */
            config = parsed;
    }
    netif->ipv4 = config;
}
