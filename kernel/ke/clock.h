/* kernel/ke/clock.h - the clock interrupt: each CPU's LAPIC timer at CLOCK_LEVEL. */
#ifndef IRQLAB_KE_CLOCK_H
#define IRQLAB_KE_CLOCK_H

#define KE_CLOCK_HZ 100 /* one tick = 10 ms = KeQueryTimeIncrement() 100000 x 100 ns */

#include <stdint.h>

/* Connect the clock's interrupt object for CPU 0 (once, on the BSP). */
void ke_clock_init(void);
/* Connect processor `number`'s own clock object (before it starts its timer). */
void ke_clock_connect_cpu(uint32_t number);
/* Start this CPU's periodic timer on KE_VECTOR_CLOCK. */
void ke_clock_start_this_cpu(void);

#endif
