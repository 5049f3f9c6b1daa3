/* tests/ktest/net_test.c - the network stack end to end, before any NIC driver exists.
 *
 * A "loopback" adapter stands in for the NIC: its transmit callback captures every frame the
 * stack sends, and the tests hand crafted frames to netif_receive exactly as a driver's DPC
 * would. For net_ping it can also play the gateway: it answers ARP and echo requests for
 * 10.0.2.2 from a DPC aimed at another CPU when there is one - the path a real reply takes.
 * Frames are crafted with the stack's own pure builders (host-tested separately against
 * hand-made bytes in tests/unit/test_net_parse.c) and then damaged on purpose.
 */
#include "include/wdm.h"
#include "kernel/ke/kprcb.h"
#include "kernel/lib/string.h"
#include "kernel/net/arp.h"
#include "kernel/net/checksum.h"
#include "kernel/net/icmp.h"
#include "kernel/net/ipv4.h"
#include "kernel/net/net.h"
#include "kernel/net/udp.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define IP_US IP_ADDR(10, 0, 2, 15)
#define IP_GW IP_ADDR(10, 0, 2, 2)
#define CAPTURE_SLOTS 8
#define PEER_SLOTS 4

static const uint8_t gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0xaa, 0x00, 0x01};
static const uint8_t mac_b[6] = {0x52, 0x54, 0x00, 0xaa, 0x00, 0x02};
static const uint8_t other_mac[6] = {0x52, 0x54, 0x00, 0x77, 0x77, 0x77};

/* ---- the loopback adapter ---- */

struct loop {
    struct netif netif;
    KSPIN_LOCK lock;
    uint64_t captured; /* frames transmitted, all time */
    uint8_t frames[CAPTURE_SLOTS][NETIF_TX_BUFFER_SIZE];
    size_t lens[CAPTURE_SLOTS];
    bool refuse;          /* transmit returns FALSE */
    bool gateway;         /* answer ARP and pings for 10.0.2.2 */
    bool corrupt_echo;    /* ... with altered echo data */
    bool count_only;      /* SMP stress: check UDP echoes, keep nothing */
    uint64_t good_echoes; /* count_only: replies whose payload matched */
    /* gateway replies waiting for the DPC */
    KDPC dpc;
    uint8_t peer[PEER_SLOTS][NETIF_TX_BUFFER_SIZE];
    size_t peer_len[PEER_SLOTS];
    unsigned peer_count;
    uint8_t dpc_frame[NETIF_TX_BUFFER_SIZE]; /* the DPC's copy of the frame it delivers */
    volatile ULONG dpc_cpu;
};

static struct loop loop_a, loop_b;

static struct loop *loop_of(struct netif *netif) { return CONTAINING_RECORD(netif, struct loop, netif); }

static bool stress_reply_ok(const uint8_t *frame, size_t len);
static void gateway_answer(struct loop *l, const uint8_t *frame, size_t len);

static BOOLEAN loop_transmit(struct netif *netif, const void *frame, size_t len)
{
    struct loop *l = loop_of(netif);
    if (KeGetCurrentIrql() != DISPATCH_LEVEL || len > ETH_FRAME_MAX || len < ETH_FRAME_MIN)
        return FALSE; /* the contract; a violation shows up as tx_errors */
    if (l->refuse)
        return FALSE;
    if (l->count_only) {
        if (stress_reply_ok(frame, len))
            __atomic_fetch_add(&l->good_echoes, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&l->captured, 1, __ATOMIC_RELEASE);
        return TRUE;
    }
    KeAcquireSpinLockAtDpcLevel(&l->lock);
    unsigned slot = (unsigned)(l->captured % CAPTURE_SLOTS);
    memcpy(l->frames[slot], frame, len);
    l->lens[slot] = len;
    __atomic_fetch_add(&l->captured, 1, __ATOMIC_RELEASE);
    KeReleaseSpinLockFromDpcLevel(&l->lock);
    if (l->gateway)
        gateway_answer(l, frame, len);
    return TRUE;
}

/* The DPC delivers the gateway's answers, as a NIC driver's DPC delivers received frames. */
static VOID peer_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct loop *l = context;
    uint8_t *frame = l->dpc_frame; /* the DPC is aimed at one CPU, so it never runs twice at once */
    l->dpc_cpu = KeGetCurrentProcessorNumber();
    for (;;) {
        size_t len = 0;
        KeAcquireSpinLockAtDpcLevel(&l->lock);
        if (l->peer_count) {
            len = l->peer_len[0];
            memcpy(frame, l->peer[0], len);
            l->peer_count--;
            for (unsigned i = 0; i < l->peer_count; i++) {
                memcpy(l->peer[i], l->peer[i + 1], l->peer_len[i + 1]);
                l->peer_len[i] = l->peer_len[i + 1];
            }
        }
        KeReleaseSpinLockFromDpcLevel(&l->lock);
        if (!len)
            break;
        netif_receive(&l->netif, frame, len);
    }
}

static void loop_setup(struct loop *l, const char *name, const uint8_t *mac, uint32_t address)
{
    KeFlushQueuedDpcs();         /* a failed earlier case may have left a DPC queued ... */
    netif_unregister(&l->netif); /* ... and the adapter registered */
    net_udp_unbind(5555);
    memset(l, 0, sizeof(*l));
    strlcpy(l->netif.name, name, sizeof(l->netif.name));
    memcpy(l->netif.mac, mac, ETH_ADDR_LEN);
    l->netif.transmit = loop_transmit;
    l->netif.link_up = true;
    l->netif.irq_causes[0].name = "rx";
    l->netif.irq_causes[1].name = "tx";
    l->netif.irq_cause_count = 2;
    KeInitializeSpinLock(&l->lock);
    KeInitializeDpc(&l->dpc, peer_dpc, l);
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    if (cpus > 1) /* answer from another CPU than the one that runs the test */
        KeSetTargetProcessorDpc(&l->dpc, (CHAR)(cpus - 1));
    if (netif_register(&l->netif) == STATUS_SUCCESS && address) {
        struct ip_config config = {.address = address, .netmask = 0xFFFFFF00, .gateway = IP_GW};
        netif_set_ipv4(&l->netif, &config);
    }
}

static void loop_teardown(struct loop *l)
{
    KeFlushQueuedDpcs();
    netif_unregister(&l->netif);
}

/* The most recent captured frame (and its length), NULL if nothing was sent. */
static const uint8_t *last_frame(struct loop *l, size_t *len)
{
    *len = 0;
    if (!l->captured)
        return NULL;
    unsigned slot = (unsigned)((l->captured - 1) % CAPTURE_SLOTS);
    *len = l->lens[slot];
    return l->frames[slot];
}

/* ---- crafting frames ---- */

/* Pad short frames to 60 bytes with 0xA5 - deliberately not zero, so a stack that used the
 * frame length instead of the IP length would echo visible garbage. */
static size_t pad(uint8_t *f, size_t len)
{
    for (; len < ETH_FRAME_MIN; len++)
        f[len] = 0xA5;
    return len;
}

static size_t make_arp(uint8_t *f, uint16_t op, const uint8_t *eth_dst, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
    static const uint8_t zero[6];
    struct arp_packet a = {.op = op, .spa = spa, .tpa = tpa};
    memcpy(a.sha, sha, 6);
    memcpy(a.tha, op == ARP_OP_REPLY ? mac_a : zero, 6);
    eth_build_header(f, 14, eth_dst, sha, ETH_TYPE_ARP);
    arp_build(f + 14, ARP_PACKET_LEN, &a);
    return pad(f, 14 + ARP_PACKET_LEN);
}

/* An IPv4 frame around the l4_len bytes already at f + 34. */
static size_t make_ip(uint8_t *f, const uint8_t *eth_dst, uint32_t src, uint32_t dst, uint8_t proto, size_t l4_len)
{
    struct ip_header_params h = {
        .src = src, .dst = dst, .protocol = proto, .ttl = 64, .id = 0x4242, .payload_len = l4_len};
    eth_build_header(f, 14, eth_dst, gw_mac, ETH_TYPE_IPV4);
    ip_build_header(f + 14, IP_HEADER_LEN, &h);
    return pad(f, 34 + l4_len);
}

static size_t make_udp(uint8_t *f, const uint8_t *eth_dst, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                       const void *data, size_t n)
{
    size_t l4 = udp_build(f + 34, NETIF_TX_BUFFER_SIZE - 34, src, dst, sport, dport, data, n);
    return make_ip(f, eth_dst, src, dst, IP_PROTO_UDP, l4);
}

static size_t make_icmp(uint8_t *f, uint8_t type, uint16_t id, uint16_t seq, const void *data, size_t n)
{
    size_t l4 = icmp_build_echo(f + 34, NETIF_TX_BUFFER_SIZE - 34, type, id, seq, data, n);
    return make_ip(f, mac_a, IP_GW, IP_US, IP_PROTO_ICMP, l4);
}

