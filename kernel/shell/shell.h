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
 * .driver_table: no shell file changes, and `help` lists it. The structures and the macro are
 * include/irqlab.h's (IRQLAB_SHELL_COMMAND), so a driver declares its commands the same way.
 * Commands run at PASSIVE_LEVEL on the shell's CPU with interrupts on, one at a time, and print
 * with console_printf (a driver: IrqlabShellPrint) - at most 80 columns a line, numbers
 * right-aligned (shell_format.h helps).
 *
 * The loop itself (kernel_main's last step, kernel_idle_prompt) is in shell.c; input comes from
 * the interrupt-driven COM1 driver through shell_input.c and the line editor (line_edit.h).
 * docs/shell.md describes every command for students.
 */
#ifndef IRQLAB_SHELL_SHELL_H
#define IRQLAB_SHELL_SHELL_H

#include <stddef.h>

#define SHELL_MAX_ARGS 16

#include "include/irqlab.h" /* struct shell_args / shell_command: drivers declare commands too */

#define SHELL_OK IRQLAB_SHELL_OK
#define SHELL_ERROR IRQLAB_SHELL_ERROR
#define SHELL_USAGE IRQLAB_SHELL_USAGE

typedef IRQLAB_SHELL_ROUTINE shell_command_fn;

#define SHELL_COMMAND(id, usage_, summary_, help_, fn_) IRQLAB_SHELL_COMMAND(id, usage_, summary_, help_, fn_)

/* Every registered command, in link order (shell.c sorts them for `help`). */
const struct shell_command *shell_commands(size_t *count);
const struct shell_command *shell_find_command(const char *name);

/* Run one line as if typed at the prompt (the loop does this; tests may too). */
void shell_execute(char *line);

#endif
