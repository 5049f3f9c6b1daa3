/* tests/unit/test_net_addr.c - IPv4 addresses and the `ip=` option (kernel/net/ipv4_addr.c):
 * strict dotted quads, prefixes and masks, broadcast/multicast/source classification, and the
 * configuration text with every way it can be wrong.
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

static bool parse(const char *s, uint32_t *out) { return ip_addr_parse(s, strlen(s), out); }

static void dotted_quads(void **state)
{
    (void)state;
    uint32_t a;
    assert_true(parse("10.0.2.15", &a));
    assert_int_equal(a, 0x0A00020F);
    assert_true(parse("0.0.0.0", &a));
    assert_int_equal(a, 0);
    assert_true(parse("255.255.255.255", &a));
    assert_int_equal(a, 0xFFFFFFFF);
    static const char *const bad[] = {"",           "10",        "10.0.2",    "10.0.2.15.",  "10.0.2.15.1",
                                      ".10.0.2.15", "10..2.15",  "256.0.0.1", "10.0.2.1000", "010.0.2.15",
                                      "10.0.2.-1",  "10.0.2.+1", "10.0.2. 1", "a.b.c.d",     "1.2.3.4 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a = 0x12345678;
        assert_false(parse(bad[i], &a));
        assert_int_equal(a, 0x12345678); /* untouched on failure */
    }
    /* Only `len` characters are read: a quad inside a longer string. */
    assert_true(ip_addr_parse("10.0.2.2,gw", 8, &a));
    assert_int_equal(a, 0x0A000202);
    assert_false(ip_addr_parse(NULL, 0, &a));
}

static void formats(void **state)
{
    (void)state;
    char text[IP_ADDR_TEXT_LEN];
    assert_string_equal(ip_addr_format(0x0A00020F, text), "10.0.2.15");
    assert_string_equal(ip_addr_format(0, text), "0.0.0.0");
    assert_string_equal(ip_addr_format(0xFFFFFFFF, text), "255.255.255.255");
    for (uint32_t a = 1; a < 0xFFFFFF00u; a += 0x01010101u * 7 + 3) {
        uint32_t back;
        ip_addr_format(a, text);
        assert_true(parse(text, &back));
        assert_int_equal(back, a);
    }
}

static void prefixes_and_masks(void **state)
{
    (void)state;
    uint32_t m;
    assert_true(ip_prefix_to_mask(24, &m));
    assert_int_equal(m, 0xFFFFFF00);
    assert_true(ip_prefix_to_mask(0, &m));
    assert_int_equal(m, 0);
    assert_true(ip_prefix_to_mask(32, &m));
    assert_int_equal(m, 0xFFFFFFFF);
    assert_false(ip_prefix_to_mask(33, &m));
    for (unsigned b = 0; b <= 32; b++) {
        assert_true(ip_prefix_to_mask(b, &m));
        assert_int_equal(ip_mask_to_prefix(m), b);
    }
    assert_int_equal(ip_mask_to_prefix(0xFF00FF00), -1);
    assert_int_equal(ip_mask_to_prefix(0x00FFFFFF), -1);
    assert_int_equal(ip_mask_to_prefix(0xFFFFFF01), -1);
}

static void classification(void **state)
{
    (void)state;
    struct ip_config c;
    ip_config_default(&c);
    assert_int_equal(c.address, 0x0A00020F);
    assert_int_equal(c.netmask, 0xFFFFFF00);
    assert_int_equal(c.gateway, 0x0A000202);
    assert_true(ip_addr_is_multicast(0xE0000001));
    assert_false(ip_addr_is_multicast(0xDFFFFFFF));
    assert_true(ip_addr_is_reserved(0xF0000000));
    assert_true(ip_addr_is_reserved(0xFFFFFFFF));
    assert_true(ip_addr_is_loopback(0x7F000001));
    assert_true(ip_addr_on_link(&c, 0x0A000263));
    assert_false(ip_addr_on_link(&c, 0x0A000363));
    assert_true(ip_addr_is_broadcast(&c, 0xFFFFFFFF));
    assert_true(ip_addr_is_broadcast(&c, 0x0A0002FF));
    assert_false(ip_addr_is_broadcast(&c, 0x0A0003FF)); /* another subnet's: not ours to judge */
    assert_false(ip_addr_is_broadcast(&c, 0x0A000202));
    /* Sources a host must not answer. */
    assert_true(ip_source_is_valid(&c, 0x0A000202));
    assert_true(ip_source_is_valid(&c, 0x08080808));
    static const uint32_t bad_sources[] = {0, 0xFFFFFFFF, 0x0A0002FF, 0xE0000001, 0xF0000001, 0x7F000001, 0x0A00020F};
    for (size_t i = 0; i < sizeof(bad_sources) / sizeof(bad_sources[0]); i++)
        assert_false(ip_source_is_valid(&c, bad_sources[i]));
    /* /31 (RFC 3021) and /32 have no directed broadcast. */
    struct ip_config p2p = {.address = 0x0A000001, .netmask = 0xFFFFFFFE, .gateway = 0x0A000000};
    assert_null(ip_config_check(&p2p));
    assert_false(ip_addr_is_broadcast(&p2p, 0x0A000001));
    assert_true(ip_source_is_valid(&p2p, 0x0A000000));
    /* Unconfigured: nothing is on link. */
    struct ip_config none = {0};
    assert_false(ip_addr_on_link(&none, 0));
}

