/* kernel/shell/shell_input.h - finished command lines, from whatever COM1 delivers.
 *
 * Normally the serial driver (drivers/serial/serial_rx.h) receives by interrupt and its DPC
 * calls us at DISPATCH_LEVEL; we feed the bytes to the line editor, which echoes and edits, and
 * a finished line is handed to the shell loop waiting at PASSIVE_LEVEL (halted: `sti; hlt`).
 * If the driver is not running we read the UART ourselves on every clock tick, so there is
 * always a prompt. While a command runs the editor is idle and what is typed waits in the
 * driver's ring ("type-ahead"); it is echoed after the next prompt.
 */
#ifndef IRQLAB_SHELL_SHELL_INPUT_H
#define IRQLAB_SHELL_SHELL_INPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Once, from the shell loop's CPU at PASSIVE_LEVEL. */
void shell_input_init(void);

/* Wait for the next line (PASSIVE_LEVEL). A line abandoned with Ctrl-C comes back empty. */
void shell_input_read_line(char *line, size_t size);

/* While a command runs (the editor is idle): was a key typed? Takes that one key, so a
 * command that runs until a key is pressed (irqtop) does not leave it on the next line. */
bool shell_input_key_pressed(void);

/* The line history, 0 = the newest; NULL past the oldest. */
const char *shell_input_history(unsigned n);

#endif
