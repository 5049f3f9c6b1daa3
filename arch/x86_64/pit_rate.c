/* arch/x86_64/pit_rate.c - turn timed PIT countdowns into a counter rate (pure arithmetic).
 *
 * See "calibrating another counter against the PIT" in arch/x86_64/pit.h. Kept apart from
 * pit.c (which does port I/O) so that tests/unit/test_apic_encode.c can run it on the host.
 */
#include "arch/x86_64/pit.h"

/* Counter ticks per second for one sample: elapsed counter ticks during s->ticks PIT ticks. */
static uint64_t sample_rate(const struct pit_sample *s)
{
    if (s->ticks == 0)
        return 0;
    /* elapsed is below 10^10 for a 55 ms window even for a 100 GHz counter; times 1.2 * 10^6
     * that stays below 2^64. */
    return (s->elapsed * PIT_INPUT_HZ + s->ticks / 2u) / s->ticks;
}

uint64_t pit_rate_from_samples(const struct pit_sample *samples, unsigned n, unsigned *good)
{
    unsigned count_good = 0;
    for (unsigned i = 0; i < n; i++)
        if (pit_sample_is_good(&samples[i]))
            count_good++;
    if (good)
        *good = count_good;
    if (n == 0)
        return 0;

    /* A sample's bracket bounds its error, and on a loaded host the distribution is two-sided:
     * undisturbed windows are exact to a few ppm, disturbed ones are off by percent. So only
     * good samples count when there are any: the median of the three narrowest good ones
     * (one odd sample among three cannot move it), or with fewer good ones the narrowest.
     * With no good sample at all, the narrowest of all is the least wrong. */
    unsigned best[3];
    unsigned picked = 0;
    for (; picked < 3 && picked < n; picked++) {
        unsigned choice = n;
        for (unsigned i = 0; i < n; i++) {
            bool taken = false;
            for (unsigned k = 0; k < picked; k++)
                taken = taken || best[k] == i;
            if (!taken && (choice == n || pit_sample_ppm(&samples[i]) < pit_sample_ppm(&samples[choice])))
                choice = i;
        }
        best[picked] = choice;
    }
    if (picked < 3 || count_good < 3)
        return sample_rate(&samples[best[0]]);

    /* Their median: one odd sample among the three cannot move the result. */
    uint64_t a = sample_rate(&samples[best[0]]);
    uint64_t b = sample_rate(&samples[best[1]]);
    uint64_t c = sample_rate(&samples[best[2]]);
    if ((a <= b && b <= c) || (c <= b && b <= a))
        return b;
    if ((b <= a && a <= c) || (c <= a && a <= b))
        return a;
    return c;
}
