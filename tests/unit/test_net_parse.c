// clang-format off
/* tests/unit/test_net_parse.c - the packet parsers and builders of kernel/net/: Ethernet
 * (RFC 894), ARP (RFC 826), IPv4 (RFC 791), ICMP echo (RFC 792), UDP (RFC 768). Every
 * malformed case each parser names in its header is built here by hand and must come back
 * with its own drop reason. Packets are assembled byte by byte with the test's own checksum,
 * not with the kernel's builders, so a parser and a builder cannot agree on the same mistake.
 * (clang-format is off around this comment: scripts/run_tests.py reads unit-sources from one line.)
 * unit-sources: kernel/net/checksum.c kernel/net/drop.c kernel/net/ethernet.c kernel/net/arp.c kernel/net/ipv4.c kernel/net/icmp.c kernel/net/udp.c
 */
// clang-format on
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/net/arp.h"
#include "kernel/net/checksum.h"
#include "kernel/net/drop.h"
#include "kernel/net/ethernet.h"
#include "kernel/net/icmp.h"
#include "kernel/net/ipv4.h"
#include "kernel/net/udp.h"

#define GATEWAY 0x0A000202u /* 10.0.2.2 */
#define US 0x0A00020Fu      /* 10.0.2.15 */

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

static void w16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void w32(uint8_t *p, uint32_t v)
{
    w16(p, v >> 16);
    w16(p + 2, v & 0xFFFF);
}

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t start)
{
    uint32_t s = start;
    for (size_t i = 0; i < len; i++)
        s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

/* An IPv4 header at p: IHL words (options zero-filled), the given total length, flags and
 * offset word, with a correct checksum. */
static void make_ip(uint8_t *p, unsigned ihl, unsigned total, unsigned flags_offset, uint8_t proto, uint32_t src,
                    uint32_t dst)
{
    memset(p, 0, ihl * 4);
    p[0] = (uint8_t)(0x40 | ihl);
    w16(p + 2, total);
    w16(p + 4, 0x1234);
    w16(p + 6, flags_offset);
    p[8] = 64;
    p[9] = proto;
    w32(p + 12, src);
    w32(p + 16, dst);
    w16(p + 10, sum16(p, ihl * 4, 0));
}

static void make_udp(uint8_t *p, unsigned sport, unsigned dport, const uint8_t *data, size_t len, uint32_t src,
                     uint32_t dst)
{
    w16(p, sport);
    w16(p + 2, dport);
    w16(p + 4, (unsigned)(8 + len));
    w16(p + 6, 0);
    memcpy(p + 8, data, len);
    uint32_t pseudo = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + 17 + (uint32_t)(8 + len);
    uint16_t c = sum16(p, 8 + len, pseudo);
    w16(p + 6, c ? c : 0xFFFF);
}

static void make_icmp(uint8_t *p, uint8_t type, uint8_t code, unsigned id, unsigned seq, const uint8_t *data,
                      size_t len)
{
    p[0] = type;
    p[1] = code;
    w16(p + 2, 0);
    w16(p + 4, id);
    w16(p + 6, seq);
    memcpy(p + 8, data, len);
    w16(p + 2, sum16(p, 8 + len, 0));
}

/* ---- Ethernet ---- */

static void eth_parses_header_and_payload(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    memcpy(f, our_mac, 6);
    memcpy(f + 6, gw_mac, 6);
    w16(f + 12, 0x0800);
    struct eth_frame e;
    assert_int_equal(eth_parse(f, sizeof(f), &e), NET_OK);
    assert_ptr_equal(e.dst, f);
    assert_ptr_equal(e.src, f + 6);
    assert_int_equal(e.type, ETH_TYPE_IPV4);
    assert_ptr_equal(e.payload, f + 14);
    assert_int_equal(e.payload_len, 46);
    assert_int_equal(eth_parse(f, 14, &e), NET_OK); /* header only: empty payload */
    assert_int_equal(e.payload_len, 0);
}

static void eth_rejects_short_and_oversize(void **state)
{
    (void)state;
    static uint8_t f[1600];
    struct eth_frame e;
    assert_int_equal(eth_parse(f, 13, &e), NET_DROP_ETH_TRUNCATED);
    assert_int_equal(eth_parse(f, 0, &e), NET_DROP_ETH_TRUNCATED);
    assert_int_equal(eth_parse(NULL, 100, &e), NET_DROP_ETH_TRUNCATED);
    assert_int_equal(eth_parse(f, 1518, &e), NET_OK); /* 1514 + an FCS left on */
    assert_int_equal(eth_parse(f, 1519, &e), NET_DROP_ETH_OVERSIZE);
    assert_int_equal(eth_parse(f, sizeof(f), &e), NET_DROP_ETH_OVERSIZE);
}

static void eth_classifies_destinations(void **state)
{
    (void)state;
    static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    static const uint8_t ipv6_mcast[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(eth_classify_dest(our_mac, our_mac), ETH_DEST_US);
    assert_int_equal(eth_classify_dest(eth_broadcast_addr, our_mac), ETH_DEST_BROADCAST);
    assert_int_equal(eth_classify_dest(mcast, our_mac), ETH_DEST_MULTICAST);
    assert_int_equal(eth_classify_dest(ipv6_mcast, our_mac), ETH_DEST_MULTICAST);
    assert_int_equal(eth_classify_dest(gw_mac, our_mac), ETH_DEST_OTHER);
    assert_true(eth_addr_is_group(eth_broadcast_addr));
    assert_false(eth_addr_is_group(our_mac));
    static const uint8_t zero[6];
    assert_true(eth_addr_is_zero(zero));
    assert_false(eth_addr_is_zero(our_mac));
}

static void eth_builds_and_formats(void **state)
{
    (void)state;
    uint8_t f[14];
    assert_int_equal(eth_build_header(f, sizeof(f), gw_mac, our_mac, ETH_TYPE_ARP), 14);
    assert_memory_equal(f, gw_mac, 6);
    assert_memory_equal(f + 6, our_mac, 6);
    assert_int_equal(f[12], 0x08);
    assert_int_equal(f[13], 0x06);
    assert_int_equal(eth_build_header(f, 13, gw_mac, our_mac, ETH_TYPE_ARP), 0);
    char text[ETH_ADDR_TEXT_LEN];
    assert_string_equal(eth_addr_format(gw_mac, text), "52:55:0a:00:02:02");
}

/* ---- ARP ---- */

static size_t make_arp(uint8_t *p, unsigned op)
{
    w16(p, 1);
    w16(p + 2, 0x0800);
    p[4] = 6;
    p[5] = 4;
    w16(p + 6, op);
    memcpy(p + 8, gw_mac, 6);
    w32(p + 14, GATEWAY);
    memset(p + 18, 0, 6);
    w32(p + 24, US);
    return 28;
}

static void arp_parses_request(void **state)
{
    (void)state;
    uint8_t p[46] = {0}; /* 28 bytes + Ethernet padding */
    make_arp(p, ARP_OP_REQUEST);
    struct arp_packet a;
    assert_int_equal(arp_parse(p, sizeof(p), &a), NET_OK);
    assert_int_equal(a.op, ARP_OP_REQUEST);
    assert_memory_equal(a.sha, gw_mac, 6);
    assert_int_equal(a.spa, GATEWAY);
    assert_int_equal(a.tpa, US);
    assert_int_equal(arp_parse(p, 28, &a), NET_OK);
}

static void arp_rejects_malformed(void **state)
{
    (void)state;
    uint8_t p[28];
    struct arp_packet a;
    make_arp(p, 1);
    assert_int_equal(arp_parse(p, 27, &a), NET_DROP_ARP_TRUNCATED);
    assert_int_equal(arp_parse(p, 0, &a), NET_DROP_ARP_TRUNCATED);
    assert_int_equal(arp_parse(NULL, 28, &a), NET_DROP_ARP_TRUNCATED);
    make_arp(p, 1);
    w16(p, 6); /* IEEE 802 hardware */
    assert_int_equal(arp_parse(p, 28, &a), NET_DROP_ARP_BAD_FORMAT);
    make_arp(p, 1);
    w16(p + 2, 0x86DD); /* IPv6 protocol */
    assert_int_equal(arp_parse(p, 28, &a), NET_DROP_ARP_BAD_FORMAT);
    make_arp(p, 1);
    p[4] = 8;
    assert_int_equal(arp_parse(p, 28, &a), NET_DROP_ARP_BAD_FORMAT);
    make_arp(p, 1);
    p[5] = 16;
    assert_int_equal(arp_parse(p, 28, &a), NET_DROP_ARP_BAD_FORMAT);
    make_arp(p, 3); /* RARP request */
    assert_int_equal(arp_parse(p, 28, &a), NET_DROP_ARP_BAD_OP);
    make_arp(p, 0);
    assert_int_equal(arp_parse(p, 28, &a), NET_DROP_ARP_BAD_OP);
}

static void arp_builds_reply(void **state)
{
    (void)state;
    struct arp_packet a = {.op = ARP_OP_REPLY, .spa = US, .tpa = GATEWAY};
    memcpy(a.sha, our_mac, 6);
    memcpy(a.tha, gw_mac, 6);
    uint8_t p[28];
    assert_int_equal(arp_build(p, 27, &a), 0);
    assert_int_equal(arp_build(p, sizeof(p), &a), 28);
    static const uint8_t expected[28] = {0x00, 0x01, 0x08, 0x00, 6,  4, 0x00, 0x02, 0x52, 0x54,
                                         0x00, 0x12, 0x34, 0x56, 10, 0, 2,    15,   0x52, 0x55,
                                         0x0a, 0x00, 0x02, 0x02, 10, 0, 2,    2};
    assert_memory_equal(p, expected, 28);
    struct arp_packet back;
    assert_int_equal(arp_parse(p, 28, &back), NET_OK);
    assert_int_equal(back.op, a.op); /* field by field: the struct has padding */
    assert_memory_equal(back.sha, a.sha, 6);
    assert_int_equal(back.spa, a.spa);
    assert_memory_equal(back.tha, a.tha, 6);
    assert_int_equal(back.tpa, a.tpa);
}

/* ---- IPv4 ---- */

static void ip_parses_and_ignores_padding(void **state)
{
    (void)state;
    uint8_t p[46] = {0}; /* a 1-byte UDP datagram is 29 bytes; Ethernet padded it to 46 */
    make_ip(p, 5, 29, 0x4000, 17, GATEWAY, US);
    p[28] = 0xAB;
    struct ip_packet ip;
    assert_int_equal(ip_parse(p, sizeof(p), &ip), NET_OK);
    assert_int_equal(ip.src, GATEWAY);
    assert_int_equal(ip.dst, US);
    assert_int_equal(ip.protocol, 17);
    assert_int_equal(ip.ttl, 64);
    assert_int_equal(ip.id, 0x1234);
    assert_int_equal(ip.header_len, 20);
    assert_int_equal(ip.total_len, 29);
    assert_ptr_equal(ip.payload, p + 20);
    assert_int_equal(ip.payload_len, 9); /* from the total length, not the 46 bytes */
}

static void ip_accepts_options(void **state)
{
    (void)state;
    uint8_t p[64] = {0};
    make_ip(p, 6, 32, 0, 1, GATEWAY, US);
    struct ip_packet ip;
    assert_int_equal(ip_parse(p, 32, &ip), NET_OK);
    assert_int_equal(ip.header_len, 24);
    assert_ptr_equal(ip.payload, p + 24);
    assert_int_equal(ip.payload_len, 8);
    make_ip(p, 15, 60, 0, 1, GATEWAY, US); /* the largest header, no payload */
    assert_int_equal(ip_parse(p, 60, &ip), NET_OK);
    assert_int_equal(ip.payload_len, 0);
}

static void ip_rejects_each_malformation(void **state)
{
    (void)state;
    uint8_t p[64];
    struct ip_packet ip;

    make_ip(p, 5, 40, 0, 17, GATEWAY, US);
    assert_int_equal(ip_parse(p, 19, &ip), NET_DROP_IP_TRUNCATED);
    assert_int_equal(ip_parse(NULL, 40, &ip), NET_DROP_IP_TRUNCATED);

    make_ip(p, 5, 40, 0, 17, GATEWAY, US);
    p[0] = 0x65; /* version 6 */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_BAD_VERSION);

    for (unsigned ihl = 0; ihl < 5; ihl++) {
        make_ip(p, 5, 40, 0, 17, GATEWAY, US);
        p[0] = (uint8_t)(0x40 | ihl);
        assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_BAD_IHL);
    }

    make_ip(p, 15, 60, 0, 17, GATEWAY, US); /* 60-byte header in 40 bytes */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_TRUNCATED);

    make_ip(p, 5, 19, 0, 17, GATEWAY, US); /* total length below the header */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_BAD_LENGTH);
    make_ip(p, 6, 20, 0, 17, GATEWAY, US);
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_BAD_LENGTH);

    make_ip(p, 5, 41, 0, 17, GATEWAY, US); /* claims more than the frame holds */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_TRUNCATED);
    make_ip(p, 5, 0xFFFF, 0, 17, GATEWAY, US);
    assert_int_equal(ip_parse(p, 64, &ip), NET_DROP_IP_TRUNCATED);

    make_ip(p, 5, 40, 0, 17, GATEWAY, US);
    p[8] ^= 1; /* TTL changed, checksum not */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_BAD_CHECKSUM);
}

