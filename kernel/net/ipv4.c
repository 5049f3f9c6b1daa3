/* kernel/net/ipv4.c - IPv4 header parsing and building.
 * RFC 791 "Internet Protocol" §3.1 (header format); RFC 1122 §3.2.1 (what a host must check:
 * version, checksum, lengths); RFC 1071 for the header checksum.
 */
#include "kernel/net/ipv4.h"

#include "kernel/net/bytes.h"
#include "kernel/net/checksum.h"

enum net_drop ip_parse(const void *data, size_t len, struct ip_packet *out)
{
    if (!data || len < IP_HEADER_LEN)
        return NET_DROP_IP_TRUNCATED;
    const uint8_t *p = data;
    if (p[0] >> 4 != IP_VERSION)
        return NET_DROP_IP_BAD_VERSION;
    size_t header_len = (size_t)(p[0] & 0xF) * 4;
    if (header_len < IP_HEADER_LEN)
        return NET_DROP_IP_BAD_IHL;
    if (header_len > len)
        return NET_DROP_IP_TRUNCATED;
    size_t total_len = net_get16(p + 2);
    if (total_len < header_len)
        return NET_DROP_IP_BAD_LENGTH;
    /* The frame must hold the whole datagram. The other way round is normal: a 1-byte UDP
     * datagram is 29 bytes of IP in a frame padded to 60. */
    if (total_len > len)
        return NET_DROP_IP_TRUNCATED;
    /* Summing the header with its checksum field gives 0 if nothing changed (RFC 1071). */
    if (net_checksum(p, header_len) != 0)
        return NET_DROP_IP_BAD_CHECKSUM;
    out->tos = p[1];
    out->id = net_get16(p + 4);
    out->flags_offset = net_get16(p + 6);
    out->ttl = p[8];
    out->protocol = p[9];
    out->src = net_get32(p + 12);
    out->dst = net_get32(p + 16);
    out->header_len = header_len;
    out->total_len = total_len;
    out->payload = p + header_len;
    out->payload_len = total_len - header_len;
    /* Checked last, so a corrupted header counts as an error, not as a fragment. */
    if (out->flags_offset & (IP_FLAG_MF | IP_OFFSET_MASK))
        return NET_DROP_IP_FRAGMENT;
    return NET_OK;
}

size_t ip_build_header(uint8_t *out, size_t cap, const struct ip_header_params *params)
{
    if (cap < IP_HEADER_LEN || params->payload_len > 0xFFFF - IP_HEADER_LEN)
        return 0;
    out[0] = IP_VERSION << 4 | IP_HEADER_LEN / 4;
    out[1] = 0; /* TOS / DSCP: best effort */
    net_put16(out + 2, (uint16_t)(IP_HEADER_LEN + params->payload_len));
    net_put16(out + 4, params->id);
    /* DF: we never fragment, so let routers tell the sender (RFC 1191) rather than split. */
    net_put16(out + 6, IP_FLAG_DF);
    out[8] = params->ttl;
    out[9] = params->protocol;
    net_put16(out + 10, 0); /* the checksum is computed with its own field zero */
    net_put32(out + 12, params->src);
    net_put32(out + 16, params->dst);
    net_put16(out + 10, net_checksum(out, IP_HEADER_LEN));
    return IP_HEADER_LEN;
}
