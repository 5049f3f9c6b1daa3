/* kernel/ke/rawlock.h - the lowest-level lock: a spin lock that also disables interrupts.
 *
 * It does not touch IRQL, so it works before IRQL exists and at any IRQL (console output,
 * bugcheck, the interrupt dispatcher's own bookkeeping). Drivers never use it: they use
 * KSPIN_LOCK (KeAcquireSpinLock) and interrupt spin locks, which follow the IRQL rules.
 */
#ifndef IRQLAB_KE_RAWLOCK_H
#define IRQLAB_KE_RAWLOCK_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"

typedef struct raw_lock {
    volatile uint32_t locked;
} raw_lock_t;

#define RAW_LOCK_INIT {0}

static inline uint64_t raw_lock_acquire(raw_lock_t *lock)
{
    uint64_t flags = cpu_save_and_disable_interrupts();
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
            cpu_pause();
    return flags;
}

static inline int raw_lock_try_acquire(raw_lock_t *lock, uint64_t *flags)
{
    *flags = cpu_save_and_disable_interrupts();
    if (!__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
        return 1;
    cpu_restore_interrupts(*flags);
    return 0;
}

static inline void raw_lock_release(raw_lock_t *lock, uint64_t flags)
{
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    cpu_restore_interrupts(flags);
}

#endif