/* Recompute the IPv4 header checksum after editing the header (IHL must be sane). */
static void fix_ip(uint8_t *f)
{
    size_t hl = (size_t)(f[14] & 0xF) * 4;
    f[24] = f[25] = 0;
    uint16_t c = net_checksum(f + 14, hl);
    f[24] = (uint8_t)(c >> 8);
    f[25] = (uint8_t)c;
}

/* Recompute the UDP checksum (20-byte IP header) after editing it. */
static void fix_udp(uint8_t *f, uint32_t src, uint32_t dst, size_t udp_len)
{
    f[40] = f[41] = 0;
    uint32_t sum = net_checksum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)udp_len);
    uint16_t c = net_checksum_finish(net_checksum_add(sum, f + 34, udp_len));
    f[40] = (uint8_t)(c >> 8);
    f[41] = (uint8_t)c;
}

static void fix_icmp(uint8_t *f, size_t icmp_len)
{
    f[36] = f[37] = 0;
    uint16_t c = net_checksum(f + 34, icmp_len);
    f[36] = (uint8_t)(c >> 8);
    f[37] = (uint8_t)c;
}

static void feed(struct loop *l, const uint8_t *f, size_t len) { netif_receive(&l->netif, f, len); }

static uint8_t frame[NETIF_TX_BUFFER_SIZE + 256];
static uint8_t payload[UDP_PAYLOAD_MAX];

static void fill_payload(size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        payload[i] = (uint8_t)(i * 31 + seed);
}

/* ---- the gateway the loopback adapter can play ---- */

static void peer_queue(struct loop *l, const uint8_t *f, size_t len)
{
    KeAcquireSpinLockAtDpcLevel(&l->lock);
    if (l->peer_count < PEER_SLOTS) {
        memcpy(l->peer[l->peer_count], f, len);
        l->peer_len[l->peer_count++] = len;
    }
    KeReleaseSpinLockFromDpcLevel(&l->lock);
    KeInsertQueueDpc(&l->dpc, NULL, NULL);
}

static void gateway_answer(struct loop *l, const uint8_t *f, size_t len)
{
    static uint8_t out[NETIF_TX_BUFFER_SIZE];
    struct eth_frame eth;
    if (eth_parse(f, len, &eth) != NET_OK)
        return;
    if (eth.type == ETH_TYPE_ARP) {
        struct arp_packet a;
        if (arp_parse(eth.payload, eth.payload_len, &a) != NET_OK || a.op != ARP_OP_REQUEST || a.tpa != IP_GW)
            return;
        struct arp_packet r = {.op = ARP_OP_REPLY, .spa = IP_GW, .tpa = a.spa};
        memcpy(r.sha, gw_mac, 6);
        memcpy(r.tha, a.sha, 6);
        eth_build_header(out, 14, a.sha, gw_mac, ETH_TYPE_ARP);
        arp_build(out + 14, ARP_PACKET_LEN, &r);
        peer_queue(l, out, pad(out, 42));
        return;
    }
    struct ip_packet ip;
    struct icmp_echo echo;
    if (ip_parse(eth.payload, eth.payload_len, &ip) != NET_OK || ip.dst != IP_GW || ip.protocol != IP_PROTO_ICMP ||
        icmp_parse_echo(ip.payload, ip.payload_len, &echo) != NET_OK || echo.type != ICMP_ECHO_REQUEST)
        return;
    size_t l4 =
        icmp_build_echo(out + 34, sizeof(out) - 34, ICMP_ECHO_REPLY, echo.id, echo.seq, echo.data, echo.data_len);
    if (l->corrupt_echo && echo.data_len) {
        out[34 + 8] ^= 0xFF;
        fix_icmp(out, l4);
    }
    struct ip_header_params h = {
        .src = IP_GW, .dst = ip.src, .protocol = IP_PROTO_ICMP, .ttl = 64, .id = 1, .payload_len = l4};
    eth_build_header(out, 14, eth.src, gw_mac, ETH_TYPE_IPV4);
    ip_build_header(out + 14, IP_HEADER_LEN, &h);
    peer_queue(l, out, pad(out, 34 + l4));
}

/* ---- checking what the stack sent ---- */

/* Parse a captured IPv4 frame completely; false if any layer is wrong. */
static bool parse_sent_ip(const uint8_t *f, size_t len, struct eth_frame *eth, struct ip_packet *ip)
{
    return eth_parse(f, len, eth) == NET_OK && eth->type == ETH_TYPE_IPV4 &&
           ip_parse(eth->payload, eth->payload_len, ip) == NET_OK;
}

/* ================================================================================ cases */

static void registers_and_rejects_bad_adapters(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, 0);
    KTEST_ASSERT_TRUE(t, loop_a.netif.stack.registered);
    KTEST_EXPECT_TRUE(t, netif_find("ktnet-a") == &loop_a.netif);
    KTEST_EXPECT_TRUE(t, netif_get(loop_a.netif.index) == &loop_a.netif);
    KTEST_EXPECT_NULL(t, ip_config_check(&loop_a.netif.ipv4)); /* default or ip=/ipN= - valid either way */
    KTEST_EXPECT_EQ(t, netif_register(&loop_a.netif), STATUS_OBJECT_NAME_COLLISION);

    /* Same name on a second adapter; then bad adapters of every kind. */
    static struct netif bad;
    memset(&bad, 0, sizeof(bad));
    strlcpy(bad.name, "ktnet-a", sizeof(bad.name));
    memcpy(bad.mac, mac_b, 6);
    bad.transmit = loop_transmit;
    KTEST_EXPECT_EQ(t, netif_register(&bad), STATUS_OBJECT_NAME_COLLISION);
    bad.name[0] = '\0';
    bad.transmit = NULL;
    KTEST_EXPECT_EQ(t, netif_register(&bad), STATUS_INVALID_PARAMETER);
    bad.transmit = loop_transmit;
    bad.mac[0] = 0x01; /* multicast */
    KTEST_EXPECT_EQ(t, netif_register(&bad), STATUS_INVALID_PARAMETER);
    memset(bad.mac, 0, 6);
    KTEST_EXPECT_EQ(t, netif_register(&bad), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, netif_register(NULL), STATUS_INVALID_PARAMETER);
    /* A nameless adapter is named after its index. */
    memcpy(bad.mac, mac_b, 6);
    KTEST_ASSERT_EQ(t, netif_register(&bad), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, bad.name[0], 'n');
    KTEST_EXPECT_TRUE(t, netif_find(bad.name) == &bad);
    netif_unregister(&bad);
    KTEST_EXPECT_NULL(t, netif_find(bad.name));

    /* Addresses: bad configurations are refused and change nothing. */
    struct ip_config ok = {.address = IP_ADDR(10, 0, 2, 20), .netmask = 0xFFFFFF00, .gateway = IP_GW};
    struct ip_config off_subnet = {.address = IP_ADDR(10, 0, 2, 20), .netmask = 0xFFFFFF00, .gateway = 0x0A000302};
    KTEST_EXPECT_EQ(t, netif_set_ipv4(&loop_a.netif, &ok), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, netif_set_ipv4(&loop_a.netif, &off_subnet), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, loop_a.netif.ipv4.address, IP_ADDR(10, 0, 2, 20));
    KTEST_EXPECT_EQ(t, loop_a.netif.ipv4.gateway, IP_GW);
    loop_teardown(&loop_a);
    KTEST_EXPECT_NULL(t, netif_find("ktnet-a"));
    /* Unregistered: frames are ignored, not counted. */
    feed(&loop_a, frame, 60);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.rx_packets, 0);
}

static void arp_request_gets_reply(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    size_t len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, gw_mac, IP_GW, IP_US);
    feed(&loop_a, frame, len);
    KTEST_ASSERT_EQ(t, loop_a.captured, 1);
    size_t rlen;
    const uint8_t *r = last_frame(&loop_a, &rlen);
    KTEST_EXPECT_EQ(t, rlen, 60); /* 42 bytes padded to the minimum ... */
    for (size_t i = 42; i < rlen; i++)
        KTEST_EXPECT_EQ(t, r[i], 0); /* ... with zeros */
    struct eth_frame eth;
    struct arp_packet arp;
    KTEST_ASSERT_EQ(t, eth_parse(r, rlen, &eth), NET_OK);
    KTEST_EXPECT_TRUE(t, eth_addr_equal(eth.dst, gw_mac)); /* unicast back to the asker */
    KTEST_EXPECT_TRUE(t, eth_addr_equal(eth.src, mac_a));
    KTEST_EXPECT_EQ(t, eth.type, ETH_TYPE_ARP);
    KTEST_ASSERT_EQ(t, arp_parse(eth.payload, eth.payload_len, &arp), NET_OK);
    KTEST_EXPECT_EQ(t, arp.op, ARP_OP_REPLY);
    KTEST_EXPECT_TRUE(t, eth_addr_equal(arp.sha, mac_a));
    KTEST_EXPECT_EQ(t, arp.spa, IP_US);
    KTEST_EXPECT_TRUE(t, eth_addr_equal(arp.tha, gw_mac));
    KTEST_EXPECT_EQ(t, arp.tpa, IP_GW);
    /* RFC 826: the asker was learnt, since the request was for us. */
    uint8_t mac[6];
    KTEST_EXPECT_TRUE(t, net_arp_lookup(&loop_a.netif, IP_GW, mac));
    KTEST_EXPECT_TRUE(t, eth_addr_equal(mac, gw_mac));
    struct netif_counters *c = &loop_a.netif.counters;
    KTEST_EXPECT_EQ(t, c->rx_packets, 1);
    KTEST_EXPECT_EQ(t, c->rx_bytes, 60);
    KTEST_EXPECT_EQ(t, c->tx_packets, 1);
    KTEST_EXPECT_EQ(t, c->tx_bytes, 60);
    KTEST_EXPECT_EQ(t, c->arp_requests_in, 1);
    KTEST_EXPECT_EQ(t, c->arp_replies_out, 1);
    KTEST_EXPECT_EQ(t, c->rx_drops + c->rx_errors, 0);
    /* Unicast request (ARP refresh) is answered too. */
    len = make_arp(frame, ARP_OP_REQUEST, mac_a, gw_mac, IP_GW, IP_US);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.captured, 2);
    /* A probe (sender 0.0.0.0, RFC 5227) is answered but not learnt. */
    len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, other_mac, 0, IP_US);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.captured, 3);
    KTEST_EXPECT_FALSE(t, net_arp_lookup(&loop_a.netif, 0, mac));
    loop_teardown(&loop_a);
}

