/* tests/ktest/pnp_test.c - the PnP state machine (kernel/io/pnp_state.c, pnp_driver.c) with the
 * edu WDM driver: stop/start with other resources (the rebalance) and real interrupts on the new
 * vector, a refused QUERY_STOP / QUERY_REMOVE, the IRP sequence a filter on top of the stack
 * sees, remove + rescan, surprise removal, driver unload + load.
 * QEMU: -device edu,addr=03.0 -device edu,addr=07.0 (make check-ktest adds them); cases that
 * need them skip without. Works with msi=on/off, msix=off, 1 or more CPUs.
 */
#include "drivers/edu/edu.h"
#include "include/wdm.h"
#include "kernel/bus/pci/pci.h"
#include "kernel/io/connect_interrupt.h"
#include "kernel/io/io_tags.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "kernel/ke/vector_alloc.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

/* The nth edu device's PDO, started by its driver; NULL (and the case skipped) without one. A
 * suite that ran before may have taken the device for itself (pci, storm): give it back first. */
static PDEVICE_OBJECT edu_pdo(struct ktest *t, unsigned nth)
{
    PDEVICE_OBJECT pdo = io_pdo_find_pci(IO_TEST_EDU_VENDOR, IO_TEST_EDU_DEVICE, nth);
    if (pdo && io_pnp_state_of(pdo) != IO_PNP_STARTED) {
        (void)io_device_stop(pdo);
        (void)io_pnp_start_device(pdo, NULL);
    }
    if (!pdo || io_pnp_state_of(pdo) != IO_PNP_STARTED) {
        ktest_skip(t, "needs two edu devices started by edu (make check-ktest adds them)");
        return NULL;
    }
    return pdo;
}

/* edu's FDO in the PDO's stack (under an upper filter too), or NULL. */
static PDEVICE_OBJECT fdo_of(PDEVICE_OBJECT pdo)
{
    for (PDEVICE_OBJECT d = pdo ? pdo->AttachedDevice : NULL; d; d = d->AttachedDevice)
        if (d->DriverObject && d->DriverObject->Name && strcmp(d->DriverObject->Name, "edu") == 0)
            return d;
    return NULL;
}

/* Raise one interrupt and wait for the ISR to claim it: by count, never by time alone. */
static bool one_interrupt(PDEVICE_OBJECT fdo, struct edu_counts *after)
{
    struct edu_counts before;
    edu_get_counts(fdo, &before);
    edu_raise(fdo, 0x100);
    for (int i = 0; i < 200000; i++) {
        edu_get_counts(fdo, after);
        if (after->isr_claimed > before.isr_claimed && after->dpc_calls > before.dpc_calls)
            return true;
        KeStallExecutionProcessor(10);
    }
    return false;
}

static ULONG first_vector(PDEVICE_OBJECT pdo)
{
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    return d ? io_test_vector(d) : 0;
}

/* ---- rebalance ------------------------------------------------------------------------------ */

