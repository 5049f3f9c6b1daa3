/* arch/x86_64/tsc_rate.h - the rate of a counter (the LAPIC timer) measured against the TSC once
 * the TSC's own rate is known: the TSC needs no port or MMIO access to read, so a sample's
 * brackets hold just one read of the other counter - far fewer chances for a busy host to
 * stretch them than polling the PIT (each poll a port read that may wait for QEMU's lock). */
#ifndef IRQLAB_ARCH_TSC_RATE_H
#define IRQLAB_ARCH_TSC_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct tsc_sample {
    uint64_t counted;         /* counter ticks between its two reads */
    uint64_t tsc_elapsed;     /* TSC ticks from the middle of the first bracket to the middle of the second */
    uint64_t tsc_uncertainty; /* both brackets' widths together: a read happened somewhere inside */
};

#define TSC_SAMPLE_MAX_ERROR_DIV 200u /* good: uncertainty <= elapsed / 200 (0.5 %) */

static inline bool tsc_sample_is_good(const struct tsc_sample *s)
{
    return s->tsc_elapsed && s->tsc_uncertainty * TSC_SAMPLE_MAX_ERROR_DIV <= s->tsc_elapsed;
}

/* Counter ticks per second, from the narrowest sample relative to its length (its brackets bound
 * its error; a disturbed sample is off by as much as its brackets are wide). *good = how many
 * samples were good. 0 if there is no usable sample. */
uint64_t tsc_rate_from_samples(const struct tsc_sample *samples, unsigned n, uint64_t tsc_hz, unsigned *good);

#endif
