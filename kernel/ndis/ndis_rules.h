/* kernel/ndis/ndis_rules.h - the checks NDIS makes on what a miniport hands it, and the DPC
 * targeting rule of MINIPORT_ISR. Pure code (no kernel state): tests/unit/test_ndis_rules.c.
 *
 * learn.microsoft.com: NDIS_OBJECT_HEADER ("NDIS checks Type, Revision and Size"),
 * NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, NDIS_MINIPORT_DRIVER_CHARACTERISTICS,
 * NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES, MINIPORT_ISR (QueueDefaultInterruptDpc,
 * TargetProcessors); docs/reference/NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS.md.
 */
#ifndef IRQLAB_NDIS_RULES_H
#define IRQLAB_NDIS_RULES_H

#include <stdbool.h>

#include "include/ndis.h"

enum ndis_check {
    NDIS_CHECK_OK = 0,
    NDIS_CHECK_NULL,                    /* no structure at all */
    NDIS_CHECK_BAD_TYPE,                /* Header.Type is not the structure's NDIS_OBJECT_TYPE_* */
    NDIS_CHECK_BAD_REVISION,            /* Header.Revision is 0 */
    NDIS_CHECK_TOO_SMALL,               /* Header.Size below the size of the revision it claims */
    NDIS_CHECK_MISSING_HANDLER,         /* a required handler is NULL */
    NDIS_CHECK_MISSING_MESSAGE_HANDLER, /* MsiSupported but a message handler is NULL */
    NDIS_CHECK_BAD_NDIS_VERSION,        /* MajorNdisVersion is not 6 */
    NDIS_CHECK_NULL_CONTEXT,            /* registration attributes without MiniportAdapterContext */
};

/* Why NDIS takes an adapter away, and what it calls for each reason (learn.microsoft.com
 * MINIPORT_HALT, MINIPORT_DEVICE_PNP_EVENT_NOTIFY, MINIPORT_SHUTDOWN, "Handling PnP Events and
 * Power Management Events in a Miniport Driver"):
 *   NDIS_PNP_STOP      IRP_MN_STOP_DEVICE (rebalance)  halt, NdisHaltDeviceStopped
 *   NDIS_PNP_REMOVE    IRP_MN_REMOVE_DEVICE            halt, NdisHaltDeviceDisabled
 *   NDIS_PNP_SURPRISE  IRP_MN_SURPRISE_REMOVAL         DevicePnPEventNotify(NdisDevicePnPEventSurpriseRemoved),
 *                                                      then halt, NdisHaltDeviceSurpriseRemoved
 *   NDIS_PNP_SHUTDOWN  the system powers off           MiniportShutdownEx(NdisShutdownPowerOff), no halt */
enum ndis_pnp_reason { NDIS_PNP_STOP, NDIS_PNP_REMOVE, NDIS_PNP_SURPRISE, NDIS_PNP_SHUTDOWN };
struct ndis_pnp_plan {
    bool notify; /* DevicePnPEventNotifyHandler(event) first */
    NDIS_DEVICE_PNP_EVENT event;
    bool halt; /* HaltHandlerEx(action) */
    NDIS_HALT_ACTION action;
    bool shutdown; /* ShutdownHandlerEx(NdisShutdownPowerOff) */
};
struct ndis_pnp_plan ndis_pnp_plan_for(enum ndis_pnp_reason reason);
const char *ndis_pnp_reason_text(enum ndis_pnp_reason reason);

const char *ndis_check_text(enum ndis_check check);

/* Type must match, Revision >= 1, Size >= min_size. */
enum ndis_check ndis_check_header(const NDIS_OBJECT_HEADER *header, UCHAR type, USHORT min_size);
enum ndis_check ndis_check_interrupt_characteristics(const NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS *c);
enum ndis_check ndis_check_driver_characteristics(const NDIS_MINIPORT_DRIVER_CHARACTERISTICS *c);
enum ndis_check ndis_check_registration_attributes(const NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES *a);

/* The CPUs on which NDIS queues interrupt DPCs after a MINIPORT_ISR / MINIPORT_MESSAGE_INTERRUPT
 * call (whatever the ISR returned): QueueDefaultInterruptDpc -> only `current_cpu`, and
 * TargetProcessors is ignored; otherwise every bit of TargetProcessors (the first 32 CPUs of
 * group 0) that names an active CPU; 0 -> none. Bits of CPUs that do not exist are ignored. */
KAFFINITY ndis_dpc_targets(BOOLEAN queue_default, ULONG target_processors, ULONG current_cpu, KAFFINITY active);

/* How many interrupt messages a device was granted, from its raw resource list: an MSI
 * descriptor counts Raw.MessageCount, each MSI-X descriptor one. 0 = only a line (or nothing). */
ULONG ndis_message_count(const CM_RESOURCE_LIST *raw);

#endif
