/* tests/unit/test_format.c - host tests of the kernel's printf engine.
 * unit-sources: kernel/lib/format.c
 *
 * Where C's printf defines the answer we compare with the host's snprintf too, so a test
 * cannot encode a wrong expectation twice. %p and unknown conversions are irqlab's own rules.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/lib/format.h"

/* Not declared with the printf format attribute, so deliberately odd formats compile. */
static size_t fmt(char *buf, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    size_t n = kvsnprintf(buf, size, format, args);
    va_end(args);
    return n;
}

/* Format with ksnprintf and the host's snprintf; both must agree with `expected`. */
#define CHECK_LIKE_LIBC(expected, ...)                                                                                 \
    do {                                                                                                               \
        char ours_[128], libc_[128];                                                                                   \
        size_t n_ = ksnprintf(ours_, sizeof(ours_), __VA_ARGS__);                                                      \
        int m_ = snprintf(libc_, sizeof(libc_), __VA_ARGS__);                                                          \
        assert_string_equal(libc_, expected);                                                                          \
        assert_string_equal(ours_, expected);                                                                          \
        assert_int_equal(n_, (size_t)m_);                                                                              \
    } while (0)

/* For irqlab-specific behaviour: compare with `expected` only. */
#define CHECK(expected, ...)                                                                                           \
    do {                                                                                                               \
        char ours_[128];                                                                                               \
        size_t n_ = fmt(ours_, sizeof(ours_), __VA_ARGS__);                                                            \
        assert_string_equal(ours_, expected);                                                                          \
        assert_int_equal(n_, strlen(expected));                                                                        \
    } while (0)

static void integers(void **state)
{
    (void)state;
    CHECK_LIKE_LIBC("42 -42 0", "%d %i %d", 42, -42, 0);
    CHECK_LIKE_LIBC("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
    CHECK_LIKE_LIBC("4294967295", "%u", UINT_MAX);
    CHECK_LIKE_LIBC("ff FF 377", "%x %X %o", 255u, 255u, 255u);
    CHECK_LIKE_LIBC("deadbeef", "%x", 0xdeadbeefu);
}

static void chars_strings_percent(void **state)
{
    (void)state;
    CHECK_LIKE_LIBC("x", "%c", 'x');
    CHECK_LIKE_LIBC("hello, world", "%s, %s", "hello", "world");
    CHECK_LIKE_LIBC("100%", "%d%%", 100);
    CHECK_LIKE_LIBC("", "%s", "");
    CHECK_LIKE_LIBC("no conversions", "no conversions");
}

/* Flag combinations C defines but gcc warns about ("' ' flag ignored with '+'"): the
 * formatter must still get them right. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"

static void flags(void **state)
{
    (void)state;
    CHECK_LIKE_LIBC("42   |", "%-5d|", 42);
    CHECK_LIKE_LIBC("00042", "%05d", 42);
    CHECK_LIKE_LIBC("-0042", "%05d", -42);
    CHECK_LIKE_LIBC("+5 -5", "%+d %+d", 5, -5);
    CHECK_LIKE_LIBC(" 5 -5", "% d % d", 5, -5);
    CHECK_LIKE_LIBC("+5", "%+ d", 5); /* '+' wins over ' ' */
    CHECK_LIKE_LIBC("0xff 0XFF 0377", "%#x %#X %#o", 255u, 255u, 255u);
    CHECK_LIKE_LIBC("0 0", "%#x %#o", 0u, 0u); /* no prefix for zero */
    CHECK_LIKE_LIBC("0x00ff", "%#06x", 255u);
    CHECK_LIKE_LIBC("42   ", "%-05d", 42); /* '-' beats '0' */
}

static void width_and_precision(void **state)
{
    (void)state;
    CHECK_LIKE_LIBC("   42", "%5d", 42);
    CHECK_LIKE_LIBC("  007", "%5.3d", 7);
    CHECK_LIKE_LIBC("     007", "%08.3d", 7); /* precision turns '0' off */
    CHECK_LIKE_LIBC("", "%.0d", 0);           /* precision 0, value 0: no digits */
    CHECK_LIKE_LIBC("    ", "%4.0d", 0);
    CHECK_LIKE_LIBC("0", "%#.0o", 0u);
    CHECK_LIKE_LIBC("he", "%.2s", "hello");
    CHECK_LIKE_LIBC("     hi|hi     |", "%7s|%-7s|", "hi", "hi");
    CHECK_LIKE_LIBC("  x|x  |", "%3c|%-3c|", 'x', 'x');
    CHECK_LIKE_LIBC("-0000000042", "%.10d", -42);
}

#pragma GCC diagnostic pop

