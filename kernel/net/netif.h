/* kernel/net/netif.h - the adapter interface between a NIC driver and the network stack.
 *
 * A driver (the NDIS miniport for e1000/e1000e, or a test's loopback) embeds one struct netif
 * per adapter, fills in the "driver" part, and calls netif_register() from StartDevice. After
 * that the conversation is two calls:
 *
 *     driver -> stack   netif_receive(netif, frame, len)     from the driver's DPC
 *     stack -> driver   netif->transmit(netif, frame, len)   always at DISPATCH_LEVEL
 *
 * Frames are whole Ethernet II frames without the FCS (destination MAC first). Both calls
 * borrow the buffer only for the duration of the call: the stack copies what it keeps (nothing,
 * today) before netif_receive returns, and the driver must copy the frame into its TX ring (or
 * finish with it) before transmit returns.
 *
 * Rules for the driver:
 *   - netif_receive at IRQL <= DISPATCH_LEVEL, normally from the DPC. It never blocks, never
 *     allocates and may call transmit on the same adapter before it returns (the reply to a
 *     ping, ARP or UDP echo is sent from inside netif_receive). So the driver must not hold,
 *     around netif_receive, a lock its transmit callback takes - or it deadlocks itself.
 *   - transmit is called at DISPATCH_LEVEL, from any CPU, possibly on several CPUs at once;
 *     it returns TRUE if the frame was queued to the hardware, FALSE if not (ring full, link
 *     down), which the stack counts as a tx error. It must not call netif_receive directly
 *     (queue a DPC instead).
 *   - netif_unregister only after the driver has stopped calling netif_receive (interrupt
 *     disconnected, KeFlushQueuedDpcs done).
 *
 * Addresses: by registration order, adapter 0 takes its IPv4 configuration from `ip=` on the
 * command line, adapter 1 from `ip1=`, 2 from `ip2=`, 3 from `ip3=`; without one (or with a bad
 * one, which is reported) an adapter gets QEMU user networking's 10.0.2.15/24 with gateway
 * 10.0.2.2. Each `-netdev user` is a separate 10.0.2.0/24, so two adapters on two user networks
 * both being 10.0.2.15 is right, not a conflict. See kernel/net/net_config.c and docs/net.md.
 */
#ifndef IRQLAB_NET_NETIF_H
#define IRQLAB_NET_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/net/arp_cache.h"
#include "kernel/net/drop.h"
#include "kernel/net/ethernet.h"
#include "kernel/net/ipv4_addr.h"

#define NETIF_MAX 8            /* adapters registered at once */
#define NETIF_NAME_MAX 16      /* including the NUL */
#define NETIF_IRQ_CAUSES_MAX 8 /* interrupt causes a driver can name */
#define NETIF_TX_BUFFERS 4     /* frames the stack can be building or holding at once */
#define NETIF_TX_BUFFER_SIZE 1536

/* NTSTATUS values the network API returns that include/ntstatus.h does not define yet (WDK
 * names and numbers). */
#ifndef STATUS_IO_TIMEOUT
#define STATUS_IO_TIMEOUT ((NTSTATUS)0xC00000B5L)
#endif
#ifndef STATUS_INVALID_DEVICE_STATE
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
#endif

struct netif;

/* Hand one frame (len <= 1514 bytes, already padded to >= 60) to the hardware. DISPATCH_LEVEL. */
typedef BOOLEAN NETIF_TRANSMIT(struct netif *netif, const void *frame, size_t len);

/* One interrupt cause the driver counts (e.g. "rxt0", "txdw", "lsc" for the e1000's ICR bits). */
struct netif_irq_cause {
    const char *name; /* set before netif_register; a string that lives as long as the adapter */
    uint64_t count;   /* netif_count_irq_cause() */
};

/* Every counter only grows; update with __atomic adds (the helpers below), read with
 * __atomic_load_n. The stack counts what passes through netif_receive and transmit; the driver
 * may add hardware-level losses (missed packets, descriptor errors) to rx_drops / rx_errors. */
