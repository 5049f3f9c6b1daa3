/* kernel/shell/shell_format.h - small helpers that keep the shell's tables inside 80 columns.
 *
 * Pure code (tests/unit/test_shell_format.c), used by the commands in kernel/shell/cmd_*.c and
 * free for any other command.
 */
#ifndef IRQLAB_SHELL_SHELL_FORMAT_H
#define IRQLAB_SHELL_SHELL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define SHELL_COLUMNS 80

/* `value` in at most `width` characters (width >= 4): as is if it fits, else scaled with a
 * suffix k, M, G, T (powers of 1000, rounded down: 1234567 in 6 -> "1234k"). Returns buf. */
const char *shell_format_count(char *buf, size_t size, uint64_t value, unsigned width);

/* Byte sizes for people: "512 B", "4 KiB", "255 MiB", "1.5 GiB" (powers of 1024). Returns buf. */
const char *shell_format_bytes(char *buf, size_t size, uint64_t bytes);

/* Word wrapping: the length of the first line of `text` that fits in `width` columns (broken at
 * the last blank that fits, or at `width` inside a longer word, or at a "\n"); *next is where the
 * following line starts (blanks and one "\n" skipped). Returns 0 with *next = text at the end. */
size_t shell_wrap(const char *text, size_t width, const char **next);

/* Help text filled into lines of at most `width` columns (width <= SHELL_COLUMNS), broken at
 * blanks. The text is paragraphs: "\n" ends one, and a "\n" followed by a blank continues the
 * paragraph (so a help text may be laid out in the source at any width). A paragraph that starts
 * "term   description" (a term, then two or more blanks) gets a hanging indent: its lines wrap
 * under the description, not under the term. `out` receives each line with the number of blanks
 * to print before it. */
typedef void shell_line_fn(unsigned indent, const char *text, size_t len, void *context);
void shell_fill(const char *text, unsigned width, shell_line_fn *out, void *context);

#endif
