/* kernel/shell/cmd_session.c - commands about the session itself: clear, history, poweroff.
 * ECMA-48 5th ed. §8.3.21 CUP (cursor position) and §8.3.39 ED (erase in page) for `clear`;
 * QEMU's isa-debug-exit (kernel/ke/shutdown.h) for `poweroff`. */
#include "kernel/console/console.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/shutdown.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_format.h"
#include "kernel/shell/shell_input.h"

static int cmd_clear(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    console_printf("\x1b[H\x1b[2J"); /* cursor home, then erase the whole page */
    return SHELL_OK;
}

SHELL_COMMAND(clear, "clear", "clear the terminal", NULL, cmd_clear);

static int cmd_history(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    unsigned count = 0;
    while (shell_input_history(count))
        count++;
    for (unsigned i = count; i > 0; i--) {
        /* A line may be longer than the screen (line_edit.h): wrap it under its own start. */
        const char *text = shell_input_history(i - 1), *next;
        size_t n = shell_wrap(text, SHELL_COLUMNS - 1 - 6, &next);
        console_printf("%4u  %.*s\n", count - i + 1, (int)n, text);
        for (text = next; (n = shell_wrap(text, SHELL_COLUMNS - 1 - 6, &next)) || *next; text = next)
            console_printf("      %.*s\n", (int)n, text);
    }
    return SHELL_OK;
}

SHELL_COMMAND(history, "history", "the last 16 lines typed (Up and Down recall them)", NULL, cmd_history);

static int cmd_poweroff(const struct shell_args *args)
{
    if (args->argc != 1)
        return SHELL_USAGE;
    io_poweroff(); /* drivers stop (NDIS: MiniportHaltEx), then QEMU exits 33; never hangs */
}

SHELL_COMMAND(poweroff, "poweroff", "leave QEMU (exit status 33)",
              "Stops every device's driver, then writes to QEMU's isa-debug-exit port, which ends QEMU with "
              "status (0x10 << 1) | 1 = 33; without that device, ACPI power-off. A driver that does not "
              "return within poweroff_timeout= ms (default 10000) is named and QEMU exits 35.",
              cmd_poweroff);
