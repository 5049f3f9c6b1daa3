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