static void arp_for_other_addresses_is_dropped(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    struct netif_counters *c = &loop_a.netif.counters;
    uint8_t mac[6];
    size_t len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, gw_mac, IP_GW, IP_ADDR(10, 0, 2, 99));
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.captured, 0);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ARP_NOT_US], 1);
    KTEST_EXPECT_EQ(t, c->rx_drops, 1);
    KTEST_EXPECT_FALSE(t, net_arp_lookup(&loop_a.netif, IP_GW, mac)); /* not meant for us: not learnt */

    /* Once known, a sender's new MAC is picked up even from ARP not meant for us (RFC 826). */
    len = make_arp(frame, ARP_OP_REPLY, mac_a, gw_mac, IP_GW, IP_US);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, c->arp_replies_in, 1);
    KTEST_EXPECT_EQ(t, loop_a.captured, 0); /* replies are not answered */
    len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, other_mac, IP_GW, IP_ADDR(10, 0, 2, 99));
    feed(&loop_a, frame, len);
    KTEST_EXPECT_TRUE(t, net_arp_lookup(&loop_a.netif, IP_GW, mac));
    KTEST_EXPECT_TRUE(t, eth_addr_equal(mac, other_mac));
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ARP_NOT_US], 2);

    /* Someone claiming our address is neither learnt nor answered. */
    len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, other_mac, IP_US, IP_US);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ARP_CONFLICT], 1);
    KTEST_EXPECT_EQ(t, loop_a.captured, 0);
    /* Off-subnet senders are answered but not cached (they cannot be our next hop). */
    len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, other_mac, IP_ADDR(192, 168, 1, 1), IP_US);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.captured, 1);
    KTEST_EXPECT_FALSE(t, net_arp_lookup(&loop_a.netif, IP_ADDR(192, 168, 1, 1), mac));
    net_arp_flush(&loop_a.netif);
    KTEST_EXPECT_FALSE(t, net_arp_lookup(&loop_a.netif, IP_GW, mac));
    loop_teardown(&loop_a);
}

static void check_echo_reply(struct ktest *t, struct loop *l, uint32_t to, size_t n, uint16_t id, uint16_t seq)
{
    size_t rlen;
    const uint8_t *r = last_frame(l, &rlen);
    KTEST_ASSERT_NOT_NULL(t, r);
    struct eth_frame eth;
    struct ip_packet ip;
    struct icmp_echo echo;
    KTEST_ASSERT_TRUE(t, parse_sent_ip(r, rlen, &eth, &ip)); /* includes the IPv4 header checksum */
    KTEST_EXPECT_TRUE(t, eth_addr_equal(eth.dst, gw_mac));
    KTEST_EXPECT_TRUE(t, eth_addr_equal(eth.src, mac_a));
    KTEST_EXPECT_EQ(t, ip.src, IP_US);
    KTEST_EXPECT_EQ(t, ip.dst, to);
    KTEST_EXPECT_EQ(t, ip.protocol, IP_PROTO_ICMP);
    KTEST_EXPECT_EQ(t, ip.ttl, IP_DEFAULT_TTL);
    KTEST_EXPECT_EQ(t, ip.header_len, 20);
    KTEST_EXPECT_EQ(t, ip.total_len, 20 + 8 + n);
    KTEST_EXPECT_EQ(t, rlen, 34 + 8 + n < 60 ? 60 : 34 + 8 + n);
    KTEST_ASSERT_EQ(t, icmp_parse_echo(ip.payload, ip.payload_len, &echo), NET_OK); /* ICMP checksum */
    KTEST_EXPECT_EQ(t, echo.type, ICMP_ECHO_REPLY);
    KTEST_EXPECT_EQ(t, echo.id, id);
    KTEST_EXPECT_EQ(t, echo.seq, seq);
    KTEST_ASSERT_EQ(t, echo.data_len, n);
    KTEST_EXPECT_EQ(t, memcmp(echo.data, payload, n), 0);
}

static void icmp_echo_request_gets_reply(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    static const size_t sizes[] = {0, 1, 56, 1471, 1472};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        fill_payload(n, (unsigned)i);
        uint64_t before = loop_a.captured;
        size_t len = make_icmp(frame, ICMP_ECHO_REQUEST, 0x1234, (uint16_t)i, payload, n);
        feed(&loop_a, frame, len);
        KTEST_ASSERT_EQ(t, loop_a.captured, before + 1);
        check_echo_reply(t, &loop_a, IP_GW, n, 0x1234, (uint16_t)i);
    }
    /* From beyond the gateway: the reply goes to the MAC the request came from. */
    fill_payload(32, 9);
    size_t l4 = icmp_build_echo(frame + 34, 1500, ICMP_ECHO_REQUEST, 7, 8, payload, 32);
    size_t len = make_ip(frame, mac_a, IP_ADDR(8, 8, 8, 8), IP_US, IP_PROTO_ICMP, l4);
    feed(&loop_a, frame, len);
    check_echo_reply(t, &loop_a, IP_ADDR(8, 8, 8, 8), 32, 7, 8);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.icmp_echo_requests_in, 6);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.tx_packets, 6);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.rx_errors + loop_a.netif.counters.rx_drops, 0);
    loop_teardown(&loop_a);
}

static void udp_echo_returns_identical_payload(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    static const size_t sizes[] = {1, 18, 1472, 0, 2, 17, 19, 100, 1000, 1471};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        fill_payload(n, (unsigned)(i * 3 + 1));
        uint64_t before = loop_a.captured;
        size_t len = make_udp(frame, mac_a, IP_GW, IP_US, 40000 + (uint16_t)i, UDP_PORT_ECHO, payload, n);
        feed(&loop_a, frame, len);
        KTEST_ASSERT_EQ(t, loop_a.captured, before + 1);
        size_t rlen;
        const uint8_t *r = last_frame(&loop_a, &rlen);
        struct eth_frame eth;
        struct ip_packet ip;
        struct udp_datagram udp;
        KTEST_ASSERT_TRUE(t, parse_sent_ip(r, rlen, &eth, &ip));
        KTEST_EXPECT_TRUE(t, eth_addr_equal(eth.dst, gw_mac));
        KTEST_EXPECT_EQ(t, ip.src, IP_US);
        KTEST_EXPECT_EQ(t, ip.dst, IP_GW);
        KTEST_EXPECT_EQ(t, ip.protocol, IP_PROTO_UDP);
        KTEST_EXPECT_EQ(t, ip.total_len, 28 + n);
        KTEST_EXPECT_EQ(t, rlen, 42 + n < 60 ? 60 : 42 + n);
        KTEST_ASSERT_EQ(t, udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp), NET_OK);
        KTEST_EXPECT_TRUE(t, udp.checksummed);
        KTEST_EXPECT_EQ(t, udp.src_port, UDP_PORT_ECHO);
        KTEST_EXPECT_EQ(t, udp.dst_port, 40000 + i);
        KTEST_ASSERT_EQ(t, udp.data_len, n);
        KTEST_EXPECT_EQ(t, memcmp(udp.data, payload, n), 0);
    }
    /* A datagram without a checksum (0) is echoed too - with one. */
    fill_payload(5, 77);
    size_t len = make_udp(frame, mac_a, IP_GW, IP_US, 41000, UDP_PORT_ECHO, payload, 5);
    frame[40] = frame[41] = 0;
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.udp_echoed, 11);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.rx_errors + loop_a.netif.counters.rx_drops, 0);
    loop_teardown(&loop_a);
}

