/* kernel/mm/pool_verify.h - Driver Verifier's pool options for irqlab's pool (pool.c):
 * verifier=lowres, "Low Resources Simulation" (learn.microsoft.com "Low Resources Simulation"):
 * allocations under one pool tag fail at random, from a fixed seed, so the same boot fails the
 * same allocations again and the driver's error paths can be debugged. */
#ifndef IRQLAB_MM_POOL_VERIFY_H
#define IRQLAB_MM_POOL_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

struct pool_verify_settings {
    uint32_t fail_tag;    /* verifier_lowres_tag= (0: none) */
    uint32_t fail_one_in; /* verifier_lowres_rate=: about 1 in this many allocations fails */
    uint64_t seed;        /* verifier_seed= */
};

struct pool_verify_settings pool_verify_settings(void);
/* Tests: choose the tag, rate and seed (restarts the random sequence). */
void pool_verify_set_lowres(uint32_t tag, uint32_t one_in, uint64_t seed);
/* pool.c asks before each allocation: true = fail this one (verifier=lowres is on, the tag is
 * the chosen one, and the dice say so). */
bool pool_verify_should_fail(uint32_t tag);

#endif
