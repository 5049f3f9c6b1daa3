/* kernel/shell/shell_args.h - cutting a command line into words.
 *
 * Words are separated by blanks (spaces and tabs); there is no quoting, because no command
 * needs it: `lpt <text>` takes the rest of the line as typed (shell_args_rest). Pure code:
 * tests/unit/test_shell_args.c.
 */
#ifndef IRQLAB_SHELL_SHELL_ARGS_H
#define IRQLAB_SHELL_SHELL_ARGS_H

/* Split `line` in place into at most `max` words; argv[count] = NULL, so argv needs max + 1
 * slots. Returns the number of words, or -1 if there were more than `max` (argv then holds the
 * first max). */
int shell_split(char *line, char **argv, int max);

/* The text after the first word of `line`, leading blanks skipped ("" if none). */
const char *shell_args_rest(const char *line);

#endif
