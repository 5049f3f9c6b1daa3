/* tests/ktest/net_addresses_test.c - addresses that name no single host, and our own address.
 *
 * ARP must neither learn nor answer a sender whose IPv4 address is the subnet's broadcast or
 * network address (docs/net.md: those are not hosts; caching "10.0.2.255 is at <MAC>" would
 * send every later subnet broadcast to one machine); net_ping refuses every non-host address;
 * and a ping of the adapter's own address is answered locally, without a frame on the wire.
 * As in net_test.c, an adapter whose transmit callback only captures frames stands in for the
 * NIC, and crafted frames go to netif_receive as a driver's DPC would hand them over.
 */
#include "include/wdm.h"
#include "kernel/lib/string.h"
#include "kernel/net/arp.h"
#include "kernel/net/net.h"
#include "tests/ktest/ktest.h"

#define IP_US IP_ADDR(10, 0, 2, 15)
#define IP_GW IP_ADDR(10, 0, 2, 2)
#define IP_SUBNET_BROADCAST IP_ADDR(10, 0, 2, 255)
#define IP_SUBNET_NETWORK IP_ADDR(10, 0, 2, 0)
#define ECHO_PORT_SELF 5557

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0xad, 0x00, 0x01};
static const uint8_t peer_mac[6] = {0x52, 0x54, 0x00, 0xad, 0x00, 0x99};

static struct netif adapter;
static uint64_t transmitted; /* frames the "NIC" was asked to send */

static BOOLEAN capture_transmit(struct netif *netif, const void *frame, size_t len)
{
    (void)netif, (void)frame, (void)len;
    __atomic_fetch_add(&transmitted, 1, __ATOMIC_RELAXED);
    return TRUE;
}

static bool adapter_setup(uint32_t netmask)
{
    netif_unregister(&adapter); /* a failed earlier case may have left it registered */
    memset(&adapter, 0, sizeof(adapter));
    strlcpy(adapter.name, "ktaddr", sizeof(adapter.name));
    memcpy(adapter.mac, our_mac, ETH_ADDR_LEN);
    adapter.transmit = capture_transmit;
    adapter.link_up = true;
    transmitted = 0;
    if (netif_register(&adapter) != STATUS_SUCCESS)
        return false;
    struct ip_config config = {.address = IP_US, .netmask = netmask, .gateway = IP_GW};
    return netif_set_ipv4(&adapter, &config) == STATUS_SUCCESS;
}

/* Feed one ARP packet from (peer_mac, spa) about tpa, broadcast like a real request. */
static void feed_arp(uint16_t op, uint32_t spa, uint32_t tpa)
{
    uint8_t frame[ETH_FRAME_MIN] = {0};
    struct arp_packet a = {.op = op, .spa = spa, .tpa = tpa};
    memcpy(a.sha, peer_mac, ETH_ADDR_LEN);
    if (op == ARP_OP_REPLY)
        memcpy(a.tha, our_mac, ETH_ADDR_LEN);
    eth_build_header(frame, ETH_HEADER_LEN, op == ARP_OP_REPLY ? our_mac : eth_broadcast_addr, peer_mac, ETH_TYPE_ARP);
    arp_build(frame + ETH_HEADER_LEN, ARP_PACKET_LEN, &a);
    netif_receive(&adapter, frame, sizeof(frame));
}

/* Does the `net` listing show "arp.bad_sender <n>"? */
struct listing_search {
    const char *needle;
    bool found;
};

static void listing_sink(void *context, const char *line)
{
    struct listing_search *s = context;
    size_t n = strlen(s->needle);
    for (const char *p = line; *p && !s->found; p++)
        if (!strncmp(p, s->needle, n))
            s->found = true;
}

static bool listing_shows(const char *needle)
{
    struct listing_search s = {.needle = needle};
    net_print_to(listing_sink, &s);
    return s.found;
}

static void arp_refuses_subnet_broadcast_and_network_senders(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, adapter_setup(0xFFFFFF00));
    struct netif_counters *c = &adapter.counters;
    uint8_t mac[ETH_ADDR_LEN];
    static const uint32_t not_hosts[] = {IP_SUBNET_BROADCAST, IP_SUBNET_NETWORK};
    for (unsigned i = 0; i < 2; i++) {
        feed_arp(ARP_OP_REQUEST, not_hosts[i], IP_US); /* "who has 10.0.2.15? tell 10.0.2.255" */
        feed_arp(ARP_OP_REPLY, not_hosts[i], IP_US);   /* unsolicited "10.0.2.255 is at ..." */
        KTEST_EXPECT_FALSE(t, net_arp_lookup(&adapter, not_hosts[i], mac));
    }
    KTEST_EXPECT_EQ(t, transmitted, 0); /* not answered */
    KTEST_EXPECT_EQ(t, c->arp_replies_out, 0);
    KTEST_EXPECT_EQ(t, c->arp_requests_in + c->arp_replies_in, 0);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ARP_BAD_SENDER], 4);
    KTEST_EXPECT_EQ(t, c->rx_errors, 4);
    KTEST_EXPECT_TRUE(t, listing_shows("arp.bad_sender 4"));

    /* The same addresses are hosts on a /31 (RFC 3021: no network or broadcast address). */
    struct ip_config p2p = {.address = IP_ADDR(10, 0, 0, 1), .netmask = 0xFFFFFFFE};
    KTEST_ASSERT_EQ(t, netif_set_ipv4(&adapter, &p2p), STATUS_SUCCESS);
    feed_arp(ARP_OP_REQUEST, IP_ADDR(10, 0, 0, 0), IP_ADDR(10, 0, 0, 1));
    KTEST_EXPECT_EQ(t, transmitted, 1);
    KTEST_EXPECT_TRUE(t, net_arp_lookup(&adapter, IP_ADDR(10, 0, 0, 0), mac));
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_ARP_BAD_SENDER], 4);

    /* And an ordinary neighbour is still learnt and answered. */
    KTEST_ASSERT_TRUE(t, adapter_setup(0xFFFFFF00));
    feed_arp(ARP_OP_REQUEST, IP_GW, IP_US);
    KTEST_EXPECT_EQ(t, transmitted, 1);
    KTEST_EXPECT_TRUE(t, net_arp_lookup(&adapter, IP_GW, mac));
    netif_unregister(&adapter);
}

