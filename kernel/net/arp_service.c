/* kernel/net/arp_service.c - ARP on an adapter: answer requests, learn, resolve next hops.
 * RFC 826 "Packet Reception" (the receive algorithm, step by step below); RFC 1122 §2.3.2.1
 * (rate-limited requests) and §2.3.2.2 (hold at least one packet while resolving); RFC 5227
 * §2.1.1 (a probe has sender address 0.0.0.0 and must not be cached).
 *
 * The holding queue is one frame per adapter. A packet for an unresolved next hop waits there
 * while the request is out; a newer such packet replaces it (counted as arp.queue_replaced),
 * because the newest is the one a caller like net_ping is still waiting for. If no answer comes
 * within ARP_INCOMPLETE_SECONDS the held frame is dropped (arp.unresolved) the next time the
 * adapter sends or receives ARP. Replies to received packets never wait here: they go straight
 * back to the MAC the request came from (ip_output's dst_mac).
 */
#include "kernel/lib/string.h"
#include "kernel/net/arp.h"
#include "kernel/net/net_internal.h"

/* Under arp_lock: if the held frame's next hop is resolved or has given up, hand the frame
 * out (its buffer index) with *resolved saying which; -1 while it must keep waiting. */
static int pending_settle(struct netif *netif, uint64_t now, uint8_t *mac, size_t *len, bool *resolved)
{
    struct netif_stack *s = &netif->stack;
    if (s->pending < 0)
        return -1;
    enum arp_state state = arp_cache_state(&s->arp, s->pending_hop, now, mac);
    if (state == ARP_STATE_INCOMPLETE)
        return -1;
    int buffer = s->pending;
    s->pending = -1;
    *len = s->pending_len;
    *resolved = state == ARP_STATE_COMPLETE;
    return buffer;
}

/* Outside the lock: send or drop what pending_settle handed out. */
static void pending_finish(struct netif *netif, int buffer, const uint8_t *mac, size_t len, bool resolved)
{
    if (buffer < 0)
        return;
    if (!resolved) {
        net_count_drop(netif, NET_DROP_ARP_UNRESOLVED);
        net_tx_release(netif, buffer);
        return;
    }
    memcpy(net_tx_buffer(netif, buffer), mac, ETH_ADDR_LEN);
    net_tx_send(netif, buffer, len);
}

static void arp_send(struct netif *netif, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha, uint32_t tpa)
{
    int buffer = net_tx_claim(netif);
    if (buffer < 0)
        return;
    uint8_t *frame = net_tx_buffer(netif, buffer);
    struct arp_packet packet = {.op = op, .spa = net_ipv4_of(netif).address, .tpa = tpa};
    memcpy(packet.sha, netif->mac, ETH_ADDR_LEN);
    memcpy(packet.tha, tha, ETH_ADDR_LEN);
    eth_build_header(frame, NETIF_TX_BUFFER_SIZE, eth_dst, netif->mac, ETH_TYPE_ARP);
    arp_build(frame + ETH_HEADER_LEN, NETIF_TX_BUFFER_SIZE - ETH_HEADER_LEN, &packet);
    if (net_tx_send(netif, buffer, ETH_HEADER_LEN + ARP_PACKET_LEN))
        netif_counter_add(op == ARP_OP_REQUEST ? &netif->counters.arp_requests_out : &netif->counters.arp_replies_out,
                          1);
}

