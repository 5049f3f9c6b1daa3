/* kernel/net/udp_service.c - UDP ports: echo (port 7), discard (port 9), and bound handlers.
 * RFC 768 (UDP); RFC 862 "Echo Protocol" ("send back any data it receives" - to the sender's
 * address and port); RFC 863 "Discard Protocol" ("throw away any data it receives").
 *
 * A closed port is counted (udp.no_port) but not answered with ICMP port unreachable: that is
 * optional for a host (RFC 1122 §4.1.3.1 says SHOULD) and one more way to make this machine
 * send traffic at a stranger's request.
 *
 * Handlers run outside the table's lock (so they may send, and several CPUs may be in
 * handlers at once); each binding counts its running calls, and net_udp_unbind waits for
 * that count to reach zero before the slot can be reused or the context freed.
 */
#include "kernel/lib/string.h"
#include "kernel/net/net_internal.h"
#include "kernel/net/udp.h"

struct udp_binding {
    NET_UDP_HANDLER *handler; /* NULL while being unbound */
    PVOID context;
    uint32_t active; /* handler calls running now */
    uint16_t port;   /* 0: free slot */
};

static KSPIN_LOCK bindings_lock;
static struct udp_binding bindings[NET_UDP_BINDINGS_MAX];

/* Source ports of the classic small services (echo, discard, daytime, quote, chargen, time).
 * Echoing to one of them can start an endless exchange between two hosts, the "UDP echo loop"
 * attack (CERT CA-1996-01): a forged datagram from echo to echo bounces forever. */
static bool is_small_service(uint16_t port)
{
    return port == 7 || port == 9 || port == 13 || port == 17 || port == 19 || port == 37;
}

