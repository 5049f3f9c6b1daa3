/* drivers/parport/lpt_shell.h - the parallel-port stack as the shell sees it: `lpt <text>` and
 * `lpt status` (lpt_shell.c). Both PASSIVE_LEVEL. */
#ifndef IRQLAB_DRIVERS_LPT_SHELL_H
#define IRQLAB_DRIVERS_LPT_SHELL_H

#include <stdbool.h>

#include <wdm.h>

/* Print `text` (and a newline if `newline`) through parprint; the status parprint_print gave. */
NTSTATUS lpt_print_text(const char *text, bool newline);
/* The port (owner, waiters, interrupt, IOAPIC pin), each connected client's ISR with its
 * interrupt counts, and the two client drivers' own counts, on the console. */
void lpt_show_status(void);

#endif
