/* kernel/ke/clock.c - the clock ISR counts ticks: per CPU, and the global tick count on CPU 0.
 * Intel SDM Vol. 3A §11.5.4 (APIC timer, periodic mode). */
#include "kernel/ke/clock.h"

#include "arch/x86_64/lapic.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/time.h"
#include "kernel/ke/vectors.h"
#include "kernel/ke/watchdog.h"

static KINTERRUPT clock_interrupt;

static BOOLEAN clock_isr(PKINTERRUPT interrupt, PVOID context)
{
    struct kprcb *prcb = ke_current_prcb();
    prcb->clock_ticks++;
    if (prcb->number == 0)
        time_clock_tick(); /* KeQueryTickCount follows CPU 0's clock */
    ke_watchdog_clock_tick(prcb); /* may bugcheck 0x133 / 0x101 (watchdog.h) */
    ke_sched_clock_tick(prcb); /* quanta; timer expiry on CPU 0 (kernel/ke/thread.c, timer.c) */
    return TRUE;
}

void ke_clock_init(void)
{
    ke_watchdog_init();
    ke_interrupt_init(&clock_interrupt, clock_isr, NULL, 0, NULL, NULL, KE_VECTOR_CLOCK, CLOCK_LEVEL, CLOCK_LEVEL,
                      Latched, FALSE, (KAFFINITY)-1, "kernel:clock");
    struct ke_source source = {.kind = KE_SOURCE_LOCAL, .label = "LAPIC timer"};
    ke_vector_set_source(KE_VECTOR_CLOCK, &source);
    ke_interrupt_connect(&clock_interrupt);
}

void ke_clock_start_this_cpu(void) { lapic_timer_start_periodic(KE_VECTOR_CLOCK, KE_CLOCK_HZ); }
