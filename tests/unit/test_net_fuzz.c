// clang-format off
/* tests/unit/test_net_fuzz.c - hostile input through every parser of kernel/net/.
 *
 * Random bytes, every truncation of valid frames, random mutations with the checksums repaired
 * (so damage gets past the checksum checks and into the length logic), random length fields,
 * random configuration text, and random ARP cache operations. Each input sits in a heap block
 * of exactly its length, so under -fsanitize=address a single byte read past the end is a
 * crash; without sanitizers the test still checks that every pointer a parser returns stays
 * inside the input. Deterministic (fixed seeds), a few seconds under ASan.
 * (clang-format is off around this comment: scripts/run_tests.py reads unit-sources from one line.)
 * unit-sources: kernel/net/checksum.c kernel/net/drop.c kernel/net/ethernet.c kernel/net/arp.c kernel/net/arp_cache.c kernel/net/ipv4.c kernel/net/ipv4_addr.c kernel/net/icmp.c kernel/net/udp.c
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
#include "kernel/net/arp_cache.h"
#include "kernel/net/checksum.h"
#include "kernel/net/ethernet.h"
#include "kernel/net/icmp.h"
#include "kernel/net/ipv4.h"
#include "kernel/net/ipv4_addr.h"
#include "kernel/net/udp.h"

#define US 0x0A00020Fu
#define GATEWAY 0x0A000202u

static uint64_t rng_state;
static uint32_t rnd(void)
{
    /* xorshift64*: small, fast, and the same sequence on every machine */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static unsigned long long parsed_ok[5]; /* how deep the inputs got: eth, arp, ip, icmp, udp */

static void inside(const void *base, size_t len, const void *p, size_t n)
{
    const uint8_t *b = base, *q = p;
    assert_true(q >= b);
    assert_true((size_t)(q - b) <= len);
    assert_true(n <= len - (size_t)(q - b));
}

/* What the kernel's receive path does with a frame, minus the adapter: every layer's parser,
 * each fed exactly what the layer below says it carries. */
static void parse_frame(const uint8_t *frame, size_t len)
{
    struct eth_frame eth;
    if (eth_parse(frame, len, &eth) != NET_OK)
        return;
    parsed_ok[0]++;
    inside(frame, len, eth.payload, eth.payload_len);
    (void)eth_classify_dest(eth.dst, eth.src);
    if (eth.type == ETH_TYPE_ARP) {
        struct arp_packet arp;
        if (arp_parse(eth.payload, eth.payload_len, &arp) == NET_OK)
            parsed_ok[1]++;
        return;
    }
    struct ip_packet ip;
    if (ip_parse(eth.payload, eth.payload_len, &ip) != NET_OK)
        return;
    parsed_ok[2]++;
    inside(frame, len, ip.payload, ip.payload_len);
    assert_true(ip.header_len >= 20 && ip.header_len <= 60);
    if (ip.protocol == IP_PROTO_ICMP) {
        struct icmp_echo echo;
        if (icmp_parse_echo(ip.payload, ip.payload_len, &echo) == NET_OK) {
            parsed_ok[3]++;
            inside(frame, len, echo.data, echo.data_len);
        }
    } else if (ip.protocol == IP_PROTO_UDP) {
        struct udp_datagram udp;
        if (udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp) == NET_OK) {
            parsed_ok[4]++;
            inside(frame, len, udp.data, udp.data_len);
            assert_true(udp.data_len <= ip.payload_len - 8);
        }
    }
}

/* Copy into a block of exactly len bytes (ASan's redzone starts right after) and parse. */
static void parse_exact(const uint8_t *bytes, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, bytes, len);
    parse_frame(copy, len);
    free(copy);
}

/* ---- valid frames to start from ---- */

