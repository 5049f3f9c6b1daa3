/* kernel/console/console_input.h - where the prompt's keyboard input comes from.
 *
 * Output is always the kernel's polled UART (console.h). Input comes from whichever driver
 * registered an IRQLAB_CONSOLE_INPUT (include/irqlab.h; the serial driver does, when it starts):
 * the kernel calls the driver only through that structure, never by name, so kernel/ depends on
 * no driver. Without one - before the driver started, or if it failed - console_input_read
 * returns nothing and console_input_interrupt_driven is false: the shell polls the UART.
 */
#ifndef IRQLAB_CONSOLE_CONSOLE_INPUT_H
#define IRQLAB_CONSOLE_CONSOLE_INPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Called at DISPATCH_LEVEL from the driver's DPC (IrqlabConsoleInputArrived) when bytes arrived. */
typedef void console_input_notify_fn(void *context);

/* Set the routine IrqlabConsoleInputArrived calls (the shell does, once, when it starts). */
void console_input_set_notify(console_input_notify_fn *fn, void *context);

/* Up to `size` bytes the registered driver received; 0 without one. IRQL <= DISPATCH_LEVEL, one
 * caller at a time. */
size_t console_input_read(char *buffer, size_t size);

/* True while a registered driver receives by interrupt (then the shell waits instead of polling). */
bool console_input_interrupt_driven(void);

#endif
