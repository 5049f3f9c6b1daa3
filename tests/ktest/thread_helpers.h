/* tests/ktest/thread_helpers.h - helpers for the thread, wait and timer suites. */
#ifndef IRQLAB_TESTS_THREAD_HELPERS_H
#define IRQLAB_TESTS_THREAD_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "include/wdm.h"
#include "kernel/ke/thread.h"

/* A thread at `priority` allowed only on `affinity` (0 = anywhere). One reference for the caller. */
PKTHREAD th_start(PKSTART_ROUTINE routine, PVOID context, int priority, KAFFINITY affinity);
/* Wait (guest time, generous) for the thread to end; TRUE if it did. Drops the reference. */
bool th_join(PKTHREAD thread, unsigned seconds);
/* The calling thread on one CPU (its current one); returns that CPU's mask. th_unpin() undoes it. */
KAFFINITY th_pin_here(void);
void th_unpin(void);
/* A relative timeout of `ms` milliseconds, in the WDK's 100 ns units. */
static inline LARGE_INTEGER th_ms(LONGLONG ms)
{
    LARGE_INTEGER t;
    t.QuadPart = -ms * 10000;
    return t;
}
/* A global sequence: who ran before whom. */
extern volatile uint64_t th_sequence;
static inline uint64_t th_next(void) { return __atomic_add_fetch(&th_sequence, 1, __ATOMIC_SEQ_CST); }
/* Spin (running, not waiting) until *flag != 0 or `ticks` clock ticks pass. */
bool th_spin_until(volatile uint64_t *flag, unsigned ticks);

#endif
