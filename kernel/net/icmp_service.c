/* kernel/net/icmp_service.c - answering pings, and net_ping.
 * RFC 792 (echo / echo reply: "the data received in the echo message must be returned in the
 * echo reply message", identifier and sequence number likewise); RFC 1122 §3.2.2.6.
 *
 * net_ping runs at PASSIVE_LEVEL and the reply arrives in the driver's DPC, maybe on another
 * CPU. They meet in a small table of waiters: net_ping fills a slot before sending, the
 * receive path marks the matching slot done (a release store of `done` after the timestamp),
 * and net_ping polls `done` with an acquire load between KeStallExecutionProcessor calls.
 * Slots are claimed and given back under a spin lock, so a reply that arrives after its
 * pinger gave up finds no slot and is counted as icmp.unexpected_reply.
 */
#include "kernel/lib/string.h"
#include "kernel/net/icmp.h"
#include "kernel/net/net_internal.h"

#define PING_WAITERS 8
#define PING_POLL_US 10

struct ping_waiter {
    struct netif *netif;
    LONGLONG arrived; /* performance counter when the reply came */
    uint32_t ip;
    uint32_t done; /* written last with release order */
    uint16_t id;
    uint16_t seq;
    bool in_use;
};

static KSPIN_LOCK waiters_lock;
static struct ping_waiter waiters[PING_WAITERS];
static uint16_t next_id;

/* The payload of our echo requests: a pattern derived from the identifier and sequence
 * number, so a reply can be checked without remembering what was sent. */
static uint8_t ping_byte(uint16_t id, uint16_t seq, size_t i) { return (uint8_t)(i + id * 7u + seq * 13u); }

static bool ping_data_ok(const struct icmp_echo *echo)
{
    if (echo->data_len != NET_PING_DATA_LEN)
        return false;
    for (size_t i = 0; i < NET_PING_DATA_LEN; i++)
        if (echo->data[i] != ping_byte(echo->id, echo->seq, i))
            return false;
    return true;
}

static enum net_drop echo_reply_arrived(struct netif *netif, uint32_t src, const struct icmp_echo *echo)
{
    enum net_drop reason = NET_DROP_ICMP_UNEXPECTED;
    LARGE_INTEGER now = KeQueryPerformanceCounter(NULL);
    KIRQL irql;
    KeAcquireSpinLock(&waiters_lock, &irql);
    for (unsigned i = 0; i < PING_WAITERS; i++) {
        struct ping_waiter *w = &waiters[i];
        if (!w->in_use || w->done || w->netif != netif || w->ip != src || w->id != echo->id || w->seq != echo->seq)
            continue;
        if (!ping_data_ok(echo)) {
            reason = NET_DROP_ICMP_BAD_ECHO_DATA;
            break;
        }
        w->arrived = now.QuadPart;
        __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
        reason = NET_OK;
        break;
    }
    KeReleaseSpinLock(&waiters_lock, irql);
    return reason;
}

static void echo_request_arrived(const struct net_rx *rx, const struct ip_packet *ip, const struct icmp_echo *echo)
{
    struct netif *netif = rx->netif;
    int buffer = net_tx_claim(netif);
    if (buffer < 0)
        return;
    uint8_t *l4 = net_tx_buffer(netif, buffer) + NET_TX_L4_OFFSET;
    /* Same identifier, sequence number and data; a new checksum because the type changed.
     * The data fits: it came in one frame, and we send with a header no longer than its. */
    size_t len = icmp_build_echo(l4, NETIF_TX_BUFFER_SIZE - NET_TX_L4_OFFSET, ICMP_ECHO_REPLY, echo->id, echo->seq,
                                 echo->data, echo->data_len);
    if (!len) {
        net_count_drop(netif, NET_DROP_TX_TOO_BIG);
        net_tx_release(netif, buffer);
        return;
    }
    ip_output(netif, buffer, ip->src, IP_PROTO_ICMP, len, rx->eth.src);
}

void icmp_input(const struct net_rx *rx, const struct ip_packet *ip)
{
    struct netif *netif = rx->netif;
    struct icmp_echo echo;
    enum net_drop reason = icmp_parse_echo(ip->payload, ip->payload_len, &echo);
    if (reason == NET_OK && echo.type == ICMP_ECHO_REQUEST) {
        netif_counter_add(&netif->counters.icmp_echo_requests_in, 1);
        echo_request_arrived(rx, ip, &echo);
        return;
    }
    if (reason == NET_OK) {
        netif_counter_add(&netif->counters.icmp_echo_replies_in, 1);
        reason = echo_reply_arrived(netif, ip->src, &echo);
    }
    net_count_drop(netif, reason);
}

