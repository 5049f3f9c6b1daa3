/* tests/ktest/bus_query_test.c - what a driver learns from its bus driver the WDK way:
 * IoGetDeviceProperty (kernel/io/device_property.c) and BUS_INTERFACE_STANDARD through
 * IRP_MN_QUERY_INTERFACE (kernel/io/pdo_pnp.c).
 * QEMU: -device edu,addr=03.0 (cases that need it skip themselves without it). The expected
 * values are computed here from configuration space read directly, not from the code under test. */
#include "kernel/bus/pci/pci.h"
#include "include/wdm.h"
#include "include/wdmguid.h"
#include "kernel/io/irp.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define BUS_QUERY_TAG 0x74737542 /* 'Bust' */

#define EDU_PDO_OR_SKIP(t, pdo)                                                                    \
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);               \
    if (!pdo)                                                                                      \
    KTEST_SKIP(t, "no edu device (-device edu)")

/* A WCHAR string (or multi-sz entry) as narrow text, for comparing. */
static void narrow(const WCHAR *w, char *out, size_t size)
{
    size_t i = 0;
    for (; w[i] && i + 1 < size; i++)
        out[i] = (char)w[i];
    out[i] = '\0';
}

static ULONG get_ulong(PDEVICE_OBJECT pdo, DEVICE_REGISTRY_PROPERTY p, NTSTATUS *status)
{
    ULONG value = 0xDEADBEEF, length = 0;
    *status = IoGetDeviceProperty(pdo, p, sizeof(value), &value, &length);
    return NT_SUCCESS(*status) && length == sizeof(ULONG) ? value : 0xDEADBEEF;
}

static void pci_hardware_ids_as_windows_writes_them(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    const struct pci_device *d = io_test_pdo(pdo)->pci;
    uint16_t ssvid = pci_config_read16(d->address, 0x2C), ssid = pci_config_read16(d->address, 0x2E);
    uint8_t rev = pci_config_read8(d->address, 0x08);
    char expected[96];
    ksnprintf(expected, sizeof(expected), "PCI\\VEN_1234&DEV_11E8&SUBSYS_%04X%04X&REV_%02X", ssid, ssvid, rev);

    WCHAR ids[256];
    ULONG length = 0;
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyHardwareID, sizeof(ids), ids, &length), STATUS_SUCCESS);
    /* REG_MULTI_SZ: four strings, most specific first, then an empty one; length counts it all. */
    unsigned strings = 0, at = 0;
    char first[96] = "";
    while (at < length / sizeof(WCHAR) && ids[at]) {
        if (strings == 0)
            narrow(&ids[at], first, sizeof(first));
        while (ids[at])
            at++;
        at++;
        strings++;
    }
    KTEST_EXPECT_EQ(t, strings, 4);
    KTEST_EXPECT_STREQ(t, first, expected);
    KTEST_EXPECT_EQ(t, ids[at], 0);
    KTEST_EXPECT_EQ(t, length, (at + 1) * sizeof(WCHAR));

    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyCompatibleIDs, sizeof(ids), ids, &length), STATUS_SUCCESS);
    char compat[64];
    narrow(ids, compat, sizeof(compat));
    ksnprintf(expected, sizeof(expected), "PCI\\VEN_1234&DEV_11E8&REV_%02X", rev);
    KTEST_EXPECT_STREQ(t, compat, expected);
}

static void too_small_says_how_much_and_writes_nothing(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    ULONG needed = 0;
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyEnumeratorName, 0, NULL, &needed), STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, needed, sizeof(L"PCI"));
    WCHAR buffer[8];
    memset(buffer, 0xAA, sizeof(buffer));
    ULONG length = 0;
    KTEST_EXPECT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyEnumeratorName, needed - 1, buffer, &length),
                    STATUS_BUFFER_TOO_SMALL);
    KTEST_EXPECT_EQ(t, length, needed);
    KTEST_EXPECT_EQ(t, buffer[0], 0xAAAA);
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyEnumeratorName, needed, buffer, &length), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, memcmp(buffer, L"PCI", sizeof(L"PCI")), 0);
    KTEST_EXPECT_EQ(t, buffer[4], 0xAAAA); /* not one byte past the value */
}

