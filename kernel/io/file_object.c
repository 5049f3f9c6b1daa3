/* kernel/io/file_object.c - opening a device by name: IoGetDeviceObjectPointer, file objects,
 * ObReferenceObject / ObDereferenceObject, and device objects deleted while still referenced.
 *
 * learn.microsoft.com: IoGetDeviceObjectPointer, IoGetAttachedDeviceReference,
 * ObReferenceObject, ObDereferenceObject, IoDeleteDevice ("... the device object is not deleted
 * until all references are released"), IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE.
 *
 * A kernel-mode client reaches another driver's device like this:
 *
 *     UNICODE_STRING name = RTL_CONSTANT_STRING(u"\\Device\\ParallelPort0");
 *     status = IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file, &port);
 *     ... IoBuildDeviceIoControlRequest(..., port, ...); IoCallDriver(port, irp); ...
 *     ObDereferenceObject(file);       // closes it: IRP_MJ_CLEANUP, IRP_MJ_CLOSE
 *
 * Opening creates a FILE_OBJECT for the named device and sends IRP_MJ_CREATE to the top of that
 * device's stack - the driver sees every open and can refuse it. The file object holds one
 * reference on the named device (DEVICE_OBJECT.ReferenceCount). IoDeleteDevice of a device that
 * is still referenced only takes its name away: the memory stays until the last reference goes,
 * so a client that still holds the pointer can close cleanly. The reference count of a file
 * object lives in a header in front of it, as Windows keeps it in the object header.
 * Open is PASSIVE_LEVEL (bugcheck 0xA otherwise, P1 = IoGetDeviceObjectPointer); references may
 * be taken and dropped at <= DISPATCH_LEVEL.
 */
#include "kernel/ke/thread.h"
#include "kernel/io/irp.h"
#include "kernel/io/pnp.h"

#include "kernel/io/io_tags.h"
#include "kernel/ke/bugcheck.h"

struct io_file {
    volatile LONG_PTR references;
    FILE_OBJECT file;
};

#define IO_MAX_DEFERRED_DELETES 16

static PDEVICE_OBJECT deferred[IO_MAX_DEFERRED_DELETES];
static KSPIN_LOCK deferred_lock;
static volatile LONG files_open;

unsigned io_files_open(void) { return (unsigned)__atomic_load_n(&files_open, __ATOMIC_RELAXED); }

static PDEVICE_OBJECT top_of_stack(PDEVICE_OBJECT device)
{
    while (device->AttachedDevice)
        device = device->AttachedDevice;
    return device;
}

static NTSTATUS send_simple(UCHAR major, PDEVICE_OBJECT target, PFILE_OBJECT file)
{
    IO_STATUS_BLOCK iosb = {0};
    PIRP irp = io_build_simple_irp(major, target, file, &iosb);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    return IoCallDriver(target, irp); /* final: requests complete before IoCallDriver returns */
}

bool io_device_delete_deferred(PDEVICE_OBJECT device)
{
    bool kept = false;
    KIRQL old;
    KeAcquireSpinLock(&deferred_lock, &old);
    if (device->ReferenceCount > 0) {
        for (unsigned i = 0; i < IO_MAX_DEFERRED_DELETES && !kept; i++) {
            if (!deferred[i]) {
                deferred[i] = device;
                kept = true;
            }
        }
        /* With the table full the device is freed now: a leak is worse for a long test run than
         * the (documented) risk of a late close to a freed object. */
    }
    KeReleaseSpinLock(&deferred_lock, old);
    return kept;
}

/* The last reference to a device went: free it if IoDeleteDevice already asked for that. */
static void release_device(PDEVICE_OBJECT device)
{
    bool free_it = false;
    KIRQL old;
    KeAcquireSpinLock(&deferred_lock, &old);
    for (unsigned i = 0; i < IO_MAX_DEFERRED_DELETES; i++) {
        if (deferred[i] == device && device->ReferenceCount == 0) {
            deferred[i] = NULL;
            free_it = true;
        }
    }
    KeReleaseSpinLock(&deferred_lock, old);
    if (free_it) {
        device->Type = 0;
        ExFreePoolWithTag(device, IO_TAG_DEVICE);
    }
}

