/* kernel/net/ethernet.c - Ethernet II framing.
 * RFC 894 "A Standard for the Transmission of IP Datagrams over Ethernet Networks";
 * IEEE 802.3 clause 3 (frame format) and clause 3.2.3 (address bits).
 */
#include "kernel/net/ethernet.h"

#include "kernel/lib/string.h"
#include "kernel/net/bytes.h"

const uint8_t eth_broadcast_addr[ETH_ADDR_LEN] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

enum net_drop eth_parse(const void *frame, size_t len, struct eth_frame *out)
{
    if (!frame || len < ETH_HEADER_LEN)
        return NET_DROP_ETH_TRUNCATED;
    /* Nothing legitimate is longer: larger would be a jumbo frame or a driver that handed us
     * two frames glued together, and upper layers could be fooled by the excess. */
    if (len > ETH_FRAME_MAX_RX)
        return NET_DROP_ETH_OVERSIZE;
    const uint8_t *p = frame;
    out->dst = p;
    out->src = p + ETH_ADDR_LEN;
    out->type = net_get16(p + 2 * ETH_ADDR_LEN);
    out->payload = p + ETH_HEADER_LEN;
    out->payload_len = len - ETH_HEADER_LEN;
    return NET_OK;
}

size_t eth_build_header(uint8_t *out, size_t cap, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    if (cap < ETH_HEADER_LEN)
        return 0;
    memcpy(out, dst, ETH_ADDR_LEN);
    memcpy(out + ETH_ADDR_LEN, src, ETH_ADDR_LEN);
    net_put16(out + 2 * ETH_ADDR_LEN, type);
    return ETH_HEADER_LEN;
}

bool eth_addr_equal(const uint8_t *a, const uint8_t *b) { return memcmp(a, b, ETH_ADDR_LEN) == 0; }

bool eth_addr_is_broadcast(const uint8_t *a) { return eth_addr_equal(a, eth_broadcast_addr); }

bool eth_addr_is_group(const uint8_t *a) { return (a[0] & 1) != 0; }

bool eth_addr_is_zero(const uint8_t *a)
{
    static const uint8_t zero[ETH_ADDR_LEN];
    return eth_addr_equal(a, zero);
}

enum eth_dest eth_classify_dest(const uint8_t *dst, const uint8_t *ours)
{
    if (eth_addr_equal(dst, ours))
        return ETH_DEST_US;
    if (eth_addr_is_broadcast(dst))
        return ETH_DEST_BROADCAST;
    if (eth_addr_is_group(dst))
        return ETH_DEST_MULTICAST;
    return ETH_DEST_OTHER; /* only seen in promiscuous mode or from a confused switch */
}

char *eth_addr_format(const uint8_t *a, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < ETH_ADDR_LEN; i++) {
        out[i * 3] = hex[a[i] >> 4];
        out[i * 3 + 1] = hex[a[i] & 0xF];
        out[i * 3 + 2] = i + 1 < ETH_ADDR_LEN ? ':' : '\0';
    }
    return out;
}