static void ip_drops_fragments(void **state)
{
    (void)state;
    uint8_t p[40];
    struct ip_packet ip;
    make_ip(p, 5, 40, 0x2000, 17, GATEWAY, US); /* first fragment: MF */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_FRAGMENT);
    make_ip(p, 5, 40, 0x0001, 17, GATEWAY, US); /* last fragment: offset 8 */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_FRAGMENT);
    make_ip(p, 5, 40, 0x3FFF, 17, GATEWAY, US);
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_FRAGMENT);
    make_ip(p, 5, 40, 0x4000, 17, GATEWAY, US); /* DF alone is fine */
    assert_int_equal(ip_parse(p, 40, &ip), NET_OK);
    make_ip(p, 5, 40, 0x8000, 17, GATEWAY, US); /* the reserved bit is ignored */
    assert_int_equal(ip_parse(p, 40, &ip), NET_OK);
    make_ip(p, 5, 40, 0x2000, 17, GATEWAY, US);
    p[1] ^= 4; /* a damaged fragment counts as damaged */
    assert_int_equal(ip_parse(p, 40, &ip), NET_DROP_IP_BAD_CHECKSUM);
}

static void ip_builds_header(void **state)
{
    (void)state;
    uint8_t p[20];
    struct ip_header_params h = {.src = US, .dst = GATEWAY, .protocol = 1, .ttl = 64, .id = 7, .payload_len = 64};
    assert_int_equal(ip_build_header(p, 19, &h), 0);
    assert_int_equal(ip_build_header(p, 20, &h), 20);
    assert_int_equal(p[0], 0x45);
    assert_int_equal(p[2] << 8 | p[3], 84);
    assert_int_equal(p[6], 0x40); /* DF */
    assert_int_equal(sum16(p, 20, 0), 0);
    uint8_t buf[84] = {0};
    memcpy(buf, p, 20);
    struct ip_packet ip;
    assert_int_equal(ip_parse(buf, sizeof(buf), &ip), NET_OK);
    assert_int_equal(ip.src, US);
    assert_int_equal(ip.dst, GATEWAY);
    assert_int_equal(ip.id, 7);
    h.payload_len = 0xFFFF - 19;
    assert_int_equal(ip_build_header(p, 20, &h), 0);
    h.payload_len = 0xFFFF - 20;
    assert_int_equal(ip_build_header(p, 20, &h), 20);
}

