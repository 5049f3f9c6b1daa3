/* kernel/ndis/ndis_pnp.c - what NDIS calls in a miniport when its adapter goes away, by reason:
 * a PnP stop or remove (MiniportHaltEx), a surprise removal (MiniportDevicePnPEventNotify, then
 * MiniportHaltEx with NdisHaltDeviceSurpriseRemoved), power-off (MiniportShutdownEx).
 *
 * learn.microsoft.com: MINIPORT_HALT, MINIPORT_DEVICE_PNP_EVENT_NOTIFY ("NDIS calls
 * MiniportDevicePnPEventNotify ... NdisDevicePnPEventSurpriseRemoved ... the miniport driver
 * should not attempt to access the hardware"), NET_DEVICE_PNP_EVENT, MINIPORT_SHUTDOWN
 * ("MiniportShutdownEx ... should restore the NIC to its initial state ... must not wait, free
 * resources or call NDIS functions"), "Miniport Adapter States and Operations".
 *
 * Who calls: ndis_pnp.h. The order for a surprise removal matters: the notification comes first,
 * so the miniport knows before its halt that register reads return all-ones and writes go
 * nowhere; NDIS stops sending to it at the same moment.
 */
#include "kernel/ndis/ndis_pnp.h"

#include "kernel/console/log.h"
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_verify.h"

static void notify(struct ndis_adapter *adapter, NDIS_DEVICE_PNP_EVENT event)
{
    MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER handler = adapter->driver->chars.DevicePnPEventNotifyHandler;
    if (event == NdisDevicePnPEventSurpriseRemoved)
        adapter->surprise_removed = true; /* before the call: no send reaches the miniport now */
    if (!handler)
        return;
    NET_DEVICE_PNP_EVENT e = {0};
    e.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    e.Header.Revision = NET_DEVICE_PNP_EVENT_REVISION_1;
    e.Header.Size = NDIS_SIZEOF_NET_DEVICE_PNP_EVENT_REVISION_1;
    e.PortNumber = 0; /* NDIS_DEFAULT_PORT_NUMBER */
    e.DevicePnPEvent = event;
    handler(adapter->registration.MiniportAdapterContext, &e);
}

static void shut_down(struct ndis_adapter *adapter)
{
    if (adapter->shut_down)
        return;
    adapter->shut_down = true;
    MINIPORT_SHUTDOWN_HANDLER handler = adapter->driver->chars.ShutdownHandlerEx;
    log_info("ndis: %s: %s (power off)", adapter->name, handler ? "MiniportShutdownEx" : "no MiniportShutdownEx");
    if (handler)
        handler(adapter->registration.MiniportAdapterContext, NdisShutdownPowerOff);
}

NTSTATUS ndis_pnp_event(PDEVICE_OBJECT pdo, enum ndis_pnp_reason reason)
{
    ndis_require_passive((void *)ndis_pnp_event, __builtin_return_address(0));
    struct ndis_adapter *adapter = ndis_adapter_for_pdo(pdo);
    if (!adapter)
        return STATUS_NO_SUCH_DEVICE;
    if (adapter->state != NDIS_ADAPTER_RUNNING)
        return STATUS_INVALID_DEVICE_REQUEST;
    struct ndis_pnp_plan plan = ndis_pnp_plan_for(reason);
    log_debug("ndis: %s: %s", adapter->name, ndis_pnp_reason_text(reason));
    if (plan.notify)
        notify(adapter, plan.event);
    if (plan.shutdown)
        shut_down(adapter);
    if (plan.halt)
        ndis_halt_adapter(adapter, plan.action);
    return STATUS_SUCCESS;
}
