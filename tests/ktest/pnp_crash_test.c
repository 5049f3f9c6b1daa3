/* tests/ktest/pnp_crash_test.c - Driver Verifier's unload rule (kernel/io/pnp_driver.c): a driver
 * whose DriverUnload returns while one of its interrupts is still connected, or one of its device
 * objects still exists, stops the machine with Bug Check 0xCE
 * DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (manual suite `pnp_crash`;
 * tests/e2e/test_bugcheck_pnp.py boots `ktest=pnp_crash.<case>` with one edu device and reads the
 * stop screen). By hand:
 *
 *     make run-ktest QEMU_EXTRA='-device edu' CMDLINE='ktest=pnp_crash.unload_with_interrupt_connected'
 *
 *   unload_with_interrupt_connected  REMOVE detaches and deletes but never disconnects: 0xCE,
 *                                    P1 = the ISR, P2 = 0, P3 = the KINTERRUPT, P4 = the DRIVER_OBJECT
 *   unload_with_device_object        REMOVE disconnects and detaches but never IoDeleteDevice:
 *                                    0xCE, P1 = 0, P2 = 0, P3 = the device object, P4 = the driver
 *   unload_with_timer_set            REMOVE never cancels the timer START set: 0xCE, P1 = the
 *                                    timer's DPC routine, P2 = 0, P3 = the KTIMER, P4 = the driver
 *
 * pnp_unload.a_clean_unload_is_quiet (an ordinary suite) runs the same driver without a leak.
 * The driver, "pnpleaky", is a WDM driver-table entry for edu's ids that starts on demand
 * (IRQLAB_DRIVER_DEMAND_START): a case unloads edu and loads pnpleaky, which gets the devices.
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

enum leak { LEAK_NOTHING, LEAK_INTERRUPT, LEAK_DEVICE, LEAK_TIMER };
static enum leak leak_mode;

typedef struct {
    PDEVICE_OBJECT Lower;
    PVOID Connection;
    ULONG Version;
} LEAKY_EXTENSION;

static BOOLEAN LeakyIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    return FALSE; /* edu stays quiet: nothing is raised */
}

static BOOLEAN LeakyMessageIsr(PKINTERRUPT Interrupt, PVOID Context, ULONG MessageId)
{
    UNREFERENCED_PARAMETER(MessageId);
    return LeakyIsr(Interrupt, Context);
}

/* A watchdog the driver sets at START and must cancel at REMOVE (static: in the image's data). */
static KTIMER leaky_timer;
static KDPC leaky_dpc;
static bool leaky_timer_armed;

static VOID LeakyTimerDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
}

static NTSTATUS LeakyPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    LEAKY_EXTENSION *x = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE: {
        if (!IoForwardIrpSynchronously(x->Lower, Irp) || !NT_SUCCESS(Irp->IoStatus.Status)) {
            status = Irp->IoStatus.Status;
            break;
        }
        IO_CONNECT_INTERRUPT_PARAMETERS p = {0};
        p.Version = CONNECT_MESSAGE_BASED;
        p.MessageBased.PhysicalDeviceObject = x->Lower; /* the PDO: nothing is between */
        p.MessageBased.ConnectionContext.Generic = &x->Connection;
        p.MessageBased.MessageServiceRoutine = LeakyMessageIsr;
        p.MessageBased.FallBackServiceRoutine = LeakyIsr;
        p.MessageBased.ServiceContext = x;
        status = IoConnectInterruptEx(&p);
        x->Version = p.Version;
        if (!leaky_timer_armed) { /* one timer for the driver, whatever the number of devices */
            KeInitializeDpc(&leaky_dpc, LeakyTimerDpc, NULL);
            KeInitializeTimer(&leaky_timer);
            LARGE_INTEGER due = {.QuadPart = -600LL * 10 * 1000 * 1000}; /* 10 minutes: never reached */
            (void)KeSetTimer(&leaky_timer, due, &leaky_dpc);
            leaky_timer_armed = true;
        }
        break;
    }
    case IRP_MN_REMOVE_DEVICE:
        if (leak_mode != LEAK_TIMER && leaky_timer_armed) {
            (void)KeCancelTimer(&leaky_timer);
            leaky_timer_armed = false;
        }
        if (x->Connection && leak_mode != LEAK_INTERRUPT) {
            IO_DISCONNECT_INTERRUPT_PARAMETERS d = {.Version = x->Version};
            d.ConnectionContext.Generic = x->Connection;
            IoDisconnectInterruptEx(&d);
        }
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(x->Lower, Irp);
        IoDetachDevice(x->Lower);
        if (leak_mode != LEAK_DEVICE)
            IoDeleteDevice(DeviceObject);
        return status;
    default:
        IoSkipCurrentIrpStackLocation(Irp);
        return IoCallDriver(x->Lower, Irp);
    }
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS LeakyAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(LEAKY_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    ((LEAKY_EXTENSION *)fdo->DeviceExtension)->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID LeakyUnload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

static NTSTATUS LeakyDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_PNP] = LeakyPnp;
    DriverObject->DriverExtension->AddDevice = LeakyAddDevice;
    DriverObject->DriverUnload = LeakyUnload;
    return STATUS_SUCCESS;
}

