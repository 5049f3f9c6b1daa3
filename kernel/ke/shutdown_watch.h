/* kernel/ke/shutdown_watch.h - `poweroff` finishes or says what it waits for; it never hangs.
 *
 * Stopping devices calls drivers (StopDevice, MiniportHaltEx) that may wait for something that
 * never comes: a DPC stuck on another CPU (KeFlushQueuedDpcs), a device that never answers. The
 * shutdown cannot be aborted from inside such a call, but every CPU's clock interrupt looks at
 * the deadline: once `poweroff_timeout=` ms (default 10000, guest time) have passed, it prints
 * what the shutdown was waiting for and what every busy CPU is running, and leaves QEMU with
 * the failure status 35 (KE_EXIT_FAILURE): something was stuck, so the shutdown was not clean.
 * (If the CPU running the shutdown is stuck with interrupts off, its own clock cannot see that;
 * another CPU's clock watchdog reports it as 0x101 instead - which needs -smp 2.)
 */
#ifndef IRQLAB_KE_SHUTDOWN_WATCH_H
#define IRQLAB_KE_SHUTDOWN_WATCH_H

#include "kernel/ke/kprcb.h"

/* The shutdown starts now: arm the deadline. */
void ke_shutdown_watch_begin(void);
/* What it does now, for the message if it never finishes ("driver serial: stopping COM1"). */
void ke_shutdown_waiting_for(const char *what);
/* Called by every CPU's clock ISR (kernel/ke/watchdog.c). */
void ke_shutdown_watch_tick(struct kprcb *prcb);

#endif
