/* kernel/io/shutdown_notify.h - the devices registered with IoRegisterShutdownNotification
 * (shutdown_notify.c), for `poweroff` (pnp.c) and IoDeleteDevice (device.c). PASSIVE_LEVEL. */
#ifndef IRQLAB_IO_SHUTDOWN_NOTIFY_H
#define IRQLAB_IO_SHUTDOWN_NOTIFY_H

#include <stdbool.h>

#include "include/wdm.h"

/* Send IRP_MJ_SHUTDOWN to every registered device, one at a time, each waited for. */
void io_shutdown_notify_all(void);
/* Was `device` sent IRP_MJ_SHUTDOWN by io_shutdown_notify_all? */
bool io_shutdown_was_notified(PDEVICE_OBJECT device);
/* IoDeleteDevice: the device is gone; never send it anything. */
void io_shutdown_forget(PDEVICE_OBJECT device);

#endif
