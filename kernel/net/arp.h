/* kernel/net/arp.h - ARP packets for IPv4 over Ethernet (RFC 826).
 *
 * ARP asks "who has IPv4 address T? tell S" on the broadcast address, and the owner of T
 * answers directly. Only the Ethernet/IPv4 combination exists here (hardware type 1, protocol
 * 0x0800, lengths 6 and 4); anything else is refused as a bad format. The cache and the
 * request/reply logic are arp_cache.c and arp_service.c. Pure code: also built on the host.
 */
#ifndef IRQLAB_NET_ARP_H
#define IRQLAB_NET_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/net/drop.h"
#include "kernel/net/ethernet.h"

#define ARP_PACKET_LEN 28
#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

/* Field names as in RFC 826: sender/target hardware/protocol address. IPv4 addresses are
 * host-order integers (10.0.2.15 is 0x0A00020F). */
struct arp_packet {
    uint16_t op;
    uint8_t sha[ETH_ADDR_LEN];
    uint32_t spa;
    uint8_t tha[ETH_ADDR_LEN];
    uint32_t tpa;
};

/* NET_OK, NET_DROP_ARP_TRUNCATED (< 28 bytes), NET_DROP_ARP_BAD_FORMAT (not Ethernet/IPv4 with
 * lengths 6/4) or NET_DROP_ARP_BAD_OP (neither request nor reply). Bytes after the 28 are
 * Ethernet padding and ignored. */
enum net_drop arp_parse(const void *data, size_t len, struct arp_packet *out);
/* Write a 28-byte packet. Returns ARP_PACKET_LEN, or 0 if cap is too small. */
size_t arp_build(uint8_t *out, size_t cap, const struct arp_packet *packet);

#endif
