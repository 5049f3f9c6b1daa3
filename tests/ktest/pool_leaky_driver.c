/* tests/ktest/pool_leaky_driver.c - see pool_leaky_driver.h. */
#include "tests/ktest/pool_leaky_driver.h"

#include "tests/ktest/io_helpers.h"

bool pool_leaky_leaks;

typedef struct {
    PDEVICE_OBJECT Lower;
    PVOID Buffer; /* allocated at START, freed at REMOVE */
} POOL_LEAKY_EXTENSION;

static NTSTATUS PoolLeakyPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    POOL_LEAKY_EXTENSION *x = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        if (!IoForwardIrpSynchronously(x->Lower, Irp) || !NT_SUCCESS(Irp->IoStatus.Status)) {
            status = Irp->IoStatus.Status;
            break;
        }
        x->Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, POOL_LEAKY_BYTES, POOL_LEAKY_TAG);
        status = x->Buffer ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
        break;
    case IRP_MN_REMOVE_DEVICE:
        if (x->Buffer && !pool_leaky_leaks)
            ExFreePoolWithTag(x->Buffer, POOL_LEAKY_TAG);
        x->Buffer = NULL;
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(x->Lower, Irp);
        IoDetachDevice(x->Lower);
        IoDeleteDevice(DeviceObject);
        return status;
    default: IoSkipCurrentIrpStackLocation(Irp); return IoCallDriver(x->Lower, Irp);
    }
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS PoolLeakyAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    NTSTATUS status =
        IoCreateDevice(DriverObject, sizeof(POOL_LEAKY_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    ((POOL_LEAKY_EXTENSION *)fdo->DeviceExtension)->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID PoolLeakyUnload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

static NTSTATUS PoolLeakyDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_PNP] = PoolLeakyPnp;
    DriverObject->DriverExtension->AddDevice = PoolLeakyAddDevice;
    DriverObject->DriverUnload = PoolLeakyUnload;
    return STATUS_SUCCESS;
}

PDRIVER_INITIALIZE pool_leaky_driver_entry(void) { return PoolLeakyDriverEntry; }

__attribute__((noinline)) UCHAR pool_leaky_read(const volatile UCHAR *p) { return p[16]; }

IRQLAB_DRIVER(poolleaky, .Name = "poolleaky", .VendorId = IO_TEST_EDU_VENDOR, .DeviceId = IO_TEST_EDU_DEVICE,
              .Flags = IRQLAB_DRIVER_DEMAND_START, .DriverEntry = PoolLeakyDriverEntry);
