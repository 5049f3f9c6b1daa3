/* kernel/io/device_property.c - IoGetDeviceProperty: what the bus driver knows about a device.
 *
 * learn.microsoft.com: "IoGetDeviceProperty function (wdm.h)", "DEVICE_REGISTRY_PROPERTY
 * enumeration (wdm.h)", "Identifiers for PCI Devices" (the hardware and compatible IDs),
 * "Hardware IDs", "Compatible IDs".
 *
 * On Windows most of these values live in the device's registry key, written there by the bus
 * driver (IDs, location, address) or by the INF (class, manufacturer, friendly name). irqlab has
 * no registry and no INFs: the values the bus driver would write are made here from the PDO,
 * and the INF-made ones are missing - STATUS_OBJECT_NAME_NOT_FOUND, what Windows returns for a
 * value that is not in the key. The table of what each property gives is in
 * docs/reference/IoGetDeviceProperty.md.
 *
 * Rules, as documented: DeviceObject must be a PDO (else STATUS_INVALID_DEVICE_REQUEST - an FDO
 * or a named device is not); an unknown DeviceProperty is STATUS_INVALID_PARAMETER_2; a buffer
 * too small (or none) is STATUS_BUFFER_TOO_SMALL with *ResultLength = the size needed, and
 * nothing is written. PASSIVE_LEVEL: above it, IRQL_NOT_LESS_OR_EQUAL (0xA) with P1 = this
 * routine, P2 = the IRQL, P3 = 0, P4 = the caller, as irqlab's other PASSIVE_LEVEL routines.
 */
#include "include/wdm.h"
#include "include/wdmguid.h"

#include "kernel/bus/pci/pci_names.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/bugcheck.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

#define PROPERTY_TEXT_MAX 512 /* characters: the longest value (PCI compatible IDs) is ~200 */

/* A value being built: narrow text (REG_SZ / REG_MULTI_SZ, widened when copied out) or raw bytes. */
struct property_value {
    bool wide;            /* text: copy out as WCHAR */
    char text[PROPERTY_TEXT_MAX];
    size_t text_len;      /* characters in text, every terminating NUL included */
    const void *bytes;    /* !wide: the value ... */
    ULONG byte_len;       /* ... and its size */
    ULONG scalar;         /* storage for ULONG / enum values */
};

/* Append one NUL-terminated string (a REG_MULTI_SZ entry, or the whole REG_SZ). */
static void add_string(struct property_value *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_string(struct property_value *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = sizeof(v->text) - v->text_len;
    size_t n = kvsnprintf(v->text + v->text_len, room, fmt, ap);
    va_end(ap);
    v->text_len += (n < room ? n : room - 1) + 1;
    v->wide = true;
}

static void end_multi_sz(struct property_value *v)
{
    if (v->text_len < sizeof(v->text))
        v->text[v->text_len++] = '\0';
}

static void set_ulong(struct property_value *v, ULONG value)
{
    v->scalar = value;
    v->bytes = &v->scalar;
    v->byte_len = sizeof(ULONG);
}

static void set_bytes(struct property_value *v, const void *bytes, ULONG len)
{
    v->bytes = bytes;
    v->byte_len = len;
}

/* The number of PDOs before this one (of its bus only, or of any): Windows names PCI PDOs
 * \Device\NTPNP_PCI0000, 0001, ... and other unnamed PDOs with a number. */
static unsigned pdo_index(const struct io_pdo *pdo, bool same_bus_only)
{
    unsigned n = 0;
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        const struct io_pdo *p = io_pdo_at(i)->DeviceExtension;
        if (p == pdo)
            break;
        n += !same_bus_only || p->bus == pdo->bus;
    }
    return n;
}

