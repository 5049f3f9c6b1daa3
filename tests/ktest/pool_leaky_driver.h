/* tests/ktest/pool_leaky_driver.h - "poolleaky", a WDM test driver for edu's ids (demand start)
 * that allocates one block per device at START and frees it at REMOVE unless told to leak it.
 * Its own object file, so that Driver Verifier's pool tracking (kernel/mm/pool_track.h) charges
 * its blocks to it and not to the tests that drive it (tests/ktest/pool_track_test.c). */
#ifndef IRQLAB_TESTS_POOL_LEAKY_DRIVER_H
#define IRQLAB_TESTS_POOL_LEAKY_DRIVER_H

#include <stdbool.h>

#include "include/wdm.h"

#define POOL_LEAKY_TAG 'kaeL' /* "Leak" as `pool` shows it */
#define POOL_LEAKY_BYTES 200

extern bool pool_leaky_leaks;                /* REMOVE keeps its block */
PDRIVER_INITIALIZE pool_leaky_driver_entry(void); /* one of its routines: its code unit */
/* A read done by the driver's code (special pool's use-after-free test: 0xD5, not 0xCC). */
UCHAR pool_leaky_read(const volatile UCHAR *p);

#endif
