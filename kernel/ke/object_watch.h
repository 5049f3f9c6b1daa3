/* kernel/ke/object_watch.h - who made a DPC or timer object.
 *
 * KeInitializeDpc, KeInitializeThreadedDpc and KeInitializeTimerEx call the hook (when set) with
 * the object they initialized. The I/O manager sets it (kernel/io/pnp_driver.c) to remember the
 * DPCs and timers a driver initializes while the PnP manager is calling it, so that unloading the
 * driver with one still queued can stop with Bug Check 0xCE, as Driver Verifier does. */
#ifndef IRQLAB_KE_OBJECT_WATCH_H
#define IRQLAB_KE_OBJECT_WATCH_H

#include <stdbool.h>

typedef void ke_object_init_hook_fn(void *object, bool timer);
extern ke_object_init_hook_fn *volatile ke_object_init_hook;

static inline void ke_object_initialized(void *object, bool timer)
{
    ke_object_init_hook_fn *hook = ke_object_init_hook;
    if (hook)
        hook(object, timer);
}

#endif
