/* kernel/ke/dpc_internal.h - how the rest of the kernel drives the DPC queues. */
#ifndef IRQLAB_KE_DPC_INTERNAL_H
#define IRQLAB_KE_DPC_INTERNAL_H

#include <stdbool.h>

#include "include/wdm.h"
#include "kernel/ke/kprcb.h"

/* Run every DPC queued on this CPU. Caller: IRQL == DISPATCH_LEVEL, interrupts enabled. */
void ke_drain_dpcs(void);
/* The CPU whose queue a DPC goes to (its target if set and online, else `current`). */
struct kprcb *ke_dpc_target(const KDPC *dpc, struct kprcb *current);
static inline bool ke_dpc_pending(const struct kprcb *prcb) { return prcb->dpc_head != NULL; }
/* From DISPATCH_LEVEL down to new_irql (< DISPATCH_LEVEL): drain, then lower with interrupts
 * off so no DPC can be queued on this CPU between "queue empty" and "IRQL lowered". */
void ke_lower_from_dispatch(KIRQL new_irql);

#endif
