/* kernel/io/pdo_pnp.c - the bus drivers' IRP_MJ_PNP: what a PDO answers, and the PCI bus
 * driver's BUS_INTERFACE_STANDARD (configuration space through GetBusData / SetBusData).
 *
 * learn.microsoft.com: "IRP_MN_QUERY_INTERFACE", "BUS_INTERFACE_STANDARD structure (wdm.h)",
 * "Obtaining Device Configuration Information at IRQL = DISPATCH_LEVEL", "INTERFACE structure
 * (wdm.h)", "Handling IRPs: bus drivers" ("a bus driver that does not handle a PnP IRP completes
 * it without changing IoStatus.Status").
 *
 * A function driver asks its PDO - on Windows, the top of its device stack, which passes it
 * down to the PDO - for GUID_BUS_INTERFACE_STANDARD. The PCI bus driver fills the caller's
 * BUS_INTERFACE_STANDARD: Context is the PDO, the interface is returned referenced once
 * (InterfaceReference took a reference on the PDO, InterfaceDereference drops it), and
 * GetBusData / SetBusData read and write the function's configuration space at up to
 * DISPATCH_LEVEL. Only configuration mechanism #1 is used (PCI Local Bus Specification 3.0
 * §3.2.2.3.2): the first 256 bytes; PCI Express extended space (256-4095) reads and writes
 * 0 bytes. An unknown interface, a Size smaller than the structure or a Version other than 1
 * leaves the IRP's status as the sender set it (STATUS_NOT_SUPPORTED), as Windows' pci.sys
 * does when no interface it exports matches.
 */
#include "include/wdm.h"
#include "include/wdmguid.h"

#include "kernel/io/pnp.h"
#include "kernel/io/pnp_internal.h"
#include "kernel/ke/bugcheck.h"

#define PCI_CONFIG_SPACE_SIZE 256

static void check_irql(void *routine, void *caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)routine, irql, DISPATCH_LEVEL, (ULONG_PTR)caller);
}

static VOID bus_interface_reference(PVOID Context) { ObReferenceObject(Context); }
static VOID bus_interface_dereference(PVOID Context) { ObDereferenceObject(Context); }

/* The PCI function behind an interface's Context (a PCI PDO), or NULL. */
static const struct pci_device *pci_of(PVOID Context)
{
    struct io_pdo *pdo = io_pdo_from_device(Context);
    return pdo && pdo->bus == IO_BUS_PCI ? pdo->pci : NULL;
}

/* How many of [Offset, Offset + Length) lie in configuration space. */
static ULONG config_span(ULONG Offset, ULONG Length)
{
    if (Offset >= PCI_CONFIG_SPACE_SIZE)
        return 0;
    return Length < PCI_CONFIG_SPACE_SIZE - Offset ? Length : PCI_CONFIG_SPACE_SIZE - Offset;
}

/* GetBusData and SetBusData: the same checks, then one byte at a time in either direction. */
static ULONG config_transfer(PVOID Context, ULONG DataType, PVOID Buffer, ULONG Offset, ULONG Length, bool write)
{
    const struct pci_device *dev = pci_of(Context);
    if (!dev || DataType != PCI_WHICHSPACE_CONFIG || !Buffer)
        return 0;
    ULONG n = config_span(Offset, Length);
    UCHAR *bytes = Buffer;
    for (ULONG i = 0; i < n; i++) {
        if (write)
            pci_config_write8(dev->address, (uint8_t)(Offset + i), bytes[i]);
        else
            bytes[i] = pci_config_read8(dev->address, (uint8_t)(Offset + i));
    }
    return n;
}

static ULONG pci_get_bus_data(PVOID Context, ULONG DataType, PVOID Buffer, ULONG Offset, ULONG Length)
{
    check_irql((void *)pci_get_bus_data, __builtin_return_address(0));
    return config_transfer(Context, DataType, Buffer, Offset, Length, false);
}

