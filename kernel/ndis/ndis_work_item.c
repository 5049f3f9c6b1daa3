/* kernel/ndis/ndis_work_item.c - NdisAllocateIoWorkItem, NdisQueueIoWorkItem, NdisFreeIoWorkItem.
 *
 * learn.microsoft.com: NdisAllocateIoWorkItem, NdisQueueIoWorkItem, NdisFreeIoWorkItem,
 * NDIS_IO_WORKITEM_FUNCTION. As in Windows, an NDIS I/O work item is an IO_WORKITEM on the
 * device object NDIS created for the adapter (its FDO, kernel/io/work_item.c): while the item is
 * queued or running the FDO is referenced, and the miniport's routine runs at PASSIVE_LEVEL in a
 * system worker thread (DelayedWorkQueue, what NDIS uses).
 */
#include "kernel/ndis/ndis_block.h"

#define NDIS_TAG_WORK_ITEM IRQLAB_POOL_TAG("NdWk")

struct ndis_io_work_item { /* the NdisIoWorkItemHandle */
    PIO_WORKITEM io;
    NDIS_IO_WORKITEM_ROUTINE routine;
    PVOID context;
};

NDIS_HANDLE NdisAllocateIoWorkItem(NDIS_HANDLE NdisObjectHandle)
{
    struct ndis_adapter *adapter = ndis_require_adapter(NdisObjectHandle, "NdisAllocateIoWorkItem",
                                                        (void *)NdisAllocateIoWorkItem, __builtin_return_address(0));
    struct ndis_io_work_item *w = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*w), NDIS_TAG_WORK_ITEM);
    if (!w)
        return NULL;
    w->io = IoAllocateWorkItem(adapter->fdo);
    if (!w->io) {
        ExFreePoolWithTag(w, NDIS_TAG_WORK_ITEM);
        return NULL;
    }
    return w;
}

static VOID ndis_work_item_run(PDEVICE_OBJECT fdo, PVOID context)
{
    UNREFERENCED_PARAMETER(fdo);
    struct ndis_io_work_item *w = context;
    w->routine(w->context, w); /* may free w: nothing of it is used afterwards */
}

VOID NdisQueueIoWorkItem(NDIS_HANDLE NdisIoWorkItemHandle, NDIS_IO_WORKITEM_ROUTINE Routine, PVOID WorkItemContext)
{
    struct ndis_io_work_item *w = NdisIoWorkItemHandle;
    /* Set before IoQueueWorkItem checks the item: a queued item is 0xE4 (P1 = 1) there, and its
     * routine has not started, so nothing reads these meanwhile except a racing, buggy caller. */
    w->routine = Routine;
    w->context = WorkItemContext;
    IoQueueWorkItem(w->io, ndis_work_item_run, DelayedWorkQueue, w);
}

VOID NdisFreeIoWorkItem(NDIS_HANDLE NdisIoWorkItemHandle)
{
    struct ndis_io_work_item *w = NdisIoWorkItemHandle;
    IoFreeWorkItem(w->io); /* a queued item stops here: 0xE4, P1 = 2 */
    ExFreePoolWithTag(w, NDIS_TAG_WORK_ITEM);
}
