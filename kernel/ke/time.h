/* kernel/ke/time.h - the time base: the TSC for "how long", the clock tick for "how many ticks".
 *
 * Intel SDM Vol. 3B section 18.17 (time-stamp counter; 18.17.1 invariant TSC) and the WDK pages
 * for KeStallExecutionProcessor, KeQueryPerformanceCounter, KeQueryTimeIncrement and
 * KeQueryTickCount (their prototypes are in include/wdm.h, "Time" section).
 *
 * Two clocks, two jobs:
 *   * The TSC counts CPU reference cycles. It needs no interrupts, so it works with interrupts
 *     off, at any IRQL, from the first moment after time_init(). Its rate is not written down
 *     anywhere we can read portably, so time_init() measures it against the 8254 PIT.
 *     Under QEMU TCG the guest TSC is the host's TSC (real time, host rate).
 *   * The clock interrupt (the LAPIC timer at KE_CLOCK_HZ, vector 0xD1, owned by the interrupt
 *     core) increments ke_tick_count through time_clock_tick(). KeQueryTickCount reads it.
 */
#ifndef IRQLAB_KE_TIME_H
#define IRQLAB_KE_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ke/clock.h" /* KE_CLOCK_HZ: the clock rate is the interrupt core's choice */

/* One clock period in the 100-ns units Windows uses: 100 Hz -> 100000 (10 ms). */
#define KE_TIME_INCREMENT (10000000u / (KE_CLOCK_HZ))

/* Incremented once per clock interrupt by time_clock_tick(); read with KeQueryTickCount. */
extern volatile uint64_t ke_tick_count;

/* Calibrate the TSC against the PIT (about 30 ms) and log the result. Interrupts may be off. */
void time_init(void);

/* Called by the clock ISR of exactly one CPU (the BSP), once per tick, at CLOCK_LEVEL. */
void time_clock_tick(void);

/* Microseconds since time_init(), from the TSC. 0 before time_init(). */
uint64_t time_now_us(void);

/* The measured TSC rate in Hz (0 before time_init()), and what CPUID says about it. */
uint64_t time_tsc_frequency(void);
bool time_tsc_invariant(void);

/* ---- pure helpers (host-testable) -------------------------------------------------------- */

/* ticks at `hz` -> microseconds, exact and without 64-bit overflow for any tick count. */
static inline uint64_t time_ticks_to_us(uint64_t ticks, uint64_t hz)
{
    if (hz == 0)
        return 0;
    return (ticks / hz) * 1000000u + ((ticks % hz) * 1000000u) / hz;
}

/* microseconds -> ticks at `hz` (hz below 18 THz, so (us % 10^6) * hz fits 64 bits). */
static inline uint64_t time_us_to_ticks(uint64_t us, uint64_t hz)
{
    return (us / 1000000u) * hz + ((us % 1000000u) * hz) / 1000000u;
}

#endif