static void udp_discard_only_counts(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    fill_payload(300, 1);
    for (int i = 0; i < 3; i++) {
        size_t len = make_udp(frame, mac_a, IP_GW, IP_US, 40000, UDP_PORT_DISCARD, payload, 300);
        feed(&loop_a, frame, len);
    }
    KTEST_EXPECT_EQ(t, loop_a.captured, 0);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.udp_discarded, 3);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.rx_drops, 0);
    loop_teardown(&loop_a);
}

struct handler_record {
    uint64_t calls;
    KIRQL irql;
    struct net_udp_datagram seen;
    uint8_t data[64];
};

static VOID reverse_handler(const struct net_udp_datagram *d, PVOID context)
{
    struct handler_record *rec = context;
    rec->irql = KeGetCurrentIrql();
    rec->seen = *d;
    size_t n = d->len < sizeof(rec->data) ? d->len : sizeof(rec->data);
    memcpy(rec->data, d->data, n);
    uint8_t reversed[64];
    for (size_t i = 0; i < n; i++)
        reversed[i] = d->data[n - 1 - i];
    net_udp_reply(d, reversed, n);
    __atomic_fetch_add(&rec->calls, 1, __ATOMIC_RELEASE);
}

static void udp_handlers_can_be_bound(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    static struct handler_record rec;
    memset(&rec, 0, sizeof(rec));
    KTEST_ASSERT_EQ(t, net_udp_bind(5555, reverse_handler, &rec), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, net_udp_bind(5555, reverse_handler, &rec), STATUS_OBJECT_NAME_COLLISION);
    KTEST_EXPECT_EQ(t, net_udp_bind(UDP_PORT_ECHO, reverse_handler, &rec), STATUS_OBJECT_NAME_COLLISION);
    KTEST_EXPECT_EQ(t, net_udp_bind(0, reverse_handler, &rec), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, net_udp_bind(6000, NULL, &rec), STATUS_INVALID_PARAMETER);

    size_t len = make_udp(frame, mac_a, IP_GW, IP_US, 40001, 5555, "abcdef", 6);
    feed(&loop_a, frame, len);
    KTEST_ASSERT_EQ(t, rec.calls, 1);
    KTEST_EXPECT_EQ(t, rec.irql, DISPATCH_LEVEL);
    KTEST_EXPECT_TRUE(t, rec.seen.netif == &loop_a.netif);
    KTEST_EXPECT_EQ(t, rec.seen.src_ip, IP_GW);
    KTEST_EXPECT_EQ(t, rec.seen.dst_ip, IP_US);
    KTEST_EXPECT_EQ(t, rec.seen.src_port, 40001);
    KTEST_EXPECT_EQ(t, rec.seen.dst_port, 5555);
    KTEST_EXPECT_EQ(t, rec.seen.len, 6);
    KTEST_EXPECT_EQ(t, memcmp(rec.data, "abcdef", 6), 0);
    KTEST_EXPECT_TRUE(t, eth_addr_equal(rec.seen.src_mac, gw_mac));
    /* The handler's reply. */
    size_t rlen;
    const uint8_t *r = last_frame(&loop_a, &rlen);
    struct eth_frame eth;
    struct ip_packet ip;
    struct udp_datagram udp;
    KTEST_ASSERT_NOT_NULL(t, r);
    KTEST_ASSERT_TRUE(t, parse_sent_ip(r, rlen, &eth, &ip));
    KTEST_ASSERT_EQ(t, udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp), NET_OK);
    KTEST_EXPECT_EQ(t, udp.src_port, 5555);
    KTEST_EXPECT_EQ(t, udp.dst_port, 40001);
    KTEST_ASSERT_EQ(t, udp.data_len, 6);
    KTEST_EXPECT_EQ(t, memcmp(udp.data, "fedcba", 6), 0);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.udp_delivered, 1);

    KTEST_EXPECT_EQ(t, net_udp_unbind(5555), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, net_udp_unbind(5555), STATUS_NOT_FOUND);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, rec.calls, 1);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.drop[NET_DROP_UDP_NO_PORT], 1);
    /* Bindable again after the unbind. */
    KTEST_EXPECT_EQ(t, net_udp_bind(5555, reverse_handler, &rec), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, net_udp_unbind(5555), STATUS_SUCCESS);
    loop_teardown(&loop_a);
}

/* ---- malformed and unwanted frames: each dropped, under its own reason ---- */

enum base { BASE_ARP, BASE_ICMP, BASE_UDP };

struct bad_frame {
    const char *what;
    void (*mutate)(uint8_t *f, size_t *len);
    enum base base;
    enum net_drop reason;
};

