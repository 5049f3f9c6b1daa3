/* kernel/io/connect_interrupt.h - what the rest of the kernel (tests, the shell) may ask about
 * the connections IoConnectInterruptEx made (connect_interrupt.c). */
#ifndef IRQLAB_IO_CONNECT_INTERRUPT_H
#define IRQLAB_IO_CONNECT_INTERRUPT_H

#include "include/wdm.h"

/* Live connections (all devices), and those naming one PDO. */
unsigned io_connection_count(void);
unsigned io_connections_of(PDEVICE_OBJECT pdo);

/* Driver Verifier-style fault injection for tests: the next `n` allocations IoConnectInterruptEx
 * makes fail as if pool were exhausted (STATUS_INSUFFICIENT_RESOURCES). 0 turns it off. */
void io_fail_next_allocations(unsigned n);

#endif
