/* kernel/net/ip_service.c - IPv4 on an adapter: accept what is ours, route what we send.
 * RFC 791 §3.2 (delivery by protocol number); RFC 1122 §3.2.1.3 (addresses to refuse as source
 * or destination) and §3.3.1 (a host sends to on-link destinations directly and to everything
 * else through its gateway).
 *
 * This host has one address per adapter and no broadcast or multicast services, so a datagram
 * is accepted only when it is unicast to the adapter's address from a plausible unicast source.
 * Everything else is counted under its own reason. What we send to our own address is looped
 * back (ip_loopback) instead of sent.
 */
#include "kernel/lib/string.h"
#include "kernel/net/net_internal.h"

void ip_deliver(const struct net_rx *rx, const struct ip_packet *ip)
{
    switch (ip->protocol) {
    case IP_PROTO_ICMP: icmp_input(rx, ip); break;
    case IP_PROTO_UDP: udp_input(rx, ip); break;
    default: net_count_drop(rx->netif, NET_DROP_IP_UNKNOWN_PROTO); break;
    }
}

void ip_input(const struct net_rx *rx)
{
    struct netif *netif = rx->netif;
    struct ip_packet ip;
    enum net_drop reason = ip_parse(rx->eth.payload, rx->eth.payload_len, &ip);
    struct ip_config config = net_ipv4_of(netif);
    if (reason == NET_OK && (!config.address || ip.dst != config.address)) {
        if (ip_addr_is_broadcast(&config, ip.dst))
            reason = NET_DROP_IP_BROADCAST;
        else if (ip_addr_is_multicast(ip.dst))
            reason = NET_DROP_IP_MULTICAST;
        else
            reason = NET_DROP_IP_NOT_US;
    }
    if (reason == NET_OK && !ip_source_is_valid(&config, ip.src))
        reason = NET_DROP_IP_BAD_SOURCE;
    if (reason != NET_OK) {
        net_count_drop(netif, reason);
        return;
    }
    ip_deliver(rx, &ip);
}

/* A datagram to our own address never reaches the wire: the NIC would not hear itself, and an
 * ARP request for our own address gets no answer. Like every host stack (Linux, Windows:
 * their loopback interface), hand it straight to our own ICMP/UDP service, which is how
 * `ping 10.0.2.15` is answered. The NIC's packet counters do not move; the services'
 * counters (icmp_echo_requests_in, ...) do. The reply comes back here too. Each nesting
 * level keeps its transmit buffer until the delivery returns, so a handler that keeps
 * answering itself runs out of buffers (tx.no_buffer) after NETIF_TX_BUFFERS levels instead
 * of overflowing the stack. */
static bool ip_loopback(struct netif *netif, int buffer, size_t len)
{
    struct net_rx rx = {.netif = netif};
    struct ip_packet ip;
    const uint8_t *frame = net_tx_buffer(netif, buffer);
    bool delivered =
        eth_parse(frame, len, &rx.eth) == NET_OK && ip_parse(rx.eth.payload, rx.eth.payload_len, &ip) == NET_OK;
    if (delivered) {
        netif_counter_add(&netif->counters.loopback, 1);
        ip_deliver(&rx, &ip);
    }
    net_tx_release(netif, buffer);
    return delivered;
}

bool ip_output(struct netif *netif, int buffer, uint32_t dst, uint8_t protocol, size_t l4_len, const uint8_t *dst_mac)
{
    struct ip_config config = net_ipv4_of(netif);
    enum net_drop reason = NET_OK;
    uint32_t next_hop = 0;
    if (!config.address)
        reason = NET_DROP_TX_NO_ROUTE;
    else if (l4_len > NET_TX_L4_MAX)
        reason = NET_DROP_TX_TOO_BIG;
    else if (!dst_mac && !ip_addr_is_broadcast(&config, dst)) {
        next_hop = ip_addr_on_link(&config, dst) ? dst : config.gateway;
        if (!next_hop)
            reason = NET_DROP_TX_NO_ROUTE; /* off-link and no gateway configured */
    }
    if (reason != NET_OK) {
        net_count_drop(netif, reason);
        net_tx_release(netif, buffer);
        return false;
    }

    uint8_t *frame = net_tx_buffer(netif, buffer);
    struct ip_header_params params = {
        .src = config.address,
        .dst = dst,
        .protocol = protocol,
        .ttl = IP_DEFAULT_TTL,
        .id = __atomic_fetch_add(&netif->stack.ip_id, 1, __ATOMIC_RELAXED),
        .payload_len = l4_len,
    };
    ip_build_header(frame + NET_TX_IP_OFFSET, NETIF_TX_BUFFER_SIZE - NET_TX_IP_OFFSET, &params);
    /* The destination MAC is known now (a reply's, or broadcast), or arp_output overwrites
     * this broadcast placeholder once it knows the next hop's. */
    const uint8_t *eth_dst = dst_mac ? dst_mac : eth_broadcast_addr;
    if (dst == config.address)
        eth_dst = netif->mac;
    eth_build_header(frame, NETIF_TX_BUFFER_SIZE, eth_dst, netif->mac, ETH_TYPE_IPV4);
    size_t len = NET_TX_L4_OFFSET + l4_len;
    if (dst == config.address)
        return ip_loopback(netif, buffer, len);
    if (!next_hop)
        return net_tx_send(netif, buffer, len);
    return arp_output(netif, buffer, len, next_hop);
}
