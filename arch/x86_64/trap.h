/* arch/x86_64/trap.h - the C side of every interrupt and exception entry.
 *
 * Intel SDM Vol. 3A §6.3 "Sources of Interrupts" and §6.3.1 (vectors 0-31 are reserved for
 * exceptions; 32-255 are free for external and software interrupts).
 *
 * arch/x86_64/vectors.asm saves the registers into a struct trap_frame and calls
 * trap_dispatch(), which only decides which of two worlds the vector belongs to:
 *   0-31    CPU exceptions        -> exception_dispatch()  (arch/x86_64/exceptions.c)
 *   32-255  interrupts            -> ke_dispatch_interrupt() (kernel/ke/dispatch.c)
 */
#ifndef IRQLAB_ARCH_TRAP_H
#define IRQLAB_ARCH_TRAP_H

#include "arch/x86_64/trap_frame.h"

#define TRAP_FIRST_INTERRUPT_VECTOR 32

/* Called from trap_common_entry (vectors.asm) only, with interrupts disabled. */
void trap_dispatch(struct trap_frame *frame);

#endif
