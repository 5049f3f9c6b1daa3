/* tests/unit/test_net_checksum.c - the Internet checksum (kernel/net/checksum.c) against
 * RFC 1071's worked example, odd lengths, split sums, the UDP pseudo-header, and a plain
 * reference implementation on random data.
 * unit-sources: kernel/net/checksum.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/net/checksum.h"

/* The textbook definition, written as differently as possible from the kernel's: sum 16-bit
 * words in a 32-bit integer with an end-around carry after every addition. */
static uint16_t reference_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 2) {
        uint32_t word = (uint32_t)p[i] << 8;
        if (i + 1 < len)
            word |= p[i + 1];
        sum += word;
        if (sum > 0xFFFF)
            sum = (sum & 0xFFFF) + 1;
    }
    return (uint16_t)~sum;
}

/* RFC 1071 §3: "00 01 f2 03 f4 f5 f6 f7" sums to ddf2 (with the carries folded), so the
 * checksum is its complement 220d. */
static void rfc1071_example(void **state)
{
    (void)state;
    static const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(net_checksum_add(0, data, sizeof(data)), 0xddf2);
    assert_int_equal(net_checksum(data, sizeof(data)), 0x220d);
}

/* An odd trailing byte is the high half of a word padded with zero (RFC 1071 §4.1). */
static void odd_lengths(void **state)
{
    (void)state;
    static const uint8_t one[] = {0x01};
    assert_int_equal(net_checksum(one, 1), (uint16_t)~0x0100);
    static const uint8_t three[] = {0x12, 0x34, 0x56};
    assert_int_equal(net_checksum(three, 3), (uint16_t) ~(0x1234 + 0x5600));
    assert_int_equal(net_checksum(three, 0), 0xFFFF); /* nothing summed: ~0 */
}

/* A classic IPv4 header (20 bytes, checksum b861 in bytes 10-11): summing it with its
 * checksum gives 0; with the field zeroed, the computed value is b861. */
static void ipv4_header_vector(void **state)
{
    (void)state;
    uint8_t header[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                        0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    assert_int_equal(net_checksum(header, sizeof(header)), 0);
    header[10] = header[11] = 0;
    assert_int_equal(net_checksum(header, sizeof(header)), 0xb861);
}

static void carries_fold_completely(void **state)
{
    (void)state;
    /* 0xFFFF words: every addition carries. The sum is 0xFFFF, the checksum 0. */
    uint8_t *ff = malloc(65536);
    assert_non_null(ff);
    memset(ff, 0xFF, 65536);
    assert_int_equal(net_checksum_add(0, ff, 65536), 0xFFFF);
    assert_int_equal(net_checksum(ff, 65536), 0);
    assert_int_equal(net_checksum(ff, 65535), reference_checksum(ff, 65535));
    free(ff);
    /* A running sum passed in with high bits set: 0xFFFFFFFF + 0xFFFF folds to 0xFFFF (ones'
     * complement "negative zero"; end-around carries never produce 0 from non-zero words). */
    static const uint8_t w[] = {0xFF, 0xFF};
    assert_int_equal(net_checksum_add(0xFFFFFFFFu, w, 2), 0xFFFF);
    assert_int_equal(net_checksum_finish(net_checksum_add(0xFFFFFFFFu, w, 2)), 0);
}

static void split_sums_match_whole(void **state)
{
    (void)state;
    uint8_t data[301];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 37 + 11);
    uint16_t whole = net_checksum(data, sizeof(data));
    for (size_t cut = 0; cut <= sizeof(data); cut += 2) { /* every even split point */
        uint32_t sum = net_checksum_add(0, data, cut);
        sum = net_checksum_add(sum, data + cut, sizeof(data) - cut);
        assert_int_equal(net_checksum_finish(sum), whole);
    }
}

static void random_data_matches_reference(void **state)
{
    (void)state;
    srand(1071);
    uint8_t data[1600];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)rand() % sizeof(data);
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)rand();
        assert_int_equal(net_checksum(data, len), reference_checksum(data, len));
    }
}

/* Storing the computed checksum in the message makes the receiver's sum come out 0. */
static void inserted_checksum_verifies(void **state)
{
    (void)state;
    uint8_t data[64];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i ^ 0x5A);
    data[6] = data[7] = 0;
    uint16_t c = net_checksum(data, sizeof(data));
    data[6] = (uint8_t)(c >> 8);
    data[7] = (uint8_t)c;
    assert_int_equal(net_checksum(data, sizeof(data)), 0);
}

/* The pseudo-header is the sum of the 12 bytes src, dst, 0, protocol, length. */
static void pseudo_header(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {10, 0, 2, 2, 10, 0, 2, 15, 0, 17, 0x05, 0xc8};
    uint32_t expected = net_checksum_add(0, bytes, sizeof(bytes));
    assert_int_equal(net_checksum_pseudo(0x0A000202, 0x0A00020F, 17, 0x05c8), expected);
    /* Maximum values fold too. */
    uint32_t m = net_checksum_pseudo(0xFFFFFFFF, 0xFFFFFFFF, 0xFF, 0xFFFF);
    assert_true(m <= 0xFFFF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc1071_example),
        cmocka_unit_test(odd_lengths),
        cmocka_unit_test(ipv4_header_vector),
        cmocka_unit_test(carries_fold_completely),
        cmocka_unit_test(split_sums_match_whole),
        cmocka_unit_test(random_data_matches_reference),
        cmocka_unit_test(inserted_checksum_verifies),
        cmocka_unit_test(pseudo_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
