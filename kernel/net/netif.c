/* kernel/net/netif.c - adapters: registration, the receive entry point, transmit buffers.
 *
 * netif_receive is the bottom of the stack: Ethernet demultiplexing (RFC 894: EtherType 0x0800
 * is IPv4, RFC 826: 0x0806 is ARP) and the address filter a NIC would apply in hardware
 * (IEEE 802.3 §3.2.3: unicast to us, broadcast, multicast). Everything above it is a plain
 * function call on the same CPU, at DISPATCH_LEVEL, with the frame still in the driver's
 * buffer: nothing is copied or queued on the receive path, so nothing needs allocating there.
 *
 * Replies are built in the adapter's transmit buffers (NETIF_TX_BUFFERS of them), claimed with
 * an atomic compare-exchange so any CPU can send without a lock, and released as soon as the
 * driver's transmit callback returns.
 */
#include "kernel/net/netif.h"

#include "kernel/console/log.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/net/net_internal.h"

static KSPIN_LOCK netifs_lock;
static struct netif *netifs[NETIF_MAX];

uint64_t net_now(void)
{
    LARGE_INTEGER ticks;
    KeQueryTickCount(&ticks);
    return (uint64_t)ticks.QuadPart;
}

/* netif_set_ipv4 stores the three words one by one; a frame processed at that very moment may
 * see a mix of old and new, which costs at most that frame. Reconfiguring while traffic flows
 * is a rare, manual act, so this is cheaper than a lock on every received frame. */
struct ip_config net_ipv4_of(const struct netif *netif)
{
    struct ip_config c;
    c.address = __atomic_load_n(&netif->ipv4.address, __ATOMIC_RELAXED);
    c.netmask = __atomic_load_n(&netif->ipv4.netmask, __ATOMIC_RELAXED);
    c.gateway = __atomic_load_n(&netif->ipv4.gateway, __ATOMIC_RELAXED);
    return c;
}

void net_count_drop(struct netif *netif, enum net_drop reason)
{
    if ((unsigned)reason >= NET_DROP_COUNT || reason == NET_OK)
        return;
    struct netif_counters *c = &netif->counters;
    netif_counter_add(&c->drop[reason], 1);
    switch (net_drop_class(reason)) {
    case NET_CLASS_RX_ERROR: netif_counter_add(&c->rx_errors, 1); break;
    case NET_CLASS_RX_DROP: netif_counter_add(&c->rx_drops, 1); break;
    case NET_CLASS_TX_DROP: netif_counter_add(&c->tx_drops, 1); break;
    case NET_CLASS_NONE: break;
    }
}

/* ---- transmit buffers ---- */

