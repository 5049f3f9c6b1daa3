/* kernel/ke/verifier_spinlock.h - verifier=spinlock (verifier_spinlock.c): per-CPU count of held
 * spin locks, and the check KeLowerIrql makes. */
#ifndef IRQLAB_KE_VERIFIER_SPINLOCK_H
#define IRQLAB_KE_VERIFIER_SPINLOCK_H

#include <stdint.h>

#include "include/wdm.h"

void ke_verifier_spinlock_taken(void);
void ke_verifier_spinlock_given(void);
uint32_t ke_verifier_spinlocks_held(void);
/* Stops with 0xC4 / 0x31 if the check is on, new_irql < DISPATCH_LEVEL and a lock is held. */
void ke_verifier_check_lower(KIRQL current, KIRQL new_irql, void *caller);

#endif
