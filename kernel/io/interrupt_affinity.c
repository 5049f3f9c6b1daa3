/* kernel/io/interrupt_affinity.c - IoGetAffinityInterrupt.
 *
 * learn.microsoft.com: "IoGetAffinityInterrupt function (wdm.h)", which defers to
 * "WdmlibIoGetAffinityInterrupt function (iointex.h)": the group affinity of an interrupt object,
 * "the set of logical processors on which the driver's registered ISR can receive device
 * interrupts"; STATUS_INVALID_PARAMETER if InterruptObject "does not point to a valid interrupt
 * object". Any IRQL. docs/reference/IoGetAffinityInterrupt.md.
 *
 * irqlab has one processor group, so Group is always 0. The mask is the object's Affinity: for
 * CONNECT_FULLY_SPECIFIED and IoConnectInterrupt, ProcessorEnableMask & the active processors;
 * for LINE_BASED and MESSAGE_BASED, the resource descriptor's affinity & the active processors.
 * Each of IoConnectInterrupt's per-processor objects reports the whole set. The interrupt is
 * aimed at exactly one processor of that set at a time (`irq` shows which).
 * "Valid" is what the kernel can tell without faulting: not NULL, and Type and Size of a live
 * KINTERRUPT - an object freed by a disconnect has the retired mark (kernel/ke/interrupt.h).
 * A NULL GroupAffinity is refused the same way rather than written through.
 */
#include "include/wdm.h"

#include "kernel/ke/interrupt.h"

NTSTATUS IoGetAffinityInterrupt(PKINTERRUPT InterruptObject, PGROUP_AFFINITY GroupAffinity)
{
    if (!InterruptObject || !GroupAffinity || InterruptObject->Type != KE_INTERRUPT_OBJECT_TYPE ||
        InterruptObject->Size != sizeof(*InterruptObject))
        return STATUS_INVALID_PARAMETER;
    *GroupAffinity = (GROUP_AFFINITY){.Mask = InterruptObject->Affinity, .Group = 0};
    return STATUS_SUCCESS;
}
