/* tests/unit/test_cmdline.c - host tests of command-line splitting and lookup.
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

static struct cmdline cl; /* ~1 KiB: keep it off the test's stack */

static void splits_on_whitespace(void **state)
{
    (void)state;
    cmdline_parse(&cl, "  a=1 b=2\tc=3\n d=4\r\n");
    assert_int_equal(cl.count, 4);
    assert_string_equal(cl.words[0].key, "a");
    assert_string_equal(cl.words[0].value, "1");
    assert_string_equal(cl.words[3].key, "d");
    assert_string_equal(cl.words[3].value, "4");
    assert_false(cl.too_many_words);
}

static void bare_words_and_odd_values(void **state)
{
    (void)state;
    cmdline_parse(&cl, "nosmp x=a=b empty= =v");
    assert_int_equal(cl.count, 4);
    assert_string_equal(cmdline_lookup(&cl, "nosmp"), ""); /* bare word: value "" */
    assert_string_equal(cmdline_lookup(&cl, "x"), "a=b");  /* split at the first '=' */
    assert_string_equal(cmdline_lookup(&cl, "empty"), "");
    assert_string_equal(cmdline_lookup(&cl, ""), "v");
    assert_null(cmdline_lookup(&cl, "absent"));
    assert_null(cmdline_lookup(&cl, "nos")); /* whole keys only */
}

static void later_words_win(void **state)
{
    (void)state;
    cmdline_parse(&cl, "loglevel=info other loglevel=debug");
    assert_string_equal(cmdline_lookup(&cl, "loglevel"), "debug");
}

static void too_many_words(void **state)
{
    (void)state;
    char text[CMDLINE_TEXT_MAX] = "";
    for (int i = 0; i < CMDLINE_MAX_WORDS + 8; i++) {
        char word[16];
        snprintf(word, sizeof(word), "w%d ", i);
        strcat(text, word);
    }
    cmdline_parse(&cl, text);
    assert_int_equal(cl.count, CMDLINE_MAX_WORDS);
    assert_true(cl.too_many_words);
    assert_non_null(cmdline_lookup(&cl, "w31"));
    assert_null(cmdline_lookup(&cl, "w32"));
}

static void long_text_is_cut(void **state)
{
    (void)state;
    char text[CMDLINE_TEXT_MAX * 2];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    cmdline_parse(&cl, text);
    assert_int_equal(cl.count, 1);
    assert_int_equal(strlen(cl.words[0].key), CMDLINE_TEXT_MAX - 1);
}

static void booleans(void **state)
{
    (void)state;
    cmdline_parse(&cl, "a=on b=1 c=yes d=true e f=off g=0 h=no i=false");
    const char *yes[] = {"a", "b", "c", "d", "e"};
    const char *no[] = {"f", "g", "h", "i"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        bool bad = false;
        assert_true(cmdline_lookup_bool(&cl, yes[i], false, &bad));
        assert_false(bad);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        bool bad = false;
        assert_false(cmdline_lookup_bool(&cl, no[i], true, &bad));
        assert_false(bad);
    }
    assert_true(cmdline_lookup_bool(&cl, "absent", true, NULL));
    assert_false(cmdline_lookup_bool(&cl, "absent", false, NULL));
}

static void bad_booleans(void **state)
{
    (void)state;
    cmdline_parse(&cl, "msi=maybe x=ON y=2");
    bool bad = false;
    assert_true(cmdline_lookup_bool(&cl, "msi", true, &bad)); /* the default, and flagged */
    assert_true(bad);
    bad = false;
    assert_false(cmdline_lookup_bool(&cl, "x", false, &bad)); /* case matters */
    assert_true(bad);
    assert_false(cmdline_lookup_bool(&cl, "y", false, NULL)); /* bad without a flag pointer */
}

static void empty_and_null_text(void **state)
{
    (void)state;
    cmdline_parse(&cl, "");
    assert_int_equal(cl.count, 0);
    assert_false(cl.too_many_words);
    cmdline_parse(&cl, "   \t  ");
    assert_int_equal(cl.count, 0);
    cmdline_parse(&cl, NULL);
    assert_int_equal(cl.count, 0);
    assert_null(cmdline_lookup(&cl, "a"));
}

static void parse_resets_previous_state(void **state)
{
    (void)state;
    cmdline_parse(&cl, "a=1 b=2");
    cmdline_parse(&cl, "c=3");
    assert_int_equal(cl.count, 1);
    assert_null(cmdline_lookup(&cl, "a"));
}

static void known_options(void **state)
{
    (void)state;
    const struct cmdline_option options[] = {{"loglevel", "error|warn", "help", NULL},
                                             {"ktest", "<glob>", "help", NULL}};
    assert_true(cmdline_option_known(options, 2, "ktest"));
    assert_true(cmdline_option_known(options, 2, "loglevel"));
    assert_false(cmdline_option_known(options, 2, "log"));
    assert_false(cmdline_option_known(options, 0, "ktest"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splits_on_whitespace),
        cmocka_unit_test(bare_words_and_odd_values),
        cmocka_unit_test(later_words_win),
        cmocka_unit_test(too_many_words),
        cmocka_unit_test(long_text_is_cut),
        cmocka_unit_test(booleans),
        cmocka_unit_test(bad_booleans),
        cmocka_unit_test(empty_and_null_text),
        cmocka_unit_test(parse_resets_previous_state),
        cmocka_unit_test(known_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
