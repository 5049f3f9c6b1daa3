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

/* ---- shell_fill: help text with hanging indents ---- */

struct filled {
    char lines[32][SHELL_COLUMNS + 1];
    unsigned indent[32];
    unsigned count;
};

static void collect(unsigned indent, const char *text, size_t len, void *context)
{
    struct filled *f = context;
    assert_true(f->count < 32);
    assert_true(len <= SHELL_COLUMNS);
    memcpy(f->lines[f->count], text, len);
    f->lines[f->count][len] = '\0';
    f->indent[f->count++] = indent;
}

static void fill(struct filled *f, const char *text, unsigned width)
{
    memset(f, 0, sizeof(*f));
    shell_fill(text, width, collect, f);
    for (unsigned i = 0; i < f->count; i++)
        assert_true(f->indent[i] + strlen(f->lines[i]) <= width);
}

static void fill_wraps_prose_at_blanks(void **state)
{
    (void)state;
    struct filled f;
    fill(&f, "message-signalled interrupts for devices that offer them", 20);
    assert_int_equal(f.count, 4);
    assert_string_equal(f.lines[0], "message-signalled");
    assert_string_equal(f.lines[1], "interrupts for");
    assert_string_equal(f.lines[3], "them");
    for (unsigned i = 0; i < f.count; i++)
        assert_int_equal(f.indent[i], 0);
}

/* Issue 17: `help lpt` broke "one byte per" off its sentence at 80 columns, at indent 2 instead
 * of under the description, because the text was laid out for a wider screen. */
static void fill_keeps_the_hanging_indent(void **state)
{
    (void)state;
    static const char lpt[] = "lpt <text>   sends the text and a newline through the parprint driver (one byte per\n"
                              "             strobe, the next byte from the acknowledge interrupt)\n"
                              "lpt status   the port's owner and waiters, its interrupt, every connected client ISR\n"
                              "             with its call and claim counts (docs/parport.md)";
    struct filled f;
    fill(&f, lpt, 77); /* help's width: 80 columns, 2 of indent, never the last column */
    assert_int_equal(f.count, 4);
    assert_string_equal(f.lines[0], "lpt <text>   sends the text and a newline through the parprint driver (one");
    assert_int_equal(f.indent[0], 0);
    assert_string_equal(f.lines[1], "byte per strobe, the next byte from the acknowledge interrupt)");
    assert_int_equal(f.indent[1], 13);
    assert_string_equal(f.lines[2], "lpt status   the port's owner and waiters, its interrupt, every connected");
    assert_string_equal(f.lines[3], "client ISR with its call and claim counts (docs/parport.md)");
    assert_int_equal(f.indent[3], 13);

    fill(&f, lpt, 40); /* narrower: more lines, every one under the description */
    assert_string_equal(f.lines[0], "lpt <text>   sends the text and a");
    for (unsigned i = 1; i < f.count; i++)
        if (strncmp(f.lines[i], "lpt status", 10))
            assert_int_equal(f.indent[i], 13);
}

static void fill_paragraphs_long_words_and_empty_lines(void **state)
{
    (void)state;
    struct filled f;
    fill(&f, "one\n\ntwo  x", 20);
    assert_int_equal(f.count, 3);
    assert_string_equal(f.lines[0], "one");
    assert_string_equal(f.lines[1], "");       /* an empty paragraph is an empty line */
    assert_string_equal(f.lines[2], "two  x"); /* a term and its description */
    fill(&f, "abcdefghijklmnopqrstuvwxyz end", 10);
    assert_string_equal(f.lines[0], "abcdefghij"); /* no blank to break at: cut */
    assert_string_equal(f.lines[1], "klmnopqrst");
    assert_string_equal(f.lines[2], "uvwxyz end");
    fill(&f, "term   averyveryverylongword", 20);
    assert_string_equal(f.lines[0], "term   averyveryvery"); /* wider than any line: cut */
    assert_string_equal(f.lines[1], "longword");
    assert_int_equal(f.indent[1], 7);
    fill(&f, "term   short words here and there", 20);
    assert_string_equal(f.lines[0], "term   short words");
    assert_string_equal(f.lines[1], "here and");
    assert_int_equal(f.indent[1], 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_fit_their_column),
        cmocka_unit_test(bytes_for_people),
        cmocka_unit_test(wrapping),
        cmocka_unit_test(long_words_and_newlines),
        cmocka_unit_test(fill_wraps_prose_at_blanks),
        cmocka_unit_test(fill_keeps_the_hanging_indent),
        cmocka_unit_test(fill_paragraphs_long_words_and_empty_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
