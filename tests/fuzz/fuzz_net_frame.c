/* tests/fuzz/fuzz_net_frame.c - a received Ethernet frame through every parser of kernel/net:
 * eth_parse, then arp_parse or ip_parse, then icmp_parse_echo or udp_parse, each fed exactly
 * what the layer below says it carries (what the receive path does, minus the adapter).
 * Byte 0 is a mode: bit 0 set = repair the IPv4, ICMP and UDP checksums first, so mutations get
 * past the checksum checks and into the length logic. Every pointer a parser returns must lie
 * inside the frame.
 * fuzz-sources: kernel/net/checksum.c kernel/net/drop.c kernel/net/ethernet.c kernel/net/arp.c kernel/net/ipv4.c kernel/net/ipv4_addr.c kernel/net/icmp.c kernel/net/udp.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/net/arp.h"
#include "kernel/net/checksum.h"
#include "kernel/net/ethernet.h"
#include "kernel/net/icmp.h"
#include "kernel/net/ipv4.h"
#include "kernel/net/udp.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void repair_checksums(uint8_t *f, size_t len)
{
    if (len < 34 || (f[14] >> 4) != 4)
        return;
    size_t hl = (size_t)(f[14] & 0xF) * 4;
    if (hl < 20 || 14 + hl > len)
        return;
    put16(f + 24, 0);
    put16(f + 24, net_checksum(f + 14, hl));
    size_t total = (size_t)f[16] << 8 | f[17];
    if (total < hl || 14 + total > len)
        return;
    uint8_t *l4 = f + 14 + hl;
    size_t l4_len = total - hl;
    if (f[23] == IP_PROTO_ICMP && l4_len >= 8) {
        put16(l4 + 2, 0);
        put16(l4 + 2, net_checksum(l4, l4_len));
    } else if (f[23] == IP_PROTO_UDP && l4_len >= 8) {
        size_t udp_len = (size_t)l4[4] << 8 | l4[5];
        if (udp_len < 8 || udp_len > l4_len)
            return;
        put16(l4 + 6, 0);
        uint32_t sum = net_checksum_pseudo(get32(f + 26), get32(f + 30), IP_PROTO_UDP, (uint16_t)udp_len);
        put16(l4 + 6, net_checksum_finish(net_checksum_add(sum, l4, udp_len)));
    }
}

static void parse_frame(const uint8_t *frame, size_t len)
{
    struct eth_frame eth;
    if (eth_parse(frame, len, &eth) != NET_OK)
        return;
    FUZZ_INSIDE(frame, len, eth.payload, eth.payload_len);
    (void)eth_classify_dest(eth.dst, eth.src);
    if (eth.type == ETH_TYPE_ARP) {
        struct arp_packet arp;
        (void)arp_parse(eth.payload, eth.payload_len, &arp);
        return;
    }
    struct ip_packet ip;
    if (ip_parse(eth.payload, eth.payload_len, &ip) != NET_OK)
        return;
    FUZZ_INSIDE(frame, len, ip.payload, ip.payload_len);
    FUZZ_CHECK(ip.header_len >= 20 && ip.header_len <= 60);
    if (ip.protocol == IP_PROTO_ICMP) {
        struct icmp_echo echo;
        if (icmp_parse_echo(ip.payload, ip.payload_len, &echo) == NET_OK) {
            FUZZ_INSIDE(frame, len, echo.data, echo.data_len);
            /* The reply the stack would send: the same payload back. */
            uint8_t *reply = malloc(8 + echo.data_len);
            FUZZ_CHECK(icmp_build_echo(reply, 8 + echo.data_len, ICMP_ECHO_REPLY, echo.id, echo.seq, echo.data,
                                       echo.data_len) == 8 + echo.data_len);
            free(reply);
        }
    } else if (ip.protocol == IP_PROTO_UDP) {
        struct udp_datagram udp;
        if (udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp) == NET_OK) {
            FUZZ_INSIDE(frame, len, udp.data, udp.data_len);
            FUZZ_CHECK(udp.data_len <= ip.payload_len - 8);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t *frame = fuzz_exact_copy(data + 1, size - 1);
    if (data[0] & 1)
        repair_checksums(frame, size - 1);
    parse_frame(frame, size - 1);
    free(frame);
    return 0;
}
