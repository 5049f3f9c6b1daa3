/* kernel/ke/spinlock.h - the lock word operations behind KSPIN_LOCK and interrupt spin locks. */
#ifndef IRQLAB_KE_SPINLOCK_H
#define IRQLAB_KE_SPINLOCK_H

#include <stdbool.h>

#include "include/wdm.h"

/* Take / drop the lock word only (no IRQL change); bugchecks on self-deadlock / non-owner,
 * naming `caller` (the driver code that asked) as parameter 4. */
void ke_spin_lock_acquire_raw(PKSPIN_LOCK lock, void *caller);
bool ke_spin_lock_try_raw(PKSPIN_LOCK lock);
void ke_spin_lock_release_raw(PKSPIN_LOCK lock, void *caller);

#endif