PDEVICE_OBJECT IoGetAttachedDeviceReference(PDEVICE_OBJECT DeviceObject)
{
    PDEVICE_OBJECT top = top_of_stack(DeviceObject);
    __atomic_fetch_add(&top->ReferenceCount, 1, __ATOMIC_RELAXED);
    return top;
}

NTSTATUS IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess, PFILE_OBJECT *FileObject,
                                  PDEVICE_OBJECT *DeviceObject)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)IoGetDeviceObjectPointer, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    if (!ObjectName || !FileObject || !DeviceObject)
        return STATUS_INVALID_PARAMETER;
    PDEVICE_OBJECT named = io_name_lookup(ObjectName);
    if (!named)
        return STATUS_OBJECT_NAME_NOT_FOUND;

    struct io_file *f = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*f), IO_TAG_FILE);
    if (!f)
        return STATUS_INSUFFICIENT_RESOURCES;
    f->references = 1;
    f->file.Type = IO_TYPE_FILE;
    f->file.Size = sizeof(FILE_OBJECT);
    f->file.DeviceObject = named;
    f->file.ReadAccess = (DesiredAccess & (FILE_READ_DATA | FILE_READ_ATTRIBUTES)) != 0;
    f->file.WriteAccess = (DesiredAccess & FILE_WRITE_DATA) != 0;
    __atomic_fetch_add(&named->ReferenceCount, 1, __ATOMIC_RELAXED);

    PDEVICE_OBJECT top = top_of_stack(named);
    NTSTATUS status = send_simple(IRP_MJ_CREATE, top, &f->file);
    if (!NT_SUCCESS(status)) {
        __atomic_fetch_sub(&named->ReferenceCount, 1, __ATOMIC_RELAXED);
        ExFreePoolWithTag(f, IO_TAG_FILE);
        release_device(named);
        return status;
    }
    __atomic_fetch_add(&files_open, 1, __ATOMIC_RELAXED);
    *FileObject = &f->file;
    *DeviceObject = top;
    return STATUS_SUCCESS;
}

LONG_PTR ObfReferenceObject(PVOID Object)
{
    SHORT type = *(const SHORT *)Object;
    if (type == IO_TYPE_FILE) {
        struct io_file *f = CONTAINING_RECORD(Object, struct io_file, file);
        return __atomic_add_fetch(&f->references, 1, __ATOMIC_RELAXED);
    }
    if (type == IO_TYPE_DEVICE)
        return __atomic_add_fetch(&((PDEVICE_OBJECT)Object)->ReferenceCount, 1, __ATOMIC_RELAXED);
    if (*(const UCHAR *)Object == ThreadObject)
        return ke_thread_ob_reference(Object); /* kernel/ke/thread.c */
    return 0; /* no other object types exist */
}

LONG_PTR ObfDereferenceObject(PVOID Object)
{
    SHORT type = *(const SHORT *)Object;
    if (type == IO_TYPE_DEVICE) {
        PDEVICE_OBJECT device = Object;
        LONG left = __atomic_sub_fetch(&device->ReferenceCount, 1, __ATOMIC_RELAXED);
        if (left == 0) {
            release_device(device);
            io_pnp_reference_released(device); /* a surprise removal may have waited for it */
        }
        return left;
    }
    if (*(const UCHAR *)Object == ThreadObject && type != IO_TYPE_FILE)
        return ke_thread_ob_dereference(Object); /* kernel/ke/thread.c */
    if (type != IO_TYPE_FILE)
        return 0;
    struct io_file *f = CONTAINING_RECORD(Object, struct io_file, file);
    LONG_PTR left = __atomic_sub_fetch(&f->references, 1, __ATOMIC_RELAXED);
    if (left)
        return left;
    /* Last reference: the driver hears that the open is over, then the object goes. */
    PDEVICE_OBJECT named = f->file.DeviceObject;
    PDEVICE_OBJECT top = top_of_stack(named);
    (void)send_simple(IRP_MJ_CLEANUP, top, &f->file);
    (void)send_simple(IRP_MJ_CLOSE, top, &f->file);
    f->file.Type = 0;
    ExFreePoolWithTag(f, IO_TAG_FILE);
    __atomic_fetch_sub(&files_open, 1, __ATOMIC_RELAXED);
    (void)ObfDereferenceObject(named);
    return 0;
}
