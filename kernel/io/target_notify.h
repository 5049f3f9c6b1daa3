/* kernel/io/target_notify.h - the PnP manager's side of target device change notification
 * (target_notify.c; the driver side is in include/wdm.h).
 *
 * For the PnP core (kernel/io/pnp*.c), as Windows' PnP manager does around removal
 * (learn.microsoft.com "Using PnP Target Device Change Notification"):
 *   before IRP_MN_QUERY_REMOVE_DEVICE  io_target_device_notify(pdo, &GUID_TARGET_DEVICE_QUERY_REMOVE):
 *                                      a failure is a veto (those already told get
 *                                      GUID_TARGET_DEVICE_REMOVE_CANCELLED here) - do not remove;
 *   after IRP_MN_CANCEL_REMOVE_DEVICE  ... GUID_TARGET_DEVICE_REMOVE_CANCELLED;
 *   after IRP_MN_REMOVE_DEVICE, or after IRP_MN_SURPRISE_REMOVAL
 *                                      ... GUID_TARGET_DEVICE_REMOVE_COMPLETE.
 * PASSIVE_LEVEL. */
#ifndef IRQLAB_IO_TARGET_NOTIFY_H
#define IRQLAB_IO_TARGET_NOTIFY_H

#include "include/wdm.h"

NTSTATUS io_target_device_notify(PDEVICE_OBJECT pdo, const GUID *event);
/* Callbacks registered on the stack of `pdo` (tests, the shell). */
unsigned io_target_notifications(PDEVICE_OBJECT pdo);

#endif
