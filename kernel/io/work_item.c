/* kernel/io/work_item.c - I/O work items: IoAllocateWorkItem, IoQueueWorkItem(Ex), IoFreeWorkItem,
 * IoInitializeWorkItem, IoUninitializeWorkItem, IoSizeofWorkItem.
 *
 * learn.microsoft.com: IoAllocateWorkItem, IoQueueWorkItem, IoQueueWorkItemEx, IoFreeWorkItem,
 * IoInitializeWorkItem, IoUninitializeWorkItem, IoSizeofWorkItem, IO_WORKITEM_ROUTINE,
 * IO_WORKITEM_ROUTINE_EX, "System Worker Threads", "Bug Check 0xE4: WORKER_INVALID".
 *
 * An IO_WORKITEM is an executive WORK_QUEUE_ITEM (kernel/ke/worker_threads.c) that remembers a
 * device (or driver) object. What it adds, and why drivers must use it rather than
 * ExQueueWorkItem: IoQueueWorkItem takes a reference on the device object, and the worker thread
 * drops it only after the driver's routine has returned. So the device object - and the driver
 * whose code the routine is - cannot go away while the item is queued or running (IoDeleteDevice
 * of a referenced device only frees it with the last reference, kernel/io/file_object.c).
 */
#include "include/wdm.h"
#include "kernel/ke/irql.h"
#include "kernel/lib/string.h"
#include "kernel/ke/verifier_irql.h"

#define IO_TAG_WORK_ITEM IRQLAB_POOL_TAG("IoWk")
#define IO_WORK_ITEM_MAGIC IRQLAB_POOL_TAG("IoWi")

struct _IO_WORKITEM {
    WORK_QUEUE_ITEM Item; /* first: the executive item the worker thread takes */
    ULONG Magic;          /* IO_WORK_ITEM_MAGIC while initialized */
    BOOLEAN Extended;     /* Routine is an IO_WORKITEM_ROUTINE_EX */
    PVOID Routine;
    PVOID IoObject;
    PVOID Context;
};

_Static_assert(__builtin_offsetof(IO_WORKITEM, Item) == 0, "the worker thread is given &Item == the IO_WORKITEM");

ULONG IoSizeofWorkItem(VOID) { return sizeof(IO_WORKITEM); }

static bool is_io_object(PVOID object)
{
    if (!object)
        return false;
    SHORT type = *(const SHORT *)object;
    return type == IO_TYPE_DEVICE || type == IO_TYPE_DRIVER;
}

VOID IoInitializeWorkItem(PVOID IoObject, PIO_WORKITEM IoWorkItem)
{
    /* 0xE4, P1 = 3: "initialize an I/O worker item with an invalid object". P2 = the item,
     * P3 = the object. */
    if (!is_io_object(IoObject))
        KeBugCheckEx(WORKER_INVALID, 3, (ULONG_PTR)IoWorkItem, (ULONG_PTR)IoObject, 0);
    memset(IoWorkItem, 0, sizeof(*IoWorkItem));
    IoWorkItem->IoObject = IoObject;
    IoWorkItem->Magic = IO_WORK_ITEM_MAGIC;
}

PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject)
{
    KE_VERIFY_IRQL_AT_MOST(IoAllocateWorkItem, DISPATCH_LEVEL); /* verifier=irql */
    if (!is_io_object(DeviceObject))
        KeBugCheckEx(WORKER_INVALID, 3, 0, (ULONG_PTR)DeviceObject, 0);
    PIO_WORKITEM w = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*w), IO_TAG_WORK_ITEM);
    if (w)
        IoInitializeWorkItem(DeviceObject, w);
    return w;
}

/* The executive routine of every I/O work item, in a worker thread at PASSIVE_LEVEL. */
static VOID io_work_item_run(PVOID parameter)
{
    PIO_WORKITEM w = parameter;
    /* Copied first: the routine may free the item (IoFreeWorkItem) or queue it again. */
    PVOID object = w->IoObject, routine = w->Routine, context = w->Context;
    if (w->Extended)
        ((PIO_WORKITEM_ROUTINE_EX)routine)(object, context, w);
    else
        ((PIO_WORKITEM_ROUTINE)routine)((PDEVICE_OBJECT)object, context);
    KIRQL irql = ke_get_irql();
    if (irql != PASSIVE_LEVEL)
        /* The worker thread would find this too, naming io_work_item_run; name the driver's
         * routine instead. P1 = the routine, P2 = the IRQL, P3 = its Context, P4 = the IO_WORKITEM. */
        KeBugCheckEx(WORKER_THREAD_RETURNED_AT_BAD_IRQL, (ULONG_PTR)routine, irql, (ULONG_PTR)context, (ULONG_PTR)w);
    (void)ObDereferenceObject(object); /* IoQueueWorkItem's reference: the device may go now */
}

static void queue(PIO_WORKITEM w, PVOID routine, BOOLEAN extended, WORK_QUEUE_TYPE type, PVOID context, void *caller)
{
    KIRQL irql = ke_get_irql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)(extended ? (void *)IoQueueWorkItemEx : (void *)IoQueueWorkItem),
                     irql, DISPATCH_LEVEL, (ULONG_PTR)caller);
    if (w->Magic != IO_WORK_ITEM_MAGIC)
        KeBugCheckEx(WORKER_INVALID, 3, (ULONG_PTR)w, (ULONG_PTR)w->IoObject, 0);
    if (__atomic_load_n(&w->Item.List.Flink, __ATOMIC_ACQUIRE))
        /* Still queued: what ExQueueWorkItem would report, checked before the fields change. */
        KeBugCheckEx(WORKER_INVALID, 1, (ULONG_PTR)w, type, 0);
    w->Routine = routine;
    w->Extended = extended;
    w->Context = context;
    (void)ObReferenceObject(w->IoObject);
    ExInitializeWorkItem(&w->Item, io_work_item_run, w);
    ExQueueWorkItem(&w->Item, type);
}

VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine, WORK_QUEUE_TYPE QueueType,
                     PVOID Context)
{
    queue(IoWorkItem, (PVOID)WorkerRoutine, FALSE, QueueType, Context, __builtin_return_address(0));
}

VOID IoQueueWorkItemEx(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE_EX WorkerRoutine, WORK_QUEUE_TYPE QueueType,
                       PVOID Context)
{
    queue(IoWorkItem, (PVOID)WorkerRoutine, TRUE, QueueType, Context, __builtin_return_address(0));
}

/* "Only free a work item that is not currently queued" (IoFreeWorkItem). A queued one is 0xE4,
 * P1 = 2, P2 = the item, P3 = its routine. */
static void check_not_queued(PIO_WORKITEM w)
{
    if (__atomic_load_n(&w->Item.List.Flink, __ATOMIC_ACQUIRE))
        KeBugCheckEx(WORKER_INVALID, 2, (ULONG_PTR)w, (ULONG_PTR)w->Routine, 0);
}

VOID IoUninitializeWorkItem(PIO_WORKITEM IoWorkItem)
{
    check_not_queued(IoWorkItem);
    IoWorkItem->Magic = 0;
}

VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem)
{
    KE_VERIFY_IRQL_AT_MOST(IoFreeWorkItem, DISPATCH_LEVEL); /* verifier=irql */
    IoUninitializeWorkItem(IoWorkItem);
    ExFreePoolWithTag(IoWorkItem, IO_TAG_WORK_ITEM);
}
