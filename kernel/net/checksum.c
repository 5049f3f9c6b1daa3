/* kernel/net/checksum.c - the Internet checksum, RFC 1071 "Computing the Internet Checksum".
 *
 * Why ones' complement: the sum is the same whichever byte order a machine adds in, and carries
 * out of bit 15 are added back in ("end-around carry", RFC 1071 §2(B)), so every bit of the
 * message influences the result. We add 16-bit big-endian words into a 64-bit accumulator,
 * which cannot overflow for any message a frame can hold, and fold the carries at the end.
 */
#include "kernel/net/checksum.h"

/* Fold a 64-bit sum of 16-bit words down to 16 bits, adding carries back in. Two rounds are
 * not always enough (0xFFFF + carry can carry again), so loop until nothing is left above. */
static uint32_t fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint32_t)sum;
}

uint32_t net_checksum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t acc = sum;
    while (len >= 2) {
        acc += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)p[0] << 8; /* RFC 1071 §4.1: pad the odd byte with a zero */
    return fold(acc);
}

uint16_t net_checksum_finish(uint32_t sum) { return (uint16_t)~fold(sum); }

uint16_t net_checksum(const void *data, size_t len) { return net_checksum_finish(net_checksum_add(0, data, len)); }

uint32_t net_checksum_pseudo(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t length)
{
    uint64_t acc = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + protocol + length;
    return fold(acc);
}