/* ---- ICMP ---- */

static void icmp_parses_echo(void **state)
{
    (void)state;
    uint8_t p[64];
    static const uint8_t data[] = "abcdefghijklmnopqrstuvw"; /* 24 bytes with the NUL */
    make_icmp(p, 8, 0, 0x1234, 9, data, sizeof(data));
    struct icmp_echo e;
    assert_int_equal(icmp_parse_echo(p, 8 + sizeof(data), &e), NET_OK);
    assert_int_equal(e.type, ICMP_ECHO_REQUEST);
    assert_int_equal(e.id, 0x1234);
    assert_int_equal(e.seq, 9);
    assert_ptr_equal(e.data, p + 8);
    assert_int_equal(e.data_len, sizeof(data));
    make_icmp(p, 0, 0, 1, 2, data, 0);
    assert_int_equal(icmp_parse_echo(p, 8, &e), NET_OK);
    assert_int_equal(e.type, ICMP_ECHO_REPLY);
    assert_int_equal(e.data_len, 0);
    make_icmp(p, 8, 0, 1, 2, data, 5); /* odd length */
    assert_int_equal(icmp_parse_echo(p, 13, &e), NET_OK);
}

static void icmp_rejects_malformed_and_other_types(void **state)
{
    (void)state;
    uint8_t p[64];
    static const uint8_t data[16] = {1, 2, 3, [15] = 0x77}; /* last byte non-zero: see below */
    struct icmp_echo e;
    make_icmp(p, 8, 0, 1, 1, data, sizeof(data));
    assert_int_equal(icmp_parse_echo(p, 7, &e), NET_DROP_ICMP_TRUNCATED);
    assert_int_equal(icmp_parse_echo(NULL, 24, &e), NET_DROP_ICMP_TRUNCATED);
    assert_int_equal(icmp_parse_echo(p, 23, &e), NET_DROP_ICMP_BAD_CHECKSUM); /* a byte short */
    p[10] ^= 0x80;
    assert_int_equal(icmp_parse_echo(p, 24, &e), NET_DROP_ICMP_BAD_CHECKSUM);
    make_icmp(p, 8, 1, 1, 1, data, sizeof(data)); /* echo with code 1 */
    assert_int_equal(icmp_parse_echo(p, 24, &e), NET_DROP_ICMP_UNSUPPORTED);
    static const uint8_t types[] = {3, 4, 5, 11, 12, 13, 14, 17, 18, 255};
    for (size_t i = 0; i < sizeof(types); i++) {
        make_icmp(p, types[i], 0, 1, 1, data, sizeof(data));
        assert_int_equal(icmp_parse_echo(p, 24, &e), NET_DROP_ICMP_UNSUPPORTED);
    }
}

