/* kernel/ke/smp.h - starting the other CPUs. */
#ifndef IRQLAB_KE_SMP_H
#define IRQLAB_KE_SMP_H

#include <stdint.h>

#define AP_TRAMPOLINE_BASE 0x8000u

/* Start every enabled processor the MADT lists (except this one) and wait until each is idling
 * with interrupts on. Returns how many came online. `maxcpus=N` on the command line limits it. */
unsigned smp_start_aps(void);

#endif
