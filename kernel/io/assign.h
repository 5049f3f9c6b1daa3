/* kernel/io/assign.h - giving a device its resources, and taking them back (assign.c). */
#ifndef IRQLAB_IO_ASSIGN_H
#define IRQLAB_IO_ASSIGN_H

#include "kernel/io/pnp.h"

/* Fill pdo->resources from the hardware (BARs / ISA ports), choose the interrupt kind with
 * `policy` (interrupt_policy.h), allocate and route its vectors, build the raw and translated
 * lists. On any failure nothing stays allocated. */
NTSTATUS io_assign_resources(struct io_pdo *pdo, const struct io_interrupt_policy *policy);
/* The reverse (no interrupt objects may be connected). */
void io_release_resources(struct io_pdo *pdo);

#endif
