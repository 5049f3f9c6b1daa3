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
#include "kernel/net/net_internal.h"

CMDLINE_OPTION(ip, "<a.b.c.d>[/n][,gw=<a.b.c.d>]|none", "IPv4 of adapter 0 (default 10.0.2.15/24,gw=10.0.2.2)");
CMDLINE_OPTION(ip1, "like ip", "IPv4 of adapter 1 (default 10.0.2.15/24,gw=10.0.2.2)");
CMDLINE_OPTION(ip2, "like ip", "IPv4 of adapter 2 (default 10.0.2.15/24,gw=10.0.2.2)");
CMDLINE_OPTION(ip3, "like ip", "IPv4 of adapter 3 (default 10.0.2.15/24,gw=10.0.2.2)");

static const char *const option_names[] = {"ip", "ip1", "ip2", "ip3"};

void net_config_apply(struct netif *netif)
{
    struct ip_config config;
    ip_config_default(&config);
    if (netif->index < sizeof(option_names) / sizeof(option_names[0])) {
        const char *key = option_names[netif->index];
        const char *text = cmdline_get(key);
        if (text) {
            struct ip_config parsed;
            const char *why = ip_config_parse(text, &parsed);
            if (why)
                log_warn("cmdline: %s=%s ignored (%s); %s uses 10.0.2.15/24,gw=10.0.2.2", key, text, why, netif->name);
            else
                config = parsed;
        }
    }
    netif->ipv4 = config;
}
