/* kernel/ndis/ndis_rules.c - see ndis_rules.h.
 *
 * Why NDIS checks headers at all: an NDIS 6 structure is versioned by its header, so a driver
 * built for an older NDIS passes a shorter structure. Size tells NDIS how many members it may
 * read; reading past it would take garbage for a handler pointer. A Type mismatch almost always
 * means the driver passed the wrong structure (or an uninitialized one).
 */
#include "kernel/ndis/ndis_rules.h"

#include "kernel/io/resource_list.h"

const char *ndis_check_text(enum ndis_check check)
{
    switch (check) {
    case NDIS_CHECK_OK: return "ok";
    case NDIS_CHECK_NULL: return "no structure (NULL)";
    case NDIS_CHECK_BAD_TYPE: return "Header.Type is not this structure's NDIS_OBJECT_TYPE";
    case NDIS_CHECK_BAD_REVISION: return "Header.Revision is 0";
    case NDIS_CHECK_TOO_SMALL: return "Header.Size is smaller than its revision's size";
    case NDIS_CHECK_MISSING_HANDLER: return "a required handler is NULL";
    case NDIS_CHECK_MISSING_MESSAGE_HANDLER: return "MsiSupported is TRUE but a message handler is NULL";
    case NDIS_CHECK_BAD_NDIS_VERSION: return "MajorNdisVersion is not 6";
    case NDIS_CHECK_NULL_CONTEXT: return "MiniportAdapterContext is NULL";
    }
    return "?";
}

enum ndis_check ndis_check_header(const NDIS_OBJECT_HEADER *header, UCHAR type, USHORT min_size)
{
    if (!header)
        return NDIS_CHECK_NULL;
    if (header->Type != type)
        return NDIS_CHECK_BAD_TYPE;
    if (header->Revision == 0)
        return NDIS_CHECK_BAD_REVISION;
    if (header->Size < min_size)
        return NDIS_CHECK_TOO_SMALL;
    return NDIS_CHECK_OK;
}

enum ndis_check ndis_check_interrupt_characteristics(const NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS *c)
{
    if (!c)
        return NDIS_CHECK_NULL;
    enum ndis_check check = ndis_check_header(&c->Header, NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT,
                                              sizeof(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS));
    if (check != NDIS_CHECK_OK)
        return check;
    /* The line handlers are required even from an MSI driver: NDIS may grant a line instead. */
    if (!c->InterruptHandler || !c->InterruptDpcHandler || !c->DisableInterruptHandler || !c->EnableInterruptHandler)
        return NDIS_CHECK_MISSING_HANDLER;
    if (c->MsiSupported && (!c->MessageInterruptHandler || !c->MessageInterruptDpcHandler ||
                            !c->DisableMessageInterruptHandler || !c->EnableMessageInterruptHandler))
        return NDIS_CHECK_MISSING_MESSAGE_HANDLER;
    return NDIS_CHECK_OK;
}

enum ndis_check ndis_check_driver_characteristics(const NDIS_MINIPORT_DRIVER_CHARACTERISTICS *c)
{
    if (!c)
        return NDIS_CHECK_NULL;
    enum ndis_check check = ndis_check_header(&c->Header, NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS,
                                              NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1);
    if (check != NDIS_CHECK_OK)
        return check;
    if (c->Header.Revision >= NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 &&
        c->Header.Size < NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2)
        return NDIS_CHECK_TOO_SMALL;
    if (c->MajorNdisVersion != 6)
        return NDIS_CHECK_BAD_NDIS_VERSION;
    if (!c->InitializeHandlerEx || !c->HaltHandlerEx)
        return NDIS_CHECK_MISSING_HANDLER;
    return NDIS_CHECK_OK;
}

enum ndis_check ndis_check_registration_attributes(const NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES *a)
{
    if (!a)
        return NDIS_CHECK_NULL;
    enum ndis_check check = ndis_check_header(&a->Header, NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES,
                                              NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1);
    if (check != NDIS_CHECK_OK)
        return check;
    if (!a->MiniportAdapterContext)
        return NDIS_CHECK_NULL_CONTEXT;
    return NDIS_CHECK_OK;
}

KAFFINITY ndis_dpc_targets(BOOLEAN queue_default, ULONG target_processors, ULONG current_cpu, KAFFINITY active)
{
    if (queue_default)
        return current_cpu < 8 * sizeof(KAFFINITY) ? ((KAFFINITY)1 << current_cpu) & active : 0;
    /* TargetProcessors is a ULONG: it can only name CPUs 0-31 (of group 0). */
    return (KAFFINITY)target_processors & active;
}

ULONG ndis_message_count(const CM_RESOURCE_LIST *raw)
{
    if (!raw)
        return 0;
    ULONG count = 0, from = 0;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d;
    while ((d = io_resource_find(raw, CmResourceTypeInterrupt, &from)) != NULL)
        if (io_descriptor_is_message(d)) /* MSI: one descriptor for all; MSI-X: one each */
            count += d->u.MessageInterrupt.Raw.MessageCount ? d->u.MessageInterrupt.Raw.MessageCount : 1;
    return count;
}

struct ndis_pnp_plan ndis_pnp_plan_for(enum ndis_pnp_reason reason)
{
    struct ndis_pnp_plan plan = {.halt = true, .action = NdisHaltDeviceStopped};
    switch (reason) {
    case NDIS_PNP_STOP: break;
    case NDIS_PNP_REMOVE: plan.action = NdisHaltDeviceDisabled; break;
    case NDIS_PNP_SURPRISE:
        plan.notify = true;
        plan.event = NdisDevicePnPEventSurpriseRemoved;
        plan.action = NdisHaltDeviceSurpriseRemoved;
        break;
    case NDIS_PNP_SHUTDOWN:
        plan.halt = false; /* Windows does not halt miniports at shutdown */
        plan.shutdown = true;
        break;
    }
    return plan;
}

const char *ndis_pnp_reason_text(enum ndis_pnp_reason reason)
{
    switch (reason) {
    case NDIS_PNP_STOP: return "stop";
    case NDIS_PNP_REMOVE: return "remove";
    case NDIS_PNP_SURPRISE: return "surprise removal";
    case NDIS_PNP_SHUTDOWN: return "shutdown";
    }
    return "?";
}
