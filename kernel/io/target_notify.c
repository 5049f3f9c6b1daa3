/* kernel/io/target_notify.c - target device change notification: IoRegisterPlugPlayNotification
 * (EventCategoryTargetDeviceChange), IoUnregisterPlugPlayNotificationEx, IoReportTargetDeviceChange.
 *
 * learn.microsoft.com: IoRegisterPlugPlayNotification, "Using PnP Target Device Change
 * Notification", "Handling a GUID_TARGET_DEVICE_QUERY_REMOVE Event", IoReportTargetDeviceChange,
 * TARGET_DEVICE_CUSTOM_NOTIFICATION.
 *
 * A client that holds another driver's device open (the parallel port's clients hold
 * \Device\ParallelPort0) learns here that the device is going away, and closes. Each entry is
 * tied to the device *stack* its file object is open on, named by the stack's PDO: found once at
 * registration, so an event reported after the function driver detached still reaches it.
 *
 * Callbacks run at PASSIVE_LEVEL without any lock held, one at a time, and may unregister
 * themselves: an entry being called is only marked; it is given back when its call returns.
 *
 * Two senders: a driver's own custom events (IoReportTargetDeviceChange, e.g. the parallel port
 * revoking its clients, drivers/parport) and the PnP manager's removal events
 * (io_target_device_notify, target_notify.h).
 */
#include "kernel/io/target_notify.h"

#include "include/wdmguid.h"
#include "kernel/console/log.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/string.h"

#define IO_MAX_TARGET_NOTIFICATIONS 32

struct io_notify_entry {
    bool used;
    bool unregistered;    /* IoUnregisterPlugPlayNotificationEx came while a call was running */
    unsigned calling;     /* calls running now */
    PDEVICE_OBJECT stack; /* the PDO of the stack the file object is open on */
    PFILE_OBJECT file;
    PDRIVER_NOTIFICATION_CALLBACK_ROUTINE callback;
    PVOID context;
};

static struct io_notify_entry entries[IO_MAX_TARGET_NOTIFICATIONS];
static KSPIN_LOCK entries_lock;

/* The PDO whose stack holds `device`, or `device` itself if it is in no PDO's stack. */
static PDEVICE_OBJECT stack_of(PDEVICE_OBJECT device)
{
    for (unsigned i = 0; i < io_pdo_count(); i++)
        for (PDEVICE_OBJECT d = io_pdo_at(i); d; d = d->AttachedDevice)
            if (d == device)
                return io_pdo_at(i);
    return device;
}

static struct io_notify_entry *entry_from(PVOID handle)
{
    for (unsigned i = 0; i < IO_MAX_TARGET_NOTIFICATIONS; i++)
        if (handle == &entries[i] && entries[i].used && !entries[i].unregistered)
            return &entries[i];
    return NULL;
}

NTSTATUS IoRegisterPlugPlayNotification(IO_NOTIFICATION_EVENT_CATEGORY EventCategory, ULONG EventCategoryFlags,
                                        PVOID EventCategoryData, PDRIVER_OBJECT DriverObject,
                                        PDRIVER_NOTIFICATION_CALLBACK_ROUTINE CallbackRoutine, PVOID Context,
                                        PVOID *NotificationEntry)
{
    UNREFERENCED_PARAMETER(EventCategoryFlags);
    UNREFERENCED_PARAMETER(DriverObject);
    if (EventCategory != EventCategoryTargetDeviceChange)
        return STATUS_NOT_SUPPORTED; /* irqlab: no interface or hardware-profile events */
    PFILE_OBJECT file = EventCategoryData;
    if (!file || !file->DeviceObject || !CallbackRoutine || !NotificationEntry)
        return STATUS_INVALID_PARAMETER;
    PDEVICE_OBJECT stack = stack_of(file->DeviceObject);
    KIRQL irql;
    KeAcquireSpinLock(&entries_lock, &irql);
    struct io_notify_entry *e = NULL;
    for (unsigned i = 0; i < IO_MAX_TARGET_NOTIFICATIONS && !e; i++)
        if (!entries[i].used)
            e = &entries[i];
    if (e)
        *e = (struct io_notify_entry){
            .used = true, .stack = stack, .file = file, .callback = CallbackRoutine, .context = Context};
    KeReleaseSpinLock(&entries_lock, irql);
    if (!e)
        return STATUS_INSUFFICIENT_RESOURCES;
    *NotificationEntry = e;
    return STATUS_SUCCESS;
}