/* The IDs Windows' PCI bus driver reports, most specific first ("Identifiers for PCI Devices"). */
static void pci_ids(const struct io_pdo *pdo, struct property_value *v, bool compatible)
{
    const struct pci_device *d = pdo->pci;
    /* 0x2C: subsystem vendor ID (low word), subsystem ID (high word) - SUBSYS_ssssvvvv, as read. */
    unsigned ss = pci_config_read32(d->address, 0x2C);
    unsigned ven = d->vendor_id, dev = d->device_id, rev = d->revision;
    unsigned cc = ((unsigned)d->class_code << 16) | ((unsigned)d->subclass << 8) | d->prog_if;
    if (!compatible) {
        add_string(v, "PCI\\VEN_%04X&DEV_%04X&SUBSYS_%08X&REV_%02X", ven, dev, ss, rev);
        add_string(v, "PCI\\VEN_%04X&DEV_%04X&SUBSYS_%08X", ven, dev, ss);
        add_string(v, "PCI\\VEN_%04X&DEV_%04X&CC_%06X", ven, dev, cc);
        add_string(v, "PCI\\VEN_%04X&DEV_%04X&CC_%04X", ven, dev, cc >> 8);
    } else {
        add_string(v, "PCI\\VEN_%04X&DEV_%04X&REV_%02X", ven, dev, rev);
        add_string(v, "PCI\\VEN_%04X&DEV_%04X", ven, dev);
        add_string(v, "PCI\\VEN_%04X&CC_%06X", ven, cc);
        add_string(v, "PCI\\VEN_%04X&CC_%04X", ven, cc >> 8);
        add_string(v, "PCI\\VEN_%04X", ven);
        add_string(v, "PCI\\CC_%06X", cc);
        add_string(v, "PCI\\CC_%04X", cc >> 8);
    }
    end_multi_sz(v);
}