static void icmp_builds_echo(void **state)
{
    (void)state;
    uint8_t p[8 + 100];
    uint8_t data[100];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    assert_int_equal(icmp_build_echo(p, sizeof(p) - 1, 0, 1, 2, data, 100), 0);
    assert_int_equal(icmp_build_echo(p, sizeof(p), ICMP_ECHO_REPLY, 0xBEEF, 0x0102, data, 100), 108);
    assert_int_equal(sum16(p, 108, 0), 0);
    struct icmp_echo e;
    assert_int_equal(icmp_parse_echo(p, 108, &e), NET_OK);
    assert_int_equal(e.id, 0xBEEF);
    assert_memory_equal(e.data, data, 100);
    /* Data already in place (how net_ping builds its request). */
    memcpy(p + 8, data, 100);
    assert_int_equal(icmp_build_echo(p, sizeof(p), ICMP_ECHO_REQUEST, 3, 4, p + 8, 100), 108);
    assert_int_equal(icmp_parse_echo(p, 108, &e), NET_OK);
    assert_memory_equal(e.data, data, 100);
}

/* ---- UDP ---- */

static void udp_parses_with_and_without_checksum(void **state)
{
    (void)state;
    uint8_t p[64];
    static const uint8_t data[] = "hello";
    make_udp(p, 40000, 7, data, 5, GATEWAY, US);
    struct udp_datagram u;
    assert_int_equal(udp_parse(p, 13, GATEWAY, US, &u), NET_OK);
    assert_int_equal(u.src_port, 40000);
    assert_int_equal(u.dst_port, 7);
    assert_true(u.checksummed);
    assert_int_equal(u.data_len, 5);
    assert_memory_equal(u.data, "hello", 5);
    w16(p + 6, 0); /* "no checksum" is legal over IPv4 */
    assert_int_equal(udp_parse(p, 13, GATEWAY, US, &u), NET_OK);
    assert_false(u.checksummed);
    /* IP payload longer than the UDP length: the extra bytes are not data. */
    make_udp(p, 40000, 7, data, 5, GATEWAY, US);
    assert_int_equal(udp_parse(p, 40, GATEWAY, US, &u), NET_OK);
    assert_int_equal(u.data_len, 5);
    /* Empty datagram. */
    make_udp(p, 1, 2, data, 0, GATEWAY, US);
    assert_int_equal(udp_parse(p, 8, GATEWAY, US, &u), NET_OK);
    assert_int_equal(u.data_len, 0);
}