static void m_len10(uint8_t *f, size_t *len) { (void)f, *len = 10; }
static void m_len1600(uint8_t *f, size_t *len) { (void)f, *len = 1600; }
static void m_dst_other(uint8_t *f, size_t *len) { (void)len, memcpy(f, other_mac, 6); }
static void m_dst_mcast(uint8_t *f, size_t *len)
{
    static const uint8_t m[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    (void)len, memcpy(f, m, 6);
}
static void m_src_mcast(uint8_t *f, size_t *len) { (void)len, f[6] |= 1; }
static void m_src_zero(uint8_t *f, size_t *len) { (void)len, memset(f + 6, 0, 6); }
static void m_src_ours(uint8_t *f, size_t *len) { (void)len, memcpy(f + 6, mac_a, 6); }
static void m_ipv6(uint8_t *f, size_t *len) { (void)len, f[12] = 0x86, f[13] = 0xDD; }
static void m_vlan(uint8_t *f, size_t *len) { (void)len, f[12] = 0x81, f[13] = 0x00; }
static void m_llc(uint8_t *f, size_t *len) { (void)len, f[12] = 0x00, f[13] = 0x2E; }
static void m_arp_short(uint8_t *f, size_t *len) { (void)f, *len = 14 + 27; }
static void m_arp_htype(uint8_t *f, size_t *len) { (void)len, f[15] = 6; }
static void m_arp_plen(uint8_t *f, size_t *len) { (void)len, f[19] = 16; }
static void m_arp_op(uint8_t *f, size_t *len) { (void)len, f[21] = 3; }
static void m_arp_sha_bcast(uint8_t *f, size_t *len) { (void)len, memset(f + 22, 0xFF, 6); }
static void m_arp_spa_mcast(uint8_t *f, size_t *len) { (void)len, f[28] = 224; }
static void m_arp_spa_bcast(uint8_t *f, size_t *len) { (void)len, memset(f + 28, 0xFF, 4); }
static void m_arp_conflict(uint8_t *f, size_t *len) { (void)len, f[31] = 15; }
static void m_arp_other(uint8_t *f, size_t *len) { (void)len, f[41] = 99; }
static void m_ip_short(uint8_t *f, size_t *len) { (void)f, *len = 14 + 19; }
static void m_ip_v6(uint8_t *f, size_t *len) { (void)len, f[14] = 0x65, fix_ip(f); }
static void m_ip_ihl4(uint8_t *f, size_t *len) { (void)len, f[14] = 0x44; }
static void m_ip_ihl15(uint8_t *f, size_t *len) { (void)f, f[14] = 0x4F, *len = 14 + 50; }
static void m_ip_total_big(uint8_t *f, size_t *len) { f[16] = 0x05, f[17] = 0xDC, fix_ip(f), *len = 100; }
static void m_ip_total_small(uint8_t *f, size_t *len) { (void)len, f[16] = 0, f[17] = 19, fix_ip(f); }
static void m_ip_total_ffff(uint8_t *f, size_t *len) { (void)len, f[16] = 0xFF, f[17] = 0xFF, fix_ip(f); }
static void m_ip_csum(uint8_t *f, size_t *len) { (void)len, f[25] ^= 1; }
static void m_ip_mf(uint8_t *f, size_t *len) { (void)len, f[20] = 0x20, f[21] = 0, fix_ip(f); }
static void m_ip_offset(uint8_t *f, size_t *len) { (void)len, f[20] = 0x00, f[21] = 0xB9, fix_ip(f); }
static void m_ip_dst(uint32_t a, uint8_t *f)
{
    f[30] = (uint8_t)(a >> 24), f[31] = (uint8_t)(a >> 16), f[32] = (uint8_t)(a >> 8), f[33] = (uint8_t)a;
    fix_ip(f);
}
static void m_ip_src(uint32_t a, uint8_t *f)
{
    f[26] = (uint8_t)(a >> 24), f[27] = (uint8_t)(a >> 16), f[28] = (uint8_t)(a >> 8), f[29] = (uint8_t)a;
    fix_ip(f);
}
static void m_dst_other_ip(uint8_t *f, size_t *len) { (void)len, m_ip_dst(IP_ADDR(10, 0, 2, 16), f); }
static void m_dst_bcast(uint8_t *f, size_t *len) { (void)len, m_ip_dst(0xFFFFFFFF, f); }
static void m_dst_subnet_bcast(uint8_t *f, size_t *len) { (void)len, m_ip_dst(IP_ADDR(10, 0, 2, 255), f); }
static void m_dst_mcast_ip(uint8_t *f, size_t *len) { (void)len, m_ip_dst(IP_ADDR(224, 0, 0, 1), f); }
static void m_src_bcast_ip(uint8_t *f, size_t *len) { (void)len, m_ip_src(0xFFFFFFFF, f); }
static void m_src_ours_ip(uint8_t *f, size_t *len) { (void)len, m_ip_src(IP_US, f); }
static void m_src_loopback(uint8_t *f, size_t *len) { (void)len, m_ip_src(IP_ADDR(127, 0, 0, 1), f); }
static void m_src_zero_ip(uint8_t *f, size_t *len) { (void)len, m_ip_src(0, f); }
static void m_proto_tcp(uint8_t *f, size_t *len) { (void)len, f[23] = IP_PROTO_TCP, fix_ip(f); }
static void m_l4_short(uint8_t *f, size_t *len) { (void)len, f[16] = 0, f[17] = 24, fix_ip(f); }
static void m_icmp_csum(uint8_t *f, size_t *len) { (void)len, f[45] ^= 0x10; }
static void m_icmp_type(uint8_t *f, size_t *len) { (void)len, f[34] = 13, fix_icmp(f, 8 + 16); }
static void m_icmp_unreach(uint8_t *f, size_t *len) { (void)len, f[34] = 3, f[35] = 3, fix_icmp(f, 8 + 16); }
static void m_icmp_code(uint8_t *f, size_t *len) { (void)len, f[35] = 1, fix_icmp(f, 8 + 16); }
static void m_icmp_reply(uint8_t *f, size_t *len) { (void)len, f[34] = ICMP_ECHO_REPLY, fix_icmp(f, 8 + 16); }
static void m_udp_len7(uint8_t *f, size_t *len) { (void)len, f[38] = 0, f[39] = 7; }
static void m_udp_len_big(uint8_t *f, size_t *len) { (void)len, f[38] = 0, f[39] = 8 + 16 + 1; }
static void m_udp_len_ffff(uint8_t *f, size_t *len) { (void)len, f[38] = 0xFF, f[39] = 0xFF; }
static void m_udp_csum(uint8_t *f, size_t *len) { (void)len, f[50] ^= 0x01; }
static void m_udp_dport0(uint8_t *f, size_t *len) { (void)len, f[36] = f[37] = 0, fix_udp(f, IP_GW, IP_US, 24); }
static void m_udp_sport0(uint8_t *f, size_t *len) { (void)len, f[34] = f[35] = 0, fix_udp(f, IP_GW, IP_US, 24); }
static void m_udp_sport7(uint8_t *f, size_t *len) { (void)len, f[34] = 0, f[35] = 7, fix_udp(f, IP_GW, IP_US, 24); }
static void m_udp_sport19(uint8_t *f, size_t *len) { (void)len, f[34] = 0, f[35] = 19, fix_udp(f, IP_GW, IP_US, 24); }
static void m_udp_closed(uint8_t *f, size_t *len)
{
    (void)len, f[36] = 0x11, f[37] = 0x5C, fix_udp(f, IP_GW, IP_US, 24);
}

static const struct bad_frame bad_frames[] = {
    {"10-byte frame", m_len10, BASE_UDP, NET_DROP_ETH_TRUNCATED},
    {"1600-byte frame", m_len1600, BASE_UDP, NET_DROP_ETH_OVERSIZE},
    {"to another MAC", m_dst_other, BASE_UDP, NET_DROP_ETH_NOT_US},
    {"to a multicast MAC", m_dst_mcast, BASE_UDP, NET_DROP_ETH_MULTICAST},
    {"from a multicast MAC", m_src_mcast, BASE_UDP, NET_DROP_ETH_BAD_SOURCE},
    {"from MAC 0", m_src_zero, BASE_UDP, NET_DROP_ETH_BAD_SOURCE},
    {"from our own MAC", m_src_ours, BASE_UDP, NET_DROP_ETH_OWN_SOURCE},
    {"IPv6", m_ipv6, BASE_UDP, NET_DROP_ETH_UNKNOWN_TYPE},
    {"VLAN tag", m_vlan, BASE_UDP, NET_DROP_ETH_UNKNOWN_TYPE},
    {"802.3 length field", m_llc, BASE_UDP, NET_DROP_ETH_UNKNOWN_TYPE},
    {"ARP 27 bytes", m_arp_short, BASE_ARP, NET_DROP_ARP_TRUNCATED},
    {"ARP hardware 6", m_arp_htype, BASE_ARP, NET_DROP_ARP_BAD_FORMAT},
    {"ARP plen 16", m_arp_plen, BASE_ARP, NET_DROP_ARP_BAD_FORMAT},
    {"ARP op 3", m_arp_op, BASE_ARP, NET_DROP_ARP_BAD_OP},
    {"ARP from MAC ff..", m_arp_sha_bcast, BASE_ARP, NET_DROP_ARP_BAD_SENDER},
    {"ARP from 224.x", m_arp_spa_mcast, BASE_ARP, NET_DROP_ARP_BAD_SENDER},
    {"ARP from 255.255.255.255", m_arp_spa_bcast, BASE_ARP, NET_DROP_ARP_BAD_SENDER},
    {"ARP claims our IP", m_arp_conflict, BASE_ARP, NET_DROP_ARP_CONFLICT},
    {"ARP for 10.0.2.99", m_arp_other, BASE_ARP, NET_DROP_ARP_NOT_US},
    {"IP 19 bytes", m_ip_short, BASE_UDP, NET_DROP_IP_TRUNCATED},
    {"IP version 6", m_ip_v6, BASE_UDP, NET_DROP_IP_BAD_VERSION},
    {"IHL 4", m_ip_ihl4, BASE_UDP, NET_DROP_IP_BAD_IHL},
    {"IHL 15 in 50 bytes", m_ip_ihl15, BASE_UDP, NET_DROP_IP_TRUNCATED},
    {"total length > frame", m_ip_total_big, BASE_UDP, NET_DROP_IP_TRUNCATED},
    {"total length 65535", m_ip_total_ffff, BASE_UDP, NET_DROP_IP_TRUNCATED},
    {"total length < IHL", m_ip_total_small, BASE_UDP, NET_DROP_IP_BAD_LENGTH},
    {"IP checksum", m_ip_csum, BASE_UDP, NET_DROP_IP_BAD_CHECKSUM},
    {"first fragment (MF)", m_ip_mf, BASE_UDP, NET_DROP_IP_FRAGMENT},
    {"later fragment", m_ip_offset, BASE_UDP, NET_DROP_IP_FRAGMENT},
    {"to 10.0.2.16", m_dst_other_ip, BASE_UDP, NET_DROP_IP_NOT_US},
    {"to 255.255.255.255", m_dst_bcast, BASE_UDP, NET_DROP_IP_BROADCAST},
    {"to 10.0.2.255", m_dst_subnet_bcast, BASE_UDP, NET_DROP_IP_BROADCAST},
    {"to 224.0.0.1", m_dst_mcast_ip, BASE_ICMP, NET_DROP_IP_MULTICAST},
    {"from 255.255.255.255", m_src_bcast_ip, BASE_ICMP, NET_DROP_IP_BAD_SOURCE},
    {"from ourselves", m_src_ours_ip, BASE_ICMP, NET_DROP_IP_BAD_SOURCE},
    {"from 127.0.0.1", m_src_loopback, BASE_UDP, NET_DROP_IP_BAD_SOURCE},
    {"from 0.0.0.0", m_src_zero_ip, BASE_UDP, NET_DROP_IP_BAD_SOURCE},
    {"TCP", m_proto_tcp, BASE_UDP, NET_DROP_IP_UNKNOWN_PROTO},
    {"ICMP 4 bytes", m_l4_short, BASE_ICMP, NET_DROP_ICMP_TRUNCATED},
    {"ICMP checksum", m_icmp_csum, BASE_ICMP, NET_DROP_ICMP_BAD_CHECKSUM},
    {"ICMP timestamp", m_icmp_type, BASE_ICMP, NET_DROP_ICMP_UNSUPPORTED},
    {"ICMP port unreachable", m_icmp_unreach, BASE_ICMP, NET_DROP_ICMP_UNSUPPORTED},
    {"echo with code 1", m_icmp_code, BASE_ICMP, NET_DROP_ICMP_UNSUPPORTED},
    {"unexpected echo reply", m_icmp_reply, BASE_ICMP, NET_DROP_ICMP_UNEXPECTED},
    {"UDP 4 bytes", m_l4_short, BASE_UDP, NET_DROP_UDP_TRUNCATED},
    {"UDP length 7", m_udp_len7, BASE_UDP, NET_DROP_UDP_BAD_LENGTH},
    {"UDP length > IP payload", m_udp_len_big, BASE_UDP, NET_DROP_UDP_BAD_LENGTH},
    {"UDP length 65535", m_udp_len_ffff, BASE_UDP, NET_DROP_UDP_BAD_LENGTH},
    {"UDP checksum", m_udp_csum, BASE_UDP, NET_DROP_UDP_BAD_CHECKSUM},
    {"UDP to port 0", m_udp_dport0, BASE_UDP, NET_DROP_UDP_BAD_PORT},
    {"echo from port 0", m_udp_sport0, BASE_UDP, NET_DROP_UDP_BAD_PORT},
    {"echo from echo", m_udp_sport7, BASE_UDP, NET_DROP_UDP_ECHO_LOOP},
    {"echo from chargen", m_udp_sport19, BASE_UDP, NET_DROP_UDP_ECHO_LOOP},
    {"UDP to closed port", m_udp_closed, BASE_UDP, NET_DROP_UDP_NO_PORT},
};

static size_t make_base(enum base base)
{
    fill_payload(16, 5);
    switch (base) {
    case BASE_ARP: return make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, gw_mac, IP_GW, IP_US);
    case BASE_ICMP: return make_icmp(frame, ICMP_ECHO_REQUEST, 1, 1, payload, 16);
    case BASE_UDP: break;
    }
    return make_udp(frame, mac_a, IP_GW, IP_US, 40000, UDP_PORT_ECHO, payload, 16);
}