int net_tx_claim(struct netif *netif)
{
    uint32_t busy = __atomic_load_n(&netif->stack.tx_busy, __ATOMIC_RELAXED);
    for (;;) {
        int free_index = -1;
        for (int i = 0; i < NETIF_TX_BUFFERS; i++) {
            if (!(busy & (1u << i))) {
                free_index = i;
                break;
            }
        }
        if (free_index < 0) {
            net_count_drop(netif, NET_DROP_TX_NO_BUFFER);
            return -1;
        }
        /* On failure `busy` is reloaded with the current bits and we look again. */
        if (__atomic_compare_exchange_n(&netif->stack.tx_busy, &busy, busy | (1u << free_index), false,
                                        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return free_index;
    }
}

uint8_t *net_tx_buffer(struct netif *netif, int buffer) { return netif->stack.tx[buffer]; }

void net_tx_release(struct netif *netif, int buffer)
{
    __atomic_fetch_and(&netif->stack.tx_busy, ~(1u << buffer), __ATOMIC_RELEASE);
}

bool net_tx_send(struct netif *netif, int buffer, size_t len)
{
    uint8_t *frame = net_tx_buffer(netif, buffer);
    /* Pad to the Ethernet minimum ourselves: not every NIC pads in hardware, and zero padding
     * (rather than whatever the buffer held before) leaks no old data onto the wire. */
    if (len < ETH_FRAME_MIN) {
        memset(frame + len, 0, ETH_FRAME_MIN - len);
        len = ETH_FRAME_MIN;
    }
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL); /* the contract: transmit runs at DISPATCH_LEVEL */
    BOOLEAN ok = netif->transmit(netif, frame, len);
    KeLowerIrql(old);
    if (ok) {
        netif_counter_add(&netif->counters.tx_packets, 1);
        netif_counter_add(&netif->counters.tx_bytes, len);
    } else {
        netif_counter_add(&netif->counters.tx_errors, 1);
    }
    net_tx_release(netif, buffer);
    return ok;
}

/* ---- receive ---- */

/* The filter a NIC applies in hardware, repeated here because we cannot rely on it (QEMU's
 * e1000 in promiscuous mode, a test feeding frames by hand) and because the source checks
 * are not done by hardware at all. */
static enum net_drop eth_accept(const struct netif *netif, const struct eth_frame *eth)
{
    switch (eth_classify_dest(eth->dst, netif->mac)) {
    case ETH_DEST_US:
    case ETH_DEST_BROADCAST: break;
    case ETH_DEST_MULTICAST: return NET_DROP_ETH_MULTICAST;
    case ETH_DEST_OTHER: return NET_DROP_ETH_NOT_US;
    }
    /* A group address is never a valid source (IEEE 802.3 §3.2.3); replying to one would
     * multicast our answer. Our own address as source is our frame reflected back. */
    if (eth_addr_is_group(eth->src) || eth_addr_is_zero(eth->src))
        return NET_DROP_ETH_BAD_SOURCE;
    if (eth_addr_equal(eth->src, netif->mac))
        return NET_DROP_ETH_OWN_SOURCE;
    if (eth->type != ETH_TYPE_IPV4 && eth->type != ETH_TYPE_ARP)
        return NET_DROP_ETH_UNKNOWN_TYPE;
    return NET_OK;
}

VOID netif_receive(struct netif *netif, const void *frame, size_t len)
{
    if (!netif || !__atomic_load_n(&netif->stack.registered, __ATOMIC_ACQUIRE))
        return;
    if (KeGetCurrentIrql() > DISPATCH_LEVEL) {
        /* A driver calling us from its ISR. We must not take spin locks up here; refuse the
         * frame and make the mistake visible in the counters rather than deadlock later. */
        net_count_drop(netif, NET_DROP_BAD_IRQL);
        return;
    }
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL); /* a no-op from the driver's DPC */
    netif_counter_add(&netif->counters.rx_packets, 1);
    netif_counter_add(&netif->counters.rx_bytes, len);

    struct net_rx rx = {.netif = netif};
    enum net_drop reason = eth_parse(frame, len, &rx.eth);
    if (reason == NET_OK)
        reason = eth_accept(netif, &rx.eth);
    if (reason != NET_OK)
        net_count_drop(netif, reason);
    else if (rx.eth.type == ETH_TYPE_ARP)
        arp_input(&rx);
    else
        ip_input(&rx);
    KeLowerIrql(old);
}

/* ---- registration ---- */

