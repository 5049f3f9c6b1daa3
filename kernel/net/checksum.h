/* kernel/net/checksum.h - the Internet checksum (RFC 1071), used by IPv4, ICMP and UDP.
 *
 * The checksum is the ones' complement of the ones' complement sum of the data taken as
 * big-endian 16-bit words (RFC 1071 §1). A receiver sums the data *including* the checksum
 * field; the result is 0 when nothing changed, which is how every parser here checks it.
 *
 * Long messages are summed in pieces (UDP: pseudo-header, then header and data):
 *     uint32_t sum = net_checksum_pseudo(src, dst, IP_PROTO_UDP, len);
 *     sum = net_checksum_add(sum, udp, len);
 *     uint16_t c = net_checksum_finish(sum);
 * Every piece but the last must have an even length (a 16-bit word cannot straddle two calls).
 * Values are host integers: store them with net_put16(). Pure code: also built on the host.
 */
#ifndef IRQLAB_NET_CHECKSUM_H
#define IRQLAB_NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add `len` bytes to a running sum (start with 0). An odd last byte counts as its word's high
 * half, as if a zero byte followed it (RFC 1071 §4.1). The result is folded to 32 bits. */
uint32_t net_checksum_add(uint32_t sum, const void *data, size_t len);
/* Fold the carries back in and complement: the value to put in a checksum field. */
uint16_t net_checksum_finish(uint32_t sum);
/* net_checksum_finish(net_checksum_add(0, data, len)). Over a message with a correct checksum
 * field this is 0. */
uint16_t net_checksum(const void *data, size_t len);
/* The running sum of the IPv4 pseudo-header UDP prepends (RFC 768): source and destination
 * address, zero, protocol, and the UDP length. Addresses are host-order integers. */
uint32_t net_checksum_pseudo(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t length);

#endif