NTSTATUS IoUnregisterPlugPlayNotificationEx(PVOID NotificationEntry)
{
    KIRQL irql;
    KeAcquireSpinLock(&entries_lock, &irql);
    struct io_notify_entry *e = entry_from(NotificationEntry);
    if (e) {
        if (e->calling)
            e->unregistered = true; /* from inside its own callback: freed when that returns */
        else
            e->used = false;
    }
    KeReleaseSpinLock(&entries_lock, irql);
    return e ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

/* Take the next entry on `stack` not yet called for this event (`called` marks them). */
static struct io_notify_entry *next_entry(PDEVICE_OBJECT stack, bool *called)
{
    struct io_notify_entry *e = NULL;
    KIRQL irql;
    KeAcquireSpinLock(&entries_lock, &irql);
    for (unsigned i = 0; i < IO_MAX_TARGET_NOTIFICATIONS && !e; i++) {
        struct io_notify_entry *x = &entries[i];
        if (x->used && !x->unregistered && !called[i] && x->stack == stack) {
            called[i] = true;
            x->calling++;
            e = x;
        }
    }
    KeReleaseSpinLock(&entries_lock, irql);
    return e;
}

static void call_done(struct io_notify_entry *e)
{
    KIRQL irql;
    KeAcquireSpinLock(&entries_lock, &irql);
    if (--e->calling == 0 && e->unregistered)
        e->used = false, e->unregistered = false;
    KeReleaseSpinLock(&entries_lock, irql);
}

/* Call every callback on the stack with its own copy of `header` (FileObject = its own). With
 * `stop_on_failure`, the first failure ends the walk and is returned. */
static NTSTATUS notify_stack(PDEVICE_OBJECT stack, const PLUGPLAY_NOTIFICATION_HEADER *header, size_t file_offset,
                             bool stop_on_failure)
{
    bool called[IO_MAX_TARGET_NOTIFICATIONS] = {false};
    union {
        TARGET_DEVICE_CUSTOM_NOTIFICATION custom;
        UCHAR bytes[256];
    } copy;
    size_t size = header->Size < sizeof(copy) ? header->Size : sizeof(copy);
    struct io_notify_entry *e;
    while ((e = next_entry(stack, called)) != NULL) {
        memcpy(&copy, header, size);
        memcpy(copy.bytes + file_offset, &e->file, sizeof(PFILE_OBJECT));
        NTSTATUS status = e->callback(&copy, e->context);
        call_done(e);
        if (stop_on_failure && !NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}

static bool is_pnp_manager_event(const GUID *event)
{
    return IsEqualGUID(event, &GUID_TARGET_DEVICE_QUERY_REMOVE) ||
           IsEqualGUID(event, &GUID_TARGET_DEVICE_REMOVE_CANCELLED) ||
           IsEqualGUID(event, &GUID_TARGET_DEVICE_REMOVE_COMPLETE);
}

#define CUSTOM_HEADER_SIZE offsetof(TARGET_DEVICE_CUSTOM_NOTIFICATION, CustomDataBuffer) /* 0x24 */

NTSTATUS IoReportTargetDeviceChange(PDEVICE_OBJECT PhysicalDeviceObject, PVOID NotificationStructure)
{
    PTARGET_DEVICE_CUSTOM_NOTIFICATION n = NotificationStructure;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)IoReportTargetDeviceChange, KeGetCurrentIrql(), 0,
                     (ULONG_PTR)__builtin_return_address(0));
    if (!PhysicalDeviceObject || !n || is_pnp_manager_event(&n->Event) || n->Size < CUSTOM_HEADER_SIZE ||
        (n->NameBufferOffset != -1 && n->NameBufferOffset > (LONG)(n->Size - CUSTOM_HEADER_SIZE)))
        return STATUS_INVALID_DEVICE_REQUEST;
    return notify_stack(stack_of(PhysicalDeviceObject), (const PLUGPLAY_NOTIFICATION_HEADER *)n,
                        offsetof(TARGET_DEVICE_CUSTOM_NOTIFICATION, FileObject), false);
}

NTSTATUS io_target_device_notify(PDEVICE_OBJECT pdo, const GUID *event)
{
    TARGET_DEVICE_REMOVAL_NOTIFICATION n = {.Version = 1, .Size = sizeof(n), .Event = *event};
    bool query = IsEqualGUID(event, &GUID_TARGET_DEVICE_QUERY_REMOVE);
    NTSTATUS status = notify_stack(stack_of(pdo), (const PLUGPLAY_NOTIFICATION_HEADER *)&n,
                                   offsetof(TARGET_DEVICE_REMOVAL_NOTIFICATION, FileObject), query);
    if (!NT_SUCCESS(status)) /* vetoed: those already asked hear that the removal is off */
        (void)io_target_device_notify(pdo, &GUID_TARGET_DEVICE_REMOVE_CANCELLED);
    return status;
}

unsigned io_target_notifications(PDEVICE_OBJECT pdo)
{
    unsigned n = 0;
    PDEVICE_OBJECT stack = stack_of(pdo);
    KIRQL irql;
    KeAcquireSpinLock(&entries_lock, &irql);
    for (unsigned i = 0; i < IO_MAX_TARGET_NOTIFICATIONS; i++)
        n += entries[i].used && !entries[i].unregistered && entries[i].stack == stack;
    KeReleaseSpinLock(&entries_lock, irql);
    return n;
}
