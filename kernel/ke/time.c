/* kernel/ke/time.c - TSC calibration, KeStallExecutionProcessor, performance counter, tick count.
 *
 * Intel SDM Vol. 3B section 18.17 (time-stamp counter), 18.17.1 (invariant TSC: CPUID
 * 0x80000007 EDX bit 8); WDK: KeStallExecutionProcessor, KeQueryPerformanceCounter,
 * KeQueryTimeIncrement, KeQueryTickCount. See time.h for the two clocks and their jobs.
 */
#include "kernel/ke/time.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "include/wdm.h"
#include "kernel/console/log.h"
#include "kernel/ke/system_time.h"

volatile uint64_t ke_tick_count;

static uint64_t tsc_hz;      /* measured TSC rate, 0 until time_init() */
static uint64_t tsc_at_init; /* "time zero" for time_now_us and the performance counter */
static bool tsc_invariant;

/* RDTSC can be executed before earlier instructions finish; the LFENCE in front makes the read
 * happen "here" in program order, which matters when we time a short window. */
static uint64_t tsc_read_ordered(void)
{
    __asm__ volatile("lfence" ::: "memory");
    return rdtsc();
}

static bool cpu_reports_invariant_tsc(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000u, 0, &a, &b, &c, &d);
    if (a < 0x80000007u)
        return false;
    cpuid(0x80000007u, 0, &a, &b, &c, &d);
    return (d & (1u << 8)) != 0;
}

void time_init(void)
{
    tsc_invariant = cpu_reports_invariant_tsc();

    /* Count TSC cycles across 10 ms PIT countdowns (arch/x86_64/pit.h explains how disturbed
     * windows are recognised and dropped). */
    struct pit_calibration cal;
    uint64_t hz = pit_calibrate(tsc_read_ordered, &cal);
    tsc_at_init = rdtsc();
    tsc_hz = hz;

    /* Without the invariant bit the TSC may change rate with P-states or stop in deep C-states
     * on real hardware; QEMU's default CPU models do not set the bit even though the TCG TSC
     * (the host's TSC) is steady. We log what we found and use the TSC either way. */
    log_info("time: TSC %lu.%03lu MHz (PIT-calibrated), invariant TSC: %s", (unsigned long)(hz / 1000000u),
             (unsigned long)(hz / 1000u % 1000u), tsc_invariant ? "yes" : "no");
    if (cal.good == 0) /* one undisturbed window is exact to a few ppm: the rate is good */
        log_warn("time: none of %u calibration windows was undisturbed; the TSC rate may be off", cal.attempts);
    log_debug("time: TSC calibration: %u %s windows, %u undisturbed, best +-%u ppm", cal.attempts,
              cal.long_windows ? "(some 55 ms)" : "10 ms", cal.good, cal.best_ppm / 2);
    system_time_init(); /* KeQuerySystemTime: the RTC plus the counter calibrated above */
}

void time_clock_tick(void) { __atomic_fetch_add(&ke_tick_count, 1, __ATOMIC_RELAXED); }

uint64_t time_now_us(void)
{
    if (tsc_hz == 0)
        return 0;
    return time_ticks_to_us(rdtsc() - tsc_at_init, tsc_hz);
}

uint64_t time_tsc_frequency(void) { return tsc_hz; }

bool time_tsc_invariant(void) { return tsc_invariant; }

/* ---- WDK routines ------------------------------------------------------------------------ */

VOID KeStallExecutionProcessor(ULONG MicroSeconds)
{
    /* Before calibration there is no TSC rate yet: count the time on the PIT instead. */
    if (tsc_hz == 0) {
        pit_wait_us(MicroSeconds);
        return;
    }
    uint64_t start = tsc_read_ordered();
    uint64_t ticks = time_us_to_ticks(MicroSeconds, tsc_hz);
    while (rdtsc() - start < ticks)
        cpu_pause();
}

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    LARGE_INTEGER now;
    now.QuadPart = (LONGLONG)(rdtsc() - tsc_at_init);
    if (PerformanceFrequency)
        PerformanceFrequency->QuadPart = (LONGLONG)tsc_hz;
    return now;
}

ULONG KeQueryTimeIncrement(VOID) { return KE_TIME_INCREMENT; }
