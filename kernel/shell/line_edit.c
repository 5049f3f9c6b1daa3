/* kernel/shell/line_edit.c - see line_edit.h. Control functions: ECMA-48 5th edition (1991),
 * §5.4 (control sequences), §8.3.18 CUB, §8.3.20 CUF, §8.3.41 EL; key encodings as VT100/xterm
 * terminals send them (the ones line_edit.h lists).
 *
 * Every edit updates the screen in the same way (refresh): if the cursor left the window, move
 * the window; write what changed inside the window, erase what may be left over behind it, then
 * move the cursor to where it belongs. */
#include "kernel/shell/line_edit.h"

#include "kernel/lib/string.h"

#define ESC '\x1b'
#define CTRL(c) ((c)&0x1f)

/* ---- screen output -------------------------------------------------------------------------- */

static void emit(struct line_edit *e, const char *text, size_t len)
{
    if (len && e->output)
        e->output(text, len, e->context);
}

static void emit_text(struct line_edit *e, const char *text) { emit(e, text, strlen(text)); }

static void bell(struct line_edit *e) { emit(e, "\a", 1); }

/* CUB / CUF: move the cursor n columns left or right. Nothing for 0: a missing or zero
 * parameter means 1 in ECMA-48 (§5.4.2). */
static void move_cursor(struct line_edit *e, int columns)
{
    if (columns == 0)
        return;
    unsigned n = (unsigned)(columns < 0 ? -columns : columns);
    char digits[12], seq[16];
    size_t count = 0, len = 0;
    do {
        digits[count++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    seq[len++] = ESC;
    seq[len++] = '[';
    while (count)
        seq[len++] = digits[--count];
    seq[len++] = columns < 0 ? 'D' : 'C';
    emit(e, seq, len);
}

static void erase_to_end(struct line_edit *e) { emit(e, "\x1b[K", 3); }

#define NOTHING_CHANGED ((unsigned)-1) /* refresh(): the text is the same, only the cursor moved */

/* Where the window starts so that the cursor is inside it: unchanged while it is; otherwise
 * half a window before the cursor, so that typing or moving on does not redraw at every key.
 * The cursor may sit in the column after the window's last only at the end of the line. A
 * window more than half empty (after deleting at the end) slides back to show more. */
static unsigned window_start(const struct line_edit *e)
{
    unsigned view = e->view;
    bool inside = e->cursor >= view && (e->cursor < view + LINE_EDIT_COLUMNS ||
                                        (e->cursor == view + LINE_EDIT_COLUMNS && e->cursor == e->len));
    if (!inside)
        view = e->cursor > LINE_EDIT_COLUMNS / 2 ? e->cursor - LINE_EDIT_COLUMNS / 2 : 0;
    if (view && e->len < view + LINE_EDIT_COLUMNS / 2) {
        unsigned fuller = e->len > LINE_EDIT_COLUMNS ? e->len - LINE_EDIT_COLUMNS : 0;
        view = fuller < e->cursor ? fuller : e->cursor;
    }
    return view;
}

static void move_to_column(struct line_edit *e, unsigned column)
{
    move_cursor(e, (int)column - (int)e->column);
    e->column = column;
}

/* Bring the screen in step after an edit: the text from index `from` on changed (or
 * NOTHING_CHANGED); before it, the screen is right. */
static void refresh(struct line_edit *e, unsigned from)
{
    unsigned view = window_start(e);
    if (view != e->view) {
        e->view = view;
        from = view; /* the window moved: every column shows something else */
    }
    if (from != NOTHING_CHANGED) {
        if (from < view)
            from = view;
        unsigned end = e->len < view + LINE_EDIT_COLUMNS ? e->len : view + LINE_EDIT_COLUMNS;
        if (from <= end) {
            move_to_column(e, from - view);
            emit(e, e->line + from, end - from);
            e->column = end - view;
            if (e->shown > e->column)
                erase_to_end(e); /* typing at the end, the common case, needs no erasing */
            e->shown = e->column;
        }
    }
    move_to_column(e, e->cursor - view);
}

/* Replace the whole line (history): the cursor at its end. */
static void replace_line(struct line_edit *e, const char *text)
{
    e->len = (unsigned)strlcpy(e->line, text, sizeof(e->line));
    if (e->len > LINE_EDIT_MAX)
        e->len = LINE_EDIT_MAX;
    e->cursor = e->len;
    refresh(e, 0);
}

static void clear_line(struct line_edit *e)
{
    e->len = e->cursor = 0;
    e->line[0] = '\0';
}

/* After a newline: a fresh screen line, nothing shown. */
static void new_screen_line(struct line_edit *e) { e->view = e->column = e->shown = 0; }

/* ---- history ---------------------------------------------------------------------------------- */

unsigned line_edit_history_count(const struct line_edit *e) { return e->history_count; }

const char *line_edit_history(const struct line_edit *e, unsigned n)
{
    if (n >= e->history_count)
        return NULL;
    unsigned slot = (e->history_next + LINE_EDIT_HISTORY - 1 - n) % LINE_EDIT_HISTORY;
    return e->history[slot];
}

static void remember(struct line_edit *e, const char *text)
{
    const char *p = text;
    while (*p == ' ')
        p++;
    if (!*p)
        return; /* an empty (or blank) line is not worth recalling */
    const char *newest = line_edit_history(e, 0);
    if (newest && !strcmp(newest, text))
        return; /* repeating a command does not push older ones out */
    strlcpy(e->history[e->history_next], text, sizeof(e->history[0]));
    e->history_next = (e->history_next + 1) % LINE_EDIT_HISTORY;
    if (e->history_count < LINE_EDIT_HISTORY)
        e->history_count++;
}

static void history_older(struct line_edit *e)
{
    if (e->browse >= e->history_count) {
        bell(e);
        return;
    }
    if (e->browse == 0)
        strlcpy(e->saved, e->line, sizeof(e->saved));
    e->browse++;
    replace_line(e, line_edit_history(e, e->browse - 1));
}

static void history_newer(struct line_edit *e)
{
    if (e->browse == 0) {
        bell(e);
        return;
    }
    e->browse--;
    replace_line(e, e->browse ? line_edit_history(e, e->browse - 1) : e->saved);
}

/* ---- editing ------------------------------------------------------------------------------------ */

static void insert_char(struct line_edit *e, char c)
{
    if (e->len == LINE_EDIT_MAX) {
        bell(e); /* full: the rest of an overlong line is dropped, audibly */
        return;
    }
    memmove(e->line + e->cursor + 1, e->line + e->cursor, e->len - e->cursor + 1);
    e->line[e->cursor] = c;
    e->len++;
    unsigned from = e->cursor++;
    refresh(e, from); /* typing at the end, the common case: just the echo */
}

/* Delete the character at `at` (the cursor is at `at` afterwards). */
static void delete_at(struct line_edit *e, unsigned at)
{
    memmove(e->line + at, e->line + at + 1, e->len - at);
    e->len--;
    e->cursor = at;
    refresh(e, at);
}

static void backspace(struct line_edit *e)
{
    if (e->cursor == 0) {
        bell(e);
        return;
    }
    delete_at(e, e->cursor - 1);
}

static void delete_forward(struct line_edit *e)
{
    if (e->cursor == e->len) {
        bell(e);
        return;
    }
    delete_at(e, e->cursor);
}

static void cursor_to(struct line_edit *e, unsigned index)
{
    e->cursor = index;
    refresh(e, NOTHING_CHANGED);
}

static void kill_line(struct line_edit *e)
{
    clear_line(e);
    refresh(e, 0);
}

static enum line_edit_result finish(struct line_edit *e)
{
    emit_text(e, "\n");
    new_screen_line(e);
    strlcpy(e->done, e->line, sizeof(e->done));
    remember(e, e->line);
    clear_line(e);
    e->browse = 0;
    return LINE_EDIT_DONE;
}

static enum line_edit_result cancel(struct line_edit *e)
{
    emit_text(e, "^C\n");
    new_screen_line(e);
    e->done[0] = '\0';
    clear_line(e);
    e->browse = 0;
    return LINE_EDIT_CANCELLED;
}

/* ---- control sequences -------------------------------------------------------------------------- */

/* The final byte of CSI <params> <final> or SS3 <final>. */
static void control_sequence(struct line_edit *e, char final)
{
    switch (final) {
    case 'A': history_older(e); break;
    case 'B': history_newer(e); break;
    case 'C':
        if (e->cursor < e->len)
            cursor_to(e, e->cursor + 1);
        break;
    case 'D':
        if (e->cursor > 0)
            cursor_to(e, e->cursor - 1);
        break;
    case 'H': cursor_to(e, 0); break;
    case 'F': cursor_to(e, e->len); break;
    case '~': /* VT220 editing keypad: CSI <n> ~ */
        if (!strcmp(e->csi, "1") || !strcmp(e->csi, "7"))
            cursor_to(e, 0);
        else if (!strcmp(e->csi, "4") || !strcmp(e->csi, "8"))
            cursor_to(e, e->len);
        else if (!strcmp(e->csi, "3"))
            delete_forward(e);
        break;
    default: break; /* a key we do not use (F1, Insert, ...): ignored */
    }
}

/* One byte while inside ESC ...; returns true if it was consumed as part of the sequence. */
static bool escape_byte(struct line_edit *e, char c)
{
    unsigned char u = (unsigned char)c;
    if (u < 0x20) { /* a control character cuts the sequence short and acts on its own */
        e->escape = LINE_EDIT_ESC_NONE;
        return false;
    }
    switch (e->escape) {
    case LINE_EDIT_ESC_START:
        e->csi_len = 0;
        e->csi[0] = '\0';
        e->escape = c == '[' ? LINE_EDIT_ESC_CSI : c == 'O' ? LINE_EDIT_ESC_SS3 : LINE_EDIT_ESC_NONE;
        return true; /* ESC + anything else (Alt-key): dropped */
    case LINE_EDIT_ESC_SS3:
        e->escape = LINE_EDIT_ESC_NONE;
        control_sequence(e, c);
        return true;
    case LINE_EDIT_ESC_CSI:
        if (u >= 0x30 && u <= 0x3f) { /* parameter byte */
            if (e->csi_len < LINE_EDIT_CSI_MAX) {
                e->csi[e->csi_len++] = c;
                e->csi[e->csi_len] = '\0';
            }
        } else if (u >= 0x40 && u <= 0x7e) { /* final byte */
            e->escape = LINE_EDIT_ESC_NONE;
            control_sequence(e, c);
        } /* intermediate bytes 0x20-0x2F: none of our keys has them; skip */
        return true;
    case LINE_EDIT_ESC_NONE: break;
    }
    return false;
}

/* ---- the public part ---------------------------------------------------------------------------- */

void line_edit_init(struct line_edit *e, line_edit_output_fn *output, void *context)
{
    memset(e, 0, sizeof(*e));
    e->output = output;
    e->context = context;
}

const char *line_edit_line(const struct line_edit *e) { return e->done; }

enum line_edit_result line_edit_feed(struct line_edit *e, char c)
{
    bool after_cr = e->after_cr;
    e->after_cr = c == '\r';
    if (e->escape != LINE_EDIT_ESC_NONE && escape_byte(e, c))
        return LINE_EDIT_MORE;

    switch (c) {
    case '\r': return finish(e);
    case '\n': return after_cr ? LINE_EDIT_MORE : finish(e); /* CR LF is one Enter */
    case ESC: e->escape = LINE_EDIT_ESC_START; return LINE_EDIT_MORE;
    case CTRL('C'): return cancel(e);
    case CTRL('U'): kill_line(e); return LINE_EDIT_MORE;
    case CTRL('A'): cursor_to(e, 0); return LINE_EDIT_MORE;
    case CTRL('E'): cursor_to(e, e->len); return LINE_EDIT_MORE;
    case '\b':
    case 0x7f: backspace(e); return LINE_EDIT_MORE;
    default: break;
    }
    if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
        insert_char(e, c);
    /* Tab, other control characters and bytes >= 0x80 (no UTF-8 here): ignored. */
    return LINE_EDIT_MORE;
}