static NTSTATUS pci_property(const struct io_pdo *pdo, DEVICE_REGISTRY_PROPERTY property, struct property_value *v)
{
    const struct pci_device *d = pdo->pci;
    switch (property) {
    case DevicePropertyDeviceDescription: {
        const char *name = pci_device_name(d->vendor_id, d->device_id);
        add_string(v, "%s", name ? name : pci_class_name(d->class_code, d->subclass));
        return STATUS_SUCCESS;
    }
    case DevicePropertyHardwareID:
        pci_ids(pdo, v, false);
        return STATUS_SUCCESS;
    case DevicePropertyCompatibleIDs:
        pci_ids(pdo, v, true);
        return STATUS_SUCCESS;
    case DevicePropertyLocationInformation:
        add_string(v, "PCI bus %u, device %u, function %u", d->address.bus, d->address.device, d->address.function);
        return STATUS_SUCCESS;
    case DevicePropertyPhysicalDeviceObjectName:
        add_string(v, "\\Device\\NTPNP_PCI%04u", pdo_index(pdo, true));
        return STATUS_SUCCESS;
    case DevicePropertyBusTypeGuid:
        set_bytes(v, &GUID_BUS_TYPE_PCI, sizeof(GUID));
        return STATUS_SUCCESS;
    case DevicePropertyLegacyBusType:
        set_ulong(v, PCIBus);
        return STATUS_SUCCESS;
    case DevicePropertyBusNumber:
        set_ulong(v, d->address.bus);
        return STATUS_SUCCESS;
    case DevicePropertyEnumeratorName:
        add_string(v, "PCI");
        return STATUS_SUCCESS;
    case DevicePropertyAddress: /* PCI: device number in the high word, function in the low */
        set_ulong(v, ((ULONG)d->address.device << 16) | d->address.function);
        return STATUS_SUCCESS;
    default:
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
}

/* Legacy devices (COM1, LPT1): on a PC, Windows finds them in the ACPI namespace, so ACPI is
 * their bus driver and their IDs are ACPI\PNPxxxx and *PNPxxxx. */
static NTSTATUS isa_property(const struct io_pdo *pdo, DEVICE_REGISTRY_PROPERTY property, struct property_value *v)
{
    bool is_com = strcmp(pdo->isa_pnp_id, "PNP0501") == 0;
    switch (property) {
    case DevicePropertyDeviceDescription:
        add_string(v, "%s", is_com ? "Communications Port" : "Printer Port");
        return STATUS_SUCCESS;
    case DevicePropertyHardwareID:
        add_string(v, "ACPI\\%s", pdo->isa_pnp_id);
        add_string(v, "*%s", pdo->isa_pnp_id);
        end_multi_sz(v);
        return STATUS_SUCCESS;
    case DevicePropertyPhysicalDeviceObjectName: /* unnamed PDOs get a number as their name */
        add_string(v, "\\Device\\%08X", 0x40u + pdo_index(pdo, false));
        return STATUS_SUCCESS;
    case DevicePropertyBusTypeGuid:
        set_bytes(v, &GUID_BUS_TYPE_ACPI, sizeof(GUID));
        return STATUS_SUCCESS;
    case DevicePropertyLegacyBusType:
        set_ulong(v, pdo->resources.interface_type); /* what its resource lists say: Isa */
        return STATUS_SUCCESS;
    case DevicePropertyBusNumber:
        set_ulong(v, 0);
        return STATUS_SUCCESS;
    case DevicePropertyEnumeratorName:
        add_string(v, "ACPI");
        return STATUS_SUCCESS;
    case DevicePropertyAddress: /* "0xFFFFFFFF: the bus driver did not supply a bus address" */
        set_ulong(v, 0xFFFFFFFFu);
        return STATUS_SUCCESS;
    default:
        return STATUS_OBJECT_NAME_NOT_FOUND;
    }
}

/* Properties whose value does not depend on the bus. */
static NTSTATUS common_property(const struct io_pdo *pdo, DEVICE_REGISTRY_PROPERTY property,
                                struct property_value *v)
{
    switch (property) {
    case DevicePropertyRemovalPolicy: /* no hot-plug slots yet: every device stays */
        set_ulong(v, RemovalPolicyExpectNoRemoval);
        return STATUS_SUCCESS;
    case DevicePropertyInstallState: /* "installed" = a driver took the device */
        set_ulong(v, pdo->driver && pdo->started ? InstallStateInstalled : InstallStateFailedInstall);
        return STATUS_SUCCESS;
    case DevicePropertyAllocatedResources: /* the raw list StartDevice got */
        if (!pdo->assigned || !pdo->raw)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        set_bytes(v, pdo->raw, io_resource_list_size(&pdo->resources));
        return STATUS_SUCCESS;
    default:
        return pdo->bus == IO_BUS_PCI ? pci_property(pdo, property, v) : isa_property(pdo, property, v);
    }
}

NTSTATUS IoGetDeviceProperty(PDEVICE_OBJECT DeviceObject, DEVICE_REGISTRY_PROPERTY DeviceProperty, ULONG BufferLength,
                             PVOID PropertyBuffer, PULONG ResultLength)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)IoGetDeviceProperty, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    struct io_pdo *pdo = io_pdo_from_device(DeviceObject);
    if (!pdo)
        return STATUS_INVALID_DEVICE_REQUEST;
    if ((ULONG)DeviceProperty > DevicePropertyContainerID)
        return STATUS_INVALID_PARAMETER_2;
    if (!ResultLength)
        return STATUS_INVALID_PARAMETER_5;

    struct property_value v; /* ~0.5 KiB of a 16 KiB thread stack */
    memset(&v, 0, sizeof(v));
    NTSTATUS status = common_property(pdo, DeviceProperty, &v);
    if (!NT_SUCCESS(status))
        return status;

    ULONG needed = v.wide ? (ULONG)(v.text_len * sizeof(WCHAR)) : v.byte_len;
    *ResultLength = needed;
    if (!PropertyBuffer || BufferLength < needed)
        return STATUS_BUFFER_TOO_SMALL;
    if (v.wide) {
        WCHAR *out = PropertyBuffer;
        for (size_t i = 0; i < v.text_len; i++)
            out[i] = (WCHAR)(unsigned char)v.text[i];
    } else {
        memcpy(PropertyBuffer, v.bytes, needed);
    }
    return STATUS_SUCCESS;
}
