/* kernel/shell/line_edit.h - the shell's line editor: keys in, screen updates out.
 *
 * Keys arrive as the bytes a terminal sends: printable ASCII, control characters (Backspace is
 * 0x08 or 0x7F, Ctrl-U 0x15, Ctrl-C 0x03, Enter CR and/or LF) and control sequences for the
 * arrow and editing keys (ECMA-48 5th ed. §5.4: CSI = ESC '[', then parameter bytes 0x30-0x3F,
 * then one final byte 0x40-0x7E; VT100 terminals also send SS3 = ESC 'O' plus one letter).
 *
 *   key             bytes                   does
 *   Left / Right    CSI D / CSI C           move the cursor
 *   Home / End      CSI H / CSI F, CSI 1~ / CSI 4~ (also 7~ / 8~), SS3 H / SS3 F, Ctrl-A / Ctrl-E
 *   Up / Down       CSI A / CSI B           older / newer line from the history (16 lines)
 *   Delete          CSI 3~                  delete the character under the cursor
 *   Backspace       0x08, 0x7F              delete the character left of the cursor
 *   Ctrl-U          0x15                    erase the whole line
 *   Ctrl-C          0x03                    abandon the line (LINE_EDIT_CANCELLED)
 *   Enter           CR, LF or CR LF         the line is done (LINE_EDIT_DONE); CR LF counts once
 *   Tab, others     -                       ignored
 *
 * The editor keeps the screen in step using only relative cursor motion: CUB (CSI n D) and CUF
 * (CSI n C) move the cursor n columns, EL (CSI K) erases from the cursor to the end of the line
 * (ECMA-48 §8.3.18, §8.3.20, §8.3.41), BEL (0x07) rings when a key cannot do anything (line
 * full, nothing to delete, no older line).
 *
 * A line may be longer than the screen is wide (LINE_EDIT_MAX characters: a pasted command with
 * a long argument), but relative motion cannot go back across a line the terminal wrapped. So
 * the line never wraps: the screen shows a window of LINE_EDIT_COLUMNS characters that follows
 * the cursor, and when the cursor leaves it, the window jumps by half its width and is redrawn
 * (what GNU Readline calls horizontal-scroll-mode). A line that fits is shown whole, as before.
 *
 * Pure code, no kernel state: tests/unit/test_line_edit.c runs it against a small terminal model.
 */
#ifndef IRQLAB_SHELL_LINE_EDIT_H
#define IRQLAB_SHELL_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_EDIT_MAX 255    /* characters in a line */
#define LINE_EDIT_COLUMNS 71 /* shown at a time: 8 (prompt "irqlab> ") + 71 + the cursor = 80 columns */
#define LINE_EDIT_HISTORY 16 /* lines remembered */
#define LINE_EDIT_CSI_MAX 8  /* parameter bytes kept from one control sequence */

/* Where the editor's screen output goes (the console in the kernel, a buffer in the tests). */
typedef void line_edit_output_fn(const char *text, size_t len, void *context);

enum line_edit_result {
    LINE_EDIT_MORE,      /* keep feeding */
    LINE_EDIT_DONE,      /* Enter: line_edit_line() has the line, which is in the history too */
    LINE_EDIT_CANCELLED, /* Ctrl-C: the line was abandoned */
};

enum line_edit_escape { LINE_EDIT_ESC_NONE, LINE_EDIT_ESC_START, LINE_EDIT_ESC_CSI, LINE_EDIT_ESC_SS3 };

struct line_edit {
    char line[LINE_EDIT_MAX + 1]; /* the line being edited, NUL-terminated */
    unsigned len, cursor;         /* cursor: 0 .. len, the column of the next insertion */
    char done[LINE_EDIT_MAX + 1]; /* the last finished line */

    char history[LINE_EDIT_HISTORY][LINE_EDIT_MAX + 1]; /* a ring, newest at history_next - 1 */
    unsigned history_count, history_next;
    unsigned browse;               /* 0: editing a new line; n: showing the n-th newest entry */
    char saved[LINE_EDIT_MAX + 1]; /* the new line, kept while browsing the history */

    enum line_edit_escape escape;
    char csi[LINE_EDIT_CSI_MAX + 1]; /* parameter bytes of the control sequence being read */
    unsigned csi_len;
    bool after_cr; /* the previous byte was CR: a LF right after it is the same Enter */

    /* The screen: line[view] is in the first column after the prompt; the terminal's cursor is
     * `column` columns after the prompt; the first `shown` columns hold text. */
    unsigned view, column, shown;

    line_edit_output_fn *output;
    void *context;
};

void line_edit_init(struct line_edit *e, line_edit_output_fn *output, void *context);
/* One byte from the terminal. */
enum line_edit_result line_edit_feed(struct line_edit *e, char c);
/* The line finished by the last LINE_EDIT_DONE. */
const char *line_edit_line(const struct line_edit *e);
/* History, n = 0 the newest; NULL past the oldest. */
unsigned line_edit_history_count(const struct line_edit *e);
const char *line_edit_history(const struct line_edit *e, unsigned n);

#endif