static void config_text_parses(void **state)
{
    (void)state;
    struct ip_config c;
    char text[IP_CONFIG_TEXT_LEN];
    assert_null(ip_config_parse("10.0.2.15/24,gw=10.0.2.2", &c));
    assert_int_equal(c.address, 0x0A00020F);
    assert_int_equal(c.netmask, 0xFFFFFF00);
    assert_int_equal(c.gateway, 0x0A000202);
    assert_string_equal(ip_config_format(&c, text), "10.0.2.15/24,gw=10.0.2.2");
    assert_null(ip_config_parse("10.0.2.16", &c)); /* /24, no gateway */
    assert_int_equal(c.netmask, 0xFFFFFF00);
    assert_int_equal(c.gateway, 0);
    assert_string_equal(ip_config_format(&c, text), "10.0.2.16/24");
    assert_null(ip_config_parse("192.168.7.1/16,gw=192.168.0.1", &c));
    assert_string_equal(ip_config_format(&c, text), "192.168.7.1/16,gw=192.168.0.1");
    assert_null(ip_config_parse("10.9.9.9/32", &c));
    assert_null(ip_config_parse("none", &c));
    assert_int_equal(c.address, 0);
    assert_string_equal(ip_config_format(&c, text), "none");
    /* The longest text fits the buffer. */
    struct ip_config longest = {.address = 0xDFFFFFFE, .netmask = 0xFFFFFFFC, .gateway = 0xDFFFFFFD};
    assert_null(ip_config_check(&longest));
    assert_string_equal(ip_config_format(&longest, text), "223.255.255.254/30,gw=223.255.255.253");
    assert_true(strlen(text) < IP_CONFIG_TEXT_LEN);
}

static void config_text_rejects_nonsense(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "dhcp",
        "10.0.2",
        "10.0.2.15/",
        "10.0.2.15/33",
        "10.0.2.15/0",
        "10.0.2.15/024",
        "10.0.2.15/2x",
        "10.0.2.15/24,",
        "10.0.2.15/24,gw",
        "10.0.2.15/24,gw=",
        "10.0.2.15/24,gateway=10.0.2.2",
        "10.0.2.15/24,gw=10.0.3.2",  /* gateway off the subnet */
        "10.0.2.15/24,gw=10.0.2.15", /* gateway is us */
        "10.0.2.15/24,gw=10.0.2.255",
        "10.0.2.15/24,gw=10.0.2.2,x",
        "10.0.2.0/24",   /* network address */
        "10.0.2.255/24", /* broadcast address */
        "0.0.0.0/24",
        "127.0.0.1/8",
        "224.0.0.1/24",
        "255.255.255.255/32",
        "10.0.2.15 /24",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ip_config c = {.address = 1, .netmask = 2, .gateway = 3};
        const char *why = ip_config_parse(bad[i], &c);
        if (!why)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(strlen(why) > 5);
        assert_int_equal(c.address, 1); /* untouched */
    }
    assert_non_null(ip_config_parse(NULL, &(struct ip_config){0}));
}

static void config_check(void **state)
{
    (void)state;
    struct ip_config c = {0};
    assert_null(ip_config_check(&c)); /* unconfigured is valid */
    c.gateway = 0x0A000202;
    assert_non_null(ip_config_check(&c)); /* ... but not half of it */
    c = (struct ip_config){.address = 0x0A00020F, .netmask = 0xFF00FF00};
    assert_non_null(ip_config_check(&c));
    c.netmask = 0;
    assert_non_null(ip_config_check(&c));
    c.netmask = 0xFFFFFF00;
    assert_null(ip_config_check(&c));
    c.gateway = 0xE0000001;
    assert_non_null(ip_config_check(&c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dotted_quads),       cmocka_unit_test(formats),
        cmocka_unit_test(prefixes_and_masks), cmocka_unit_test(classification),
        cmocka_unit_test(config_text_parses), cmocka_unit_test(config_text_rejects_nonsense),
        cmocka_unit_test(config_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
