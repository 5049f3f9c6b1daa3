/* kernel/ke/nmi_callback.h - the NMI handler's side of KeRegisterNmiCallback (nmi_callback.c). */
#ifndef IRQLAB_KE_NMI_CALLBACK_H
#define IRQLAB_KE_NMI_CALLBACK_H

#include <stdbool.h>

/* Called by the NMI handler (arch/x86_64/trap.c) for every NMI that is not the clock watchdog's
 * probe: runs the registered callbacks at HIGH_LEVEL, newest first. True if one returned TRUE
 * (the NMI is handled: return from it); false if none did, none is registered or a stop screen
 * is being drawn - the NMI then goes on to 0x80 NMI_HARDWARE_FAILURE (exceptions.c). */
bool ke_nmi_call_callbacks(void);

/* Registered callbacks, and how many NMIs the callbacks have been asked about (all CPUs). */
unsigned ke_nmi_callback_count(void);
unsigned long ke_nmi_dispatch_count(void);

/* Fault injection for tests: the next `n` registrations fail as if pool were exhausted. */
void ke_nmi_fail_next_registrations(unsigned n);

#endif
