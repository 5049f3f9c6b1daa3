/* kernel/ke/threaded_dpc.h - threaded DPCs (threaded_dpc.c), as dpc.c and tests see them. */
#ifndef IRQLAB_KE_THREADED_DPC_H
#define IRQLAB_KE_THREADED_DPC_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"

/* Read `threaded_dpcs=` and, unless it is off, start one priority-31 thread per online CPU.
 * Boot, PASSIVE_LEVEL, after the application processors are up. */
void ke_threaded_dpc_init(void);
/* True once the threads run (and threaded_dpcs= is not off): threaded DPCs go to them. */
bool ke_threaded_dpcs_enabled(void);

/* dpc.c's entry points for a DPC of type ThreadedDpcObject while enabled. */
BOOLEAN ke_threaded_dpc_insert(PKDPC dpc, PVOID a1, PVOID a2);
/* KeRemoveQueueDpc: true (and *removed set) if DpcData names a threaded queue. */
bool ke_threaded_dpc_remove(PKDPC dpc, BOOLEAN *removed);
/* KeFlushQueuedDpcs: wait until every threaded DPC queued before the call has run. PASSIVE_LEVEL. */
void ke_threaded_dpc_flush(void);

/* For tests and the shell: CPU n's DPC thread (NULL when disabled) and its count of runs. */
PKTHREAD ke_threaded_dpc_thread(unsigned cpu);
uint64_t ke_threaded_dpc_executed(unsigned cpu);

#endif
