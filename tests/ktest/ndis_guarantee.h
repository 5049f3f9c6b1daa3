/* tests/ktest/ndis_guarantee.h - the scenario ndis_guarantee_test.c and ndis_crash_test.c share:
 * the test miniport's MiniportHaltEx deregisters while its NIC is still interrupting, and NDIS
 * sees its ISR claim an interrupt during the deregistration (deterministic: a held DPC keeps the
 * deregistration waiting until that happened). False (with a skip or a failure recorded) if it
 * could not be set up: fewer than three CPUs, no e1000e. */
#ifndef IRQLAB_TESTS_NDIS_GUARANTEE_H
#define IRQLAB_TESTS_NDIS_GUARANTEE_H

#include <stdbool.h>

#include "tests/ktest/ktest.h"

bool ndis_test_deregister_while_interrupting(struct ktest *t);

#endif
