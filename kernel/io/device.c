/* kernel/io/device.c - device objects: IoCreateDevice, IoDeleteDevice, IoAttachDeviceToDeviceStack,
 * IoDetachDevice (learn.microsoft.com, wdm.h pages of the same names).
 *
 * A device object is the kernel's handle for one device as one driver sees it. The bus driver
 * (here the PnP code, pnp.c) creates a PDO - "physical device object" - per device it finds; a
 * function driver creates its own FDO in StartDevice and attaches it on top of the PDO, so that
 * PDO->AttachedDevice leads to the driver's state. irqlab keeps only the members drivers use
 * (include/wdm.h). A DeviceName enters the object-name table (object_name.c), where clients find
 * the device with IoGetDeviceObjectPointer; Exclusive has no effect. A device deleted while
 * referenced (an open file object) loses its name at once and is freed with its last reference
 * (file_object.c), as on Windows.
 */
#include "include/wdm.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/irp.h"
#include "kernel/io/shutdown_notify.h"
#include "kernel/ke/verifier_irql.h"
#include "kernel/lib/string.h"

/* The extension follows the object, rounded up so it is 16-byte aligned (the pool's alignment). */
#define EXTENSION_OFFSET ((sizeof(DEVICE_OBJECT) + 15) & ~(size_t)15)

NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize, PUNICODE_STRING DeviceName,
                        DEVICE_TYPE DeviceType, ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT *DeviceObject)
{
    KE_VERIFY_IRQL_AT_MOST(IoCreateDevice, PASSIVE_LEVEL); /* verifier=irql */
    UNREFERENCED_PARAMETER(Exclusive);
    if (!DriverObject || !DeviceObject)
        return STATUS_INVALID_PARAMETER;
    if (DeviceExtensionSize > 0xFFFF - EXTENSION_OFFSET) /* Size is a USHORT */
        return STATUS_INVALID_PARAMETER;
    size_t size = EXTENSION_OFFSET + DeviceExtensionSize;
    PDEVICE_OBJECT device = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, IO_TAG_DEVICE); /* zeroed */
    if (!device)
        return STATUS_INSUFFICIENT_RESOURCES;
    device->Type = IO_TYPE_DEVICE;
    device->Size = (USHORT)size;
    device->ReferenceCount = 0;
    device->DriverObject = DriverObject;
    device->Flags = DO_DEVICE_INITIALIZING;
    device->Characteristics = DeviceCharacteristics;
    device->DeviceType = DeviceType;
    device->StackSize = 1;
    device->DeviceExtension = DeviceExtensionSize ? (char *)device + EXTENSION_OFFSET : NULL;
    if (DeviceName && DeviceName->Length) {
        NTSTATUS status = io_name_insert(DeviceName, device);
        if (!NT_SUCCESS(status)) {
            ExFreePoolWithTag(device, IO_TAG_DEVICE);
            return status;
        }
        device->Flags |= DO_DEVICE_HAS_NAME;
    }
    /* New devices go to the head of the driver's list, as on Windows. */
    device->NextDevice = DriverObject->DeviceObject;
    DriverObject->DeviceObject = device;
    *DeviceObject = device;
    return STATUS_SUCCESS;
}

VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject)
{
    KE_VERIFY_IRQL_AT_MOST(IoDeleteDevice, PASSIVE_LEVEL); /* verifier=irql */
    if (!DeviceObject)
        return;
    io_name_remove(DeviceObject);
    io_shutdown_forget(DeviceObject); /* a registration left behind: never send it IRP_MJ_SHUTDOWN */
    PDRIVER_OBJECT driver = DeviceObject->DriverObject;
    if (driver) {
        for (PDEVICE_OBJECT *link = &driver->DeviceObject; *link; link = &(*link)->NextDevice) {
            if (*link == DeviceObject) {
                *link = DeviceObject->NextDevice;
                break;
            }
        }
    }
    if (io_device_delete_deferred(DeviceObject))
        return;             /* still referenced: freed with its last reference */
    DeviceObject->Type = 0; /* a stale pointer to it no longer looks like a device object */
    ExFreePoolWithTag(DeviceObject, IO_TAG_DEVICE);
}

PDEVICE_OBJECT IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice)
{
    KE_VERIFY_IRQL_AT_MOST(IoAttachDeviceToDeviceStack, DISPATCH_LEVEL); /* verifier=irql */
    if (!SourceDevice || !TargetDevice)
        return NULL;
    /* Attach on top of whatever is on top of the target already; return what we attached to. */
    PDEVICE_OBJECT top = TargetDevice;
    while (top->AttachedDevice)
        top = top->AttachedDevice;
    top->AttachedDevice = SourceDevice;
    SourceDevice->StackSize = (CHAR)(top->StackSize + 1);
    return top;
}

VOID IoDetachDevice(PDEVICE_OBJECT TargetDevice)
{
    KE_VERIFY_IRQL_AT_MOST(IoDetachDevice, PASSIVE_LEVEL); /* verifier=irql */
    if (TargetDevice)
        TargetDevice->AttachedDevice = NULL;
}
