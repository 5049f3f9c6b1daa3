/* kernel/net/net_internal.h - how the stack's kernel-side files call each other.
 *
 * Not for drivers or other subsystems (they use netif.h and net.h). Everything here runs at
 * DISPATCH_LEVEL: netif_receive and the public send calls raise to it first, so a service never
 * has to wonder which IRQL it is at, and KSPIN_LOCKs are taken the same way everywhere.
 */
#ifndef IRQLAB_NET_NET_INTERNAL_H
#define IRQLAB_NET_NET_INTERNAL_H

#include "kernel/net/ethernet.h"
#include "kernel/net/ipv4.h"
#include "kernel/net/net.h"
#include "kernel/net/netif.h"

/* Where headers go in a transmit buffer. */
#define NET_TX_IP_OFFSET ETH_HEADER_LEN
#define NET_TX_L4_OFFSET (ETH_HEADER_LEN + IP_HEADER_LEN)
#define NET_TX_L4_MAX (ETH_MTU - IP_HEADER_LEN) /* ICMP/UDP bytes that fit in one frame */

/* A frame being received: which adapter, and its Ethernet header. */
struct net_rx {
    struct netif *netif;
    struct eth_frame eth;
};

/* ---- kernel/net/netif.c ---- */
/* Call fn with the adapter at `index` while holding the adapter-list lock (so it cannot be
 * unregistered meanwhile); false if there is none. fn runs at DISPATCH_LEVEL and must be short. */
bool net_with_netif(unsigned index, void (*fn)(struct netif *netif, void *context), void *context);
/* Count a dropped frame under its reason and its class's summary counter. */
void net_count_drop(struct netif *netif, enum net_drop reason);
/* The clock tick count (KeQueryTickCount): the ARP cache's time. */
uint64_t net_now(void);
/* A consistent-enough copy of the adapter's configuration (see netif_set_ipv4). */
struct ip_config net_ipv4_of(const struct netif *netif);
/* Transmit buffers: claim one (-1 and a tx.no_buffer drop if all are busy), write into it,
 * then either net_tx_send it (pads to 60 bytes, calls the driver, counts, releases) or
 * net_tx_release it. */
int net_tx_claim(struct netif *netif);
uint8_t *net_tx_buffer(struct netif *netif, int buffer);
void net_tx_release(struct netif *netif, int buffer);
bool net_tx_send(struct netif *netif, int buffer, size_t len);

/* ---- kernel/net/arp_service.c ---- */
void arp_input(const struct net_rx *rx);
/* The frame in `buffer` (len bytes, Ethernet destination still blank) goes to next_hop: fill
 * in its MAC and send, or hold it while ARP asks. Consumes the buffer. False if dropped. */
bool arp_output(struct netif *netif, int buffer, size_t len, uint32_t next_hop);
/* Drop the frame held for ARP, if any (unregistering, readdressing). */
void arp_drop_pending(struct netif *netif);

/* ---- kernel/net/ip_service.c ---- */
void ip_input(const struct net_rx *rx);
/* Hand an accepted datagram to its protocol (ICMP, UDP; others are counted and dropped). */
void ip_deliver(const struct net_rx *rx, const struct ip_packet *ip);
/* The ICMP/UDP message (l4_len bytes) is at NET_TX_L4_OFFSET in `buffer`: add the IPv4 and
 * Ethernet headers and send it to dst - to dst_mac if given (a reply goes back to the MAC the
 * request came from), else through ARP; to our own address it is delivered locally, without
 * the NIC. Consumes the buffer. False if it was dropped. */
bool ip_output(struct netif *netif, int buffer, uint32_t dst, uint8_t protocol, size_t l4_len, const uint8_t *dst_mac);

/* ---- kernel/net/icmp_service.c, udp_service.c ---- */
void icmp_input(const struct net_rx *rx, const struct ip_packet *ip);
void udp_input(const struct net_rx *rx, const struct ip_packet *ip);

/* ---- kernel/net/net_config.c ---- */
/* The adapter's configuration from the command line (ip=, ip1=, ...) or the default. */
void net_config_apply(struct netif *netif);

#endif
