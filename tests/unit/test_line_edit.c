/* tests/unit/test_line_edit.c - the shell's line editor, driven key by key.
 * unit-sources: kernel/shell/line_edit.c kernel/lib/string.c
 *
 * The editor's output goes into a tiny model of a terminal that understands exactly what an
 * ECMA-48 terminal would do with it (printable characters, CUB, CUF, EL, BS, BEL, newline). After
 * every key the model's screen line must equal the editor's buffer and the model's cursor its
 * cursor: that proves the screen updates, not just the buffer logic. The model is as wide as the
 * editor may write (LINE_EDIT_COLUMNS, what is left of 80 columns after the prompt): writing
 * beyond it would wrap on a real terminal, so the model counts that as an error. A line longer
 * than that is shown through a window (line_edit.h), and the model must show exactly the window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/shell/line_edit.h"

/* ---- the terminal model ---- */

#define TERM_COLS (LINE_EDIT_COLUMNS + 1) /* the last column only ever holds the cursor */

struct term {
    char screen[TERM_COLS + 1]; /* the current line (spaces where nothing was written) */
    unsigned col;               /* the cursor */
    unsigned bells, newlines;
    char last_line[TERM_COLS + 1]; /* the line that was on screen when the last newline came */
    /* escape parser */
    int state; /* 0 normal, 1 after ESC, 2 in CSI */
    char params[16];
    unsigned nparams;
    unsigned unknown;  /* sequences the model does not know: the editor must not send any */
    unsigned overflow; /* characters written past LINE_EDIT_COLUMNS (a real terminal would wrap) */
    size_t written;    /* bytes the editor sent (what a redraw costs) */
};

static struct term term;

static void term_reset(void)
{
    memset(&term, 0, sizeof(term));
    memset(term.screen, ' ', TERM_COLS);
}

static void term_trimmed(const char *screen, char *out)
{
    size_t n = TERM_COLS;
    while (n && screen[n - 1] == ' ')
        n--;
    memcpy(out, screen, n);
    out[n] = '\0';
}

static void term_csi(char final)
{
    unsigned n = 0;
    for (unsigned i = 0; i < term.nparams; i++)
        n = n * 10 + (unsigned)(term.params[i] - '0');
    switch (final) {
    case 'D': /* CUB: a missing parameter means 1; stops at the margin */
        n = n ? n : 1;
        term.col = n > term.col ? 0 : term.col - n;
        break;
    case 'C':
        n = n ? n : 1;
        term.col = term.col + n > TERM_COLS ? TERM_COLS : term.col + n;
        break;
    case 'K': /* EL 0: erase from the cursor to the end of the line */
        if (n != 0)
            term.unknown++;
        memset(term.screen + term.col, ' ', TERM_COLS - term.col);
        break;
    default: term.unknown++; break;
    }
}

static void term_put(char c)
{
    term.written++;
    if (term.state == 1) {
        if (c == '[') {
            term.state = 2;
            term.nparams = 0;
        } else {
            term.state = 0;
            term.unknown++;
        }
        return;
    }
    if (term.state == 2) {
        if (c >= '0' && c <= '9' && term.nparams < sizeof(term.params))
            term.params[term.nparams++] = c;
        else {
            term.state = 0;
            term_csi(c);
        }
        return;
    }
    switch (c) {
    case '\x1b': term.state = 1; break;
    case '\a': term.bells++; break;
    case '\b':
        if (term.col)
            term.col--;
        break;
    case '\r': term.col = 0; break;
    case '\n':
        term_trimmed(term.screen, term.last_line);
        term.newlines++;
        memset(term.screen, ' ', TERM_COLS);
        term.col = 0;
        break;
    default:
        if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
            term.unknown++; /* the editor must never echo control bytes */
        } else if (term.col < LINE_EDIT_COLUMNS) {
            term.screen[term.col++] = c;
        } else {
            term.overflow++;
        }
        break;
    }
}

static void to_term(const char *text, size_t len, void *context)
{
    (void)context;
    for (size_t i = 0; i < len; i++)
        term_put(text[i]);
}

/* ---- helpers ---- */

static struct line_edit ed;

static int setup(void **state)
{
    (void)state;
    term_reset();
    line_edit_init(&ed, to_term, NULL);
    return 0;
}

/* Screen and buffer agree, and so do the cursors: the screen shows the line from ed.view on, as
 * much as fits, and the cursor is inside it. */
