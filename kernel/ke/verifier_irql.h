/* kernel/ke/verifier_irql.h - verifier=irql: the documented maximum IRQL of exported routines that
 * do not check it always (verifier_irql.c). */
#ifndef IRQLAB_KE_VERIFIER_IRQL_H
#define IRQLAB_KE_VERIFIER_IRQL_H

#include "include/wdm.h"

/* With verifier=irql: stop with 0xA if the IRQL is above `max` for `routine`. */
void ke_verifier_irql(void *routine, KIRQL max, void *caller);
#define KE_VERIFY_IRQL_AT_MOST(routine, max) ke_verifier_irql((void *)(routine), (max), __builtin_return_address(0))

#endif
