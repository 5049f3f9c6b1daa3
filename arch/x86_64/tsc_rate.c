/* arch/x86_64/tsc_rate.c - see tsc_rate.h (pure arithmetic, host-tested by
 * tests/unit/test_tsc_rate.c). */
#include "arch/x86_64/tsc_rate.h"

/* Relative width in parts per million (uncertainty below ~10^13 TSC ticks, an hour: no overflow). */
static uint64_t sample_ppm(const struct tsc_sample *s) { return s->tsc_uncertainty * 1000000u / s->tsc_elapsed; }

uint64_t tsc_rate_from_samples(const struct tsc_sample *samples, unsigned n, uint64_t tsc_hz, unsigned *good)
{
    unsigned count_good = 0, best = n;
    for (unsigned i = 0; i < n; i++) {
        const struct tsc_sample *s = &samples[i];
        if (!s->tsc_elapsed)
            continue;
        count_good += tsc_sample_is_good(s);
        if (best == n || sample_ppm(s) < sample_ppm(&samples[best]))
            best = i;
    }
    if (good)
        *good = count_good;
    if (best == n)
        return 0;
    const struct tsc_sample *s = &samples[best];
    /* counted * tsc_hz stays below 2^64 for windows shorter than ~100 s (no 128-bit division in
     * the kernel: it links without libgcc); a longer one is scaled down first. */
    uint64_t counted = s->counted, elapsed = s->tsc_elapsed;
    while (counted > UINT64_MAX / tsc_hz) {
        counted >>= 1;
        elapsed >>= 1;
    }
    return elapsed ? (counted * tsc_hz + elapsed / 2) / elapsed : 0;
}
