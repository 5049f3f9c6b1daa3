/* kernel/shell/shell.h - the irqlab> prompt: how a command registers itself.
 *
 * A command lives next to the code it shows and declares itself once, anywhere in the kernel:
 *
 *     static int cmd_uptime(const struct shell_args *args)
 *     {
 *         console_printf("%lu ticks\n", (unsigned long)ke_tick_count);
 *         return SHELL_OK;
 *     }
 *     SHELL_COMMAND(uptime, "uptime", "clock ticks since boot", NULL, cmd_uptime);
 *
 * The entry lands in the linker section .shell_commands (linker.ld), as drivers land in
 * .driver_table: no shell file changes, and `help` lists it. Commands run at PASSIVE_LEVEL on the
 * shell's CPU with interrupts on, one at a time, and print with console_printf - at most 80
 * columns a line, numbers right-aligned (shell_format.h helps).
 *
 * The loop itself (kernel_main's last step, kernel_idle_prompt) is in shell.c; input comes from
 * the interrupt-driven COM1 driver through shell_input.c and the line editor (line_edit.h).
 * docs/shell.md describes every command for students.
 */
#ifndef IRQLAB_SHELL_SHELL_H
#define IRQLAB_SHELL_SHELL_H

#include <stddef.h>

#define SHELL_MAX_ARGS 16

#define SHELL_OK 0
#define SHELL_ERROR 1 /* the command said what went wrong */
#define SHELL_USAGE 2 /* wrong arguments: the shell prints "usage: <usage>" */

struct shell_args {
    int argc;         /* words on the line, the command's name included */
    char **argv;      /* argv[0] is the name; argv[argc] is NULL */
    const char *text; /* everything after the name as typed, leading blanks skipped (`lpt <text>`) */
};

typedef int shell_command_fn(const struct shell_args *args);

struct shell_command {
    const char *name;
    const char *usage;   /* "ktest <glob>" */
    const char *summary; /* one line for `help`, under 60 characters */
    /* More for `help <name>` (may be NULL). `help` fills it to the screen width itself, so it
     * may be one long string; "\n" starts a new paragraph, and a "\n" followed by blanks just
     * continues the current one. A paragraph "term   description" (two or more blanks after the
     * term) wraps under its description (shell_fill in shell_format.h). */
    const char *help;
    shell_command_fn *run;
};

#define SHELL_COMMAND(id, usage_, summary_, help_, fn_)                                                                \
    __attribute__((section(".shell_commands"), used,                                                                   \
                   aligned(8))) static const struct shell_command shell_command_##id = {#id, usage_, summary_, help_,  \
                                                                                        fn_}

/* Every registered command, in link order (shell.c sorts them for `help`). */
const struct shell_command *shell_commands(size_t *count);
const struct shell_command *shell_find_command(const char *name);

/* Run one line as if typed at the prompt (the loop does this; tests may too). */
void shell_execute(char *line);

#endif
