/* kernel/net/bytes.h - reading and writing multi-byte fields in network byte order.
 *
 * Every field on the wire is big-endian ("network byte order", RFC 791 Appendix B). We read and
 * write them one byte at a time instead of casting the frame to a struct: an IPv4 header sits
 * 14 bytes into an Ethernet frame, so its 32-bit fields are not 4-byte aligned, and byte access
 * makes the order explicit, so there is no htons()/ntohs() to forget. The compiler turns these
 * into one load and a bswap anyway. Pure code: also built on the host for the unit tests.
 */
#ifndef IRQLAB_NET_BYTES_H
#define IRQLAB_NET_BYTES_H

#include <stdint.h>

static inline uint16_t net_get16(const uint8_t *p) { return (uint16_t)((unsigned)p[0] << 8 | p[1]); }

static inline uint32_t net_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void net_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void net_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
