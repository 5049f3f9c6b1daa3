/* kernel/net/udp.c - UDP, RFC 768 "User Datagram Protocol" (header, pseudo-header checksum,
 * "an all zero transmitted checksum value means that the transmitter generated no checksum");
 * RFC 1122 §4.1.3.4 (a host must check a checksum that is present). */
#include "kernel/net/udp.h"

#include "kernel/lib/string.h"
#include "kernel/net/bytes.h"
#include "kernel/net/checksum.h"
#include "kernel/net/ipv4.h"

enum net_drop udp_parse(const void *data, size_t len, uint32_t src, uint32_t dst, struct udp_datagram *out)
{
    if (!data || len < UDP_HEADER_LEN)
        return NET_DROP_UDP_TRUNCATED;
    const uint8_t *p = data;
    size_t udp_len = net_get16(p + 4);
    /* The length field is trusted only within what IP delivered: a longer claim would make us
     * read (and echo back) bytes past the datagram. */
    if (udp_len < UDP_HEADER_LEN || udp_len > len)
        return NET_DROP_UDP_BAD_LENGTH;
    uint16_t checksum = net_get16(p + 6);
    if (checksum != 0) {
        uint32_t sum = net_checksum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)udp_len);
        if (net_checksum_finish(net_checksum_add(sum, p, udp_len)) != 0)
            return NET_DROP_UDP_BAD_CHECKSUM;
    }
    out->src_port = net_get16(p);
    out->dst_port = net_get16(p + 2);
    out->checksummed = checksum != 0;
    out->data = p + UDP_HEADER_LEN;
    out->data_len = udp_len - UDP_HEADER_LEN;
    return NET_OK;
}

size_t udp_build(uint8_t *out, size_t cap, uint32_t src, uint32_t dst, uint16_t src_port, uint16_t dst_port,
                 const void *data, size_t data_len)
{
    if (cap < UDP_HEADER_LEN || data_len > cap - UDP_HEADER_LEN || data_len > 0xFFFF - UDP_HEADER_LEN)
        return 0;
    size_t udp_len = UDP_HEADER_LEN + data_len;
    if (data_len && data != out + UDP_HEADER_LEN)
        memmove(out + UDP_HEADER_LEN, data, data_len);
    net_put16(out, src_port);
    net_put16(out + 2, dst_port);
    net_put16(out + 4, (uint16_t)udp_len);
    net_put16(out + 6, 0);
    uint32_t sum = net_checksum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)udp_len);
    uint16_t checksum = net_checksum_finish(net_checksum_add(sum, out, udp_len));
    /* A computed 0 is sent as 0xFFFF (the same value in ones' complement), because 0 on the
     * wire would mean "no checksum" (RFC 768). */
    net_put16(out + 6, checksum ? checksum : 0xFFFF);
    return udp_len;
}
