/* kernel/net/arp.c - ARP packet format, RFC 826 "An Ethernet Address Resolution Protocol",
 * section "Packet format"; hardware type 1 and the opcodes from the IANA ARP registry. */
#include "kernel/net/arp.h"

#include "kernel/lib/string.h"
#include "kernel/net/bytes.h"

enum net_drop arp_parse(const void *data, size_t len, struct arp_packet *out)
{
    if (!data || len < ARP_PACKET_LEN)
        return NET_DROP_ARP_TRUNCATED;
    const uint8_t *p = data;
    /* ar$hrd, ar$pro, ar$hln, ar$pln: the lengths must match the types, or the offsets of the
     * address fields below would be wrong - RFC 826 lets them vary, we accept only 6 and 4. */
    if (net_get16(p) != ARP_HTYPE_ETHERNET || net_get16(p + 2) != ETH_TYPE_IPV4 || p[4] != ETH_ADDR_LEN || p[5] != 4)
        return NET_DROP_ARP_BAD_FORMAT;
    out->op = net_get16(p + 6);
    memcpy(out->sha, p + 8, ETH_ADDR_LEN);
    out->spa = net_get32(p + 14);
    memcpy(out->tha, p + 18, ETH_ADDR_LEN);
    out->tpa = net_get32(p + 24);
    if (out->op != ARP_OP_REQUEST && out->op != ARP_OP_REPLY)
        return NET_DROP_ARP_BAD_OP; /* RARP and InARP opcodes are not ours to answer */
    return NET_OK;
}

size_t arp_build(uint8_t *out, size_t cap, const struct arp_packet *packet)
{
    if (cap < ARP_PACKET_LEN)
        return 0;
    net_put16(out, ARP_HTYPE_ETHERNET);
    net_put16(out + 2, ETH_TYPE_IPV4);
    out[4] = ETH_ADDR_LEN;
    out[5] = 4;
    net_put16(out + 6, packet->op);
    memcpy(out + 8, packet->sha, ETH_ADDR_LEN);
    net_put32(out + 14, packet->spa);
    memcpy(out + 18, packet->tha, ETH_ADDR_LEN);
    net_put32(out + 24, packet->tpa);
    return ARP_PACKET_LEN;
}
