/* tests/unit/test_net_host_addr.c - "is this one host?" (ip_addr_classify, ip_addr_is_host in
 * kernel/net/ipv4_addr.c): the rule ARP uses before learning or answering a sender, ping uses
 * before sending, and IPv4 uses for sources. A subnet's network and broadcast addresses are
 * not hosts (RFC 922; RFC 1122 §3.2.1.3), except on /31 (RFC 3021) and /32.
 * unit-sources: kernel/net/ipv4_addr.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/net/ipv4_addr.h"

static const struct ip_config slirp = {
    .address = IP_ADDR(10, 0, 2, 15), .netmask = 0xFFFFFF00, .gateway = IP_ADDR(10, 0, 2, 2)};

static void every_kind_on_a_slash_24(void **state)
{
    (void)state;
    static const struct {
        uint32_t addr;
        enum ip_addr_kind kind;
    } cases[] = {
        {IP_ADDR(10, 0, 2, 2), IP_KIND_HOST},
        {IP_ADDR(10, 0, 2, 15), IP_KIND_HOST}, /* ourselves: one host, just not another one */
        {IP_ADDR(10, 0, 2, 254), IP_KIND_HOST},
        {IP_ADDR(10, 0, 2, 1), IP_KIND_HOST},
        {IP_ADDR(8, 8, 8, 8), IP_KIND_HOST},
        {IP_ADDR(10, 0, 3, 255), IP_KIND_HOST}, /* another subnet's: not ours to judge */
        {IP_ADDR(10, 0, 3, 0), IP_KIND_HOST},
        {IP_ADDR(10, 0, 2, 255), IP_KIND_SUBNET_BROADCAST},
        {IP_ADDR(10, 0, 2, 0), IP_KIND_SUBNET_NETWORK},
        {IP_ADDR(0, 0, 0, 0), IP_KIND_UNSPECIFIED},
        {IP_ADDR(255, 255, 255, 255), IP_KIND_LIMITED_BROADCAST},
        {IP_ADDR(224, 0, 0, 1), IP_KIND_MULTICAST},
        {IP_ADDR(239, 255, 255, 255), IP_KIND_MULTICAST},
        {IP_ADDR(240, 0, 0, 1), IP_KIND_RESERVED},
        {IP_ADDR(255, 255, 255, 254), IP_KIND_RESERVED},
        {IP_ADDR(127, 0, 0, 1), IP_KIND_LOOPBACK},
        {IP_ADDR(127, 255, 255, 255), IP_KIND_LOOPBACK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(ip_addr_classify(&slirp, cases[i].addr), cases[i].kind);
        assert_int_equal(ip_addr_is_host(&slirp, cases[i].addr), cases[i].kind == IP_KIND_HOST);
    }
}

static void other_prefixes(void **state)
{
    (void)state;
    struct ip_config c = {.address = IP_ADDR(192, 168, 76, 9), .netmask = 0xFFFFFFF0}; /* /28 */
    assert_int_equal(ip_addr_classify(&c, IP_ADDR(192, 168, 76, 15)), IP_KIND_SUBNET_BROADCAST);
    assert_int_equal(ip_addr_classify(&c, IP_ADDR(192, 168, 76, 0)), IP_KIND_SUBNET_NETWORK);
    assert_true(ip_addr_is_host(&c, IP_ADDR(192, 168, 76, 16))); /* the next /28 */
    assert_true(ip_addr_is_host(&c, IP_ADDR(192, 168, 76, 255)));
    /* /31 (RFC 3021): both addresses are hosts. /32: no neighbours, nothing to exclude. */
    c = (struct ip_config){.address = IP_ADDR(10, 0, 0, 1), .netmask = 0xFFFFFFFE};
    assert_true(ip_addr_is_host(&c, IP_ADDR(10, 0, 0, 0)));
    assert_true(ip_addr_is_host(&c, IP_ADDR(10, 0, 0, 1)));
    c.netmask = 0xFFFFFFFF;
    assert_true(ip_addr_is_host(&c, IP_ADDR(10, 0, 0, 1)));
    /* Unconfigured: only the subnet-independent kinds are known. */
    c = (struct ip_config){0};
    assert_true(ip_addr_is_host(&c, IP_ADDR(10, 0, 2, 255)));
    assert_false(ip_addr_is_host(&c, IP_ADDR(255, 255, 255, 255)));
    assert_false(ip_addr_is_host(&c, 0));
}

static void sources_follow_the_same_rule(void **state)
{
    (void)state;
    assert_true(ip_source_is_valid(&slirp, IP_ADDR(10, 0, 2, 2)));
    assert_false(ip_source_is_valid(&slirp, IP_ADDR(10, 0, 2, 0))); /* the network address */
    assert_false(ip_source_is_valid(&slirp, IP_ADDR(10, 0, 2, 255)));
    assert_false(ip_source_is_valid(&slirp, IP_ADDR(10, 0, 2, 15))); /* ourselves */
}

static void every_kind_has_a_description(void **state)
{
    (void)state;
    for (int k = IP_KIND_HOST; k <= IP_KIND_LOOPBACK; k++) {
        const char *text = ip_addr_kind_describe((enum ip_addr_kind)k);
        assert_non_null(text);
        assert_string_not_equal(text, "?");
        assert_true(strlen(text) <= 52); /* "ping: 255.255.255.255 is <text>" fits 80 columns */
    }
    assert_string_equal(ip_addr_kind_describe(IP_KIND_SUBNET_BROADCAST),
                        "the broadcast address of the adapter's subnet");
    assert_string_equal(ip_addr_kind_describe((enum ip_addr_kind)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_kind_on_a_slash_24),
        cmocka_unit_test(other_prefixes),
        cmocka_unit_test(sources_follow_the_same_rule),
        cmocka_unit_test(every_kind_has_a_description),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
