/* kernel/ndis/ndis_pnp.h - NDIS taking an adapter away for a PnP or power reason (ndis_pnp.c).
 *
 * NDIS's IRP_MJ_PNP dispatch (ndis_driver.c, installed by NdisMRegisterMiniportDriver) calls it
 * for the IRPs:
 *   IRP_MN_STOP_DEVICE          NDIS_PNP_STOP
 *   IRP_MN_REMOVE_DEVICE        NDIS_PNP_REMOVE    (nothing to do after a STOP or a SURPRISE_REMOVAL)
 *   IRP_MN_SURPRISE_REMOVAL     NDIS_PNP_SURPRISE
 * and it is the entry for power-off, which is not an IRP_MJ_PNP request:
 *   `poweroff`                  NDIS_PNP_SHUTDOWN  (MiniportShutdownEx; the adapter stays, with
 *                                                   its interrupt registered: nothing to release
 *                                                   on a machine that is going away)
 * The plan for each reason is the pure ndis_pnp_plan_for (ndis_rules.h). */
#ifndef IRQLAB_NDIS_PNP_H
#define IRQLAB_NDIS_PNP_H

#include "kernel/ndis/ndis_rules.h"

/* PASSIVE_LEVEL. STATUS_SUCCESS; STATUS_NO_SUCH_DEVICE if NDIS runs no adapter on `pdo`;
 * STATUS_INVALID_DEVICE_REQUEST if it is not running (inside MiniportInitializeEx or a halt). */
NTSTATUS ndis_pnp_event(PDEVICE_OBJECT pdo, enum ndis_pnp_reason reason);

#endif
