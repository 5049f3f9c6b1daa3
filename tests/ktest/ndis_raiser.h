/* tests/ktest/ndis_raiser.h - keep the test miniport's e1000e interrupting from somewhere else
 * while NDIS deregisters its interrupt (ndis_guarantee_test.c, ndis_crash_test.c).
 *
 * With two CPUs or more: a thread on a CPU other than the caller's (and other than `avoid`)
 * raises every granted message in a loop. On one CPU: a periodic timer DPC raises them every
 * millisecond, so the interrupts land between the halting thread's own steps. */
#ifndef IRQLAB_TESTS_NDIS_RAISER_H
#define IRQLAB_TESTS_NDIS_RAISER_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"

struct ndis_raiser {
    volatile bool on;
    volatile uint64_t raises; /* rounds of raises made */
    ULONG messages;
    PKTHREAD thread;
    KTIMER timer;
    KDPC dpc;
};

/* Start raising messages 0 .. messages-1; `avoid` (a CPU mask) is never used for the thread. */
bool ndis_raiser_start(struct ndis_raiser *r, ULONG messages, KAFFINITY avoid);
/* Wait (generously, guest time) until `more` further rounds were made; false on timeout. */
bool ndis_raiser_wait_more(struct ndis_raiser *r, uint64_t more);
/* Stop, and wait until no raise is in progress. PASSIVE_LEVEL. */
void ndis_raiser_stop(struct ndis_raiser *r);

#endif
