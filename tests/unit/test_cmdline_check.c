/* tests/unit/test_cmdline_check.c - host tests of the parse-time value checks (cmdline_value_ok):
 * a bad value is refused with a reason, so cmdline_init can report it once.
 * unit-sources: kernel/boot/cmdline.c kernel/lib/string.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/boot/cmdline.h"

static bool only_red(const char *value, char *why, size_t why_size)
{
    if (!strcmp(value, "red"))
        return true;
    snprintf(why, why_size, "'%s' is not red", value);
    return false;
}

static const struct cmdline_option on_off = {"msi", "on|off", "help", NULL};
static const struct cmdline_option free_text = {"ktest", "<glob>", "help", NULL};
static const struct cmdline_option checked = {"colour", "red", "help", only_red};

static void on_off_options_are_checked_as_booleans(void **state)
{
    (void)state;
    char why[64];
    const char *good[] = {"on", "off", "1", "0", "yes", "no", "true", "false", ""};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(cmdline_value_ok(&on_off, good[i], why, sizeof(why)));
    assert_false(cmdline_value_ok(&on_off, "banana", why, sizeof(why)));
    assert_string_equal(why, "not on|off; the default is used");
}

static void unchecked_options_accept_anything(void **state)
{
    (void)state;
    char why[64] = "x";
    assert_true(cmdline_value_ok(&free_text, "banana", why, sizeof(why)));
    assert_string_equal(why, "");
}

static void an_options_own_check_decides(void **state)
{
    (void)state;
    char why[64];
    assert_true(cmdline_value_ok(&checked, "red", why, sizeof(why)));
    assert_false(cmdline_value_ok(&checked, "blue", why, sizeof(why)));
    assert_string_equal(why, "'blue' is not red");
}

static void numbers(void **state)
{
    (void)state;
    char why[64];
    unsigned long n = 7;
    assert_true(cmdline_parse_number("0", &n));
    assert_int_equal(n, 0);
    assert_true(cmdline_parse_number("256", &n));
    assert_int_equal(n, 256);
    assert_false(cmdline_parse_number("", &n));
    assert_false(cmdline_parse_number("12x", &n));
    assert_false(cmdline_parse_number("-1", &n));
    assert_false(cmdline_parse_number("99999999999999999999", &n)); /* no overflow into a small value */
    assert_true(cmdline_check_number("8000", why, sizeof(why)));
    assert_false(cmdline_check_number("fast", why, sizeof(why)));
    assert_string_equal(why, "not a number; ignored");
}

static void find_returns_the_declaration(void **state)
{
    (void)state;
    const struct cmdline_option options[] = {on_off, checked};
    assert_ptr_equal(cmdline_option_find(options, 2, "colour"), &options[1]);
    assert_null(cmdline_option_find(options, 2, "color"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(on_off_options_are_checked_as_booleans), cmocka_unit_test(unchecked_options_accept_anything),
        cmocka_unit_test(an_options_own_check_decides),           cmocka_unit_test(numbers),
        cmocka_unit_test(find_returns_the_declaration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