/* The UDP message (len bytes of data at `data`) from our port to theirs, sent at DISPATCH_LEVEL. */
static NTSTATUS udp_send_from(struct netif *netif, uint32_t dst, uint16_t src_port, uint16_t dst_port, const void *data,
                              size_t len, const uint8_t *dst_mac)
{
    int buffer = net_tx_claim(netif);
    if (buffer < 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    uint8_t *l4 = net_tx_buffer(netif, buffer) + NET_TX_L4_OFFSET;
    size_t l4_len = udp_build(l4, NET_TX_L4_MAX, net_ipv4_of(netif).address, dst, src_port, dst_port, data, len);
    if (!l4_len) {
        net_count_drop(netif, NET_DROP_TX_TOO_BIG);
        net_tx_release(netif, buffer);
        return STATUS_INVALID_PARAMETER;
    }
    return ip_output(netif, buffer, dst, IP_PROTO_UDP, l4_len, dst_mac) ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

/* Find the port's handler and mark one call as running; false if nobody listens. */
static bool binding_enter(uint16_t port, unsigned *slot, NET_UDP_HANDLER **handler, PVOID *context)
{
    bool found = false;
    KIRQL irql;
    KeAcquireSpinLock(&bindings_lock, &irql);
    for (unsigned i = 0; i < NET_UDP_BINDINGS_MAX && !found; i++) {
        if (bindings[i].port != port || !bindings[i].handler)
            continue;
        __atomic_fetch_add(&bindings[i].active, 1, __ATOMIC_ACQUIRE); /* binding_leave drops it unlocked */
        *slot = i;
        *handler = bindings[i].handler;
        *context = bindings[i].context;
        found = true;
    }
    KeReleaseSpinLock(&bindings_lock, irql);
    return found;
}

static void binding_leave(unsigned slot) { __atomic_fetch_sub(&bindings[slot].active, 1, __ATOMIC_RELEASE); }

void udp_input(const struct net_rx *rx, const struct ip_packet *ip)
{
    struct netif *netif = rx->netif;
    struct udp_datagram udp;
    enum net_drop reason = udp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &udp);
    if (reason != NET_OK) {
        net_count_drop(netif, reason);
        return;
    }
    netif_counter_add(&netif->counters.udp_in, 1);
    if (udp.dst_port == 0) {
        net_count_drop(netif, NET_DROP_UDP_BAD_PORT);
        return;
    }
    if (udp.dst_port == UDP_PORT_DISCARD) {
        netif_counter_add(&netif->counters.udp_discarded, 1);
        return;
    }
    if (udp.dst_port == UDP_PORT_ECHO) {
        if (udp.src_port == 0) /* "no reply expected" (RFC 768): nowhere to echo to */
            reason = NET_DROP_UDP_BAD_PORT;
        else if (is_small_service(udp.src_port))
            reason = NET_DROP_UDP_ECHO_LOOP;
        if (reason != NET_OK) {
            net_count_drop(netif, reason);
            return;
        }
        /* The same bytes back to the sender's address and port, from port 7, to the MAC the
         * datagram came from - no ARP lookup on this path. */
        if (udp_send_from(netif, ip->src, UDP_PORT_ECHO, udp.src_port, udp.data, udp.data_len, rx->eth.src) ==
            STATUS_SUCCESS)
            netif_counter_add(&netif->counters.udp_echoed, 1);
        return;
    }

    unsigned slot;
    NET_UDP_HANDLER *handler;
    PVOID context;
    if (!binding_enter(udp.dst_port, &slot, &handler, &context)) {
        net_count_drop(netif, NET_DROP_UDP_NO_PORT);
        return;
    }
    struct net_udp_datagram datagram = {
        .netif = netif,
        .src_ip = ip->src,
        .dst_ip = ip->dst,
        .src_port = udp.src_port,
        .dst_port = udp.dst_port,
        .data = udp.data,
        .len = udp.data_len,
    };
    memcpy(datagram.src_mac, rx->eth.src, ETH_ADDR_LEN);
    netif_counter_add(&netif->counters.udp_delivered, 1);
    handler(&datagram, context);
    binding_leave(slot);
}

NTSTATUS net_udp_bind(uint16_t port, NET_UDP_HANDLER *handler, PVOID context)
{
    if (port == 0 || !handler)
        return STATUS_INVALID_PARAMETER;
    if (port == UDP_PORT_ECHO || port == UDP_PORT_DISCARD)
        return STATUS_OBJECT_NAME_COLLISION;
    NTSTATUS status = STATUS_INSUFFICIENT_RESOURCES;
    KIRQL irql;
    KeAcquireSpinLock(&bindings_lock, &irql);
    struct udp_binding *free_slot = NULL;
    for (unsigned i = 0; i < NET_UDP_BINDINGS_MAX; i++) {
        if (bindings[i].port == port)
            status = STATUS_OBJECT_NAME_COLLISION; /* bound, or still draining an unbind */
        else if (!bindings[i].port && !__atomic_load_n(&bindings[i].active, __ATOMIC_ACQUIRE) && !free_slot)
            free_slot = &bindings[i];
    }
    if (status != STATUS_OBJECT_NAME_COLLISION && free_slot) {
        free_slot->port = port;
        free_slot->handler = handler;
        free_slot->context = context;
        status = STATUS_SUCCESS;
    }
    KeReleaseSpinLock(&bindings_lock, irql);
    return status;
}

NTSTATUS net_udp_unbind(uint16_t port)
{
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        return STATUS_INVALID_DEVICE_STATE; /* a handler unbinding itself would wait forever */
    struct udp_binding *b = NULL;
    KIRQL irql;
    KeAcquireSpinLock(&bindings_lock, &irql);
    for (unsigned i = 0; i < NET_UDP_BINDINGS_MAX && !b; i++)
        if (port && bindings[i].port == port && bindings[i].handler)
            b = &bindings[i];
    if (b)
        b->handler = NULL; /* no new calls from here on; the port stays reserved */
    KeReleaseSpinLock(&bindings_lock, irql);
    if (!b)
        return STATUS_NOT_FOUND;
    while (__atomic_load_n(&b->active, __ATOMIC_ACQUIRE))
        KeStallExecutionProcessor(10);
    KeAcquireSpinLock(&bindings_lock, &irql);
    b->port = 0;
    b->context = NULL;
    KeReleaseSpinLock(&bindings_lock, irql);
    return STATUS_SUCCESS;
}

NTSTATUS net_udp_reply(const struct net_udp_datagram *to, const void *data, size_t len)
{
    if (!to || !to->netif || (len && !data) || len > UDP_PAYLOAD_MAX || to->src_port == 0)
        return STATUS_INVALID_PARAMETER;
    if (KeGetCurrentIrql() > DISPATCH_LEVEL)
        return STATUS_INVALID_DEVICE_STATE;
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    NTSTATUS status = udp_send_from(to->netif, to->src_ip, to->dst_port, to->src_port, data, len, to->src_mac);
    KeLowerIrql(old);
    return status;
}

NTSTATUS net_udp_send(struct netif *netif, uint32_t dst_ip, uint16_t src_port, uint16_t dst_port, const void *data,
                      size_t len)
{
    if (!netif || !__atomic_load_n(&netif->stack.registered, __ATOMIC_ACQUIRE) || (len && !data) ||
        len > UDP_PAYLOAD_MAX || dst_port == 0 || dst_ip == IP_ADDR_ANY || ip_addr_is_multicast(dst_ip))
        return STATUS_INVALID_PARAMETER;
    if (KeGetCurrentIrql() > DISPATCH_LEVEL)
        return STATUS_INVALID_DEVICE_STATE;
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    NTSTATUS status = udp_send_from(netif, dst_ip, src_port, dst_port, data, len, NULL);
    KeLowerIrql(old);
    return status;
}
