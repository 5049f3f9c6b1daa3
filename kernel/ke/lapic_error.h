/* kernel/ke/lapic_error.h - the LAPIC error interrupt (vector 0xFE): log what the ESR says. */
#ifndef IRQLAB_KE_LAPIC_ERROR_H
#define IRQLAB_KE_LAPIC_ERROR_H

void ke_lapic_error_init(void);

#endif
