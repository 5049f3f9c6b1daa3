/* tests/unit/test_shell_format.c - numbers and wrapping for the shell's 80-column tables.
 * unit-sources: kernel/shell/shell_format.c kernel/lib/format.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/shell/shell_format.h"

static void counts_fit_their_column(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(shell_format_count(buf, sizeof(buf), 0, 6), "0");
    assert_string_equal(shell_format_count(buf, sizeof(buf), 999999, 6), "999999");
    assert_string_equal(shell_format_count(buf, sizeof(buf), 1234567, 6), "1234k");
    assert_string_equal(shell_format_count(buf, sizeof(buf), 1234567, 4), "1M");
    assert_string_equal(shell_format_count(buf, sizeof(buf), UINT64_MAX, 6), "18446P");
    assert_string_equal(shell_format_count(buf, sizeof(buf), UINT64_MAX, 20), "18446744073709551615");
}

static void bytes_for_people(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(shell_format_bytes(buf, sizeof(buf), 512), "512 B");
    assert_string_equal(shell_format_bytes(buf, sizeof(buf), 4096), "4 KiB");
    assert_string_equal(shell_format_bytes(buf, sizeof(buf), 1536), "1.5 KiB");
    assert_string_equal(shell_format_bytes(buf, sizeof(buf), 255u << 20), "255 MiB");
    assert_string_equal(shell_format_bytes(buf, sizeof(buf), 3ull << 30), "3 GiB");
}

static void wrapping(void **state)
{
    (void)state;
    static const char *const expected[] = {"message-signalled", "interrupts for", "devices that offer", "them"};
    const char *text = "message-signalled interrupts for devices that offer them";
    for (unsigned i = 0; i < 4; i++) {
        const char *line = text;
        size_t n = shell_wrap(line, 20, &text);
        assert_int_equal(n, strlen(expected[i]));
        assert_memory_equal(line, expected[i], n);
    }
    assert_int_equal(shell_wrap(text, 20, &text), 0);
}

static void long_words_and_newlines(void **state)
{
    (void)state;
    const char *next;
    const char *text = "abcdefghijklmnop qr";
    assert_int_equal(shell_wrap(text, 10, &next), 10); /* no blank to break at: cut */
    assert_string_equal(next, "klmnop qr");
    text = "one\ntwo three";
    assert_int_equal(shell_wrap(text, 40, &next), 3);
    assert_string_equal(next, "two three");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_fit_their_column),
        cmocka_unit_test(bytes_for_people),
        cmocka_unit_test(wrapping),
        cmocka_unit_test(long_words_and_newlines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