static void ping_refuses_addresses_that_are_no_host(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, adapter_setup(0xFFFFFF00));
    static const uint32_t not_hosts[] = {
        IP_ADDR(255, 255, 255, 255), IP_ADDR(0, 0, 0, 0),   IP_SUBNET_BROADCAST,   IP_SUBNET_NETWORK,
        IP_ADDR(224, 0, 0, 1),       IP_ADDR(240, 0, 0, 1), IP_ADDR(127, 0, 0, 1),
    };
    for (unsigned i = 0; i < sizeof(not_hosts) / sizeof(not_hosts[0]); i++)
        KTEST_EXPECT_EQ(t, net_ping(&adapter, not_hosts[i], 1, 10, NULL), STATUS_INVALID_PARAMETER);
    KTEST_EXPECT_EQ(t, transmitted, 0); /* not even an ARP request went out */
    KTEST_EXPECT_EQ(t, adapter.counters.tx_drops, 0);
    netif_unregister(&adapter);
}

static void ping_of_our_own_address_is_answered_locally(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, adapter_setup(0xFFFFFF00));
    struct netif_counters *c = &adapter.counters;
    for (uint16_t seq = 1; seq <= 3; seq++) {
        ULONG rtt = 0xFFFFFFFF;
        KTEST_EXPECT_EQ(t, net_ping(&adapter, IP_US, seq, 1000, &rtt), STATUS_SUCCESS);
        KTEST_EXPECT_LT(t, rtt, 1000000);
    }
    KTEST_EXPECT_EQ(t, c->icmp_echo_requests_in, 3); /* our own ICMP service answered ... */
    KTEST_EXPECT_EQ(t, c->icmp_echo_replies_in, 3);  /* ... and the replies found their pinger */
    KTEST_EXPECT_EQ(t, c->loopback, 6);
    KTEST_EXPECT_EQ(t, transmitted, 0); /* nothing went to the NIC, not even ARP */
    KTEST_EXPECT_EQ(t, c->tx_packets + c->rx_packets, 0);
    KTEST_EXPECT_EQ(t, c->rx_drops + c->rx_errors + c->tx_drops, 0);
    KTEST_EXPECT_EQ(t, adapter.stack.tx_busy, 0); /* every transmit buffer given back */
    KTEST_EXPECT_TRUE(t, listing_shows("looped back 6"));
    netif_unregister(&adapter);
}

/* A handler that answers every datagram - sent to itself, it would answer itself forever. */
static volatile ULONG self_echo_calls;

static VOID self_echo(const struct net_udp_datagram *datagram, PVOID context)
{
    (void)context;
    __atomic_fetch_add(&self_echo_calls, 1, __ATOMIC_RELAXED);
    net_udp_reply(datagram, datagram->data, datagram->len);
}

static void udp_to_ourselves_is_delivered_and_cannot_loop_forever(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, adapter_setup(0xFFFFFF00));
    struct netif_counters *c = &adapter.counters;
    net_udp_unbind(ECHO_PORT_SELF);
    KTEST_ASSERT_EQ(t, net_udp_bind(ECHO_PORT_SELF, self_echo, NULL), STATUS_SUCCESS);
    self_echo_calls = 0;
    KTEST_EXPECT_EQ(t, net_udp_send(&adapter, IP_US, ECHO_PORT_SELF, ECHO_PORT_SELF, "hi", 2), STATUS_SUCCESS);
    /* Each nested delivery holds one transmit buffer, so the exchange ends when they run out. */
    KTEST_EXPECT_EQ(t, self_echo_calls, NETIF_TX_BUFFERS);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_TX_NO_BUFFER], 1);
    KTEST_EXPECT_EQ(t, c->udp_delivered, NETIF_TX_BUFFERS);
    KTEST_EXPECT_EQ(t, adapter.stack.tx_busy, 0);
    KTEST_EXPECT_EQ(t, transmitted, 0);
    KTEST_EXPECT_EQ(t, net_udp_unbind(ECHO_PORT_SELF), STATUS_SUCCESS);

    /* The echo service (port 7) answers us like anybody else. */
    uint64_t echoed = c->udp_echoed;
    KTEST_EXPECT_EQ(t, net_udp_send(&adapter, IP_US, 40000, 7, "ping", 4), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, c->udp_echoed, echoed + 1);
    KTEST_EXPECT_EQ(t, c->drop[NET_DROP_UDP_NO_PORT], 1); /* the echo came back to closed 40000 */
    netif_unregister(&adapter);
}

KTEST_SUITE(net_addr, KTEST_CASE(arp_refuses_subnet_broadcast_and_network_senders),
            KTEST_CASE(ping_refuses_addresses_that_are_no_host),
            KTEST_CASE(ping_of_our_own_address_is_answered_locally),
            KTEST_CASE(udp_to_ourselves_is_delivered_and_cannot_loop_forever));