static void stop_frees_and_start_reconnects_on_new_resources(struct ktest *t)
{
    PDEVICE_OBJECT pdo = edu_pdo(t, 0);
    if (!pdo)
        return;
    PDEVICE_OBJECT fdo = fdo_of(pdo);
    KTEST_ASSERT_NOT_NULL(t, fdo);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STARTED);
    struct io_pdo *p = io_test_pdo(pdo);
    bool message = p->resources.kind == IO_INTERRUPT_MSI || p->resources.kind == IO_INTERRUPT_MSIX;
    unsigned free_before = ke_vector_free_count(), stops = p->stop_count, starts = p->start_count;
    uint64_t lists = io_test_pool_bytes(IO_TAG_RESOURCES);
    struct edu_counts c;
    KTEST_ASSERT_TRUE(t, one_interrupt(fdo, &c));
    uint64_t claimed = c.isr_claimed;

    KTEST_ASSERT_EQ(t, io_pnp_stop_device(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STOPPED);
    KTEST_EXPECT_EQ(t, p->stop_count, stops + 1);
    KTEST_EXPECT_FALSE(t, p->assigned);
    KTEST_EXPECT_EQ(t, io_connections_of(pdo), 0);
    KTEST_EXPECT_TRUE(t, pdo->AttachedDevice == fdo); /* STOP keeps the FDO */
    KTEST_EXPECT_NULL(t, edu_device(0));
    if (message) { /* its own vector is free again, MSI off in the device */
        KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before + 1);
        KTEST_EXPECT_FALSE(t, pci_msi_enabled(p->pci));
    }
    KTEST_EXPECT_LT(t, io_test_pool_bytes(IO_TAG_RESOURCES), lists);

    /* Start again aimed at the last processor, at IRQL 9 for a message (device vectors are IRQL 3..11). */
    unsigned cpus = KeQueryActiveProcessorCount(NULL);
    struct io_pnp_start_options opt = {.cpu = (int)(cpus - 1), .cpu_set = message, .irql = 9};
    KTEST_ASSERT_EQ(t, io_pnp_start_device(pdo, &opt), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, p->start_count, starts + 1);
    KTEST_ASSERT_TRUE(t, fdo_of(pdo) == fdo); /* the same device object, new resources */
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *d = io_test_interrupt(pdo, 0, false);
    KTEST_ASSERT_NOT_NULL(t, d);
    if (message)
        KTEST_EXPECT_EQ(t, io_test_level(d), 9);
    KTEST_ASSERT_TRUE(t, one_interrupt(fdo, &c));
    KTEST_EXPECT_GT(t, c.isr_claimed, claimed);
    if (message) { /* delivered where the new resources say (a shared line keeps its route) */
        KTEST_EXPECT_EQ(t, c.last_cpu, cpus - 1);
        KTEST_EXPECT_EQ(t, c.last_irql, 9);
    }

    /* Line instead of messages, then back to the default. */
    KTEST_ASSERT_EQ(t, io_pnp_stop_device(pdo), STATUS_SUCCESS);
    struct io_pnp_start_options line = {.no_msi = true};
    KTEST_ASSERT_EQ(t, io_pnp_start_device(pdo, &line), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, edu_connection_version(fdo), CONNECT_LINE_BASED);
    KTEST_ASSERT_TRUE(t, one_interrupt(fdo, &c));
    KTEST_ASSERT_EQ(t, io_pnp_stop_device(pdo), STATUS_SUCCESS);
    KTEST_ASSERT_EQ(t, io_pnp_start_device(pdo, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_RESOURCES), lists);
    KTEST_EXPECT_TRUE(t, edu_device(0) == fdo);
    KTEST_ASSERT_TRUE(t, one_interrupt(fdo, &c));
}

/* ---- refusals --------------------------------------------------------------------------------- */

static void a_refused_query_cancels_the_stop_and_the_remove(struct ktest *t)
{
    PDEVICE_OBJECT pdo = edu_pdo(t, 0);
    if (!pdo)
        return;
    PDEVICE_OBJECT fdo = fdo_of(pdo);
    KTEST_ASSERT_NOT_NULL(t, fdo);
    ULONG vector = first_vector(pdo);
    unsigned stops = io_test_pdo(pdo)->stop_count;
    edu_hold(fdo, TRUE);
    KTEST_EXPECT_EQ(t, io_pnp_stop_device(pdo), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_pnp_remove_device(pdo), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_driver_unload("edu"), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_STARTED);
    edu_hold(fdo, FALSE);
    KTEST_EXPECT_EQ(t, io_test_pdo(pdo)->stop_count, stops);
    KTEST_EXPECT_EQ(t, first_vector(pdo), vector);
    struct edu_counts c;
    KTEST_EXPECT_TRUE(t, one_interrupt(fdo, &c)); /* still working */
    KTEST_EXPECT_TRUE(t, io_driver_is_loaded("edu"));
}

/* ---- the IRPs a device on top of the stack sees ------------------------------------------------ */

static UCHAR seen[16];
static unsigned seen_count;

static NTSTATUS FilterPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (seen_count < 16)
        seen[seen_count++] = IoGetCurrentIrpStackLocation(Irp)->MinorFunction;
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(*(PDEVICE_OBJECT *)DeviceObject->DeviceExtension, Irp);
}

static DRIVER_OBJECT filter_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "pnpfilter",
                                      .MajorFunction = {[IRP_MJ_PNP] = FilterPnp}};

