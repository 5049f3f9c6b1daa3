/* kernel/net/icmp.c - ICMP echo, RFC 792 "Internet Control Message Protocol", pages 14-15
 * ("Echo or Echo Reply Message"); RFC 1122 §3.2.2.6 (a host must answer echo requests, with
 * the same data); the checksum is RFC 1071 over the whole ICMP message. */
#include "kernel/net/icmp.h"

#include "kernel/lib/string.h"
#include "kernel/net/bytes.h"
#include "kernel/net/checksum.h"

enum net_drop icmp_parse_echo(const void *data, size_t len, struct icmp_echo *out)
{
    if (!data || len < ICMP_HEADER_LEN)
        return NET_DROP_ICMP_TRUNCATED;
    const uint8_t *p = data;
    if (net_checksum(p, len) != 0)
        return NET_DROP_ICMP_BAD_CHECKSUM;
    if ((p[0] != ICMP_ECHO_REQUEST && p[0] != ICMP_ECHO_REPLY) || p[1] != 0)
        return NET_DROP_ICMP_UNSUPPORTED;
    out->type = p[0];
    out->id = net_get16(p + 4);
    out->seq = net_get16(p + 6);
    out->data = p + ICMP_HEADER_LEN;
    out->data_len = len - ICMP_HEADER_LEN;
    return NET_OK;
}

size_t icmp_build_echo(uint8_t *out, size_t cap, uint8_t type, uint16_t id, uint16_t seq, const void *data,
                       size_t data_len)
{
    if (cap < ICMP_HEADER_LEN || data_len > cap - ICMP_HEADER_LEN)
        return 0;
    if (data_len && data != out + ICMP_HEADER_LEN)
        memmove(out + ICMP_HEADER_LEN, data, data_len);
    out[0] = type;
    out[1] = 0;
    net_put16(out + 2, 0);
    net_put16(out + 4, id);
    net_put16(out + 6, seq);
    net_put16(out + 2, net_checksum(out, ICMP_HEADER_LEN + data_len));
    return ICMP_HEADER_LEN + data_len;
}
