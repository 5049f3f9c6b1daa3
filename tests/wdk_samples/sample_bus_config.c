/* tests/wdk_samples/sample_bus_config.c - what a WDM function driver does in its start routine to
 * learn about its device from the bus driver: the first hardware ID with IoGetDeviceProperty
 * (ask for the size, allocate, ask again), and the vendor and device IDs from configuration space
 * through BUS_INTERFACE_STANDARD, got with IRP_MN_QUERY_INTERFACE sent synchronously (an event
 * set by a completion routine that takes the IRP back). Compiled against include/ only. */
#include <initguid.h>
#include <wdm.h>
#include <wdmguid.h>

#include "wdk_samples.h"

#define SAMPLE_POOL_TAG 'pmaS'

static IO_COMPLETION_ROUTINE SampleSignalCompletion;

_Use_decl_annotations_ static NTSTATUS SampleSignalCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours again: we free it */
}

_IRQL_requires_(PASSIVE_LEVEL) static NTSTATUS
    SampleGetBusInterface(_In_ PDEVICE_OBJECT TargetObject, _Out_ PBUS_INTERFACE_STANDARD BusInterface)
{
    KEVENT event;
    PIRP irp = IoAllocateIrp(TargetObject->StackSize, FALSE);
    if (irp == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* required for every PnP IRP */

    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = IRP_MJ_PNP;
    stack->MinorFunction = IRP_MN_QUERY_INTERFACE;
    stack->Parameters.QueryInterface.InterfaceType = (LPGUID)&GUID_BUS_INTERFACE_STANDARD;
    stack->Parameters.QueryInterface.Size = sizeof(BUS_INTERFACE_STANDARD);
    stack->Parameters.QueryInterface.Version = 1;
    stack->Parameters.QueryInterface.Interface = (PINTERFACE)BusInterface;
    stack->Parameters.QueryInterface.InterfaceSpecificData = NULL;
    IoSetCompletionRoutine(irp, SampleSignalCompletion, &event, TRUE, TRUE, TRUE);

    NTSTATUS status = IoCallDriver(TargetObject, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    }
    status = irp->IoStatus.Status;
    IoFreeIrp(irp);
    return status;
}

/* A REG_DWORD of the device's hardware key, or Default when it is not set (or not a REG_DWORD). */
_IRQL_requires_(PASSIVE_LEVEL) static ULONG SampleReadDword(_In_ PDEVICE_OBJECT Pdo, _In_ PCWSTR Name, _In_ ULONG Default)
{
    HANDLE key;
    UNICODE_STRING valueName;
    ULONG buffer[(sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)) / sizeof(ULONG) + 1];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    ULONG length;
    ULONG value = Default;

    if (!NT_SUCCESS(IoOpenDeviceRegistryKey(Pdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &key))) {
        return Default;
    }
    RtlInitUnicodeString(&valueName, Name);
    if (NT_SUCCESS(ZwQueryValueKey(key, &valueName, KeyValuePartialInformation, info, sizeof(buffer), &length)) &&
        info->Type == REG_DWORD && info->DataLength == sizeof(ULONG)) {
        RtlCopyMemory(&value, info->Data, sizeof(ULONG));
    }
    ZwClose(key);
    return value;
}

_Use_decl_annotations_ NTSTATUS SampleReadBusConfig(PDEVICE_OBJECT Pdo, PSAMPLE_BUS_CONFIG Config)
{
    RtlZeroMemory(Config, sizeof(*Config));
    Config->Answer = SampleReadDword(Pdo, L"SampleAnswer", 7);

    ULONG needed = 0;
    NTSTATUS status = IoGetDeviceProperty(Pdo, DevicePropertyHardwareID, 0, NULL, &needed);
    if (status != STATUS_BUFFER_TOO_SMALL) {
        return NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status;
    }
    PWCHAR ids = ExAllocatePool2(POOL_FLAG_PAGED, needed, SAMPLE_POOL_TAG);
    if (ids == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = IoGetDeviceProperty(Pdo, DevicePropertyHardwareID, needed, ids, &needed);
    if (NT_SUCCESS(status)) {
        ULONG i;
        for (i = 0; ids[i] != L'\0' && i + 1 < RTL_NUMBER_OF(Config->FirstHardwareId); i++) {
            Config->FirstHardwareId[i] = ids[i];
        }
        Config->FirstHardwareId[i] = L'\0';
        DbgPrint("sample-bus: %ws (%lu bytes of IDs)\n", Config->FirstHardwareId, needed);
    }
    ExFreePoolWithTag(ids, SAMPLE_POOL_TAG);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    BUS_INTERFACE_STANDARD bus;
    status = SampleGetBusInterface(Pdo, &bus);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    ULONG ids32 = 0;
    ULONG read = bus.GetBusData(bus.Context, PCI_WHICHSPACE_CONFIG, &ids32, 0, sizeof(ids32));
    bus.InterfaceDereference(bus.Context);
    if (read != sizeof(ids32)) {
        return STATUS_DEVICE_DATA_ERROR;
    }
    Config->VendorId = (USHORT)(ids32 & 0xFFFF);
    Config->DeviceId = (USHORT)(ids32 >> 16);
    return STATUS_SUCCESS;
}