static const uint8_t mac_us[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
static const uint8_t mac_gw[6] = {0x52, 0x55, 10, 0, 2, 2};

static size_t frame_arp(uint8_t *f)
{
    eth_build_header(f, 14, eth_broadcast_addr, mac_gw, ETH_TYPE_ARP);
    struct arp_packet a = {.op = ARP_OP_REQUEST, .spa = GATEWAY, .tpa = US};
    memcpy(a.sha, mac_gw, 6);
    arp_build(f + 14, 28, &a);
    memset(f + 42, 0, 18);
    return 60;
}

static size_t frame_ip(uint8_t *f, uint8_t proto, size_t data_len, unsigned ihl)
{
    eth_build_header(f, 14, mac_us, mac_gw, ETH_TYPE_IPV4);
    uint8_t data[UDP_PAYLOAD_MAX + 8];
    for (size_t i = 0; i < data_len; i++)
        data[i] = (uint8_t)rnd();
    size_t hl = ihl * 4;
    uint8_t *l4 = f + 14 + hl;
    size_t l4_len = proto == IP_PROTO_UDP ? udp_build(l4, 1500 - hl, GATEWAY, US, 40000, 7, data, data_len)
                                          : icmp_build_echo(l4, 1500 - hl, ICMP_ECHO_REQUEST, 1, 2, data, data_len);
    assert_true(l4_len > 0);
    struct ip_header_params h = {
        .src = GATEWAY, .dst = US, .protocol = proto, .ttl = 64, .id = 1, .payload_len = l4_len};
    uint8_t header[20];
    ip_build_header(header, 20, &h);
    memcpy(f + 14, header, 20);
    if (ihl > 5) { /* add options (NOPs), fix IHL, lengths, checksum */
        memset(f + 34, 1, hl - 20);
        f[14] = (uint8_t)(0x40 | ihl);
        size_t total = hl + l4_len;
        f[16] = (uint8_t)(total >> 8);
        f[17] = (uint8_t)total;
        f[24] = f[25] = 0;
        uint16_t c = net_checksum(f + 14, hl);
        f[24] = (uint8_t)(c >> 8);
        f[25] = (uint8_t)c;
    }
    size_t len = 14 + hl + l4_len;
    if (len < 60) {
        memset(f + len, 0xEE, 60 - len); /* non-zero padding: must never be taken for data */
        len = 60;
    }
    return len;
}

/* After a mutation, make the checksums right again where the lengths allow it, so the damage
 * reaches the checks behind them. Careful with bounds: this is test code reading hostile data. */
static void repair_checksums(uint8_t *f, size_t len)
{
    if (len < 34 || (f[14] >> 4) != 4)
        return;
    size_t hl = (size_t)(f[14] & 0xF) * 4;
    if (hl < 20 || 14 + hl > len)
        return;
    f[24] = f[25] = 0;
    uint16_t c = net_checksum(f + 14, hl);
    f[24] = (uint8_t)(c >> 8);
    f[25] = (uint8_t)c;
    size_t total = (size_t)f[16] << 8 | f[17];
    if (total < hl || 14 + total > len)
        return;
    uint8_t *l4 = f + 14 + hl;
    size_t l4_len = total - hl;
    if (f[23] == IP_PROTO_ICMP && l4_len >= 8) {
        l4[2] = l4[3] = 0;
        c = net_checksum(l4, l4_len);
        l4[2] = (uint8_t)(c >> 8);
        l4[3] = (uint8_t)c;
    } else if (f[23] == IP_PROTO_UDP && l4_len >= 8) {
        size_t udp_len = (size_t)l4[4] << 8 | l4[5];
        if (udp_len < 8 || udp_len > l4_len)
            return;
        uint32_t src = (uint32_t)f[26] << 24 | (uint32_t)f[27] << 16 | (uint32_t)f[28] << 8 | f[29];
        uint32_t dst = (uint32_t)f[30] << 24 | (uint32_t)f[31] << 16 | (uint32_t)f[32] << 8 | f[33];
        l4[6] = l4[7] = 0;
        c = net_checksum_finish(net_checksum_add(net_checksum_pseudo(src, dst, 17, (uint16_t)udp_len), l4, udp_len));
        l4[6] = (uint8_t)(c >> 8);
        l4[7] = (uint8_t)c;
    }
}

static size_t some_valid_frame(uint8_t *f)
{
    switch (rnd() % 4) {
    case 0: return frame_arp(f);
    case 1: return frame_ip(f, IP_PROTO_ICMP, rnd() % 1465, 5 + rnd() % 3); /* 1500 - 28 - 8 */
    default: return frame_ip(f, IP_PROTO_UDP, rnd() % (UDP_PAYLOAD_MAX + 1 - 40), 5 + rnd() % 11);
    }
}

/* ---- the fuzz cases ---- */

static void random_bytes(void **state)
{
    (void)state;
    rng_state = 0x9E3779B97F4A7C15ull;
    static uint8_t buf[1600];
    for (int i = 0; i < 50000; i++) {
        size_t len = rnd() % sizeof(buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)rnd();
        /* Steer half of them past the Ethernet type check. */
        if (len >= 14 && (i & 1)) {
            buf[12] = 0x08;
            buf[13] = (i & 2) ? 0x06 : 0x00;
            if (len >= 15 && (i & 4))
                buf[14] = 0x45;
        }
        parse_exact(buf, len);
    }
    /* The parsers directly, each with random input of every small length. */
    for (size_t len = 0; len < 80; len++) {
        for (int k = 0; k < 200; k++) {
            uint8_t *p = malloc(len ? len : 1);
            for (size_t j = 0; j < len; j++)
                p[j] = (uint8_t)rnd();
            struct arp_packet a;
            struct ip_packet ip;
            struct icmp_echo e;
            struct udp_datagram u;
            (void)arp_parse(p, len, &a);
            if (ip_parse(p, len, &ip) == NET_OK)
                inside(p, len, ip.payload, ip.payload_len);
            if (icmp_parse_echo(p, len, &e) == NET_OK)
                inside(p, len, e.data, e.data_len);
            if (udp_parse(p, len, rnd(), rnd(), &u) == NET_OK)
                inside(p, len, u.data, u.data_len);
            free(p);
        }
    }
}

static void every_truncation_of_valid_frames(void **state)
{
    (void)state;
    rng_state = 42;
    static uint8_t f[1600];
    for (int i = 0; i < 60; i++) {
        size_t len = some_valid_frame(f);
        for (size_t cut = 0; cut <= len; cut++)
            parse_exact(f, cut);
        parse_exact(f, len); /* and the whole one parses all the way */
    }
    assert_true(parsed_ok[1] > 0 && parsed_ok[3] > 0 && parsed_ok[4] > 0);
}

static void mutations_with_repaired_checksums(void **state)
{
    (void)state;
    rng_state = 7;
    static uint8_t f[1600];
    memset(parsed_ok, 0, sizeof(parsed_ok));
    for (int i = 0; i < 40000; i++) {
        size_t len = some_valid_frame(f);
        unsigned flips = 1 + rnd() % 4;
        for (unsigned k = 0; k < flips; k++) {
            /* Mostly the headers, where the lengths live. */
            size_t at = (rnd() & 1) ? rnd() % (len < 64 ? len : 64) : rnd() % len;
            f[at] = (rnd() & 1) ? (uint8_t)rnd() : (uint8_t)(f[at] ^ (1u << (rnd() % 8)));
        }
        if (rnd() % 4)
            repair_checksums(f, len);
        size_t cut = (rnd() % 3) ? len : rnd() % (len + 1);
        parse_exact(f, cut);
    }
    /* The mutations reached every layer. */
    for (int layer = 0; layer < 5; layer++)
        assert_true(parsed_ok[layer] > 100);
}

static void hostile_length_fields(void **state)
{
    (void)state;
    rng_state = 1234;
    static uint8_t f[1600];
    for (int i = 0; i < 20000; i++) {
        size_t len = frame_ip(f, (rnd() & 1) ? IP_PROTO_UDP : IP_PROTO_ICMP, rnd() % 200, 5 + rnd() % 2);
        switch (rnd() % 3) {
        case 0: /* IHL */ f[14] = (uint8_t)(0x40 | (rnd() & 0xF)); break;
        case 1: { /* total length */
            unsigned total = rnd() % 3 ? rnd() % (len + 8) : rnd() & 0xFFFF;
            f[16] = (uint8_t)(total >> 8);
            f[17] = (uint8_t)total;
            break;
        }
        default: { /* UDP length */
            size_t hl = (size_t)(f[14] & 0xF) * 4;
            unsigned udp = rnd() % 3 ? rnd() % 300 : rnd() & 0xFFFF;
            f[14 + hl + 4] = (uint8_t)(udp >> 8);
            f[14 + hl + 5] = (uint8_t)udp;
            break;
        }
        }
        repair_checksums(f, len);
        parse_exact(f, len);
        parse_exact(f, len > 14 ? len - 1 - rnd() % (len - 14) : len);
    }
}

static void builders_respect_their_capacity(void **state)
{
    (void)state;
    rng_state = 99;
    static uint8_t data[2000];
    for (int i = 0; i < 20000; i++) {
        size_t cap = rnd() % 1600, n = rnd() % 1600;
        uint8_t *out = malloc(cap ? cap : 1);
        size_t r = udp_build(out, cap, rnd(), rnd(), (uint16_t)rnd(), (uint16_t)rnd(), data, n);
        assert_true(r == 0 || (r == n + 8 && r <= cap));
        r = icmp_build_echo(out, cap, ICMP_ECHO_REPLY, 1, 2, data, n);
        assert_true(r == 0 || (r == n + 8 && r <= cap));
        struct arp_packet a = {.op = 1};
        r = arp_build(out, cap, &a);
        assert_true(r == 0 || r <= cap);
        struct ip_header_params h = {.payload_len = n};
        r = ip_build_header(out, cap, &h);
        assert_true(r == 0 || r <= cap);
        r = eth_build_header(out, cap, mac_us, mac_gw, 0x0800);
        assert_true(r == 0 || r <= cap);
        free(out);
    }
}

static void random_configuration_text(void **state)
{
    (void)state;
    rng_state = 2024;
    static const char alphabet[] = "0123456789./,=gwnoe 1255";
    for (int i = 0; i < 100000; i++) {
        size_t len = rnd() % 40;
        char *text = malloc(len + 1);
        for (size_t j = 0; j < len; j++)
            text[j] = alphabet[rnd() % (sizeof(alphabet) - 1)];
        text[len] = '\0';
        struct ip_config c = {0};
        uint32_t a;
        if (!ip_config_parse(text, &c)) {
            assert_null(ip_config_check(&c));
            char back[IP_CONFIG_TEXT_LEN];
            ip_config_format(&c, back);
            struct ip_config again;
            assert_null(ip_config_parse(back, &again));
            assert_memory_equal(&c, &again, sizeof(c));
        }
        (void)ip_addr_parse(text, len, &a);
        free(text);
    }
}

static void random_arp_cache_operations(void **state)
{
    (void)state;
    rng_state = 826;
    static struct arp_cache cache;
    arp_cache_init(&cache, 100);
    uint64_t now = 0;
    uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    for (int i = 0; i < 200000; i++) {
        now += rnd() % 50;
        uint32_t ip = 0x0A000200u + rnd() % 40;
        switch (rnd() % 5) {
        case 0: arp_cache_update(&cache, ip, mac, now, rnd() & 1); break;
        case 1: (void)arp_cache_resolve(&cache, ip, now, mac); break;
        case 2: (void)arp_cache_state(&cache, ip, now, mac); break;
        case 3: (void)arp_cache_expire(&cache, now); break;
        default: (void)arp_cache_remove(&cache, ip); break;
        }
        if (i % 1000 == 0) { /* no address twice among live entries */
            for (unsigned a = 0; a < ARP_CACHE_SIZE; a++)
                for (unsigned b = 0; b < a; b++)
                    assert_false(cache.entries[a].state && cache.entries[b].state &&
                                 cache.entries[a].ip == cache.entries[b].ip);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_bytes),
        cmocka_unit_test(every_truncation_of_valid_frames),
        cmocka_unit_test(mutations_with_repaired_checksums),
        cmocka_unit_test(hostile_length_fields),
        cmocka_unit_test(builders_respect_their_capacity),
        cmocka_unit_test(random_configuration_text),
        cmocka_unit_test(random_arp_cache_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
