/* kernel/net/net.h - the network stack's services for the rest of the kernel (shell, tests).
 *
 * Drivers need only kernel/net/netif.h. This header adds what runs on top: ping, UDP ports,
 * the ARP cache, and the `net` listing. How a datagram travels through the layers: docs/net.md.
 */
#ifndef IRQLAB_NET_NET_H
#define IRQLAB_NET_NET_H

#include "kernel/net/netif.h"

/* ---- ICMP echo (kernel/net/icmp_service.c) ---- */
#define NET_PING_DATA_LEN 56 /* payload bytes of our echo requests, as ping(8) sends */

/* Send one echo request to `ip` and wait up to timeout_ms for its reply, polling with
 * KeStallExecutionProcessor while the reply arrives through the driver's DPC (on this or any
 * other CPU). IRQL < DISPATCH_LEVEL. *rtt_us (optional) gets the round-trip time in
 * microseconds, measured from this call: the first ping to an address includes its ARP
 * exchange; a ping of the adapter's own address is answered locally (looped back, no NIC).
 * STATUS_SUCCESS; STATUS_IO_TIMEOUT; STATUS_INVALID_PARAMETER (no adapter, or not a host
 * address: see ip_addr_classify); STATUS_INVALID_DEVICE_STATE (adapter unconfigured, or IRQL too high);
 * STATUS_INSUFFICIENT_RESOURCES (no free waiter or transmit buffer); STATUS_UNSUCCESSFUL (no
 * route, or the driver refused the frame). */
NTSTATUS net_ping(struct netif *netif, uint32_t ip, uint16_t seq, ULONG timeout_ms, ULONG *rtt_us);

/* ---- UDP (kernel/net/udp_service.c) ----
 * Port 7 is the echo service (RFC 862) and port 9 the discard service (RFC 863) on every
 * adapter; other ports can be given to a handler. */
#define NET_UDP_BINDINGS_MAX 16

/* One received datagram, as a handler sees it. Pointers are valid only during the call. */
struct net_udp_datagram {
    struct netif *netif;
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    uint8_t src_mac[ETH_ADDR_LEN];
    const uint8_t *data;
    size_t len;
};

/* Runs at DISPATCH_LEVEL from netif_receive, on any CPU, possibly on several at once. */
typedef VOID NET_UDP_HANDLER(const struct net_udp_datagram *datagram, PVOID context);

/* Deliver datagrams for `port` (on every adapter) to handler. IRQL <= DISPATCH_LEVEL.
 * STATUS_SUCCESS; STATUS_INVALID_PARAMETER (port 0, no handler); STATUS_OBJECT_NAME_COLLISION
 * (port taken, including 7 and 9); STATUS_INSUFFICIENT_RESOURCES (table full). */
NTSTATUS net_udp_bind(uint16_t port, NET_UDP_HANDLER *handler, PVOID context);
/* Stop delivering; returns once no handler call for the port is running any more, so the
 * context may be freed afterwards. PASSIVE_LEVEL (never from the handler itself).
 * STATUS_SUCCESS, STATUS_NOT_FOUND, STATUS_INVALID_DEVICE_STATE (IRQL too high). */
NTSTATUS net_udp_unbind(uint16_t port);
/* Answer a received datagram (swapped addresses and ports, sent to the MAC it came from).
 * IRQL <= DISPATCH_LEVEL; len <= UDP_PAYLOAD_MAX. */
NTSTATUS net_udp_reply(const struct net_udp_datagram *to, const void *data, size_t len);
/* Send a datagram, resolving the next hop with ARP (held until ARP answers, see docs/net.md).
 * IRQL <= DISPATCH_LEVEL. STATUS_SUCCESS (sent or held), STATUS_INVALID_PARAMETER,
 * STATUS_INSUFFICIENT_RESOURCES, STATUS_UNSUCCESSFUL (no route or the driver refused it). */
NTSTATUS net_udp_send(struct netif *netif, uint32_t dst_ip, uint16_t src_port, uint16_t dst_port, const void *data,
                      size_t len);

/* ---- ARP cache (kernel/net/arp_service.c) ---- */
/* TRUE and the MAC if `ip` has a complete, unexpired entry on this adapter. */
bool net_arp_lookup(struct netif *netif, uint32_t ip, uint8_t *mac);
/* Forget every entry (and drop the frame waiting for ARP, if any). */
void net_arp_flush(struct netif *netif);

/* ---- configuration (kernel/net/net_config.c) ---- */
/* After the drivers have started: warn once about each ipN= for an adapter that is not there. */
void net_config_report_unused(void);

/* ---- the `net` listing (kernel/net/net_print.c) ---- */
/* Adapters, addresses, counters, drop reasons and ARP caches, each line at most 80 columns,
 * one call of sink per line (without the newline). IRQL <= DISPATCH_LEVEL. */
typedef void net_print_sink(void *context, const char *line);
void net_print_to(net_print_sink *sink, void *context);
/* The same on the console. */
void net_print(void);

#endif
