/* kernel/net/ipv4.h - the IPv4 header (RFC 791 §3.1): parse with every check, build.
 *
 * Reassembly is deliberately absent: a fragment (More Fragments set or a non-zero offset) is
 * refused with its own drop reason. Nothing in this stack needs more than one 1500-byte frame,
 * and reassembly is where small stacks get memory-exhaustion and overlap bugs.
 * Pure code: also built on the host for the unit tests.
 */
#ifndef IRQLAB_NET_IPV4_H
#define IRQLAB_NET_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/net/drop.h"

#define IP_HEADER_LEN 20 /* without options; all we send */
#define IP_HEADER_MAX 60 /* IHL is 4 bits of 32-bit words */
#define IP_VERSION 4
#define IP_DEFAULT_TTL 64     /* RFC 1700's recommendation, what most hosts use */
#define IP_FLAG_DF 0x4000     /* Don't Fragment */
#define IP_FLAG_MF 0x2000     /* More Fragments */
#define IP_OFFSET_MASK 0x1FFF /* fragment offset, in 8-byte units */

/* Protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

/* A parsed datagram; pointers into the caller's buffer. Addresses are host-order integers. */
struct ip_packet {
    uint32_t src;
    uint32_t dst;
    uint8_t protocol;
    uint8_t ttl;
    uint8_t tos;
    uint16_t id;
    uint16_t flags_offset;  /* flags and fragment offset as on the wire */
    size_t header_len;      /* IHL * 4, options included (20..60) */
    size_t total_len;       /* the header's total length: what the datagram really is */
    const uint8_t *payload; /* header_len bytes in */
    size_t payload_len;     /* total_len - header_len: Ethernet padding is not part of it */
};

/* Checks, in this order, each with its own reason:
 *   fewer than 20 bytes                        NET_DROP_IP_TRUNCATED
 *   version != 4                               NET_DROP_IP_BAD_VERSION
 *   IHL < 5                                    NET_DROP_IP_BAD_IHL
 *   IHL * 4 > len                              NET_DROP_IP_TRUNCATED
 *   total length < IHL * 4                     NET_DROP_IP_BAD_LENGTH
 *   total length > len (the frame)             NET_DROP_IP_TRUNCATED
 *   header checksum wrong                      NET_DROP_IP_BAD_CHECKSUM
 *   MF set or fragment offset != 0             NET_DROP_IP_FRAGMENT
 * `len` may exceed the total length (Ethernet pads short frames to 60 bytes). Addresses are
 * not judged here: what is "ours" depends on the adapter (kernel/net/ip_service.c). */
enum net_drop ip_parse(const void *data, size_t len, struct ip_packet *out);

struct ip_header_params {
    uint32_t src;
    uint32_t dst;
    uint8_t protocol;
    uint8_t ttl;
    uint16_t id;
    size_t payload_len;
};

/* Write a 20-byte header (no options, DF set, checksum filled in). Returns IP_HEADER_LEN, or 0
 * if cap < 20 or the datagram would exceed 65535 bytes. */
size_t ip_build_header(uint8_t *out, size_t cap, const struct ip_header_params *params);

#endif