static void malformed_frames_are_dropped_and_counted(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    struct netif_counters *c = &loop_a.netif.counters;
    for (size_t i = 0; i < sizeof(bad_frames) / sizeof(bad_frames[0]); i++) {
        const struct bad_frame *b = &bad_frames[i];
        /* The unmutated base frame is fine (and answered). */
        size_t len = make_base(b->base);
        uint64_t sent = loop_a.captured, errors = c->rx_errors, drops = c->rx_drops;
        feed(&loop_a, frame, len);
        KTEST_EXPECT_EQ(t, loop_a.captured, sent + 1);
        KTEST_EXPECT_EQ(t, c->rx_errors + c->rx_drops, errors + drops);

        len = make_base(b->base);
        b->mutate(frame, &len);
        uint64_t before = c->drop[b->reason];
        errors = c->rx_errors;
        drops = c->rx_drops;
        sent = loop_a.captured;
        feed(&loop_a, frame, len);
        if (c->drop[b->reason] != before + 1 || loop_a.captured != sent)
            ktest_fail(t, __FILE__, __LINE__, "%s: expected one %s drop and no reply, got %llu drops, %llu sent",
                       b->what, net_drop_name(b->reason), (unsigned long long)(c->drop[b->reason] - before),
                       (unsigned long long)(loop_a.captured - sent));
        enum net_drop_class cls = net_drop_class(b->reason);
        KTEST_EXPECT_EQ(t, c->rx_errors - errors, cls == NET_CLASS_RX_ERROR ? 1 : 0);
        KTEST_EXPECT_EQ(t, c->rx_drops - drops, cls == NET_CLASS_RX_DROP ? 1 : 0);
    }
    /* Degenerate calls. */
    uint64_t packets = c->rx_packets;
    netif_receive(&loop_a.netif, NULL, 100);
    netif_receive(&loop_a.netif, frame, 0);
    netif_receive(NULL, frame, 60);
    KTEST_EXPECT_EQ(t, c->rx_packets, packets + 2);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ETH_TRUNCATED], 3);
    loop_teardown(&loop_a);
}

/* Random and randomly damaged frames: nothing may crash, and the adapter must still work. */
static void random_garbage_is_survived(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    uint64_t x = 0x243F6A8885A308D3ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = make_base((enum base)(x % 3));
        unsigned flips = 1 + (unsigned)((x >> 8) % 6);
        for (unsigned k = 0; k < flips; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = (size_t)(x % (len < 64 ? len : 64));
            frame[at] = (uint8_t)(x >> 32);
        }
        if (i % 3 == 0 && frame[14] == 0x45 && frame[12] == 0x08 && frame[13] == 0x00)
            fix_ip(frame); /* let some damage past the header checksum */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (i % 4 == 0)
            len = (size_t)(x % (len + 1));
        feed(&loop_a, frame, len);
    }
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.rx_packets, 20000);
    KTEST_EXPECT_GT(t, loop_a.netif.counters.rx_errors, 1000);
    uint64_t sent = loop_a.captured;
    size_t len = make_base(BASE_UDP);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.captured, sent + 1);
    KTEST_EXPECT_EQ(t, loop_a.netif.stack.tx_busy, 0); /* no transmit buffer leaked */
    loop_teardown(&loop_a);
}

static void two_adapters_are_independent(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    loop_setup(&loop_b, "ktnet-b", mac_b, IP_ADDR(10, 0, 2, 16));
    KTEST_ASSERT_TRUE(t, loop_b.netif.stack.registered);
    KTEST_EXPECT_NE(t, loop_a.netif.index, loop_b.netif.index);

    /* B's address asked on A: not A's business. */
    size_t len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, gw_mac, IP_GW, IP_ADDR(10, 0, 2, 16));
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.captured, 0);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.drop[NET_DROP_ARP_NOT_US], 1);
    feed(&loop_b, frame, len);
    KTEST_EXPECT_EQ(t, loop_b.captured, 1);
    uint8_t mac[6];
    KTEST_EXPECT_TRUE(t, net_arp_lookup(&loop_b.netif, IP_GW, mac));
    KTEST_EXPECT_FALSE(t, net_arp_lookup(&loop_a.netif, IP_GW, mac)); /* caches are per adapter */

    /* A datagram for B's MAC and address, handed to B, is echoed by B only. */
    fill_payload(100, 3);
    len = make_udp(frame, mac_b, IP_GW, IP_ADDR(10, 0, 2, 16), 40000, UDP_PORT_ECHO, payload, 100);
    feed(&loop_b, frame, len);
    KTEST_EXPECT_EQ(t, loop_b.captured, 2);
    KTEST_EXPECT_EQ(t, loop_a.captured, 0);
    size_t rlen;
    const uint8_t *r = last_frame(&loop_b, &rlen);
    KTEST_EXPECT_TRUE(t, eth_addr_equal(r + 6, mac_b));
    /* The same frame on A is for another MAC. */
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.drop[NET_DROP_ETH_NOT_US], 1);

    /* Two QEMU user networks: both adapters 10.0.2.15, each answers on its own wire. */
    struct ip_config same = {.address = IP_US, .netmask = 0xFFFFFF00, .gateway = IP_GW};
    KTEST_ASSERT_EQ(t, netif_set_ipv4(&loop_b.netif, &same), STATUS_SUCCESS);
    len = make_udp(frame, mac_a, IP_GW, IP_US, 40000, UDP_PORT_ECHO, payload, 10);
    feed(&loop_a, frame, len);
    len = make_udp(frame, mac_b, IP_GW, IP_US, 40000, UDP_PORT_ECHO, payload, 20);
    feed(&loop_b, frame, len);
    KTEST_EXPECT_EQ(t, loop_a.captured, 1);
    KTEST_EXPECT_EQ(t, loop_b.captured, 3);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.udp_echoed, 1);
    KTEST_EXPECT_EQ(t, loop_b.netif.counters.udp_echoed, 2);
    KTEST_EXPECT_EQ(t, loop_a.netif.counters.rx_packets, 3);
    KTEST_EXPECT_EQ(t, loop_b.netif.counters.rx_packets, 3);
    loop_teardown(&loop_b);
    loop_teardown(&loop_a);
}

