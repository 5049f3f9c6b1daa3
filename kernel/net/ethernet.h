/* kernel/net/ethernet.h - Ethernet II framing (RFC 894, IEEE 802.3 clause 3) and MAC addresses.
 *
 * A frame as a NIC hands it over: destination MAC, source MAC, EtherType, payload. The 4-byte
 * FCS is normally stripped by the NIC; the preamble never reaches software. Short frames are
 * padded to 60 bytes on the wire, so the payload may be longer than what it carries: upper
 * layers use their own length fields (IPv4 total length), never the frame length.
 * Pure code: also built on the host for the unit tests.
 */
#ifndef IRQLAB_NET_ETHERNET_H
#define IRQLAB_NET_ETHERNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/net/drop.h"

#define ETH_ADDR_LEN 6
#define ETH_HEADER_LEN 14
#define ETH_MTU 1500                             /* payload bytes */
#define ETH_FRAME_MAX (ETH_HEADER_LEN + ETH_MTU) /* 1514: what we send at most */
#define ETH_FRAME_MAX_RX (ETH_FRAME_MAX + 4)     /* 1518: accepted, in case a NIC keeps the FCS */
#define ETH_FRAME_MIN 60                         /* shorter frames are padded (without FCS) */
#define ETH_ADDR_TEXT_LEN 18                     /* "52:54:00:12:34:56" and its NUL */

/* EtherTypes (IEEE registry; RFC 894 for IPv4, RFC 826 for ARP). Values below 0x0600 are
 * IEEE 802.3 length fields, not types. */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_IPV6 0x86DD

/* A parsed frame. The pointers point into the caller's buffer. */
struct eth_frame {
    const uint8_t *dst;
    const uint8_t *src;
    uint16_t type;
    const uint8_t *payload;
    size_t payload_len; /* everything after the header, padding included */
};

/* Who a frame is addressed to, as seen by an adapter with address `ours`. */
enum eth_dest { ETH_DEST_US, ETH_DEST_BROADCAST, ETH_DEST_MULTICAST, ETH_DEST_OTHER };

extern const uint8_t eth_broadcast_addr[ETH_ADDR_LEN];

/* NET_OK, NET_DROP_ETH_TRUNCATED (< 14 bytes or NULL) or NET_DROP_ETH_OVERSIZE (> 1518).
 * The EtherType is not judged here; that is the caller's demultiplexing. */
enum net_drop eth_parse(const void *frame, size_t len, struct eth_frame *out);
/* Write a 14-byte header. Returns ETH_HEADER_LEN, or 0 if cap is too small. */
size_t eth_build_header(uint8_t *out, size_t cap, const uint8_t *dst, const uint8_t *src, uint16_t type);
enum eth_dest eth_classify_dest(const uint8_t *dst, const uint8_t *ours);

bool eth_addr_equal(const uint8_t *a, const uint8_t *b);
bool eth_addr_is_broadcast(const uint8_t *a);
/* The I/G bit (bit 0 of the first byte): set for multicast and broadcast. */
bool eth_addr_is_group(const uint8_t *a);
bool eth_addr_is_zero(const uint8_t *a);
/* "52:54:00:12:34:56" into out (ETH_ADDR_TEXT_LEN bytes); returns out. */
char *eth_addr_format(const uint8_t *a, char *out);

#endif