void arp_input(const struct net_rx *rx)
{
    struct netif *netif = rx->netif;
    struct arp_packet arp;
    enum net_drop reason = arp_parse(rx->eth.payload, rx->eth.payload_len, &arp);
    if (reason != NET_OK) {
        net_count_drop(netif, reason);
        return;
    }
    /* Nothing may be learnt from, or answered to, a sender that is not one host: a group MAC
     * (our reply would be multicast), or an IPv4 address that names no single host - a
     * broadcast (the limited one or our subnet's), our subnet's network address, multicast,
     * class E or loopback (ip_addr_is_host). Caching "10.0.2.255 is at <MAC>" would send every
     * later subnet broadcast to one machine. 0.0.0.0 is a probe (RFC 5227), handled below. */
    struct ip_config config = net_ipv4_of(netif);
    if (eth_addr_is_group(arp.sha) || eth_addr_is_zero(arp.sha) ||
        (arp.spa != IP_ADDR_ANY && !ip_addr_is_host(&config, arp.spa))) {
        net_count_drop(netif, NET_DROP_ARP_BAD_SENDER);
        return;
    }
    if (!config.address) {
        net_count_drop(netif, NET_DROP_ARP_NOT_US);
        return;
    }
    /* Someone else using our address (or our own gratuitous ARP reflected back): learning
     * "our address is at another MAC" would break our own traffic. */
    if (arp.spa == config.address) {
        net_count_drop(netif, NET_DROP_ARP_CONFLICT);
        return;
    }
    bool for_us = arp.tpa == config.address;

    /* RFC 826: "If the pair <protocol type, sender protocol address> is already in my
     * translation table, update the sender hardware address" - and if we are the target,
     * add it. Only neighbours on our subnet are worth a slot; a probe (sender 0.0.0.0) has no
     * address to learn. Learning also releases a frame held for this neighbour. */
    uint8_t mac[ETH_ADDR_LEN];
    size_t len = 0;
    bool resolved = false;
    int held;
    uint64_t now = net_now();
    KIRQL irql;
    KeAcquireSpinLock(&netif->stack.arp_lock, &irql);
    if (arp.spa != 0 && ip_addr_on_link(&config, arp.spa))
        arp_cache_update(&netif->stack.arp, arp.spa, arp.sha, now, for_us);
    held = pending_settle(netif, now, mac, &len, &resolved);
    KeReleaseSpinLock(&netif->stack.arp_lock, irql);
    pending_finish(netif, held, mac, len, resolved);

    if (!for_us) {
        net_count_drop(netif, NET_DROP_ARP_NOT_US);
        return;
    }
    if (arp.op == ARP_OP_REPLY) {
        netif_counter_add(&netif->counters.arp_replies_in, 1);
        return;
    }
    netif_counter_add(&netif->counters.arp_requests_in, 1);
    /* The reply goes to the asker only (RFC 826: "send the packet to the (new) target
     * hardware address on the same hardware on which the request was received"). */
    arp_send(netif, ARP_OP_REPLY, arp.sha, arp.sha, arp.spa);
}

bool arp_output(struct netif *netif, int buffer, size_t len, uint32_t next_hop)
{
    struct netif_stack *s = &netif->stack;
    uint8_t mac[ETH_ADDR_LEN], held_mac[ETH_ADDR_LEN];
    size_t held_len = 0;
    bool held_resolved = false;
    int replaced = -1;
    uint64_t now = net_now();
    KIRQL irql;
    KeAcquireSpinLock(&s->arp_lock, &irql);
    int held = pending_settle(netif, now, held_mac, &held_len, &held_resolved);
    enum arp_resolve action = arp_cache_resolve(&s->arp, next_hop, now, mac);
    if (action != ARP_RESOLVED) {
        replaced = s->pending;
        s->pending = buffer;
        s->pending_hop = next_hop;
        s->pending_len = len;
    }
    KeReleaseSpinLock(&s->arp_lock, irql);

    pending_finish(netif, held, held_mac, held_len, held_resolved);
    if (replaced >= 0) {
        net_count_drop(netif, NET_DROP_ARP_QUEUE_REPLACED);
        net_tx_release(netif, replaced);
    }
    if (action == ARP_RESOLVED) {
        memcpy(net_tx_buffer(netif, buffer), mac, ETH_ADDR_LEN);
        return net_tx_send(netif, buffer, len);
    }
    if (action == ARP_SEND_REQUEST) {
        static const uint8_t unknown[ETH_ADDR_LEN];
        arp_send(netif, ARP_OP_REQUEST, eth_broadcast_addr, unknown, next_hop);
    }
    return true;
}

void arp_drop_pending(struct netif *netif)
{
    KIRQL irql;
    KeAcquireSpinLock(&netif->stack.arp_lock, &irql);
    int held = netif->stack.pending;
    netif->stack.pending = -1;
    KeReleaseSpinLock(&netif->stack.arp_lock, irql);
    if (held >= 0) {
        net_count_drop(netif, NET_DROP_ARP_UNRESOLVED);
        net_tx_release(netif, held);
    }
}

bool net_arp_lookup(struct netif *netif, uint32_t ip, uint8_t *mac)
{
    if (!netif || !mac)
        return false;
    KIRQL irql;
    KeAcquireSpinLock(&netif->stack.arp_lock, &irql);
    bool found = arp_cache_state(&netif->stack.arp, ip, net_now(), mac) == ARP_STATE_COMPLETE;
    KeReleaseSpinLock(&netif->stack.arp_lock, irql);
    return found;
}

void net_arp_flush(struct netif *netif)
{
    if (!netif)
        return;
    KIRQL irql;
    KeAcquireSpinLock(&netif->stack.arp_lock, &irql);
    arp_cache_flush(&netif->stack.arp);
    KeReleaseSpinLock(&netif->stack.arp_lock, irql);
    arp_drop_pending(netif);
}
