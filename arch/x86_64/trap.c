/* arch/x86_64/trap.c - trap_dispatch: route a saved trap frame to exceptions or interrupts.
 *
 * Intel SDM Vol. 3A §6.3.1 "External Interrupts" / §6.2 "Exception and Interrupt Vectors":
 * the CPU reserves vectors 0-31 for its own exceptions, everything above is ours to assign.
 * Kept deliberately tiny: it is the single place to put a breakpoint that catches every
 * interrupt and exception (`break trap_dispatch`, then `p *frame`).
 */
#include "arch/x86_64/trap.h"

#include "arch/x86_64/exceptions.h"
#include "kernel/ke/dispatch.h"
#include "kernel/ke/nmi_callback.h"
#include "kernel/ke/watchdog.h"

void trap_dispatch(struct trap_frame *frame)
{
    /* NMIs that are not fatal: the clock watchdog asking a hung CPU where it is, and one that a
     * driver's KeRegisterNmiCallback routine claims. Unclaimed, it stops with 0x80. */
    if (frame->vector == X86_EXC_NMI && (ke_watchdog_nmi_probe(frame->rip) || ke_nmi_call_callbacks()))
        return;
    if (frame->vector < TRAP_FIRST_INTERRUPT_VECTOR)
        exception_dispatch(frame);
    else
        ke_dispatch_interrupt(frame);
}