static void assert_in_step(void)
{
    assert_true(ed.view <= ed.cursor);
    unsigned visible = ed.len - ed.view < LINE_EDIT_COLUMNS ? ed.len - ed.view : LINE_EDIT_COLUMNS;
    assert_memory_equal(term.screen, ed.line + ed.view, visible);
    for (unsigned i = visible; i < TERM_COLS; i++)
        assert_int_equal(term.screen[i], ' '); /* nothing left over behind the line */
    assert_int_equal(term.col, ed.cursor - ed.view);
    assert_true(term.col <= LINE_EDIT_COLUMNS);
    if (ed.len <= LINE_EDIT_COLUMNS)
        assert_int_equal(ed.view, 0); /* a line that fits is shown whole */
    assert_int_equal(strlen(ed.line), ed.len);
    assert_int_equal(term.unknown, 0);
    assert_int_equal(term.overflow, 0);
}

/* Feed every byte; returns the last result that was not LINE_EDIT_MORE (or MORE). */
static enum line_edit_result type(const char *keys)
{
    enum line_edit_result last = LINE_EDIT_MORE;
    for (const char *k = keys; *k; k++) {
        enum line_edit_result r = line_edit_feed(&ed, *k);
        if (r == LINE_EDIT_MORE)
            assert_in_step();
        else
            last = r;
    }
    return last;
}

#define LEFT "\x1b[D"
#define RIGHT "\x1b[C"
#define UP "\x1b[A"
#define DOWN "\x1b[B"
#define HOME "\x1b[H"
#define END "\x1b[F"
#define DEL "\x1b[3~"

/* ---- tests ---- */

static void typing_echoes_and_enter_finishes(void **state)
{
    (void)state;
    assert_int_equal(type("help"), LINE_EDIT_MORE);
    assert_string_equal(ed.line, "help");
    assert_int_equal(type("\r"), LINE_EDIT_DONE);
    assert_string_equal(line_edit_line(&ed), "help");
    assert_string_equal(term.last_line, "help");
    assert_int_equal(ed.len, 0);
}

static void backspace_and_del_edit_the_end(void **state)
{
    (void)state;
    type("hx\b");
    assert_string_equal(ed.line, "h");
    type("ex\x7f");
    assert_string_equal(ed.line, "he");
    assert_int_equal(type("lp\r"), LINE_EDIT_DONE);
    assert_string_equal(line_edit_line(&ed), "help");
    assert_string_equal(term.last_line, "help");
    assert_int_equal(term.bells, 0);
}

static void backspace_at_column_zero_rings(void **state)
{
    (void)state;
    type("\b");
    assert_int_equal(term.bells, 1);
    type("ab" HOME "\x7f");
    assert_int_equal(term.bells, 2);
    assert_string_equal(ed.line, "ab");
}

static void editing_in_the_middle(void **state)
{
    (void)state;
    type("lpci");
    type(HOME "s");
    assert_string_equal(ed.line, "slpci");
    assert_int_equal(ed.cursor, 1);
    type(LEFT LEFT); /* the second LEFT at column 0 does nothing */
    assert_int_equal(ed.cursor, 0);
    type(RIGHT RIGHT RIGHT "X");
    assert_string_equal(ed.line, "slpXci");
    type("\b");
    assert_string_equal(ed.line, "slpci");
    type(HOME DEL);
    assert_string_equal(ed.line, "lpci");
    type(END "!");
    assert_string_equal(ed.line, "lpci!");
    type(LEFT "\b\x7f");
    assert_string_equal(ed.line, "lp!");
    assert_int_equal(type("\r"), LINE_EDIT_DONE);
    assert_string_equal(term.last_line, "lp!");
}

static void home_end_variants(void **state)
{
    (void)state;
    type("abc");
    type("\x1b[1~");
    assert_int_equal(ed.cursor, 0);
    type("\x1b[4~");
    assert_int_equal(ed.cursor, 3);
    type("\x1b[7~");
    assert_int_equal(ed.cursor, 0);
    type("\x1b[8~");
    assert_int_equal(ed.cursor, 3);
    type("\x1bOH");
    assert_int_equal(ed.cursor, 0);
    type("\x1bOF");
    assert_int_equal(ed.cursor, 3);
    type("\x01");
    assert_int_equal(ed.cursor, 0);
    type("\x05");
    assert_int_equal(ed.cursor, 3);
    type(DEL); /* at the end: nothing to delete */
    assert_int_equal(term.bells, 1);
    assert_string_equal(ed.line, "abc");
}

static void ctrl_u_kills_the_line(void **state)
{
    (void)state;
    type("lspci" LEFT LEFT "\x15");
    assert_string_equal(ed.line, "");
    assert_int_equal(ed.cursor, 0);
    assert_int_equal(type("irq\r"), LINE_EDIT_DONE);
    assert_string_equal(line_edit_line(&ed), "irq");
}