/* ---- net_ping ---- */

static struct ping_waiter *waiter_claim(struct netif *netif, uint32_t ip, uint16_t seq)
{
    struct ping_waiter *found = NULL;
    KIRQL irql;
    KeAcquireSpinLock(&waiters_lock, &irql);
    for (unsigned i = 0; i < PING_WAITERS; i++) {
        if (!waiters[i].in_use) {
            found = &waiters[i];
            break;
        }
    }
    if (found) {
        found->in_use = true;
        found->netif = netif;
        found->ip = ip;
        found->id = ++next_id; /* tells concurrent pingers of the same address apart */
        found->seq = seq;
        found->arrived = 0;
        found->done = 0;
    }
    KeReleaseSpinLock(&waiters_lock, irql);
    return found;
}

static void waiter_release(struct ping_waiter *w)
{
    KIRQL irql;
    KeAcquireSpinLock(&waiters_lock, &irql);
    w->in_use = false;
    KeReleaseSpinLock(&waiters_lock, irql);
}

/* Build and send the echo request at DISPATCH_LEVEL like every other send. */
static NTSTATUS send_echo_request(struct netif *netif, uint32_t ip, const struct ping_waiter *w)
{
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    NTSTATUS status = STATUS_INSUFFICIENT_RESOURCES;
    int buffer = net_tx_claim(netif);
    if (buffer >= 0) {
        uint8_t *l4 = net_tx_buffer(netif, buffer) + NET_TX_L4_OFFSET;
        uint8_t *data = l4 + ICMP_HEADER_LEN;
        for (size_t i = 0; i < NET_PING_DATA_LEN; i++)
            data[i] = ping_byte(w->id, w->seq, i);
        size_t len = icmp_build_echo(l4, NETIF_TX_BUFFER_SIZE - NET_TX_L4_OFFSET, ICMP_ECHO_REQUEST, w->id, w->seq,
                                     data, NET_PING_DATA_LEN);
        status = ip_output(netif, buffer, ip, IP_PROTO_ICMP, len, NULL) ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
    }
    KeLowerIrql(old); /* a reply may be processed right here, by a DPC on this CPU */
    return status;
}

NTSTATUS net_ping(struct netif *netif, uint32_t ip, uint16_t seq, ULONG timeout_ms, ULONG *rtt_us)
{
    if (!netif || !__atomic_load_n(&netif->stack.registered, __ATOMIC_ACQUIRE))
        return STATUS_INVALID_PARAMETER;
    /* One echo request, one reply: only a host address can be pinged (the shell's `ping`
     * explains the others with ip_addr_kind_describe). Our own address is a host too: the
     * request is looped back to icmp_input without the NIC (ip_output). */
    struct ip_config config = net_ipv4_of(netif);
    if (!ip_addr_is_host(&config, ip))
        return STATUS_INVALID_PARAMETER;
    /* At DISPATCH_LEVEL the reply's DPC could never run on this CPU while we poll. */
    if (KeGetCurrentIrql() >= DISPATCH_LEVEL || !config.address)
        return STATUS_INVALID_DEVICE_STATE;

    struct ping_waiter *w = waiter_claim(netif, ip, seq);
    if (!w)
        return STATUS_INSUFFICIENT_RESOURCES;
    LARGE_INTEGER frequency;
    LARGE_INTEGER start = KeQueryPerformanceCounter(&frequency);
    if (frequency.QuadPart <= 0)
        frequency.QuadPart = 1;
    NTSTATUS status = send_echo_request(netif, ip, w);
    if (status == STATUS_SUCCESS) {
        LONGLONG deadline = start.QuadPart + (LONGLONG)timeout_ms * frequency.QuadPart / 1000;
        status = STATUS_IO_TIMEOUT;
        for (;;) {
            if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
                status = STATUS_SUCCESS;
                break;
            }
            if (KeQueryPerformanceCounter(NULL).QuadPart >= deadline)
                break;
            KeStallExecutionProcessor(PING_POLL_US);
        }
    }
    LONGLONG arrived = w->arrived;
    waiter_release(w);
    if (status == STATUS_SUCCESS && rtt_us) {
        LONGLONG ticks = arrived > start.QuadPart ? arrived - start.QuadPart : 0;
        *rtt_us = (ULONG)(ticks * 1000000 / frequency.QuadPart);
    }
    return status;
}