static void irps_go_to_the_top_of_the_stack_in_windows_order(struct ktest *t)
{
    PDEVICE_OBJECT pdo = edu_pdo(t, 0);
    if (!pdo)
        return;
    PDEVICE_OBJECT fdo = fdo_of(pdo), filter;
    KTEST_ASSERT_NOT_NULL(t, fdo);
    KTEST_ASSERT_EQ(t, IoCreateDevice(&filter_driver, sizeof(PDEVICE_OBJECT), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                      &filter),
                    STATUS_SUCCESS);
    *(PDEVICE_OBJECT *)filter->DeviceExtension = IoAttachDeviceToDeviceStack(filter, pdo); /* an upper filter */
    seen_count = 0;
    KTEST_EXPECT_EQ(t, io_pnp_stop_device(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, io_pnp_start_device(pdo, NULL), STATUS_SUCCESS);
    edu_hold(fdo, TRUE);
    KTEST_EXPECT_EQ(t, io_pnp_stop_device(pdo), STATUS_DEVICE_BUSY);
    KTEST_EXPECT_EQ(t, io_pnp_remove_device(pdo), STATUS_DEVICE_BUSY);
    edu_hold(fdo, FALSE);
    static const UCHAR expected[] = {IRP_MN_QUERY_STOP_DEVICE,   IRP_MN_STOP_DEVICE,          IRP_MN_START_DEVICE,
                                     IRP_MN_QUERY_STOP_DEVICE,   IRP_MN_CANCEL_STOP_DEVICE,   IRP_MN_QUERY_REMOVE_DEVICE,
                                     IRP_MN_CANCEL_REMOVE_DEVICE};
    KTEST_EXPECT_EQ(t, seen_count, sizeof(expected));
    for (unsigned i = 0; i < sizeof(expected) && i < seen_count; i++)
        KTEST_EXPECT_EQ(t, seen[i], expected[i]);
    fdo->AttachedDevice = NULL; /* take the filter off again */
    IoDeleteDevice(filter);
    struct edu_counts c;
    KTEST_EXPECT_TRUE(t, one_interrupt(fdo, &c));
}

/* ---- removal ------------------------------------------------------------------------------------ */

static void remove_deletes_the_stack_and_rescan_brings_it_back(struct ktest *t)
{
    PDEVICE_OBJECT pdo = edu_pdo(t, 1);
    if (!pdo)
        return;
    struct pci_device *dev = io_test_pdo(pdo)->pci;
    unsigned count = io_pdo_count(), free_before = ke_vector_free_count();
    bool message = io_test_pdo(pdo)->resources.kind != IO_INTERRUPT_LINE;
    uint64_t devices = io_test_pool_bytes(IO_TAG_DEVICE), lists = io_test_pool_bytes(IO_TAG_RESOURCES);
    KTEST_ASSERT_EQ(t, io_pnp_remove_device(pdo), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, io_pdo_count(), count - 1);
    KTEST_EXPECT_NULL(t, io_pdo_for_pci(dev));
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_DELETED); /* (only compared, never read) */
    KTEST_EXPECT_LT(t, io_test_pool_bytes(IO_TAG_DEVICE), devices); /* PDO and FDO freed */
    KTEST_EXPECT_LT(t, io_test_pool_bytes(IO_TAG_RESOURCES), lists);
    if (message)
        KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before + 1);

    KTEST_ASSERT_EQ(t, io_pnp_rescan(), 1);
    PDEVICE_OBJECT again = io_pdo_for_pci(dev);
    KTEST_ASSERT_NOT_NULL(t, again);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(again), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_pdo_count(), count);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), devices);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_RESOURCES), lists);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before);
    PDEVICE_OBJECT fdo = fdo_of(again);
    KTEST_ASSERT_NOT_NULL(t, fdo);
    KTEST_EXPECT_TRUE(t, edu_device(1) == fdo); /* the freed slot is taken again */
    struct edu_counts c;
    KTEST_EXPECT_TRUE(t, one_interrupt(fdo, &c));
    KTEST_EXPECT_EQ(t, io_pnp_rescan(), 0);
}

static void surprise_removal_disconnects_then_removes(struct ktest *t)
{
    PDEVICE_OBJECT pdo = edu_pdo(t, 1);
    if (!pdo)
        return;
    struct pci_device *dev = io_test_pdo(pdo)->pci;
    unsigned connections = io_connection_count();
    uint64_t devices = io_test_pool_bytes(IO_TAG_DEVICE);
    KTEST_ASSERT_EQ(t, io_pnp_surprise_remove_device(pdo), STATUS_SUCCESS); /* no handle open: REMOVE at once */
    KTEST_EXPECT_NULL(t, io_pdo_for_pci(dev));
    KTEST_EXPECT_EQ(t, io_connection_count(), connections - 1);
    KTEST_EXPECT_LT(t, io_test_pool_bytes(IO_TAG_DEVICE), devices);
    KTEST_ASSERT_EQ(t, io_pnp_rescan(), 1);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(io_pdo_for_pci(dev)), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), devices);
}