static void udp_rejects_malformed(void **state)
{
    (void)state;
    uint8_t p[64];
    static const uint8_t data[20] = {9, 8, 7};
    struct udp_datagram u;
    make_udp(p, 40000, 7, data, 20, GATEWAY, US);
    assert_int_equal(udp_parse(p, 7, GATEWAY, US, &u), NET_DROP_UDP_TRUNCATED);
    assert_int_equal(udp_parse(NULL, 28, GATEWAY, US, &u), NET_DROP_UDP_TRUNCATED);
    assert_int_equal(udp_parse(p, 27, GATEWAY, US, &u), NET_DROP_UDP_BAD_LENGTH); /* length 28 > 27 */
    w16(p + 4, 7);
    assert_int_equal(udp_parse(p, 28, GATEWAY, US, &u), NET_DROP_UDP_BAD_LENGTH);
    w16(p + 4, 0);
    assert_int_equal(udp_parse(p, 28, GATEWAY, US, &u), NET_DROP_UDP_BAD_LENGTH);
    w16(p + 4, 0xFFFF);
    assert_int_equal(udp_parse(p, 28, GATEWAY, US, &u), NET_DROP_UDP_BAD_LENGTH);
    make_udp(p, 40000, 7, data, 20, GATEWAY, US);
    p[12] ^= 1;
    assert_int_equal(udp_parse(p, 28, GATEWAY, US, &u), NET_DROP_UDP_BAD_CHECKSUM);
    /* Right datagram, wrong pseudo-header: delivered to the wrong address. */
    make_udp(p, 40000, 7, data, 20, GATEWAY, US);
    assert_int_equal(udp_parse(p, 28, GATEWAY, US + 1, &u), NET_DROP_UDP_BAD_CHECKSUM);
}

