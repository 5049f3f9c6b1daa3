/* kernel/net/arp_cache.h - the ARP cache: which MAC answers for which IPv4 address.
 *
 * A small fixed table per adapter (RFC 826 "Packet reception"; RFC 1122 §2.3.2.1 on aging and
 * flooding). An entry is
 *   FREE        unused (or expired: an expired entry counts as FREE everywhere),
 *   INCOMPLETE  we asked and wait for the answer; requests are repeated at most once per
 *               retry_interval and the entry gives up after incomplete_timeout,
 *   COMPLETE    IP -> MAC known; valid for `lifetime` after it was last confirmed.
 * Time is the clock tick count (KeQueryTickCount in the kernel) passed in as `now`, so the
 * table is pure code the host tests can drive through hours in microseconds. No locking here:
 * the caller (kernel/net/arp_service.c) holds the adapter's ARP lock.
 */
#ifndef IRQLAB_NET_ARP_CACHE_H
#define IRQLAB_NET_ARP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/net/ethernet.h"

#define ARP_CACHE_SIZE 16
#define ARP_LIFETIME_SECONDS 60  /* RFC 1122 §2.3.2.1: "on the order of a minute" */
#define ARP_INCOMPLETE_SECONDS 3 /* give up on an address after 3 s without an answer */
#define ARP_RETRY_SECONDS 1      /* at most one request per second per address */

enum arp_state { ARP_STATE_FREE = 0, ARP_STATE_INCOMPLETE = 1, ARP_STATE_COMPLETE = 2 };

struct arp_entry {
    uint32_t ip;
    uint8_t mac[ETH_ADDR_LEN];
    uint8_t state;         /* enum arp_state */
    uint8_t requests;      /* requests sent while INCOMPLETE (saturates at 255) */
    uint64_t updated;      /* COMPLETE: last confirmed; INCOMPLETE: first request */
    uint64_t last_request; /* INCOMPLETE: when the latest request went out */
};

struct arp_cache {
    struct arp_entry entries[ARP_CACHE_SIZE];
    uint64_t lifetime;           /* in ticks */
    uint64_t incomplete_timeout; /* in ticks */
    uint64_t retry_interval;     /* in ticks */
};

/* What to do with an outgoing packet for `ip` (arp_cache_resolve). */
enum arp_resolve {
    ARP_RESOLVED,     /* *mac is valid: send now */
    ARP_SEND_REQUEST, /* unknown: an INCOMPLETE entry now exists; broadcast a request, hold the packet */
    ARP_WAIT,         /* a request is already out and was sent less than retry_interval ago */
};

/* What arp_cache_update did. */
enum arp_update {
    ARP_UPDATE_NONE,      /* not in the table and create was false */
    ARP_UPDATE_REFRESHED, /* was COMPLETE; MAC and time renewed */
    ARP_UPDATE_RESOLVED,  /* was INCOMPLETE: held packets may go now */
    ARP_UPDATE_CREATED,   /* new COMPLETE entry */
};

/* Empty table; timeouts from the constants above at `ticks_per_second` (at least 1). */
void arp_cache_init(struct arp_cache *cache, uint64_t ticks_per_second);
void arp_cache_flush(struct arp_cache *cache);

/* The state of `ip`'s entry at `now`; copies the MAC into mac (may be NULL) when COMPLETE. */
enum arp_state arp_cache_state(struct arp_cache *cache, uint32_t ip, uint64_t now, uint8_t *mac);

/* RFC 826's merge step for a received ARP packet from (ip, mac): update the entry if there is
 * one; create a COMPLETE one only if `create` (RFC 826: when the packet was meant for us).
 * A full table recycles its least recently updated entry. */
enum arp_update arp_cache_update(struct arp_cache *cache, uint32_t ip, const uint8_t *mac, uint64_t now, bool create);

/* For sending to `ip`: see enum arp_resolve. Creates the INCOMPLETE entry (recycling the least
 * recently updated one if the table is full) and rate-limits requests. */
enum arp_resolve arp_cache_resolve(struct arp_cache *cache, uint32_t ip, uint64_t now, uint8_t *mac);

/* Free every expired entry; returns how many. */
unsigned arp_cache_expire(struct arp_cache *cache, uint64_t now);
/* Forget `ip`; returns whether it was there. */
bool arp_cache_remove(struct arp_cache *cache, uint32_t ip);

#endif
