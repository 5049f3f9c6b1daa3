/* kernel/net/udp.h - UDP datagrams (RFC 768): parse with checksum, build.
 *
 * The UDP checksum covers a "pseudo-header" of the IP addresses as well as the datagram, so a
 * datagram delivered to the wrong host fails it; that is why both functions take the
 * addresses. A zero checksum field means "the sender computed none" (allowed over IPv4);
 * we always compute one. Pure code: also built on the host for the unit tests.
 */
#ifndef IRQLAB_NET_UDP_H
#define IRQLAB_NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/net/drop.h"

#define UDP_HEADER_LEN 8
#define UDP_PORT_ECHO 7    /* RFC 862 */
#define UDP_PORT_DISCARD 9 /* RFC 863 */
/* The most payload that fits in one 1500-byte IPv4 datagram: 1500 - 20 - 8. */
#define UDP_PAYLOAD_MAX 1472

struct udp_datagram {
    uint16_t src_port;
    uint16_t dst_port;
    bool checksummed;    /* the sender filled in a checksum (and it was right) */
    const uint8_t *data; /* pointer into the caller's buffer */
    size_t data_len;     /* from the UDP length field, not from the IP payload length */
};

/* `data`/`len` is the IP payload; src/dst the IP addresses (host order). Checks:
 *   fewer than 8 bytes                          NET_DROP_UDP_TRUNCATED
 *   UDP length < 8 or > len                     NET_DROP_UDP_BAD_LENGTH
 *   non-zero checksum that does not verify      NET_DROP_UDP_BAD_CHECKSUM
 * Bytes after the UDP length (inside the IP payload) are ignored. Ports are not judged here. */
enum net_drop udp_parse(const void *data, size_t len, uint32_t src, uint32_t dst, struct udp_datagram *out);
/* Write header + payload (payload copied from `data`, which may already be at out + 8) with
 * the checksum. Returns 8 + data_len, or 0 if it does not fit in cap or in 65535 bytes. */
size_t udp_build(uint8_t *out, size_t cap, uint32_t src, uint32_t dst, uint16_t src_port, uint16_t dst_port,
                 const void *data, size_t data_len);

#endif
