/* kernel/io/request_dpc.c - IoRequestDpc, with the IRQL rule its page documents.
 *
 * "Callers of IoRequestDpc must be running at DIRQL" (learn.microsoft.com, "IoRequestDpc
 * function"): it is the ISR's way to queue the device's DpcForIsr. Windows' free build does not
 * check; irqlab stops a call at DISPATCH_LEVEL or below with 0x9 IRQL_NOT_GREATER_OR_EQUAL, the
 * code for "the IRQL is too low" (P1 = the current IRQL, P2 = 3, the lowest DIRQL, P3 = the
 * device object, P4 = the caller), like every other too-low IRQL in irqlab. Code that is not an
 * ISR queues the same DPC with KeInsertQueueDpc(&DeviceObject->Dpc, ...), valid at any IRQL.
 */
#include "include/wdm.h"

#define LOWEST_DIRQL (DISPATCH_LEVEL + 1)

VOID IoRequestDpc(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql < LOWEST_DIRQL)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, irql, LOWEST_DIRQL, (ULONG_PTR)DeviceObject,
                     (ULONG_PTR)__builtin_return_address(0));
    (void)KeInsertQueueDpc(&DeviceObject->Dpc, Irp, Context);
}
