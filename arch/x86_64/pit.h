/* arch/x86_64/pit.h - the 8254 programmable interval timer, used only as a stopwatch.
 *
 * Intel 8254 Programmable Interval Timer data sheet (order no. 231164): section "Operation",
 * mode 0 ("interrupt on terminal count"), and the control word format. The PC wires the
 * 8254's input to a 1.193182 MHz clock (the 14.31818 MHz colour-burst crystal divided by 12),
 * which is the one frequency on a PC that every machine, real or emulated, agrees on. That is
 * why irqlab measures the TSC and the local APIC timer against it once at boot and never uses
 * it again.
 *
 * irqlab never takes PIT interrupts: channel 0 (IRQ 0) is left alone, channel 2 (the speaker
 * channel) is used because its output can be *read* through port 0x61 bit 5.
 */
#ifndef IRQLAB_ARCH_PIT_H
#define IRQLAB_ARCH_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_INPUT_HZ 1193182u

/* The longest single countdown: 65535 ticks = 54.9 ms. pit_wait_us splits longer waits. */
#define PIT_MAX_CHUNK_US 50000u

/* PIT input ticks in `us` microseconds, rounded to nearest (us <= PIT_MAX_CHUNK_US fits 16 bits). */
static inline uint32_t pit_ticks_for_us(uint32_t us)
{
    return (uint32_t)(((uint64_t)us * PIT_INPUT_HZ + 500000u) / 1000000u);
}

/* Busy-wait `us` microseconds by polling channel 2. No interrupts, any IRQL, any CPU (a lock
 * keeps two CPUs from sharing the one channel). Accuracy: a few microseconds per call. */
void pit_wait_us(uint32_t us);

/* ---- calibrating another counter against the PIT -------------------------------------------
 *
 * To learn how fast a counter runs (the TSC, the LAPIC timer), read it when a PIT countdown
 * starts and when it ends. The catch is "when": between our read and the PIT event there is
 * always a little time, and sometimes a lot (an SMI on real hardware; under QEMU, the host
 * may stop the virtual CPU for milliseconds while the virtual clock keeps running). So every
 * sample brackets both edges, start and end, between two reads of the counter, and reports the
 * width of the brackets as its uncertainty. Samples with wide brackets are thrown away.
 */

/* A counter that only goes up, e.g. the TSC. */
typedef uint64_t (*pit_counter_fn)(void);

struct pit_sample {
    uint16_t ticks;       /* length of the countdown in PIT ticks */
    uint64_t elapsed;     /* counter ticks from the middle of the start bracket to the middle of the end one */
    uint64_t uncertainty; /* width of both brackets together: the true value is elapsed +- uncertainty/2 */
};

#define PIT_CALIBRATION_WINDOW_US 10000u
#define PIT_CALIBRATION_LONG_TICKS 0xFFFFu /* 54.9 ms: used when 10 ms windows are too coarse */
#define PIT_CALIBRATION_SAMPLES 3u         /* good samples wanted */
#define PIT_CALIBRATION_MAX_ATTEMPTS 20u   /* windows tried, unless none was good by then */
#define PIT_CALIBRATION_LAST_ATTEMPT 80u   /* ... then up to this many (a loaded host: ~5 % are good) */
/* Good: uncertainty <= elapsed / 200 (0.5 %, so the midpoint is off by at most 0.25 %). An
 * undisturbed 10 ms TCG window has about 0.006 %; KVM on a nested (PVM) host, where every port
 * or APIC access is a slow exit to the hypervisor, 0.2 to 0.6 % (about 0.1 % in a long window);
 * a window in which the host descheduled QEMU easily 10 % or more. */
#define PIT_SAMPLE_MAX_ERROR_DIV 200u

struct pit_calibration {
    uint64_t hz;       /* the result: counter ticks per second */
    unsigned attempts; /* windows timed */
    unsigned good;     /* of those, within PIT_SAMPLE_MAX_ERROR_DIV */
    uint32_t best_ppm; /* the narrowest sample's uncertainty, in parts per million */
    bool long_windows; /* switched to PIT_CALIBRATION_LONG_TICKS windows */
};

/* Rate of `read` in ticks per second: 10 ms windows until PIT_CALIBRATION_SAMPLES good ones
 * (or PIT_CALIBRATION_MAX_ATTEMPTS windows, or up to PIT_CALIBRATION_LAST_ATTEMPT while none is
 * good), then the median of the best three good ones (see pit_rate_from_samples). If the first
 * three windows are all too coarse (reading `read` or the PIT is slow, as under a nested
 * hypervisor), the rest are 54.9 ms long, which shrinks the relative uncertainty 5.5 times. */
uint64_t pit_calibrate(pit_counter_fn read, struct pit_calibration *info);

/* The pure part of pit_calibrate (arch/x86_64/pit_rate.c, host-tested): from `n` samples, the
 * median rate of the (up to) three samples with the smallest relative uncertainty; *good = how
 * many samples are within PIT_SAMPLE_MAX_ERROR_DIV. */
uint64_t pit_rate_from_samples(const struct pit_sample *samples, unsigned n, unsigned *good);
static inline bool pit_sample_is_good(const struct pit_sample *s)
{
    return s->uncertainty * PIT_SAMPLE_MAX_ERROR_DIV <= s->elapsed;
}
/* A sample's uncertainty in parts per million of its length (UINT32_MAX if it measured nothing). */
static inline uint32_t pit_sample_ppm(const struct pit_sample *s)
{
    if (s->elapsed == 0)
        return UINT32_MAX;
    uint64_t ppm = s->uncertainty * 1000000u / s->elapsed;
    return ppm > UINT32_MAX ? UINT32_MAX : (uint32_t)ppm;
}

#endif