static void pci_location_bus_and_address(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    const struct pci_device *d = io_test_pdo(pdo)->pci;
    NTSTATUS s;
    KTEST_EXPECT_EQ(t, get_ulong(pdo, DevicePropertyBusNumber, &s), d->address.bus);
    KTEST_EXPECT_EQ(t, get_ulong(pdo, DevicePropertyAddress, &s), ((ULONG)d->address.device << 16) | d->address.function);
    KTEST_EXPECT_EQ(t, get_ulong(pdo, DevicePropertyLegacyBusType, &s), PCIBus);
    KTEST_EXPECT_EQ(t, get_ulong(pdo, DevicePropertyRemovalPolicy, &s), RemovalPolicyExpectNoRemoval);
    KTEST_EXPECT_EQ(t, get_ulong(pdo, DevicePropertyInstallState, &s), InstallStateInstalled); /* edu driver */

    GUID bus;
    ULONG length;
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyBusTypeGuid, sizeof(bus), &bus, &length), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, length, sizeof(GUID));
    KTEST_EXPECT_TRUE(t, IsEqualGUID(&bus, &GUID_BUS_TYPE_PCI));
    KTEST_EXPECT_EQ(t, bus.Data1, 0xC8EBDFB0);

    WCHAR text[64];
    char got[64], expected[64];
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyLocationInformation, sizeof(text), text, &length),
                    STATUS_SUCCESS);
    narrow(text, got, sizeof(got));
    ksnprintf(expected, sizeof(expected), "PCI bus %u, device %u, function %u", d->address.bus, d->address.device,
              d->address.function);
    KTEST_EXPECT_STREQ(t, got, expected);
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyPhysicalDeviceObjectName, sizeof(text), text, &length),
                    STATUS_SUCCESS);
    narrow(text, got, sizeof(got));
    KTEST_EXPECT_EQ(t, strncmp(got, "\\Device\\NTPNP_PCI", 17), 0);
    KTEST_EXPECT_EQ(t, strlen(got), 21);
}

static void every_pci_pdo_has_its_own_name(struct ktest *t)
{
    char names[IO_MAX_PDOS][32];
    unsigned n = 0;
    for (unsigned i = 0; i < io_pdo_count(); i++) {
        WCHAR text[32];
        ULONG length;
        if (IoGetDeviceProperty(io_pdo_at(i), DevicePropertyPhysicalDeviceObjectName, sizeof(text), text, &length))
            continue;
        narrow(text, names[n], sizeof(names[n]));
        for (unsigned j = 0; j < n; j++)
            KTEST_EXPECT_TRUE(t, strcmp(names[j], names[n]) != 0);
        n++;
    }
    KTEST_EXPECT_EQ(t, n, io_pdo_count());
}

static void legacy_com1_is_acpi_enumerated(struct ktest *t)
{
    PDEVICE_OBJECT com1 = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, com1);
    WCHAR ids[64];
    ULONG length;
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(com1, DevicePropertyHardwareID, sizeof(ids), ids, &length), STATUS_SUCCESS);
    static const WCHAR expected[] = L"ACPI\\PNP0501\0*PNP0501\0"; /* + the literal's NUL: the empty string */
    KTEST_EXPECT_EQ(t, length, sizeof(expected));
    KTEST_EXPECT_EQ(t, memcmp(ids, expected, sizeof(expected)), 0);
    NTSTATUS s;
    KTEST_EXPECT_EQ(t, get_ulong(com1, DevicePropertyAddress, &s), 0xFFFFFFFF); /* no bus address */
    KTEST_EXPECT_EQ(t, get_ulong(com1, DevicePropertyLegacyBusType, &s), Isa);
    GUID bus;
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(com1, DevicePropertyBusTypeGuid, sizeof(bus), &bus, &length), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, IsEqualGUID(&bus, &GUID_BUS_TYPE_ACPI));
    KTEST_EXPECT_FALSE(t, IsEqualGUID(&bus, &GUID_BUS_TYPE_PCI));
}

static void allocated_resources_are_the_raw_list(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    struct io_pdo *p = io_test_pdo(pdo);
    ULONG needed = 0;
    KTEST_ASSERT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyAllocatedResources, 0, NULL, &needed),
                    STATUS_BUFFER_TOO_SMALL);
    KTEST_ASSERT_GE(t, needed, sizeof(CM_RESOURCE_LIST));
    PCM_RESOURCE_LIST copy = ExAllocatePool2(POOL_FLAG_NON_PAGED, needed, BUS_QUERY_TAG);
    KTEST_ASSERT_NOT_NULL(t, copy);
    ULONG length;
    KTEST_EXPECT_EQ(t, IoGetDeviceProperty(pdo, DevicePropertyAllocatedResources, needed, copy, &length), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, memcmp(copy, p->raw, needed), 0);
    KTEST_EXPECT_EQ(t, copy->List[0].InterfaceType, PCIBus);
    ExFreePoolWithTag(copy, BUS_QUERY_TAG);
}