/* Demand start: never loaded at boot, only by `drivers load pnpleaky` (io_driver_load). */
IRQLAB_DRIVER(pnpleaky, .Name = "pnpleaky", .VendorId = IO_TEST_EDU_VENDOR, .DeviceId = IO_TEST_EDU_DEVICE,
              .Flags = IRQLAB_DRIVER_DEMAND_START, .DriverEntry = LeakyDriverEntry);

/* Hand the edu devices to pnpleaky (edu unloaded, pnpleaky loaded), then unload pnpleaky. */
static void unload_leaky(struct ktest *t, enum leak mode)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo) {
        ktest_fail(t, __FILE__, __LINE__, "needs an edu device (QEMU -device edu)");
        return;
    }
    leak_mode = mode;
    if (!NT_SUCCESS(io_driver_unload("edu")) || !NT_SUCCESS(io_driver_load("pnpleaky")) ||
        io_pnp_state_of(pdo) != IO_PNP_STARTED || !pdo->AttachedDevice ||
        strcmp(pdo->AttachedDevice->DriverObject->Name, "pnpleaky") != 0) {
        ktest_fail(t, __FILE__, __LINE__, "pnpleaky did not get the edu device");
        return;
    }
    (void)io_driver_unload("pnpleaky");
    ktest_fail(t, __FILE__, __LINE__, "the unload returned");
}

static __attribute__((noipa)) void unload_with_interrupt_connected(struct ktest *t) { unload_leaky(t, LEAK_INTERRUPT); }
static __attribute__((noipa)) void unload_with_device_object(struct ktest *t) { unload_leaky(t, LEAK_DEVICE); }
static __attribute__((noipa)) void unload_with_timer_set(struct ktest *t) { unload_leaky(t, LEAK_TIMER); }

/* The same driver, well behaved: the unload is quiet, and edu gets its devices back. */
static void a_clean_unload_is_quiet(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 0);
    if (!pdo)
        KTEST_SKIP(t, "needs an edu device");
    leak_mode = LEAK_NOTHING;
    KTEST_EXPECT_FALSE(t, io_driver_is_loaded("pnpleaky")); /* demand start: not at boot */
    KTEST_ASSERT_EQ(t, io_driver_unload("edu"), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, io_driver_load("pnpleaky"), STATUS_SUCCESS);
    KTEST_ASSERT_NOT_NULL(t, pdo->AttachedDevice);
    KTEST_EXPECT_STREQ(t, pdo->AttachedDevice->DriverObject->Name, "pnpleaky");
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_driver_unload("pnpleaky"), STATUS_SUCCESS);
    KTEST_EXPECT_NULL(t, pdo->AttachedDevice);
    KTEST_EXPECT_EQ(t, io_driver_load("edu"), STATUS_SUCCESS);
    KTEST_ASSERT_NOT_NULL(t, pdo->AttachedDevice);
    KTEST_EXPECT_STREQ(t, pdo->AttachedDevice->DriverObject->Name, "edu");
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STARTED);
}

KTEST_MANUAL_SUITE(pnp_crash, KTEST_CASE(unload_with_interrupt_connected), KTEST_CASE(unload_with_device_object),
                   KTEST_CASE(unload_with_timer_set));
KTEST_SUITE(pnp_unload, KTEST_CASE(a_clean_unload_is_quiet));
