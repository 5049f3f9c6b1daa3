/* kernel/io/connect_interrupt.h - what the rest of the kernel (tests, the shell) may ask about
 * the connections IoConnectInterruptEx made (connect_interrupt.c). */
#ifndef IRQLAB_IO_CONNECT_INTERRUPT_H
#define IRQLAB_IO_CONNECT_INTERRUPT_H

#include "include/wdm.h"

struct io_connect_plan;

/* IoConnectInterruptEx after its IRQL check, with `shape` (if not NULL) reshaping the plan made
 * under the I/O lock before anything is allocated or connected: IoConnectInterrupt turns the one
 * fully specified object into one per processor (connect_legacy.c). Same statuses. */
NTSTATUS io_connect_shaped(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters, void (*shape)(struct io_connect_plan *plan));

/* The interrupt objects of the live connection that `context` names, if `version` is one
 * IoDisconnectInterruptEx would accept for it; else NULL and *count = 0. Under io_lock(). */
PKINTERRUPT io_connection_objects(ULONG version, PVOID context, ULONG *count);

/* Live connections (all devices), and those naming one PDO. */
unsigned io_connection_count(void);
unsigned io_connections_of(PDEVICE_OBJECT pdo);

/* The first interrupt object of a live connection naming this PDO, or NULL. Under io_lock(). */
PKINTERRUPT io_connection_first_object(PDEVICE_OBJECT pdo);

/* Driver Verifier-style fault injection for tests: the next `n` allocations IoConnectInterruptEx
 * makes fail as if pool were exhausted (STATUS_INSUFFICIENT_RESOURCES). 0 turns it off. */
void io_fail_next_allocations(unsigned n);

#endif