/* A datagram whose checksum computes to 0 must carry 0xFFFF (0 would mean "none"), and a
 * parser must accept 0xFFFF as that value. */
static void udp_zero_checksum_is_sent_as_ffff(void **state)
{
    (void)state;
    uint8_t data[2] = {0, 0};
    uint8_t p[16];
    /* Choose the two data bytes so that the whole sum is 0xFFFF (checksum 0). */
    make_udp(p, 1000, 2000, data, 2, GATEWAY, US);
    w16(p + 6, 0);
    uint16_t c = sum16(p, 10, (GATEWAY >> 16) + (GATEWAY & 0xFFFF) + (US >> 16) + (US & 0xFFFF) + 17 + 10);
    data[0] = (uint8_t)(c >> 8);
    data[1] = (uint8_t)c;
    assert_int_equal(udp_build(p, sizeof(p), GATEWAY, US, 1000, 2000, data, 2), 10);
    assert_int_equal(p[6], 0xFF);
    assert_int_equal(p[7], 0xFF);
    struct udp_datagram u;
    assert_int_equal(udp_parse(p, 10, GATEWAY, US, &u), NET_OK);
    assert_true(u.checksummed);
}

static void udp_builds_every_size(void **state)
{
    (void)state;
    static uint8_t p[8 + UDP_PAYLOAD_MAX], data[UDP_PAYLOAD_MAX], expect[8 + UDP_PAYLOAD_MAX];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    static const size_t sizes[] = {0, 1, 2, 17, 18, 1471, 1472};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        assert_int_equal(udp_build(p, 8 + n, US, GATEWAY, 7, 40000, data, n), 8 + n);
        make_udp(expect, 7, 40000, data, n, US, GATEWAY);
        assert_memory_equal(p, expect, 8 + n);
        struct udp_datagram u;
        assert_int_equal(udp_parse(p, 8 + n, US, GATEWAY, &u), NET_OK);
        assert_int_equal(u.data_len, n);
        assert_int_equal(udp_build(p, 8 + n - 1, US, GATEWAY, 7, 40000, data, n), 0);
    }
    memcpy(p + 8, data, 100); /* in place */
    assert_int_equal(udp_build(p, sizeof(p), US, GATEWAY, 7, 9, p + 8, 100), 108);
    assert_memory_equal(p + 8, data, 100);
}