static void ctrl_c_cancels(void **state)
{
    (void)state;
    assert_int_equal(type("poweroff\x03"), LINE_EDIT_CANCELLED);
    assert_string_equal(line_edit_line(&ed), "");
    assert_string_equal(term.last_line, "poweroff^C");
    assert_int_equal(line_edit_history_count(&ed), 0); /* a cancelled line is not remembered */
    assert_int_equal(type("cpus\r"), LINE_EDIT_DONE);
    assert_string_equal(line_edit_line(&ed), "cpus");
}

static void enter_variants_count_once(void **state)
{
    (void)state;
    unsigned done = 0;
    const char *keys = "a\rb\nc\r\nd\n\re\r\r";
    for (const char *k = keys; *k; k++)
        done += line_edit_feed(&ed, *k) == LINE_EDIT_DONE;
    /* a CR, b LF, c CRLF (one), d LF, then CR alone (an empty line), e CR, CR (another empty) */
    assert_int_equal(done, 7);
    assert_int_equal(term.newlines, 7);
    assert_string_equal(line_edit_history(&ed, 0), "e");
    assert_string_equal(line_edit_history(&ed, 1), "d");
    assert_string_equal(line_edit_history(&ed, 2), "c");
}

static void history_up_and_down(void **state)
{
    (void)state;
    type("irq\r");
    type("cpus\r");
    type("dpc\r");
    type("lsp"); /* a half-typed new line survives browsing */
    type(UP);
    assert_string_equal(ed.line, "dpc");
    type(UP UP);
    assert_string_equal(ed.line, "irq");
    type(UP); /* no older line */
    assert_int_equal(term.bells, 1);
    assert_string_equal(ed.line, "irq");
    type(DOWN);
    assert_string_equal(ed.line, "cpus");
    type(DOWN DOWN);
    assert_string_equal(ed.line, "lsp");
    type(DOWN);
    assert_int_equal(term.bells, 2);
    type("ci\r");
    assert_string_equal(line_edit_line(&ed), "lspci");
    /* up, then enter: the recalled line runs again and is not stored twice */
    assert_int_equal(type(UP "\r"), LINE_EDIT_DONE);
    assert_string_equal(line_edit_line(&ed), "lspci");
    assert_int_equal(line_edit_history_count(&ed), 4);
}

static void history_recall_then_edit(void **state)
{
    (void)state;
    type("ktest irql\r");
    type(UP "\b\b\b\bdpc");
    assert_string_equal(ed.line, "ktest dpc");
    assert_int_equal(type("\r"), LINE_EDIT_DONE);
    /* the edited line is a new entry; the one it was recalled from is unchanged */
    assert_string_equal(line_edit_history(&ed, 0), "ktest dpc");
    assert_string_equal(line_edit_history(&ed, 1), "ktest irql");
    type(UP UP "\b\b\b\b" DOWN DOWN); /* edits to a recalled line are dropped by browsing */
    assert_string_equal(ed.line, "");
    type(UP UP);
    assert_string_equal(ed.line, "ktest irql");
}

static void history_keeps_sixteen(void **state)
{
    (void)state;
    char line[16];
    for (int i = 0; i < 20; i++) {
        snprintf(line, sizeof(line), "cmd%d\r", i);
        type(line);
    }
    type(" "); /* empty and duplicate lines are not stored: */
    type("\r\r");
    assert_int_equal(line_edit_history_count(&ed), LINE_EDIT_HISTORY);
    assert_string_equal(line_edit_history(&ed, 0), "cmd19");
    assert_string_equal(line_edit_history(&ed, 15), "cmd4");
    assert_null(line_edit_history(&ed, 16));
    for (int i = 0; i < 16; i++)
        type(UP);
    assert_string_equal(ed.line, "cmd4");
    type(UP);
    assert_int_equal(term.bells, 1);
}

static void overlong_line_is_capped_with_a_bell(void **state)
{
    (void)state;
    char keys[301];
    memset(keys, 'x', 300);
    keys[300] = '\0';
    type(keys);
    assert_int_equal(ed.len, LINE_EDIT_MAX);
    assert_int_equal(term.bells, 300 - LINE_EDIT_MAX);
    type(HOME "y"); /* inserting into a full line rings too */
    assert_int_equal(term.bells, 300 - LINE_EDIT_MAX + 1);
    assert_int_equal(type("\r"), LINE_EDIT_DONE);
    assert_int_equal(strlen(line_edit_line(&ed)), LINE_EDIT_MAX);
}

