/* kernel/ke/ipi.h - inter-processor interrupts (vector 0xE1, IPI_LEVEL). */
#ifndef IRQLAB_KE_IPI_H
#define IRQLAB_KE_IPI_H

#include <stdint.h>

#include "kernel/ke/kprcb.h"

/* Ask CPU `number` to do `request` (enum ke_ipi_request bits) and interrupt it. */
void ke_ipi_send(uint32_t number, uint32_t request);
/* Run fn(arg) on every other online CPU at IPI_LEVEL and wait until all have run it. */
void ke_ipi_call_others(void (*fn)(void *arg), void *arg);
/* Connect the IPI vector's object for CPU 0 (called once, at boot, on the BSP). */
void ke_ipi_init(void);
/* Connect processor `number`'s own IPI object (before it comes online). */
void ke_ipi_connect_cpu(uint32_t number);

#endif