NTSTATUS netif_register(struct netif *netif)
{
    if (!netif || !netif->transmit || eth_addr_is_group(netif->mac) || eth_addr_is_zero(netif->mac) ||
        netif->irq_cause_count > NETIF_IRQ_CAUSES_MAX || strnlen(netif->name, NETIF_NAME_MAX) == NETIF_NAME_MAX)
        return STATUS_INVALID_PARAMETER;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        return STATUS_INVALID_DEVICE_STATE;
    if (__atomic_load_n(&netif->stack.registered, __ATOMIC_ACQUIRE))
        return STATUS_OBJECT_NAME_COLLISION;

    /* Prepare everything before the adapter becomes visible. */
    memset(&netif->counters, 0, sizeof(netif->counters));
    for (unsigned i = 0; i < NETIF_IRQ_CAUSES_MAX; i++)
        netif->irq_causes[i].count = 0;
    memset(&netif->ipv4, 0, sizeof(netif->ipv4));
    netif->stack.registered = false;
    netif->stack.ticks_per_second = 10000000u / KeQueryTimeIncrement();
    KeInitializeSpinLock(&netif->stack.arp_lock);
    arp_cache_init(&netif->stack.arp, netif->stack.ticks_per_second);
    netif->stack.pending = -1;
    netif->stack.pending_hop = 0;
    netif->stack.pending_len = 0;
    netif->stack.tx_busy = 0;
    netif->stack.ip_id = (uint16_t)(net_now() * 2654435761u >> 16); /* not 0 at every boot */

    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;
    KeAcquireSpinLock(&netifs_lock, &irql);
    int slot = -1;
    for (int i = 0; i < NETIF_MAX; i++) {
        if (netifs[i] == netif)
            status = STATUS_OBJECT_NAME_COLLISION;
        else if (netifs[i] && netif->name[0] && !strcmp(netifs[i]->name, netif->name))
            status = STATUS_OBJECT_NAME_COLLISION;
        else if (!netifs[i] && slot < 0)
            slot = i;
    }
    if (status == STATUS_SUCCESS && slot < 0)
        status = STATUS_INSUFFICIENT_RESOURCES;
    if (status == STATUS_SUCCESS) {
        netif->index = (unsigned)slot;
        if (!netif->name[0])
            ksnprintf(netif->name, sizeof(netif->name), "net%d", slot);
        netifs[slot] = netif;
    }
    KeReleaseSpinLock(&netifs_lock, irql);
    if (status != STATUS_SUCCESS)
        return status;

    net_config_apply(netif);
    __atomic_store_n(&netif->stack.registered, true, __ATOMIC_RELEASE);

    char mac[ETH_ADDR_TEXT_LEN], ip[IP_CONFIG_TEXT_LEN];
    struct ip_config config = net_ipv4_of(netif);
    log_info("net: %s (adapter %u) %s %s", netif->name, netif->index, eth_addr_format(netif->mac, mac),
             ip_config_format(&config, ip));
    return STATUS_SUCCESS;
}

VOID netif_unregister(struct netif *netif)
{
    /* Unregistering twice, or an adapter whose registration failed, does nothing. */
    if (!netif || !__atomic_exchange_n(&netif->stack.registered, false, __ATOMIC_ACQ_REL))
        return;
    KIRQL irql;
    KeAcquireSpinLock(&netifs_lock, &irql);
    for (int i = 0; i < NETIF_MAX; i++)
        if (netifs[i] == netif)
            netifs[i] = NULL;
    KeReleaseSpinLock(&netifs_lock, irql);
    arp_drop_pending(netif);
}

NTSTATUS netif_set_ipv4(struct netif *netif, const struct ip_config *config)
{
    if (!netif || !config || ip_config_check(config))
        return STATUS_INVALID_PARAMETER;
    __atomic_store_n(&netif->ipv4.address, config->address, __ATOMIC_RELAXED);
    __atomic_store_n(&netif->ipv4.netmask, config->netmask, __ATOMIC_RELAXED);
    __atomic_store_n(&netif->ipv4.gateway, config->gateway, __ATOMIC_RELAXED);
    /* What we learnt belonged to the old subnet. */
    net_arp_flush(netif);
    return STATUS_SUCCESS;
}

struct netif *netif_get(unsigned index)
{
    if (index >= NETIF_MAX)
        return NULL;
    KIRQL irql;
    KeAcquireSpinLock(&netifs_lock, &irql);
    struct netif *netif = netifs[index];
    KeReleaseSpinLock(&netifs_lock, irql);
    return netif;
}

bool net_with_netif(unsigned index, void (*fn)(struct netif *netif, void *context), void *context)
{
    if (index >= NETIF_MAX)
        return false;
    KIRQL irql;
    KeAcquireSpinLock(&netifs_lock, &irql);
    struct netif *netif = netifs[index];
    if (netif)
        fn(netif, context);
    KeReleaseSpinLock(&netifs_lock, irql);
    return netif != NULL;
}

struct netif *netif_find(const char *name)
{
    struct netif *found = NULL;
    if (!name)
        return NULL;
    KIRQL irql;
    KeAcquireSpinLock(&netifs_lock, &irql);
    for (int i = 0; i < NETIF_MAX && !found; i++)
        if (netifs[i] && !strcmp(netifs[i]->name, name))
            found = netifs[i];
    KeReleaseSpinLock(&netifs_lock, irql);
    return found;
}