/* ---- drop reasons ---- */

static void drop_reasons_have_names_and_classes(void **state)
{
    (void)state;
    assert_string_equal(net_drop_name(NET_OK), "ok");
    assert_string_equal(net_drop_name(NET_DROP_COUNT), "?");
    assert_string_equal(net_drop_name((enum net_drop) - 1), "?");
    assert_int_equal(net_drop_class(NET_OK), NET_CLASS_NONE);
    for (int r = 1; r < NET_DROP_COUNT; r++) {
        const char *name = net_drop_name((enum net_drop)r);
        assert_true(strlen(name) > 3 && strchr(name, '.'));
        assert_true(net_drop_class((enum net_drop)r) != NET_CLASS_NONE);
        for (int o = 1; o < r; o++)
            assert_string_not_equal(name, net_drop_name((enum net_drop)o));
    }
    assert_int_equal(net_drop_class(NET_DROP_IP_BAD_CHECKSUM), NET_CLASS_RX_ERROR);
    assert_int_equal(net_drop_class(NET_DROP_IP_FRAGMENT), NET_CLASS_RX_DROP);
    assert_int_equal(net_drop_class(NET_DROP_TX_NO_BUFFER), NET_CLASS_TX_DROP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eth_parses_header_and_payload),
        cmocka_unit_test(eth_rejects_short_and_oversize),
        cmocka_unit_test(eth_classifies_destinations),
        cmocka_unit_test(eth_builds_and_formats),
        cmocka_unit_test(arp_parses_request),
        cmocka_unit_test(arp_rejects_malformed),
        cmocka_unit_test(arp_builds_reply),
        cmocka_unit_test(ip_parses_and_ignores_padding),
        cmocka_unit_test(ip_accepts_options),
        cmocka_unit_test(ip_rejects_each_malformation),
        cmocka_unit_test(ip_drops_fragments),
        cmocka_unit_test(ip_builds_header),
        cmocka_unit_test(icmp_parses_echo),
        cmocka_unit_test(icmp_rejects_malformed_and_other_types),
        cmocka_unit_test(icmp_builds_echo),
        cmocka_unit_test(udp_parses_with_and_without_checksum),
        cmocka_unit_test(udp_rejects_malformed),
        cmocka_unit_test(udp_zero_checksum_is_sent_as_ffff),
        cmocka_unit_test(udp_builds_every_size),
        cmocka_unit_test(drop_reasons_have_names_and_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
