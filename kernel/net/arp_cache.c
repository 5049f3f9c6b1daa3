/* kernel/net/arp_cache.c - the ARP cache table.
 * RFC 826 "Packet Reception" (the merge flag: update what we know, add only what is meant for
 * us); RFC 1122 §2.3.2.1 (entries must time out; at most one request per second per address);
 * §2.3.2.2 (queue at least one packet while resolving - that queue is in arp_service.c).
 */
#include "kernel/net/arp_cache.h"

#include "kernel/lib/string.h"

void arp_cache_init(struct arp_cache *cache, uint64_t ticks_per_second)
{
    if (!ticks_per_second)
        ticks_per_second = 1;
    memset(cache->entries, 0, sizeof(cache->entries));
    cache->lifetime = ARP_LIFETIME_SECONDS * ticks_per_second;
    cache->incomplete_timeout = ARP_INCOMPLETE_SECONDS * ticks_per_second;
    cache->retry_interval = ARP_RETRY_SECONDS * ticks_per_second;
}

void arp_cache_flush(struct arp_cache *cache) { memset(cache->entries, 0, sizeof(cache->entries)); }

/* Unsigned difference: if `now` were ever before `then` (a caller bug), the huge result makes
 * the entry look expired, which is the safe direction. */
static bool expired(const struct arp_cache *cache, const struct arp_entry *e, uint64_t now)
{
    uint64_t age = now - e->updated;
    if (e->state == ARP_STATE_COMPLETE)
        return age >= cache->lifetime;
    if (e->state == ARP_STATE_INCOMPLETE)
        return age >= cache->incomplete_timeout;
    return true;
}

/* The live entry for ip, freeing it on the way if it has expired. */
static struct arp_entry *find(struct arp_cache *cache, uint32_t ip, uint64_t now)
{
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &cache->entries[i];
        if (e->state == ARP_STATE_FREE || e->ip != ip)
            continue;
        if (expired(cache, e, now)) {
            e->state = ARP_STATE_FREE;
            return NULL;
        }
        return e;
    }
    return NULL;
}

/* A slot for a new entry: a free or expired one, else the least recently updated. A small
 * table under a flood of new addresses thus keeps working (old entries are re-learnt) rather
 * than refusing to learn - the price of a fixed table without allocation. */
static struct arp_entry *take_slot(struct arp_cache *cache, uint64_t now)
{
    struct arp_entry *oldest = &cache->entries[0];
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &cache->entries[i];
        if (e->state == ARP_STATE_FREE || expired(cache, e, now)) {
            oldest = e;
            break;
        }
        if (now - e->updated > now - oldest->updated)
            oldest = e;
    }
    memset(oldest, 0, sizeof(*oldest));
    return oldest;
}

enum arp_state arp_cache_state(struct arp_cache *cache, uint32_t ip, uint64_t now, uint8_t *mac)
{
    struct arp_entry *e = find(cache, ip, now);
    if (!e)
        return ARP_STATE_FREE;
    if (e->state == ARP_STATE_COMPLETE && mac)
        memcpy(mac, e->mac, ETH_ADDR_LEN);
    return (enum arp_state)e->state;
}

enum arp_update arp_cache_update(struct arp_cache *cache, uint32_t ip, const uint8_t *mac, uint64_t now, bool create)
{
    struct arp_entry *e = find(cache, ip, now);
    enum arp_update result;
    if (e) {
        result = e->state == ARP_STATE_INCOMPLETE ? ARP_UPDATE_RESOLVED : ARP_UPDATE_REFRESHED;
    } else if (create) {
        e = take_slot(cache, now);
        e->ip = ip;
        result = ARP_UPDATE_CREATED;
    } else {
        return ARP_UPDATE_NONE;
    }
    memcpy(e->mac, mac, ETH_ADDR_LEN);
    e->state = ARP_STATE_COMPLETE;
    e->requests = 0;
    e->updated = now;
    return result;
}

enum arp_resolve arp_cache_resolve(struct arp_cache *cache, uint32_t ip, uint64_t now, uint8_t *mac)
{
    struct arp_entry *e = find(cache, ip, now);
    if (e && e->state == ARP_STATE_COMPLETE) {
        memcpy(mac, e->mac, ETH_ADDR_LEN);
        return ARP_RESOLVED;
    }
    if (e) { /* INCOMPLETE: ask again, but not more than once per retry interval */
        if (now - e->last_request < cache->retry_interval)
            return ARP_WAIT;
        e->last_request = now;
        if (e->requests < 255)
            e->requests++;
        return ARP_SEND_REQUEST;
    }
    e = take_slot(cache, now);
    e->ip = ip;
    e->state = ARP_STATE_INCOMPLETE;
    e->updated = e->last_request = now;
    e->requests = 1;
    return ARP_SEND_REQUEST;
}

unsigned arp_cache_expire(struct arp_cache *cache, uint64_t now)
{
    unsigned freed = 0;
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &cache->entries[i];
        if (e->state != ARP_STATE_FREE && expired(cache, e, now)) {
            e->state = ARP_STATE_FREE;
            freed++;
        }
    }
    return freed;
}

bool arp_cache_remove(struct arp_cache *cache, uint32_t ip)
{
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &cache->entries[i];
        if (e->state != ARP_STATE_FREE && e->ip == ip) {
            e->state = ARP_STATE_FREE;
            return true;
        }
    }
    return false;
}