static ULONG pci_set_bus_data(PVOID Context, ULONG DataType, PVOID Buffer, ULONG Offset, ULONG Length)
{
    check_irql((void *)pci_set_bus_data, __builtin_return_address(0));
    return config_transfer(Context, DataType, Buffer, Offset, Length, true);
}

/* x86: bus addresses are CPU physical addresses, and I/O ports stay I/O ports. */
static BOOLEAN pci_translate_bus_address(PVOID Context, PHYSICAL_ADDRESS BusAddress, ULONG Length,
                                         PULONG AddressSpace, PPHYSICAL_ADDRESS TranslatedAddress)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Length);
    if (!AddressSpace || !TranslatedAddress || *AddressSpace > 1)
        return FALSE;
    *TranslatedAddress = BusAddress;
    return TRUE;
}

/* irqlab has no DMA adapter objects (drivers use physical addresses from MmGetPhysicalAddress):
 * "NULL if the adapter could not be allocated" (docs/differences.md). */
static struct _DMA_ADAPTER *pci_get_dma_adapter(PVOID Context, struct _DEVICE_DESCRIPTION *DeviceDescriptor,
                                                 PULONG NumberOfMapRegisters)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(DeviceDescriptor);
    if (NumberOfMapRegisters)
        *NumberOfMapRegisters = 0;
    return NULL;
}

static NTSTATUS query_interface(struct io_pdo *pdo, PIO_STACK_LOCATION stack, NTSTATUS unchanged)
{
    const GUID *type = stack->Parameters.QueryInterface.InterfaceType;
    PBUS_INTERFACE_STANDARD bus = (PBUS_INTERFACE_STANDARD)stack->Parameters.QueryInterface.Interface;
    if (pdo->bus != IO_BUS_PCI || !type || !bus || !IsEqualGUID(type, &GUID_BUS_INTERFACE_STANDARD) ||
        stack->Parameters.QueryInterface.Version != 1 ||
        stack->Parameters.QueryInterface.Size < sizeof(BUS_INTERFACE_STANDARD))
        return unchanged;
    bus->Size = sizeof(*bus);
    bus->Version = 1;
    bus->Context = pdo->device;
    bus->InterfaceReference = bus_interface_reference;
    bus->InterfaceDereference = bus_interface_dereference;
    bus->TranslateBusAddress = pci_translate_bus_address;
    bus->GetDmaAdapter = pci_get_dma_adapter;
    bus->SetBusData = pci_set_bus_data;
    bus->GetBusData = pci_get_bus_data;
    bus->InterfaceReference(bus->Context); /* returned referenced, as every exported interface is */
    return STATUS_SUCCESS;
}

/* The state-changing requests, as Windows' PCI bus driver answers them ("Handling IRPs: bus
 * drivers"; "Starting a Device in a Bus Driver"): START turns decoding and bus mastering on before
 * the function driver above sees the IRP on its way back up; the others succeed - the PnP manager
 * (pnp_state.c) releases the resources once the whole stack has stopped, and deletes the PDO
 * after REMOVE. */
static NTSTATUS state_request(struct io_pdo *pdo, UCHAR minor, NTSTATUS unchanged)
{
    switch (minor) {
    case IRP_MN_START_DEVICE: io_pnp_enable_decoding(pdo); return STATUS_SUCCESS;
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_STOP_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
    case IRP_MN_SURPRISE_REMOVAL: return STATUS_SUCCESS;
    default: return unchanged;
    }
}

NTSTATUS io_pdo_dispatch_pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = Irp->IoStatus.Status;
    struct io_pdo *pdo = io_pdo_from_device(DeviceObject);
    if (pdo && stack->MinorFunction == IRP_MN_QUERY_INTERFACE)
        status = query_interface(pdo, stack, status);
    else if (pdo)
        status = state_request(pdo, stack->MinorFunction, status);
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}
