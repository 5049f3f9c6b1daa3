/* kernel/ke/irql.h - IRQL internals shared by the dispatcher and the DPC code. */
#ifndef IRQLAB_KE_IRQL_H
#define IRQLAB_KE_IRQL_H

#include "arch/x86_64/cpu.h"
#include "include/wdm.h"

/* Write CR8 without the rule checks of KfRaiseIrql/KeLowerIrql: only the dispatcher uses it,
 * because it moves to a vector's IRQL that the hardware has already proven is higher. */
static inline void ke_set_irql_unchecked(KIRQL irql) { write_cr8(irql); }
static inline KIRQL ke_get_irql(void) { return (KIRQL)read_cr8(); }

/* Human-readable IRQL name for logs and the stop screen ("DISPATCH_LEVEL", "DIRQL 5"). */
const char *ke_irql_name(KIRQL irql);

#endif
