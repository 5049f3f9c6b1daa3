/* tests/unit/test_shell_args.c - splitting a shell command line into words.
 * unit-sources: kernel/shell/shell_args.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/shell/shell_args.h"

static void words_and_blanks(void **state)
{
    (void)state;
    char line[] = "  ktest \t irql   dpc ";
    char *argv[5];
    assert_int_equal(shell_split(line, argv, 4), 3);
    assert_string_equal(argv[0], "ktest");
    assert_string_equal(argv[1], "irql");
    assert_string_equal(argv[2], "dpc");
    assert_null(argv[3]);
}

static void empty_and_blank_lines(void **state)
{
    (void)state;
    char empty[] = "", blank[] = " \t  ";
    char *argv[3];
    assert_int_equal(shell_split(empty, argv, 2), 0);
    assert_null(argv[0]);
    assert_int_equal(shell_split(blank, argv, 2), 0);
    assert_null(argv[0]);
}

static void too_many_words(void **state)
{
    (void)state;
    char line[] = "a b c d";
    char *argv[4];
    assert_int_equal(shell_split(line, argv, 3), -1);
    assert_string_equal(argv[2], "c");
    assert_null(argv[3]);
    char exact[] = "a b c";
    assert_int_equal(shell_split(exact, argv, 3), 3);
}

static void rest_keeps_the_text_as_typed(void **state)
{
    (void)state;
    assert_string_equal(shell_args_rest("  lpt   hello,   world  "), "hello,   world  ");
    assert_string_equal(shell_args_rest("help"), "");
    assert_string_equal(shell_args_rest("help   "), "");
    assert_string_equal(shell_args_rest(""), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_and_blanks),
        cmocka_unit_test(empty_and_blank_lines),
        cmocka_unit_test(too_many_words),
        cmocka_unit_test(rest_keeps_the_text_as_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
