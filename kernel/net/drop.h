/* kernel/net/drop.h - why the stack refused a frame, one counter per reason.
 *
 * Every parser returns NET_OK or one of these reasons, and every reason has its own counter on
 * the adapter (struct netif_counters.drop[]), so a test - or a student at the `net` command -
 * can tell "bad IPv4 checksum" from "UDP to a closed port" instead of staring at one number.
 * The class decides which summary counter a reason also adds to:
 *   rx_error  the frame was malformed (truncated, bad checksum, impossible lengths)
 *   rx_drop   well-formed, but nothing here wants it (not our address, closed port, fragment)
 *   tx_drop   the stack could not send something (no buffer, no ARP answer, no route)
 * Pure code: also built on the host for the unit tests.
 */
#ifndef IRQLAB_NET_DROP_H
#define IRQLAB_NET_DROP_H

/* X(identifier, name shown by `net`, class) */
#define NET_DROP_REASONS(X)                                                                                            \
    X(BAD_IRQL, "netif.bad_irql", RX_ERROR)          /* netif_receive above DISPATCH_LEVEL */                          \
    X(ETH_TRUNCATED, "eth.truncated", RX_ERROR)      /* shorter than the 14-byte header */                             \
    X(ETH_OVERSIZE, "eth.oversize", RX_ERROR)        /* longer than 1518 bytes */                                      \
    X(ETH_BAD_SOURCE, "eth.bad_source", RX_ERROR)    /* group (multicast) source address */                            \
    X(ETH_OWN_SOURCE, "eth.own_source", RX_DROP)     /* our own frame came back */                                     \
    X(ETH_NOT_US, "eth.not_us", RX_DROP)             /* unicast to another MAC */                                      \
    X(ETH_MULTICAST, "eth.multicast", RX_DROP)       /* we joined no multicast group */                                \
    X(ETH_UNKNOWN_TYPE, "eth.unknown_type", RX_DROP) /* not IPv4 or ARP (IPv6, VLAN, LLC) */                           \
    X(ARP_TRUNCATED, "arp.truncated", RX_ERROR)                                                                        \
    X(ARP_BAD_FORMAT, "arp.bad_format", RX_ERROR) /* not Ethernet/IPv4 or wrong lengths */                             \
    X(ARP_BAD_SENDER, "arp.bad_sender", RX_ERROR) /* group MAC, or IP not one host */                                  \
    X(ARP_BAD_OP, "arp.bad_op", RX_DROP)          /* neither request nor reply */                                      \
    X(ARP_NOT_US, "arp.not_us", RX_DROP)          /* asks about another address */                                     \
    X(ARP_CONFLICT, "arp.conflict", RX_DROP)      /* someone else claims our address */                                \
    X(IP_TRUNCATED, "ip.truncated", RX_ERROR)     /* header or total length past the end */                            \
    X(IP_BAD_VERSION, "ip.bad_version", RX_ERROR)                                                                      \
    X(IP_BAD_IHL, "ip.bad_ihl", RX_ERROR)       /* header length below 20 bytes */                                     \
    X(IP_BAD_LENGTH, "ip.bad_length", RX_ERROR) /* total length below header length */                                 \
    X(IP_BAD_CHECKSUM, "ip.bad_checksum", RX_ERROR)                                                                    \
    X(IP_BAD_SOURCE, "ip.bad_source", RX_ERROR) /* broadcast/multicast/our own source */                               \
    X(IP_FRAGMENT, "ip.fragment", RX_DROP)      /* no reassembly here */                                               \
    X(IP_NOT_US, "ip.not_us", RX_DROP)                                                                                 \
    X(IP_BROADCAST, "ip.broadcast", RX_DROP) /* no broadcast services */                                               \
    X(IP_MULTICAST, "ip.multicast", RX_DROP)                                                                           \
    X(IP_UNKNOWN_PROTO, "ip.unknown_proto", RX_DROP) /* not ICMP or UDP (e.g. TCP) */                                  \
    X(ICMP_TRUNCATED, "icmp.truncated", RX_ERROR)                                                                      \
    X(ICMP_BAD_CHECKSUM, "icmp.bad_checksum", RX_ERROR)                                                                \
    X(ICMP_BAD_ECHO_DATA, "icmp.bad_echo_data", RX_ERROR) /* our ping came back altered */                             \
    X(ICMP_UNSUPPORTED, "icmp.unsupported", RX_DROP)      /* not echo request/reply, code != 0 */                      \
    X(ICMP_UNEXPECTED, "icmp.unexpected_reply", RX_DROP)  /* echo reply nobody waits for */                            \
    X(UDP_TRUNCATED, "udp.truncated", RX_ERROR)           /* shorter than the 8-byte header */                         \
    X(UDP_BAD_LENGTH, "udp.bad_length", RX_ERROR)         /* length < 8 or past the IP payload */                      \
    X(UDP_BAD_CHECKSUM, "udp.bad_checksum", RX_ERROR)                                                                  \
    X(UDP_BAD_PORT, "udp.bad_port", RX_DROP)             /* port 0: nowhere to answer */                               \
    X(UDP_ECHO_LOOP, "udp.echo_loop", RX_DROP)           /* from another small service */                              \
    X(UDP_NO_PORT, "udp.no_port", RX_DROP)               /* nobody listens on the port */                              \
    X(TX_NO_BUFFER, "tx.no_buffer", TX_DROP)             /* all transmit buffers busy */                               \
    X(TX_TOO_BIG, "tx.too_big", TX_DROP)                 /* would exceed the 1500-byte MTU */                          \
    X(TX_NO_ROUTE, "tx.no_route", TX_DROP)               /* no address, or off-link, no gateway */                     \
    X(ARP_QUEUE_REPLACED, "arp.queue_replaced", TX_DROP) /* a newer packet took the ARP slot */                        \
    X(ARP_UNRESOLVED, "arp.unresolved", TX_DROP)         /* the next hop never answered ARP */

enum net_drop {
    NET_OK = 0,
#define NET_DROP_ENUM_(id, name, cls) NET_DROP_##id,
    NET_DROP_REASONS(NET_DROP_ENUM_)
#undef NET_DROP_ENUM_
        NET_DROP_COUNT
};

enum net_drop_class { NET_CLASS_NONE, NET_CLASS_RX_ERROR, NET_CLASS_RX_DROP, NET_CLASS_TX_DROP };

/* "ip.bad_checksum"; "ok" for NET_OK; "?" for values out of range. */
const char *net_drop_name(enum net_drop reason);
enum net_drop_class net_drop_class(enum net_drop reason);

#endif