static void surprise_removal_waits_for_the_last_handle(struct ktest *t)
{
    PDEVICE_OBJECT pdo = edu_pdo(t, 1);
    if (!pdo)
        return;
    struct pci_device *dev = io_test_pdo(pdo)->pci;
    PDEVICE_OBJECT fdo = fdo_of(pdo);
    KTEST_ASSERT_NOT_NULL(t, fdo);
    unsigned connections = io_connection_count();
    ObReferenceObject(fdo); /* an open handle to the device's stack */
    KTEST_ASSERT_EQ(t, io_pnp_surprise_remove_device(pdo), STATUS_PENDING);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(pdo), IO_PNP_SURPRISE_REMOVE_PENDING);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections - 1); /* disconnected at SURPRISE_REMOVAL */
    KTEST_EXPECT_FALSE(t, io_test_pdo(pdo)->assigned);
    KTEST_EXPECT_TRUE(t, io_pdo_for_pci(dev) == pdo); /* no REMOVE_DEVICE yet */
    ObDereferenceObject(fdo); /* the last handle closes: REMOVE_DEVICE from a work item */
    for (int i = 0; i < 20000 && io_pdo_for_pci(dev); i++) { /* up to 20 s of guest time, by state */
        LARGE_INTEGER ms = {.QuadPart = -10000};
        (void)KeDelayExecutionThread(KernelMode, FALSE, &ms);
    }
    KTEST_EXPECT_NULL(t, io_pdo_for_pci(dev));
    KTEST_ASSERT_EQ(t, io_pnp_rescan(), 1);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(io_pdo_for_pci(dev)), IO_PNP_STARTED);
}

/* ---- unload and load ------------------------------------------------------------------------------ */

static void unload_removes_every_device_and_load_starts_them_again(struct ktest *t)
{
    PDEVICE_OBJECT a = edu_pdo(t, 0), b = a ? edu_pdo(t, 1) : NULL;
    if (!b)
        return;
    PDRIVER_OBJECT driver = fdo_of(a)->DriverObject;
    unsigned connections = io_connection_count(), free_before = ke_vector_free_count();
    uint64_t devices = io_test_pool_bytes(IO_TAG_DEVICE);
    KTEST_ASSERT_EQ(t, io_driver_unload("edu"), STATUS_SUCCESS);
    KTEST_EXPECT_FALSE(t, io_driver_is_loaded("edu"));
    KTEST_EXPECT_EQ(t, io_pnp_state_of(a), IO_PNP_NOT_STARTED); /* the PDOs stay */
    KTEST_EXPECT_EQ(t, io_pnp_state_of(b), IO_PNP_NOT_STARTED);
    KTEST_EXPECT_NULL(t, a->AttachedDevice);
    KTEST_EXPECT_NULL(t, b->AttachedDevice);
    KTEST_EXPECT_NULL(t, driver->DeviceObject);
    KTEST_EXPECT_NULL(t, driver->MajorFunction[IRP_MJ_PNP]); /* emptied: DriverEntry fills it again */
    KTEST_EXPECT_EQ(t, io_connection_count(), connections - 2);
    KTEST_EXPECT_GE(t, ke_vector_free_count(), free_before + 1);
    KTEST_EXPECT_LT(t, io_test_pool_bytes(IO_TAG_DEVICE), devices);
    KTEST_EXPECT_NULL(t, edu_device(0));
    /* Unloaded: a start finds no driver for it (resources only). */
    KTEST_EXPECT_EQ(t, io_pnp_start_device(a, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_NULL(t, a->AttachedDevice);
    KTEST_EXPECT_NE(t, io_pnp_state_of(a), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_device_stop(a), STATUS_SUCCESS);

    KTEST_ASSERT_EQ(t, io_driver_load("edu"), STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, io_driver_is_loaded("edu"));
    KTEST_EXPECT_NOT_NULL(t, driver->MajorFunction[IRP_MJ_PNP]);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(a), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_pnp_state_of(b), IO_PNP_STARTED);
    KTEST_EXPECT_EQ(t, io_connection_count(), connections);
    KTEST_EXPECT_EQ(t, ke_vector_free_count(), free_before);
    KTEST_EXPECT_EQ(t, io_test_pool_bytes(IO_TAG_DEVICE), devices);
    struct edu_counts c;
    KTEST_EXPECT_TRUE(t, one_interrupt(fdo_of(a), &c));
    KTEST_EXPECT_TRUE(t, one_interrupt(fdo_of(b), &c));
    KTEST_EXPECT_EQ(t, io_driver_unload("nosuchdriver"), STATUS_OBJECT_NAME_NOT_FOUND);
}

KTEST_SUITE(pnp, KTEST_CASE(stop_frees_and_start_reconnects_on_new_resources),
            KTEST_CASE(a_refused_query_cancels_the_stop_and_the_remove),
            KTEST_CASE(irps_go_to_the_top_of_the_stack_in_windows_order),
            KTEST_CASE(remove_deletes_the_stack_and_rescan_brings_it_back),
            KTEST_CASE(surprise_removal_disconnects_then_removes),
            KTEST_CASE(surprise_removal_waits_for_the_last_handle),
            KTEST_CASE(unload_removes_every_device_and_load_starts_them_again));
