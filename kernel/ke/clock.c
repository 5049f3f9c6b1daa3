/* kernel/ke/clock.c - the clock ISR counts ticks: per CPU, and the global tick count on CPU 0.
 * Intel SDM Vol. 3A §11.5.4 (APIC timer, periodic mode). */
#include "kernel/ke/clock.h"

#include "arch/x86_64/lapic.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/time.h"
#include "kernel/ke/vectors.h"
#include "kernel/ke/watchdog.h"

/* One object per processor, as Windows has: each CPU's tick takes only its own object's lock
 * (interrupt.h, per_processor). */
static KINTERRUPT clock_interrupts[KE_MAX_CPUS];
static PKINTERRUPT clock_by_cpu[KE_MAX_CPUS];

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
    struct ke_source source = {.kind = KE_SOURCE_LOCAL, .label = "LAPIC timer"};
    ke_vector_set_source(KE_VECTOR_CLOCK, &source);
    ke_clock_connect_cpu(0);
}

void ke_clock_connect_cpu(uint32_t number)
{
    if (number >= KE_MAX_CPUS)
        return;
    PKINTERRUPT interrupt = &clock_interrupts[number];
    if (!interrupt->Connected)
        ke_interrupt_init(interrupt, clock_isr, NULL, 0, NULL, NULL, KE_VECTOR_CLOCK, CLOCK_LEVEL, CLOCK_LEVEL,
                          Latched, FALSE, (KAFFINITY)1 << number, "kernel:clock");
    ke_interrupt_connect_per_processor(interrupt, clock_by_cpu, number);
}

void ke_clock_start_this_cpu(void) { lapic_timer_start_periodic(KE_VECTOR_CLOCK, KE_CLOCK_HZ); }
