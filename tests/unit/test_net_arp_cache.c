/* tests/unit/test_net_arp_cache.c - the ARP cache (kernel/net/arp_cache.c): RFC 826's merge
 * rule, the INCOMPLETE state and its rate-limited requests, aging by tick count, and recycling
 * when the fixed table is full. Time is just a number here, so minutes pass instantly.
 * unit-sources: kernel/net/arp_cache.c kernel/net/ethernet.c kernel/net/drop.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/net/arp_cache.h"

#define HZ 100 /* ticks per second, as the kernel's clock */
#define IP(n) (0x0A000200u + (n))

static struct arp_cache cache;
static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 0xA};
static const uint8_t mac_b[6] = {2, 0, 0, 0, 0, 0xB};

static int setup(void **state)
{
    (void)state;
    arp_cache_init(&cache, HZ);
    return 0;
}

static void timeouts_follow_the_tick_rate(void **state)
{
    (void)state;
    assert_int_equal(cache.lifetime, ARP_LIFETIME_SECONDS * HZ);
    assert_int_equal(cache.incomplete_timeout, ARP_INCOMPLETE_SECONDS * HZ);
    assert_int_equal(cache.retry_interval, ARP_RETRY_SECONDS * HZ);
    struct arp_cache zero;
    arp_cache_init(&zero, 0); /* a nonsense rate still gives non-zero timeouts */
    assert_true(zero.lifetime > 0);
}

/* RFC 826: a packet not meant for us only updates an existing entry. */
static void merge_updates_but_creates_only_when_asked(void **state)
{
    (void)state;
    uint8_t mac[6];
    assert_int_equal(arp_cache_update(&cache, IP(2), mac_a, 10, false), ARP_UPDATE_NONE);
    assert_int_equal(arp_cache_state(&cache, IP(2), 10, mac), ARP_STATE_FREE);
    assert_int_equal(arp_cache_update(&cache, IP(2), mac_a, 10, true), ARP_UPDATE_CREATED);
    assert_int_equal(arp_cache_state(&cache, IP(2), 11, mac), ARP_STATE_COMPLETE);
    assert_memory_equal(mac, mac_a, 6);
    /* The MAC changed (a replaced NIC): the update without "create" still applies. */
    assert_int_equal(arp_cache_update(&cache, IP(2), mac_b, 20, false), ARP_UPDATE_REFRESHED);
    assert_int_equal(arp_cache_state(&cache, IP(2), 21, mac), ARP_STATE_COMPLETE);
    assert_memory_equal(mac, mac_b, 6);
}

static void resolve_asks_once_per_interval(void **state)
{
    (void)state;
    uint8_t mac[6];
    uint64_t t = 1000;
    assert_int_equal(arp_cache_resolve(&cache, IP(9), t, mac), ARP_SEND_REQUEST);
    assert_int_equal(arp_cache_state(&cache, IP(9), t, NULL), ARP_STATE_INCOMPLETE);
    assert_int_equal(arp_cache_resolve(&cache, IP(9), t + 1, mac), ARP_WAIT);
    assert_int_equal(arp_cache_resolve(&cache, IP(9), t + HZ - 1, mac), ARP_WAIT);
    assert_int_equal(arp_cache_resolve(&cache, IP(9), t + HZ, mac), ARP_SEND_REQUEST);
    assert_int_equal(arp_cache_resolve(&cache, IP(9), t + HZ + 5, mac), ARP_WAIT);
    /* The answer arrives: the entry is resolved and sending goes straight through. */
    assert_int_equal(arp_cache_update(&cache, IP(9), mac_a, t + HZ + 10, false), ARP_UPDATE_RESOLVED);
    assert_int_equal(arp_cache_resolve(&cache, IP(9), t + HZ + 11, mac), ARP_RESOLVED);
    assert_memory_equal(mac, mac_a, 6);
}

static void incomplete_entries_give_up(void **state)
{
    (void)state;
    uint8_t mac[6];
    uint64_t t = 500;
    assert_int_equal(arp_cache_resolve(&cache, IP(7), t, mac), ARP_SEND_REQUEST);
    assert_int_equal(arp_cache_state(&cache, IP(7), t + ARP_INCOMPLETE_SECONDS * HZ - 1, NULL), ARP_STATE_INCOMPLETE);
    assert_int_equal(arp_cache_state(&cache, IP(7), t + ARP_INCOMPLETE_SECONDS * HZ, NULL), ARP_STATE_FREE);
    /* A later packet starts over with a fresh request. */
    assert_int_equal(arp_cache_resolve(&cache, IP(7), t + 10 * HZ, mac), ARP_SEND_REQUEST);
}