/* Issue: lines were capped at 71 characters, so a pasted command with a long argument was cut. */
static void a_long_line_scrolls_through_a_window(void **state)
{
    (void)state;
    char keys[LINE_EDIT_MAX + 1];
    for (unsigned i = 0; i < LINE_EDIT_MAX; i++)
        keys[i] = (char)('a' + i % 26);
    keys[LINE_EDIT_MAX] = '\0';
    type(keys); /* every key checked: the window follows, nothing wraps */
    assert_int_equal(ed.len, LINE_EDIT_MAX);
    assert_int_equal(term.bells, 0);
    assert_true(ed.view > 0);
    type("z"); /* one more than fits: rings */
    assert_int_equal(term.bells, 1);
    /* Edit near the start, then at the end again: the window jumps there and back. */
    type(HOME RIGHT RIGHT "\x7f"
                          "B" END);
    assert_int_equal(ed.line[1], 'B');
    type("\x7f\x7f" LEFT LEFT DEL);
    for (unsigned i = 0; i < 300; i++)
        type(LEFT); /* to the start: the window follows, the last ones ring nothing */
    type(DEL);
    for (unsigned i = 0; i < 60; i++)
        type("\x7f"); /* Backspace at column 0 rings, but never leaves the window */
    assert_int_equal(type("\r"), LINE_EDIT_DONE);
    assert_int_equal(term.bells, 1 + 60);
    assert_int_equal(strlen(line_edit_line(&ed)), LINE_EDIT_MAX - 4);
    assert_memory_equal(line_edit_line(&ed), "Bcdefgh", 7);
}

static void typing_at_the_end_redraws_rarely(void **state)
{
    (void)state;
    size_t before = term.written;
    for (unsigned i = 0; i < LINE_EDIT_MAX; i++)
        type("x");
    /* Each jump of the window rewrites half a window; plain echo is one byte a key. */
    assert_true(term.written - before < LINE_EDIT_MAX + 6 * (LINE_EDIT_COLUMNS + 8));
}

static void a_long_line_comes_back_from_the_history(void **state)
{
    (void)state;
    char keys[LINE_EDIT_MAX + 2];
    for (unsigned i = 0; i < LINE_EDIT_MAX; i++)
        keys[i] = (char)('0' + i % 10);
    keys[LINE_EDIT_MAX] = '\r';
    keys[LINE_EDIT_MAX + 1] = '\0';
    assert_int_equal(type(keys), LINE_EDIT_DONE);
    type("short" UP);
    assert_int_equal(ed.len, LINE_EDIT_MAX);
    type(DOWN);
    assert_string_equal(ed.line, "short");
    type(UP HOME);
    assert_int_equal(ed.view, 0);
    assert_int_equal(type("\r"), LINE_EDIT_DONE);
    assert_memory_equal(line_edit_line(&ed), keys, LINE_EDIT_MAX);
}

static void tab_and_junk_are_harmless(void **state)
{
    (void)state;
    type("he\tl\x01\x05p");
    assert_string_equal(ed.line, "help");
    type("\x1b[15~");                   /* F5: an unknown sequence */
    type("\x1bx");                      /* Alt-x */
    type("\x1b[12345678901234567890Z"); /* absurdly long parameters: capped, not overflowing */
    type("\x80\xff\x02\x7f");
    assert_string_equal(ed.line, "hel");
    type("\x1b[\rp"); /* a sequence cut short by Enter: the Enter still counts */
    assert_string_equal(line_edit_line(&ed), "hel");
    assert_string_equal(ed.line, "p");
}

static void no_output_function_is_fine(void **state)
{
    (void)state;
    line_edit_init(&ed, NULL, NULL);
    for (const char *k = "abc" LEFT "\b\r"; *k; k++)
        (void)line_edit_feed(&ed, *k);
    assert_string_equal(line_edit_line(&ed), "ac");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(typing_echoes_and_enter_finishes, setup),
        cmocka_unit_test_setup(backspace_and_del_edit_the_end, setup),
        cmocka_unit_test_setup(backspace_at_column_zero_rings, setup),
        cmocka_unit_test_setup(editing_in_the_middle, setup),
        cmocka_unit_test_setup(home_end_variants, setup),
        cmocka_unit_test_setup(ctrl_u_kills_the_line, setup),
        cmocka_unit_test_setup(ctrl_c_cancels, setup),
        cmocka_unit_test_setup(enter_variants_count_once, setup),
        cmocka_unit_test_setup(history_up_and_down, setup),
        cmocka_unit_test_setup(history_recall_then_edit, setup),
        cmocka_unit_test_setup(history_keeps_sixteen, setup),
        cmocka_unit_test_setup(overlong_line_is_capped_with_a_bell, setup),
        cmocka_unit_test_setup(a_long_line_scrolls_through_a_window, setup),
        cmocka_unit_test_setup(typing_at_the_end_redraws_rarely, setup),
        cmocka_unit_test_setup(a_long_line_comes_back_from_the_history, setup),
        cmocka_unit_test_setup(tab_and_junk_are_harmless, setup),
        cmocka_unit_test_setup(no_output_function_is_fine, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
