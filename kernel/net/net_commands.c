/* kernel/net/net_commands.c - the `net` and `ping` shell commands.
 * RFC 792 (ICMP echo) for ping; the listing itself is net_print() (kernel/net/net_print.c). */
#include "include/wdm.h"
#include "kernel/console/console.h"
#include "kernel/lib/string.h"
#include "kernel/net/ipv4_addr.h"
#include "kernel/net/net.h"
#include "kernel/net/net_internal.h"
#include "kernel/net/netif.h"
#include "kernel/shell/shell.h"

#define PING_TIMEOUT_MS 1000
#define PING_MAX_COUNT 100

static int cmd_net(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    net_print();
    return SHELL_OK;
}

static bool parse_count(const char *text, unsigned *out)
{
    unsigned n = 0;
    if (!*text)
        return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || n > PING_MAX_COUNT)
            return false;
        n = n * 10 + (unsigned)(*p - '0');
    }
    *out = n;
    return n >= 1 && n <= PING_MAX_COUNT;
}

/* One failed echo in words, not an NTSTATUS (net_ping's documented results). */
static const char *ping_failure(NTSTATUS status)
{
    switch (status) {
    case STATUS_IO_TIMEOUT: return "no reply within 1 s";
    case STATUS_INSUFFICIENT_RESOURCES: return "not sent: no free transmit buffer or ping slot";
    case STATUS_UNSUCCESSFUL: return "not sent: no route there, or the driver refused the frame";
    case STATUS_INVALID_DEVICE_STATE: return "not sent: the adapter has no address (or IRQL too high)";
    default: return "not sent";
    }
}

/* Before sending anything: can this address answer one echo request with one reply? A
 * broadcast, network, multicast or unspecified address names no single host, so ping refuses
 * it with a sentence (and the rule is ip_addr_classify, host-tested). True to go ahead. */
static bool ping_target_ok(const struct netif *netif, const struct ip_config *config, uint32_t ip)
{
    char text[IP_ADDR_TEXT_LEN], own[IP_ADDR_TEXT_LEN];
    if (!config->address) {
        console_printf("ping: %s has no IPv4 address (ip=none); give it one with ip=<addr>/<bits>\n", netif->name);
        return false;
    }
    enum ip_addr_kind kind = ip_addr_classify(config, ip);
    if (kind == IP_KIND_HOST)
        return true;
    console_printf("ping: %s is %s\n", ip_addr_format(ip, text), ip_addr_kind_describe(kind));
    console_printf("ping: that is not a host, and ping asks one host for one reply\n");
    if (kind == IP_KIND_LOOPBACK)
        console_printf("ping: irqlab has no loopback adapter; its own address: ping %s\n",
                       ip_addr_format(config->address, own));
    return false;
}

/* ping <ip> [count]: ICMP echo requests from the first adapter, one second apart at most. */
static int cmd_ping(const struct shell_args *args)
{
    uint32_t ip;
    unsigned count = 4;
    if (args->argc < 2 || args->argc > 3 || !ip_addr_parse(args->argv[1], strlen(args->argv[1]), &ip))
        return SHELL_USAGE;
    if (args->argc == 3 && !parse_count(args->argv[2], &count)) {
        console_printf("ping: the count must be 1..%d\n", PING_MAX_COUNT);
        return SHELL_ERROR;
    }
    struct netif *netif = netif_get(0);
    if (!netif) {
        console_printf("ping: no network adapter (start QEMU with a NIC: make run NIC=e1000)\n");
        return SHELL_ERROR;
    }
    struct ip_config config = net_ipv4_of(netif);
    if (!ping_target_ok(netif, &config, ip))
        return SHELL_ERROR;
    char text[IP_ADDR_TEXT_LEN];
    console_printf("PING %s from %s%s\n", ip_addr_format(ip, text), netif->name,
                   ip == config.address ? " (its own address: answered locally, without the NIC)" : "");
    unsigned replies = 0;
    for (unsigned seq = 1; seq <= count; seq++) {
        ULONG rtt_us = 0;
        NTSTATUS status = net_ping(netif, ip, (uint16_t)seq, PING_TIMEOUT_MS, &rtt_us);
        if (NT_SUCCESS(status)) {
            replies++;
            console_printf("reply from %s: seq=%u time=%lu.%03lu ms\n", text, seq, (unsigned long)(rtt_us / 1000),
                           (unsigned long)(rtt_us % 1000));
        } else {
            console_printf("seq=%u: %s (status 0x%08x)\n", seq, ping_failure(status), (unsigned)status);
        }
    }
    console_printf("%u sent, %u replies\n", count, replies);
    return replies ? SHELL_OK : SHELL_ERROR;
}

SHELL_COMMAND(net, "net", "network adapters, addresses, counters, ARP cache", NULL, cmd_net);
SHELL_COMMAND(ping, "ping <ip> [count]", "send ICMP echo requests from the first adapter",
              "Example: ping 10.0.2.2 (QEMU's user-network gateway answers). Only host addresses: not a "
              "broadcast, network, multicast or 0.0.0.0 address. The adapter's own address is answered "
              "locally.",
              cmd_ping);