static void star_width_and_precision(void **state)
{
    (void)state;
    CHECK_LIKE_LIBC("   42", "%*d", 5, 42);
    CHECK_LIKE_LIBC("42   |", "%*d|", -5, 42); /* negative width means '-' */
    CHECK_LIKE_LIBC("0007", "%.*d", 4, 7);
    CHECK_LIKE_LIBC("abc", "%.*s", -1, "abc"); /* negative precision means none */
    CHECK_LIKE_LIBC("  ab", "%*.*s", 4, 2, "abcdef");
}

static void length_modifiers(void **state)
{
    (void)state;
    CHECK_LIKE_LIBC("44 1", "%hhd %hhu", 300, 257);
    CHECK_LIKE_LIBC("-128 ff", "%hhd %hhx", 128, 0x1ff);
    CHECK_LIKE_LIBC("4464 65535", "%hd %hu", 70000, 0xffff);
    CHECK_LIKE_LIBC("-9223372036854775808", "%ld", LONG_MIN);
    CHECK_LIKE_LIBC("18446744073709551615", "%lu", ULONG_MAX);
    CHECK_LIKE_LIBC("-9223372036854775808 ffffffffffffffff", "%lld %llx", LLONG_MIN, ULLONG_MAX);
    CHECK_LIKE_LIBC("18446744073709551615", "%zu", SIZE_MAX);
    CHECK_LIKE_LIBC("-9223372036854775808", "%jd", INTMAX_MIN);
    CHECK_LIKE_LIBC("-1", "%td", (ptrdiff_t)-1);
    CHECK_LIKE_LIBC("1 2 3", "%ld %lld %zd", 1L, 2LL, (ssize_t)3);
}

static void pointers(void **state)
{
    (void)state;
    CHECK("0x0000000000000000", "%p", (void *)0);
    CHECK("0x00000000deadbeef", "%p", (void *)(uintptr_t)0xdeadbeef);
    CHECK("  0x0000000000001000|", "%20p|", (void *)0x1000);
    CHECK("0x0000000000001000  |", "%-20p|", (void *)0x1000);
}

static void null_string(void **state)
{
    (void)state;
    CHECK("(null)", "%s", (char *)NULL);
    CHECK("(nu", "%.3s", (char *)NULL);
    CHECK("  (null)", "%8s", (char *)NULL);
}

static void unknown_conversions_are_printed(void **state)
{
    (void)state;
    CHECK("a%qb", "a%qb");
    CHECK("%5q", "%5q");
    CHECK("%-08.3lk!", "%-08.3lk!");
    CHECK("50%", "50%"); /* a lone '%' at the end */
    CHECK("x=1 %y", "x=%d %y", 1);
}

static void truncation_and_return_value(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'Z', sizeof(buf));
    assert_int_equal(ksnprintf(buf, 5, "hello world"), 11); /* the untruncated length */
    assert_string_equal(buf, "hell");
    assert_int_equal(buf[5], 'Z'); /* nothing written past size */

    memset(buf, 'Z', sizeof(buf));
    assert_int_equal(ksnprintf(buf, 0, "abc"), 3); /* size 0: nothing written at all */
    assert_int_equal(buf[0], 'Z');

    assert_int_equal(ksnprintf(buf, 1, "abc"), 3);
    assert_string_equal(buf, "");

    assert_int_equal(ksnprintf(buf, sizeof(buf), "%s", "1234567"), 7); /* exactly fits */
    assert_string_equal(buf, "1234567");
    assert_int_equal(ksnprintf(buf, sizeof(buf), "%s", "12345678"), 8); /* one too many */
    assert_string_equal(buf, "1234567");

    assert_int_equal(ksnprintf(buf, sizeof(buf), "%d", -12345678), 9);
    assert_string_equal(buf, "-123456");
}

static void count_sink(char c, void *context)
{
    (void)c;
    (*(size_t *)context)++;
}

static size_t count_chars(const char *format, ...)
{
    size_t seen = 0;
    va_list args;
    va_start(args, format);
    size_t n = format_v(count_sink, &seen, format, args);
    va_end(args);
    assert_int_equal(n, seen);
    return n;
}

static void sink_sees_every_character(void **state)
{
    (void)state;
    assert_int_equal(count_chars("%s=%5d", "abc", 7), 9);
    assert_int_equal(count_chars(""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers),
        cmocka_unit_test(chars_strings_percent),
        cmocka_unit_test(flags),
        cmocka_unit_test(width_and_precision),
        cmocka_unit_test(star_width_and_precision),
        cmocka_unit_test(length_modifiers),
        cmocka_unit_test(pointers),
        cmocka_unit_test(null_string),
        cmocka_unit_test(unknown_conversions_are_printed),
        cmocka_unit_test(truncation_and_return_value),
        cmocka_unit_test(sink_sees_every_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
