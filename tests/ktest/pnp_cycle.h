/* tests/ktest/pnp_cycle.h - many stop/start cycles of one device, with the counts that show
 * nothing is lost or left behind (tests/e2e/test_pnp_stress.py through e1000_serve's `cycle`). */
#ifndef IRQLAB_TESTS_PNP_CYCLE_H
#define IRQLAB_TESTS_PNP_CYCLE_H

#include "include/wdm.h"

struct pnp_cycle_result {
    unsigned cycles, stop_failures, start_failures;
    unsigned left_after_stop; /* stops after which a connection, a resource or the state was wrong */
    unsigned vectors_before, vectors_after;          /* free device vectors */
    unsigned connections_before, connections_after; /* IoConnectInterruptEx connections, all devices */
    long mappings_before, mappings_after;           /* MmMapIoSpace not yet unmapped */
    uint64_t pool_before, pool_after; /* bytes outstanding under the I/O, NDIS and e1000 tags (no data path) */
};

/* `count` times io_pnp_stop_device + io_pnp_start_device(NULL) on `pdo`, checking after each
 * stop that no connection names it and its resources are released. PASSIVE_LEVEL. */
void pnp_cycle(PDEVICE_OBJECT pdo, unsigned count, struct pnp_cycle_result *r);
/* One line: "cycles 1000, failures 0/0, left 0, vectors 140->140, ..." */
void pnp_cycle_print(const char *prefix, const struct pnp_cycle_result *r);

#endif