static void sending_resolves_the_next_hop(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    struct netif_counters *c = &loop_a.netif.counters;
    const uint32_t peer = IP_ADDR(10, 0, 2, 77);
    KTEST_ASSERT_EQ(t, net_udp_send(&loop_a.netif, peer, 1234, 4321, "first", 5), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, loop_a.captured, 1); /* only the ARP request: the datagram waits */
    size_t rlen;
    const uint8_t *r = last_frame(&loop_a, &rlen);
    struct eth_frame eth;
    struct arp_packet arp;
    KTEST_ASSERT_EQ(t, eth_parse(r, rlen, &eth), NET_OK);
    KTEST_EXPECT_TRUE(t, eth_addr_is_broadcast(eth.dst));
    KTEST_ASSERT_EQ(t, arp_parse(eth.payload, eth.payload_len, &arp), NET_OK);
    KTEST_EXPECT_EQ(t, arp.op, ARP_OP_REQUEST);
    KTEST_EXPECT_EQ(t, arp.spa, IP_US);
    KTEST_EXPECT_EQ(t, arp.tpa, peer);
    KTEST_EXPECT_TRUE(t, eth_addr_equal(arp.sha, mac_a));
    KTEST_EXPECT_TRUE(t, eth_addr_is_zero(arp.tha));
    KTEST_EXPECT_EQ(t, c->arp_requests_out, 1);

    /* A second datagram before the answer takes the single slot; no second request yet. */
    KTEST_ASSERT_EQ(t, net_udp_send(&loop_a.netif, peer, 1234, 4321, "second", 6), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, loop_a.captured, 1);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ARP_QUEUE_REPLACED], 1);

    /* The answer releases the held datagram to the learnt MAC. */
    size_t len = make_arp(frame, ARP_OP_REPLY, mac_a, other_mac, peer, IP_US);
    feed(&loop_a, frame, len);
    KTEST_ASSERT_EQ(t, loop_a.captured, 2);
    r = last_frame(&loop_a, &rlen);
    struct ip_packet ip;
    struct udp_datagram udp;
    KTEST_ASSERT_TRUE(t, parse_sent_ip(r, rlen, &eth, &ip));
    KTEST_EXPECT_TRUE(t, eth_addr_equal(eth.dst, other_mac));
    KTEST_ASSERT_EQ(t, udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp), NET_OK);
    KTEST_ASSERT_EQ(t, udp.data_len, 6);
    KTEST_EXPECT_EQ(t, memcmp(udp.data, "second", 6), 0);
    KTEST_EXPECT_EQ(t, udp.src_port, 1234);
    KTEST_EXPECT_EQ(t, udp.dst_port, 4321);

    /* Now known: straight out. Off-link: ARP for the gateway instead. */
    KTEST_ASSERT_EQ(t, net_udp_send(&loop_a.netif, peer, 1, 2, "x", 1), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, loop_a.captured, 3);
    KTEST_ASSERT_EQ(t, net_udp_send(&loop_a.netif, IP_ADDR(8, 8, 8, 8), 1, 53, "q", 1), STATUS_SUCCESS);
    r = last_frame(&loop_a, &rlen);
    KTEST_ASSERT_EQ(t, eth_parse(r, rlen, &eth), NET_OK);
    KTEST_ASSERT_EQ(t, arp_parse(eth.payload, eth.payload_len, &arp), NET_OK);
    KTEST_EXPECT_EQ(t, arp.tpa, IP_GW);

    /* A next hop that never answers: the held frame is dropped once the entry gives up. */
    loop_a.netif.stack.arp.incomplete_timeout = 2; /* ticks, instead of 3 s */
    /* Wait for the clock to pass it - by its ticks, not by time: a loaded host delivers one
     * tick for all the periods QEMU was descheduled, so 50 ms may bring fewer than 2. */
    LARGE_INTEGER tick0, tick;
    KeQueryTickCount(&tick0);
    tick = tick0;
    for (int i = 0; i < 100000 && tick.QuadPart - tick0.QuadPart <= 2; i++) {
        KeStallExecutionProcessor(100);
        KeQueryTickCount(&tick);
    }
    KTEST_EXPECT_GT(t, tick.QuadPart - tick0.QuadPart, 2);
    KTEST_ASSERT_EQ(t, net_udp_send(&loop_a.netif, IP_ADDR(10, 0, 2, 78), 1, 2, "y", 1), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ARP_UNRESOLVED], 1);

    /* Invalid sends. */
    KTEST_EXPECT_EQ(t, net_udp_send(&loop_a.netif, peer, 1, 0, "x", 1), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, net_udp_send(&loop_a.netif, 0, 1, 2, "x", 1), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, net_udp_send(&loop_a.netif, peer, 1, 2, payload, UDP_PAYLOAD_MAX + 1), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, net_udp_send(NULL, peer, 1, 2, "x", 1), STATUS_INVALID_PARAMETER);
    /* No route: unconfigured adapter, or off-link without a gateway. */
    struct ip_config no_gw = {.address = IP_US, .netmask = 0xFFFFFF00};
    KTEST_ASSERT_EQ(t, netif_set_ipv4(&loop_a.netif, &no_gw), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, net_udp_send(&loop_a.netif, IP_ADDR(8, 8, 8, 8), 1, 2, "x", 1), STATUS_UNSUCCESSFUL);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_TX_NO_ROUTE], 1);
    KTEST_EXPECT_EQ(t, loop_a.netif.stack.tx_busy, 0);
    loop_teardown(&loop_a);
    KTEST_EXPECT_EQ(t, loop_a.netif.stack.tx_busy, 0); /* the held frame was released */
}

static void ping_the_gateway(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    loop_a.gateway = true;
    struct netif_counters *c = &loop_a.netif.counters;
    ULONG rtt = 0xFFFFFFFF;
    NTSTATUS s = net_ping(&loop_a.netif, IP_GW, 1, 1000, &rtt);
    KTEST_ASSERT_EQ(t, s, STATUS_SUCCESS);
    KTEST_EXPECT_LT(t, rtt, 1000000);
    KTEST_EXPECT_EQ(t, c->arp_requests_out, 1); /* the first ping had to find the gateway */
    KTEST_EXPECT_EQ(t, c->arp_replies_in, 1);
    KTEST_EXPECT_EQ(t, c->icmp_echo_replies_in, 1);
    ktest_log(t, "first ping %lu us (with ARP), answered on CPU %lu", (unsigned long)rtt,
              (unsigned long)loop_a.dpc_cpu);
    if (KeQueryActiveProcessorCount(NULL) > 1)
        KTEST_EXPECT_NE(t, loop_a.dpc_cpu, KeGetCurrentProcessorNumber());
    for (uint16_t seq = 2; seq <= 10; seq++) {
        s = net_ping(&loop_a.netif, IP_GW, seq, 1000, &rtt);
        KTEST_EXPECT_EQ(t, s, STATUS_SUCCESS);
    }
    KTEST_EXPECT_EQ(t, c->arp_requests_out, 1); /* cached from then on */
    KTEST_EXPECT_EQ(t, c->icmp_echo_replies_in, 10);
    KTEST_EXPECT_EQ(t, c->rx_errors + c->rx_drops, 0);
    ktest_log(t, "ping %lu us", (unsigned long)rtt);

    /* Altered echo data is no answer: timeout, counted. */
    loop_a.corrupt_echo = true;
    KTEST_EXPECT_EQ(t, net_ping(&loop_a.netif, IP_GW, 11, 50, NULL), STATUS_IO_TIMEOUT);
    /* The altered reply may come after those 50 ms on a loaded host: wait for it (bounded). */
    for (int i = 0; i < 50000 && c->drop[NET_DROP_ICMP_BAD_ECHO_DATA] == 0; i++)
        KeStallExecutionProcessor(100);
    KeFlushQueuedDpcs();
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ICMP_BAD_ECHO_DATA], 1);
    loop_a.corrupt_echo = false;

    /* Nobody answers: the timeout is honoured. */
    loop_a.gateway = false;
    LARGE_INTEGER f, t0 = KeQueryPerformanceCounter(&f);
    KTEST_EXPECT_EQ(t, net_ping(&loop_a.netif, IP_GW, 12, 100, &rtt), STATUS_IO_TIMEOUT);
    LONGLONG ms = (KeQueryPerformanceCounter(NULL).QuadPart - t0.QuadPart) * 1000 / f.QuadPart;
    KTEST_EXPECT_GE(t, ms, 100);
    KTEST_EXPECT_LT(t, ms, 1000);

    /* Bad requests. */
    KTEST_EXPECT_EQ(t, net_ping(&loop_a.netif, 0xFFFFFFFF, 1, 10, NULL), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, net_ping(&loop_a.netif, IP_ADDR(10, 0, 2, 255), 1, 10, NULL), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, net_ping(&loop_a.netif, IP_ADDR(224, 0, 0, 1), 1, 10, NULL), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, net_ping(NULL, IP_GW, 1, 10, NULL), STATUS_INVALID_PARAMETER);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NTSTATUS at_dispatch = net_ping(&loop_a.netif, IP_GW, 1, 10, NULL);
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, at_dispatch, STATUS_INVALID_DEVICE_STATE);
    struct ip_config none = {0};
    KTEST_ASSERT_EQ(t, netif_set_ipv4(&loop_a.netif, &none), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, net_ping(&loop_a.netif, IP_GW, 1, 10, NULL), STATUS_INVALID_DEVICE_STATE);
    loop_teardown(&loop_a);
}

/* Frames from every CPU at once, as two NICs' DPCs (or one NIC's DPC rescheduled) deliver. */
#define STRESS_PER_CPU 300

struct stress_feeder {
    KDPC dpc;
    unsigned cpu;
    uint8_t frame[NETIF_TX_BUFFER_SIZE];
};
static struct stress_feeder feeders[KE_MAX_CPUS];
static uint64_t feeders_done;

/* Payload of datagram `seq`: its length and bytes follow from seq, so any reply can be checked
 * on its own. */
static size_t stress_payload(uint32_t seq, uint8_t *out)
{
    size_t n = 4 + seq % 700;
    out[0] = (uint8_t)(seq >> 24), out[1] = (uint8_t)(seq >> 16), out[2] = (uint8_t)(seq >> 8), out[3] = (uint8_t)seq;
    for (size_t i = 4; i < n; i++)
        out[i] = (uint8_t)(seq * 131 + i);
    return n;
}