static void bad_requests_get_the_documented_status(struct ktest *t)
{
    PDEVICE_OBJECT com1 = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, com1);
    ULONG value, length;
    KTEST_EXPECT_EQ(t, IoGetDeviceProperty(com1, (DEVICE_REGISTRY_PROPERTY)0x17, sizeof(value), &value, &length),
                    STATUS_INVALID_PARAMETER_2);
    KTEST_EXPECT_EQ(t, IoGetDeviceProperty(com1, DevicePropertyBusNumber, sizeof(value), &value, NULL),
                    STATUS_INVALID_PARAMETER_5);
    /* Written by an INF on Windows; irqlab has none: the value is not there. */
    WCHAR text[64];
    KTEST_EXPECT_EQ(t, IoGetDeviceProperty(com1, DevicePropertyClassGuid, sizeof(text), text, &length),
                    STATUS_OBJECT_NAME_NOT_FOUND);
    /* Not a PDO: a device object of a driver of our own. */
    static DRIVER_OBJECT driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "bus_query"};
    PDEVICE_OBJECT fdo;
    KTEST_ASSERT_EQ(t, IoCreateDevice(&driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, IoGetDeviceProperty(fdo, DevicePropertyBusNumber, sizeof(value), &value, &length),
                    STATUS_INVALID_DEVICE_REQUEST);
    IoDeleteDevice(fdo);
}

/* ---- BUS_INTERFACE_STANDARD ---- */

/* Send IRP_MN_QUERY_INTERFACE the way a function driver does; returns the final status. */
static NTSTATUS query_interface(PDEVICE_OBJECT pdo, const GUID *type, USHORT size, USHORT version, PINTERFACE out)
{
    PIRP irp = IoAllocateIrp(pdo->StackSize, FALSE);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    IO_STATUS_BLOCK iosb = {0};
    irp->UserIosb = &iosb;
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* every PnP IRP starts so */
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = IRP_MJ_PNP;
    stack->MinorFunction = IRP_MN_QUERY_INTERFACE;
    stack->Parameters.QueryInterface.InterfaceType = type;
    stack->Parameters.QueryInterface.Size = size;
    stack->Parameters.QueryInterface.Version = version;
    stack->Parameters.QueryInterface.Interface = out;
    NTSTATUS returned = IoCallDriver(pdo, irp); /* completed by the bus driver before it returns */
    return returned == iosb.Status ? returned : STATUS_UNSUCCESSFUL;
}