static void complete_entries_age_out(void **state)
{
    (void)state;
    uint8_t mac[6];
    arp_cache_update(&cache, IP(3), mac_a, 100, true);
    uint64_t end = 100 + ARP_LIFETIME_SECONDS * HZ;
    assert_int_equal(arp_cache_state(&cache, IP(3), end - 1, mac), ARP_STATE_COMPLETE);
    /* A refresh restarts the clock. */
    arp_cache_update(&cache, IP(3), mac_a, end - 1, false);
    assert_int_equal(arp_cache_state(&cache, IP(3), end + 10, mac), ARP_STATE_COMPLETE);
    assert_int_equal(arp_cache_state(&cache, IP(3), end - 1 + ARP_LIFETIME_SECONDS * HZ, mac), ARP_STATE_FREE);
    /* Expired means unknown: resolving asks again. */
    assert_int_equal(arp_cache_resolve(&cache, IP(3), end * 3, mac), ARP_SEND_REQUEST);
    /* A clock that went backwards (a caller bug) expires rather than keeps entries. */
    arp_cache_update(&cache, IP(4), mac_a, 1000, true);
    assert_int_equal(arp_cache_state(&cache, IP(4), 999, mac), ARP_STATE_FREE);
}

static void expire_and_remove(void **state)
{
    (void)state;
    arp_cache_update(&cache, IP(1), mac_a, 0, true);
    arp_cache_update(&cache, IP(2), mac_a, 50 * HZ, true);
    arp_cache_resolve(&cache, IP(3), 59 * HZ, (uint8_t[6]){0}); /* incomplete, 1 s old at 60 s */
    assert_int_equal(arp_cache_expire(&cache, 60 * HZ), 1);     /* IP(1) only */
    assert_int_equal(arp_cache_expire(&cache, 60 * HZ), 0);
    assert_int_equal(arp_cache_state(&cache, IP(2), 60 * HZ, NULL), ARP_STATE_COMPLETE);
    assert_true(arp_cache_remove(&cache, IP(2)));
    assert_false(arp_cache_remove(&cache, IP(2)));
    assert_int_equal(arp_cache_state(&cache, IP(2), 60 * HZ, NULL), ARP_STATE_FREE);
    arp_cache_flush(&cache);
    assert_int_equal(arp_cache_expire(&cache, 60 * HZ), 0);
}

/* A flood of new addresses recycles the least recently updated entries; the table never
 * refuses to learn and never holds an address twice. */
static void full_table_recycles_oldest(void **state)
{
    (void)state;
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++)
        assert_int_equal(arp_cache_update(&cache, IP(10 + i), mac_a, 100 + i, true), ARP_UPDATE_CREATED);
    arp_cache_update(&cache, IP(10), mac_b, 200, false); /* the oldest is refreshed */
    assert_int_equal(arp_cache_update(&cache, IP(99), mac_b, 201, true), ARP_UPDATE_CREATED);
    assert_int_equal(arp_cache_state(&cache, IP(11), 202, NULL), ARP_STATE_FREE); /* now the oldest */
    assert_int_equal(arp_cache_state(&cache, IP(10), 202, NULL), ARP_STATE_COMPLETE);
    assert_int_equal(arp_cache_state(&cache, IP(99), 202, NULL), ARP_STATE_COMPLETE);
    for (unsigned i = 0; i < 1000; i++)
        arp_cache_resolve(&cache, IP(1000 + i), 300 + i, (uint8_t[6]){0});
    unsigned live = 0;
    for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
        if (cache.entries[i].state == ARP_STATE_FREE)
            continue;
        live++;
        for (unsigned j = 0; j < i; j++)
            assert_false(cache.entries[j].state != ARP_STATE_FREE && cache.entries[j].ip == cache.entries[i].ip);
    }
    assert_int_equal(live, ARP_CACHE_SIZE);
}

static void request_counter_saturates(void **state)
{
    (void)state;
    uint8_t mac[6];
    /* Keep an entry incomplete "forever" by re-creating it; requests never wrap to 0. */
    arp_cache_resolve(&cache, IP(5), 0, mac);
    for (unsigned i = 1; i < 300; i++) {
        cache.entries[0].updated = i * HZ; /* pretend it was just created, to stay alive */
        arp_cache_resolve(&cache, IP(5), i * HZ, mac);
    }
    assert_int_equal(cache.entries[0].requests, 255);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(timeouts_follow_the_tick_rate, setup),
        cmocka_unit_test_setup(merge_updates_but_creates_only_when_asked, setup),
        cmocka_unit_test_setup(resolve_asks_once_per_interval, setup),
        cmocka_unit_test_setup(incomplete_entries_give_up, setup),
        cmocka_unit_test_setup(complete_entries_age_out, setup),
        cmocka_unit_test_setup(expire_and_remove, setup),
        cmocka_unit_test_setup(full_table_recycles_oldest, setup),
        cmocka_unit_test_setup(request_counter_saturates, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
