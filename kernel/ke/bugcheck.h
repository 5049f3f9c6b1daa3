/* kernel/ke/bugcheck.h - the stop screen's internals. The stop codes irqlab raises are in
 * include/bugcodes.h (drivers see them too, as in the WDK). */
#ifndef IRQLAB_KE_BUGCHECK_H
#define IRQLAB_KE_BUGCHECK_H

#include "include/bugcodes.h" /* the stop codes themselves: public, as in the WDK */

#include <stdbool.h>

/* True once a stop screen has started (on any CPU). */
bool bugcheck_in_progress(void);

/* Name of a stop code ("PAGE_FAULT_IN_NONPAGED_AREA"), or "UNKNOWN_BUGCHECK". */
const char *bugcheck_name(unsigned long code);

/* The stop screen for a bugcheck caused by an exception (arch/x86_64/exceptions.c): like
 * KeBugCheckEx, but registers and the backtrace come from the interrupted code's trap frame
 * instead of from the caller. Never returns. */
struct trap_frame;
__attribute__((noreturn)) void bugcheck_from_trap(unsigned long code, unsigned long p1, unsigned long p2,
                                                  unsigned long p3, unsigned long p4,
                                                  const struct trap_frame *frame);

#endif