static void config_space_through_the_bus_interface(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    const struct pci_device *d = io_test_pdo(pdo)->pci;
    LONG refs = pdo->ReferenceCount;
    BUS_INTERFACE_STANDARD bus;
    memset(&bus, 0, sizeof(bus));
    KTEST_ASSERT_EQ(t, query_interface(pdo, &GUID_BUS_INTERFACE_STANDARD, sizeof(bus), 1, (PINTERFACE)&bus),
                    STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, bus.Size, sizeof(bus));
    KTEST_EXPECT_EQ(t, bus.Version, 1);
    KTEST_EXPECT_EQ(t, pdo->ReferenceCount, refs + 1); /* handed out referenced */

    UCHAR space[256];
    KTEST_ASSERT_EQ(t, bus.GetBusData(bus.Context, PCI_WHICHSPACE_CONFIG, space, 0, sizeof(space)), 256);
    for (unsigned i = 0; i < 256; i += 4)
        KTEST_EXPECT_EQ(t, *(ULONG *)&space[i], pci_config_read32(d->address, (uint8_t)i));
    UCHAR tail[16];
    KTEST_EXPECT_EQ(t, bus.GetBusData(bus.Context, PCI_WHICHSPACE_CONFIG, tail, 250, sizeof(tail)), 6);
    KTEST_EXPECT_EQ(t, bus.GetBusData(bus.Context, PCI_WHICHSPACE_CONFIG, tail, 256, 4), 0); /* extended space */
    KTEST_EXPECT_EQ(t, bus.GetBusData(bus.Context, PCI_WHICHSPACE_ROM, tail, 0, 4), 0);

    /* Interrupt Line (0x3C) is a scratch register for software: write it, read it back, restore. */
    UCHAR line = pci_config_read8(d->address, 0x3C), probe = (UCHAR)(line ^ 0x5A);
    KTEST_EXPECT_EQ(t, bus.SetBusData(bus.Context, PCI_WHICHSPACE_CONFIG, &probe, 0x3C, 1), 1);
    KTEST_EXPECT_EQ(t, pci_config_read8(d->address, 0x3C), probe);
    KTEST_EXPECT_EQ(t, bus.SetBusData(bus.Context, PCI_WHICHSPACE_CONFIG, &line, 0x3C, 1), 1);
    KTEST_EXPECT_EQ(t, pci_config_read8(d->address, 0x3C), line);

    /* At DISPATCH_LEVEL too ("Obtaining Device Configuration Information at IRQL = DISPATCH_LEVEL"). */
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    USHORT vendor = 0;
    ULONG got = bus.GetBusData(bus.Context, PCI_WHICHSPACE_CONFIG, &vendor, 0, sizeof(vendor));
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, got, 2);
    KTEST_EXPECT_EQ(t, vendor, IO_TEST_EDU_VENDOR);

    PHYSICAL_ADDRESS in = {.QuadPart = 0xFEB00000}, out = {0};
    ULONG space_kind = 0;
    KTEST_EXPECT_TRUE(t, bus.TranslateBusAddress(bus.Context, in, 16, &space_kind, &out));
    KTEST_EXPECT_EQ(t, out.QuadPart, in.QuadPart);
    ULONG map_registers = 99;
    KTEST_EXPECT_NULL(t, bus.GetDmaAdapter(bus.Context, NULL, &map_registers));

    bus.InterfaceDereference(bus.Context);
    KTEST_EXPECT_EQ(t, pdo->ReferenceCount, refs);
}

static void what_the_bus_does_not_export_leaves_the_status(struct ktest *t)
{
    EDU_PDO_OR_SKIP(t, pdo);
    unsigned irps = io_irps_outstanding();
    LONG refs = pdo->ReferenceCount;
    BUS_INTERFACE_STANDARD bus;
    memset(&bus, 0, sizeof(bus));
    KTEST_EXPECT_EQ(t, query_interface(pdo, &GUID_BUS_TYPE_PCI, sizeof(bus), 1, (PINTERFACE)&bus), STATUS_NOT_SUPPORTED);
    KTEST_EXPECT_EQ(t, query_interface(pdo, &GUID_BUS_INTERFACE_STANDARD, sizeof(bus), 2, (PINTERFACE)&bus),
                    STATUS_NOT_SUPPORTED);
    KTEST_EXPECT_EQ(t, query_interface(pdo, &GUID_BUS_INTERFACE_STANDARD, sizeof(INTERFACE), 1, (PINTERFACE)&bus),
                    STATUS_NOT_SUPPORTED);
    KTEST_EXPECT_NULL(t, bus.GetBusData); /* untouched */
    PDEVICE_OBJECT com1 = io_pdo_find_isa("PNP0501");
    KTEST_ASSERT_NOT_NULL(t, com1);
    KTEST_EXPECT_EQ(t, query_interface(com1, &GUID_BUS_INTERFACE_STANDARD, sizeof(bus), 1, (PINTERFACE)&bus),
                    STATUS_NOT_SUPPORTED); /* not a PCI device */
    KTEST_EXPECT_EQ(t, pdo->ReferenceCount, refs);
    KTEST_EXPECT_EQ(t, io_irps_outstanding(), irps); /* every IRP completed and freed */
}

KTEST_SUITE(bus_query, KTEST_CASE(pci_hardware_ids_as_windows_writes_them),
            KTEST_CASE(too_small_says_how_much_and_writes_nothing), KTEST_CASE(pci_location_bus_and_address),
            KTEST_CASE(every_pci_pdo_has_its_own_name), KTEST_CASE(legacy_com1_is_acpi_enumerated),
            KTEST_CASE(allocated_resources_are_the_raw_list), KTEST_CASE(bad_requests_get_the_documented_status),
            KTEST_CASE(config_space_through_the_bus_interface),
            KTEST_CASE(what_the_bus_does_not_export_leaves_the_status));