struct netif_counters {
    uint64_t rx_packets, rx_bytes; /* frames handed to netif_receive, and their bytes */
    uint64_t tx_packets, tx_bytes; /* frames the transmit callback accepted */
    uint64_t rx_drops;             /* well-formed but unwanted (reasons of class rx_drop) */
    uint64_t rx_errors;            /* malformed (reasons of class rx_error) */
    uint64_t tx_drops;             /* the stack gave up before transmit (class tx_drop) */
    uint64_t tx_errors;            /* transmit returned FALSE */
    uint64_t interrupts;           /* the driver's ISR claimed an interrupt */
    /* what the services did */
    uint64_t arp_requests_in, arp_replies_in, arp_requests_out, arp_replies_out;
    uint64_t icmp_echo_requests_in, icmp_echo_replies_in;
    uint64_t udp_in, udp_echoed, udp_discarded, udp_delivered;
    uint64_t loopback;             /* datagrams to our own address, delivered without the NIC */
    uint64_t drop[NET_DROP_COUNT]; /* per reason, see kernel/net/drop.h */
};

/* The stack's own per-adapter state. Drivers must not touch it. */
struct netif_stack {
    bool registered;
    uint64_t ticks_per_second;
    KSPIN_LOCK arp_lock; /* protects arp, pending_* */
    struct arp_cache arp;
    int pending;          /* tx buffer held until ARP answers (RFC 1122 §2.3.2.2), or -1 */
    uint32_t pending_hop; /* ... the address it waits for */
    size_t pending_len;
    uint32_t tx_busy; /* bit n: tx[n] is in use (claimed with an atomic compare-exchange) */
    uint16_t ip_id;   /* identification of the next datagram */
    uint8_t tx[NETIF_TX_BUFFERS][NETIF_TX_BUFFER_SIZE];
};

struct netif {
    /* ---- filled in by the driver before netif_register ---- */
    char name[NETIF_NAME_MAX]; /* e.g. "e1000e0"; "" -> the stack names it "net<index>" */
    uint8_t mac[ETH_ADDR_LEN]; /* a unicast address, not all zero */
    NETIF_TRANSMIT *transmit;  /* required */
    void *driver_context;      /* the driver's own pointer (its adapter context) */
    struct netif_irq_cause irq_causes[NETIF_IRQ_CAUSES_MAX];
    unsigned irq_cause_count; /* how many of irq_causes are named */
    bool link_up;             /* the driver keeps this current; shown by `net` */
    /* Optional, PASSIVE_LEVEL: fold counters the driver keeps elsewhere (a NIC's error and
     * missed-frame counters) into `counters`; `net` calls it before it shows them. */
    void (*refresh_counters)(struct netif *netif);

    /* ---- set by the stack; read-only for the driver ---- */
    unsigned index;        /* 0.. in registration order (lowest free slot) */
    struct ip_config ipv4; /* change with netif_set_ipv4 */
    struct netif_counters counters;

    struct netif_stack stack;
};

/* Make the adapter known: check it (transmit set, MAC unicast and non-zero), pick its index,
 * name and IPv4 configuration (ip=/ip1=/...), zero its counters. PASSIVE_LEVEL.
 * STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_OBJECT_NAME_COLLISION (already registered
 * or the name is taken), STATUS_INSUFFICIENT_RESOURCES (NETIF_MAX adapters already). */
NTSTATUS netif_register(struct netif *netif);
/* Forget the adapter. Frames it holds for ARP are dropped. PASSIVE_LEVEL, and only once the
 * driver no longer calls netif_receive for it. */
VOID netif_unregister(struct netif *netif);

/* A received frame (see the rules above). Never fails: whatever is wrong with the frame is
 * counted in netif->counters and the frame is dropped. */
VOID netif_receive(struct netif *netif, const void *frame, size_t len);

/* Change the IPv4 configuration (checked with ip_config_check; the ARP cache is flushed).
 * IRQL <= DISPATCH_LEVEL. STATUS_SUCCESS or STATUS_INVALID_PARAMETER. */
NTSTATUS netif_set_ipv4(struct netif *netif, const struct ip_config *config);

/* The registered adapter with this index or name, or NULL. The pointer stays valid until its
 * driver unregisters it. */
struct netif *netif_get(unsigned index);
struct netif *netif_find(const char *name);

/* Counter helpers, safe at any IRQL (including the ISR's DIRQL) and on any CPU. */
static inline void netif_counter_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}
static inline uint64_t netif_counter_read(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
static inline void netif_count_interrupt(struct netif *netif) { netif_counter_add(&netif->counters.interrupts, 1); }
static inline void netif_count_irq_cause(struct netif *netif, unsigned cause)
{
    if (cause < NETIF_IRQ_CAUSES_MAX)
        netif_counter_add(&netif->irq_causes[cause].count, 1);
}

#endif