static bool stress_reply_ok(const uint8_t *f, size_t len)
{
    struct eth_frame eth;
    struct ip_packet ip;
    struct udp_datagram udp;
    if (!parse_sent_ip(f, len, &eth, &ip) || udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp) != NET_OK ||
        udp.data_len < 4)
        return false;
    uint32_t seq = (uint32_t)udp.data[0] << 24 | (uint32_t)udp.data[1] << 16 | (uint32_t)udp.data[2] << 8 | udp.data[3];
    uint8_t expect[UDP_PAYLOAD_MAX];
    size_t n = stress_payload(seq, expect);
    return n == udp.data_len && !memcmp(expect, udp.data, n) && udp.dst_port == 20000 + seq % 1000;
}

static VOID stress_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    struct stress_feeder *fd = context;
    uint8_t data[UDP_PAYLOAD_MAX];
    for (uint32_t i = 0; i < STRESS_PER_CPU; i++) {
        uint32_t seq = fd->cpu * 100000 + i;
        size_t n = stress_payload(seq, data);
        size_t l4 = udp_build(fd->frame + 34, NETIF_TX_BUFFER_SIZE - 34, IP_GW, IP_US, (uint16_t)(20000 + seq % 1000),
                              UDP_PORT_ECHO, data, n);
        struct ip_header_params h = {
            .src = IP_GW, .dst = IP_US, .protocol = IP_PROTO_UDP, .ttl = 64, .id = (uint16_t)seq, .payload_len = l4};
        eth_build_header(fd->frame, 14, mac_a, gw_mac, ETH_TYPE_IPV4);
        ip_build_header(fd->frame + 14, IP_HEADER_LEN, &h);
        netif_receive(&loop_a.netif, fd->frame, pad(fd->frame, 34 + l4));
    }
    __atomic_fetch_add(&feeders_done, 1, __ATOMIC_RELEASE);
}

static void every_cpu_at_once(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    loop_a.count_only = true;
    ULONG cpus = KeQueryActiveProcessorCount(NULL);
    if (cpus > ARRAYSIZE(feeders))
        cpus = ARRAYSIZE(feeders);
    feeders_done = 0;
    KIRQL old = KeRaiseIrqlToDpcLevel(); /* queue them all before any starts on this CPU */
    for (ULONG i = 0; i < cpus; i++) {
        feeders[i].cpu = i;
        KeInitializeDpc(&feeders[i].dpc, stress_dpc, &feeders[i]);
        KeSetTargetProcessorDpc(&feeders[i].dpc, (CHAR)i);
        KeInsertQueueDpc(&feeders[i].dpc, NULL, NULL);
    }
    KeLowerIrql(old);
    KTEST_ASSERT_TRUE(t, test_wait_for(&feeders_done, cpus, 30000));
    uint64_t total = (uint64_t)cpus * STRESS_PER_CPU;
    struct netif_counters *c = &loop_a.netif.counters;
    ktest_log(t, "%lu CPUs, %llu datagrams, %llu echoed, %llu no buffer", (unsigned long)cpus,
              (unsigned long long)total, (unsigned long long)c->udp_echoed,
              (unsigned long long)c->drop[NET_DROP_TX_NO_BUFFER]);
    KTEST_EXPECT_EQ(t, c->rx_packets, total);
    KTEST_EXPECT_EQ(t, c->rx_errors, 0);
    /* With four transmit buffers a reply can only be lost when more than four CPUs send at the
     * same instant; every reply that went out must be intact. */
    KTEST_EXPECT_EQ(t, c->udp_echoed + c->drop[NET_DROP_TX_NO_BUFFER], total);
    KTEST_EXPECT_EQ(t, loop_a.good_echoes, c->udp_echoed);
    if (cpus <= NETIF_TX_BUFFERS)
        KTEST_EXPECT_EQ(t, c->udp_echoed, total);
    KTEST_EXPECT_EQ(t, loop_a.netif.stack.tx_busy, 0);
    loop_teardown(&loop_a);
}

static void driver_faults_are_counted(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    struct netif_counters *c = &loop_a.netif.counters;
    /* The driver refuses to transmit (ring full). */
    loop_a.refuse = true;
    size_t len = make_base(BASE_UDP);
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, c->tx_errors, 1);
    KTEST_EXPECT_EQ(t, c->tx_packets, 0);
    loop_a.refuse = false;
    /* All transmit buffers busy: the reply is dropped, nothing else breaks. */
    loop_a.netif.stack.tx_busy = (1u << NETIF_TX_BUFFERS) - 1;
    feed(&loop_a, frame, len);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_TX_NO_BUFFER], 1);
    loop_a.netif.stack.tx_busy = 0;
    /* netif_receive from an ISR (above DISPATCH_LEVEL) is refused. */
    KIRQL old = KfRaiseIrql(HIGH_LEVEL);
    netif_receive(&loop_a.netif, frame, len);
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_BAD_IRQL], 1);
    /* Interrupt counters are the driver's; the helpers work at any IRQL. */
    old = KfRaiseIrql(HIGH_LEVEL);
    netif_count_interrupt(&loop_a.netif);
    netif_count_irq_cause(&loop_a.netif, 1);
    netif_count_irq_cause(&loop_a.netif, NETIF_IRQ_CAUSES_MAX); /* out of range: ignored */
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, c->interrupts, 1);
    KTEST_EXPECT_EQ(t, loop_a.netif.irq_causes[1].count, 1);
    feed(&loop_a, frame, len); /* and it still answers */
    KTEST_EXPECT_EQ(t, c->tx_packets, 1);
    loop_teardown(&loop_a);
}

struct print_check {
    unsigned lines;
    unsigned too_long;
    bool saw_a, saw_b, saw_arp, saw_drops;
};

static bool contains(const char *s, const char *what)
{
    size_t n = strlen(what);
    for (; *s; s++)
        if (!strncmp(s, what, n))
            return true;
    return false;
}

static void print_sink(void *context, const char *line)
{
    struct print_check *pc = context;
    pc->lines++;
    if (strlen(line) > 80)
        pc->too_long++;
    pc->saw_a |= contains(line, "ktnet-a:");
    pc->saw_b |= contains(line, "ktnet-long-name:");
    pc->saw_arp |= contains(line, "arp 10.0.2.2");
    pc->saw_drops |= contains(line, "ip.fragment 1");
}

static void net_listing_fits_80_columns(struct ktest *t)
{
    loop_setup(&loop_a, "ktnet-a", mac_a, IP_US);
    loop_setup(&loop_b, "ktnet-long-name", mac_b, IP_ADDR(223, 255, 255, 254));
    struct ip_config longest = {.address = 0xDFFFFFFE, .netmask = 0xFFFFFFFC, .gateway = 0xDFFFFFFD};
    netif_set_ipv4(&loop_b.netif, &longest);
    loop_b.netif.irq_cause_count = NETIF_IRQ_CAUSES_MAX;
    static const char *const names[] = {"rxt0", "txdw", "lsc", "rxo", "rxdmt0", "txqe", "srpd", "other"};
    for (unsigned i = 0; i < NETIF_IRQ_CAUSES_MAX; i++) {
        loop_b.netif.irq_causes[i].name = names[i];
        loop_b.netif.irq_causes[i].count = 12345678901ull;
    }
    for (unsigned r = 1; r < NET_DROP_COUNT; r++) /* every drop reason at once, big numbers */
        loop_b.netif.counters.drop[r] = 1234567890123ull;
    loop_b.netif.counters.rx_bytes = 18446744073709551615ull;
    size_t len = make_arp(frame, ARP_OP_REQUEST, eth_broadcast_addr, gw_mac, IP_GW, IP_US);
    feed(&loop_a, frame, len);
    len = make_base(BASE_UDP);
    m_ip_mf(frame, &len);
    feed(&loop_a, frame, len);
    struct print_check pc = {0};
    net_print_to(print_sink, &pc);
    KTEST_EXPECT_GT(t, pc.lines, 10);
    KTEST_EXPECT_EQ(t, pc.too_long, 0);
    KTEST_EXPECT_TRUE(t, pc.saw_a);
    KTEST_EXPECT_TRUE(t, pc.saw_b);
    KTEST_EXPECT_TRUE(t, pc.saw_arp);
    KTEST_EXPECT_TRUE(t, pc.saw_drops);
    net_print(); /* for the log */
    loop_teardown(&loop_b);
    loop_teardown(&loop_a);
}

KTEST_SUITE(net, KTEST_CASE(registers_and_rejects_bad_adapters), KTEST_CASE(arp_request_gets_reply),
            KTEST_CASE(arp_for_other_addresses_is_dropped), KTEST_CASE(icmp_echo_request_gets_reply),
            KTEST_CASE(udp_echo_returns_identical_payload), KTEST_CASE(udp_discard_only_counts),
            KTEST_CASE(udp_handlers_can_be_bound), KTEST_CASE(malformed_frames_are_dropped_and_counted),
            KTEST_CASE(random_garbage_is_survived), KTEST_CASE(two_adapters_are_independent),
            KTEST_CASE(sending_resolves_the_next_hop), KTEST_CASE(ping_the_gateway), KTEST_CASE(every_cpu_at_once),
            KTEST_CASE(driver_faults_are_counted), KTEST_CASE(net_listing_fits_80_columns));
