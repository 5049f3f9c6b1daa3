/* tests/ktest/stop_device_fdo_test.c - StopDevice gets the driver's own FDO (issue 12).
 *
 * On Windows IRP_MN_STOP_DEVICE / IRP_MN_REMOVE_DEVICE travel down the device stack, and a
 * function driver's dispatch routine gets its own FDO as DeviceObject. io_device_stop passes the
 * same to the driver table's StopDevice: the device object of the stopping driver in the PDO's
 * stack, even when another driver's device sits between (a lower filter), and does not call a
 * driver that attached nothing. The test borrows the second edu device (io_test_take), plays a
 * driver on it by hand (a DRIVER_OBJECT, an FDO attached with IoAttachDeviceToDeviceStack) and
 * gives it back to edu afterwards.
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

static PDEVICE_OBJECT stop_seen;
static unsigned stop_calls;

static NTSTATUS FdoTestStartDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, PCM_RESOURCE_LIST Raw,
                                   PCM_RESOURCE_LIST Translated)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(Pdo);
    UNREFERENCED_PARAMETER(Raw);
    UNREFERENCED_PARAMETER(Translated);
    return STATUS_SUCCESS;
}

static VOID FdoTestStopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT DeviceObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    stop_seen = DeviceObject;
    stop_calls++;
}

/* Not in the driver table (.driver_table): only this test points a PDO at it. */
static const IRQLAB_DRIVER fdo_test_driver = {
    .Name = "fdotest", .StartDevice = FdoTestStartDevice, .StopDevice = FdoTestStopDevice};

static DRIVER_OBJECT test_driver_object = {.Name = "fdotest"};
static DRIVER_OBJECT filter_driver_object = {.Name = "fdofilter"};

/* The edu device, taken from its driver, now "started" by fdo_test_driver. */
static PDEVICE_OBJECT take_for_test_driver(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo) {
        ktest_skip(t, "needs a second edu device (make check-ktest adds two)");
        return NULL;
    }
    if (!io_test_take(pdo, 0)) {
        ktest_fail(t, __FILE__, __LINE__, "could not take the edu device from its driver");
        return NULL;
    }
    struct io_pdo *p = io_test_pdo(pdo);
    p->driver = &fdo_test_driver;
    p->driver_object = &test_driver_object;
    p->started = true;
    p->state = IO_PNP_STARTED;
    p->added = true; /* "StartDevice succeeded": the shim sends it STOP */
    stop_seen = NULL;
    stop_calls = 0;
    return pdo;
}

static void give_back(PDEVICE_OBJECT pdo)
{
    struct io_pdo *p = io_test_pdo(pdo);
    p->started = false;
    p->state = IO_PNP_NOT_STARTED;
    p->added = false;
    p->driver = NULL;
    io_test_give_back(pdo);
}

static PDEVICE_OBJECT attach_new(PDRIVER_OBJECT driver, PDEVICE_OBJECT pdo)
{
    PDEVICE_OBJECT device = NULL;
    if (!NT_SUCCESS(IoCreateDevice(driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device)))
        return NULL;
    (void)IoAttachDeviceToDeviceStack(device, pdo);
    return device;
}

static void detach_all(PDEVICE_OBJECT pdo, PDEVICE_OBJECT *devices, unsigned count)
{
    pdo->AttachedDevice = NULL; /* the stack is ours alone: undo it in one step */
    for (unsigned i = 0; i < count; i++)
        if (devices[i]) {
            devices[i]->AttachedDevice = NULL;
            IoDeleteDevice(devices[i]);
        }
}

static void stop_device_gets_the_fdo(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_for_test_driver(t);
    if (!pdo)
        return;
    PDEVICE_OBJECT fdo = attach_new(&test_driver_object, pdo);
    KTEST_EXPECT_NOT_NULL(t, fdo);
    KTEST_EXPECT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, stop_calls, 1);
    KTEST_EXPECT_TRUE(t, stop_seen == fdo); /* not the PDO */
    detach_all(pdo, &fdo, 1);
    give_back(pdo);
}

static void stop_device_finds_its_fdo_above_a_filter(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_for_test_driver(t);
    if (!pdo)
        return;
    PDEVICE_OBJECT devices[2];
    devices[0] = attach_new(&filter_driver_object, pdo); /* a lower filter: PDO -> filter -> FDO */
    devices[1] = attach_new(&test_driver_object, pdo);
    KTEST_EXPECT_TRUE(t, devices[0] && devices[1] && pdo->AttachedDevice == devices[0]);
    KTEST_EXPECT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, stop_calls, 1);
    KTEST_EXPECT_TRUE(t, stop_seen == devices[1]);
    detach_all(pdo, devices, 2);
    give_back(pdo);
}

static void driver_without_a_device_is_not_called(struct ktest *t)
{
    PDEVICE_OBJECT pdo = take_for_test_driver(t);
    if (!pdo)
        return;
    KTEST_EXPECT_EQ(t, io_device_stop(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, stop_calls, 0);
    give_back(pdo);
}

static void edu_restarts_after_the_borrowing(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, 1);
    if (!pdo) {
        KTEST_SKIP(t, "needs a second edu device");
        return;
    }
    struct io_pdo *p = io_test_pdo(pdo);
    KTEST_EXPECT_TRUE(t, p->started);
    KTEST_EXPECT_TRUE(t, pdo->AttachedDevice && pdo->AttachedDevice->DriverObject == p->driver_object);
    /* edu's own StopDevice takes its FDO too: stopping and starting it again works. */
    io_test_give_back(pdo);
    KTEST_EXPECT_TRUE(t, p->started);
}

KTEST_SUITE(stop_device_fdo, KTEST_CASE(stop_device_gets_the_fdo), KTEST_CASE(stop_device_finds_its_fdo_above_a_filter),
            KTEST_CASE(driver_without_a_device_is_not_called), KTEST_CASE(edu_restarts_after_the_borrowing));
