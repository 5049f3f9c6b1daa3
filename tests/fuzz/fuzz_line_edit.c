/* tests/fuzz/fuzz_line_edit.c - the shell's line editor fed any byte stream a terminal (or a
 * paste, or line noise) could send. After every byte: the line is NUL-terminated at len, the
 * cursor within it, the window on screen within LINE_EDIT_COLUMNS and holding the cursor; and a
 * model of the terminal, following the editor's output (text, CUB/CUF, EL, BEL), agrees with
 * the column the editor believes the cursor is at and never moves it left of the prompt.
 * fuzz-sources: kernel/shell/line_edit.c kernel/lib/string.c
 */
#include "tests/fuzz/fuzz.h"

#include "kernel/shell/line_edit.h"

struct terminal {
    long column; /* after the prompt */
};

static void output(const char *text, size_t len, void *context)
{
    struct terminal *t = context;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == 0x1B && i + 1 < len && text[i + 1] == '[') {
            size_t j = i + 2;
            long n = 0;
            int digits = 0;
            while (j < len && text[j] >= '0' && text[j] <= '9') {
                n = n * 10 + (text[j++] - '0');
                digits++;
            }
            FUZZ_CHECK(j < len); /* a sequence is written in one piece */
            if (!digits)
                n = 1;
            if (text[j] == 'D') {
                FUZZ_CHECK(n <= t->column); /* CUB never crosses into the prompt */
                t->column -= n;
            } else if (text[j] == 'C') {
                t->column += n;
            } else {
                FUZZ_CHECK(text[j] == 'K');
            }
            i = j;
        } else if (c == '\r' || c == '\n') {
            t->column = 0;
        } else if (c == 0x07) {
            /* BEL */
        } else {
            FUZZ_CHECK(c >= 0x20 && c < 0x7F); /* only printable text reaches the screen */
            t->column++;
        }
    }
}

static struct line_edit e;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct terminal t = {0};
    line_edit_init(&e, output, &t);
    for (size_t i = 0; i < size; i++) {
        enum line_edit_result r = line_edit_feed(&e, (char)data[i]);
        FUZZ_CHECK(e.len <= LINE_EDIT_MAX && e.cursor <= e.len && e.line[e.len] == '\0');
        FUZZ_CHECK(strlen(e.line) == e.len);
        FUZZ_CHECK(e.history_count <= LINE_EDIT_HISTORY);
        if (r == LINE_EDIT_MORE) {
            FUZZ_CHECK(e.view <= e.cursor && e.cursor - e.view <= LINE_EDIT_COLUMNS);
            FUZZ_CHECK(t.column == (long)e.column);
            FUZZ_CHECK(e.column <= LINE_EDIT_COLUMNS);
        } else {
            FUZZ_CHECK(strlen(line_edit_line(&e)) <= LINE_EDIT_MAX);
            t.column = 0; /* the shell prints a new prompt */
        }
        for (unsigned h = 0; h < line_edit_history_count(&e); h++)
            FUZZ_CHECK(strlen(line_edit_history(&e, h)) <= LINE_EDIT_MAX);
    }
    return 0;
}
