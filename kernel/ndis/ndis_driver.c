/* kernel/ndis/ndis_driver.c - miniport drivers and adapters: registration, MiniportInitializeEx,
 * MiniportHaltEx, NdisMSetMiniportAttributes.
 *
 * learn.microsoft.com: NdisMRegisterMiniportDriver, NDIS_MINIPORT_DRIVER_CHARACTERISTICS,
 * MINIPORT_INITIALIZE ("Initializing a Miniport Adapter"), MINIPORT_HALT ("Halting a Miniport
 * Adapter"), NDIS_MINIPORT_INIT_PARAMETERS, NdisMSetMiniportAttributes,
 * NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES.
 *
 * On Windows NDIS is the PnP half of every miniport: it handles AddDevice and IRP_MN_START_DEVICE
 * and calls the miniport only through its characteristics. irqlab's driver table plays the INF
 * (include/ndis.h, IRQLAB_NDIS_MINIPORT) and this file plays NDIS:
 *
 *   NdisIrqlabStartDevice   DriverEntry once per driver object (it registers the characteristics),
 *                           an FDO whose extension is the adapter block (the MiniportAdapterHandle),
 *                           MiniportInitializeEx(handle, driver context, init parameters with the
 *                           *translated* resources), then the adapter runs.
 *   NdisIrqlabStopDevice    MiniportHaltEx(adapter context, NdisHaltDeviceStopped), then checks the
 *                           miniport gave back its interrupt, and deletes the FDO. The other
 *                           reasons (remove, surprise removal, shutdown): ndis_pnp.c.
 */
#include "kernel/console/log.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/ndis/ndis_block.h"
#include "kernel/ndis/ndis_pnp.h"
#include "kernel/ndis/ndis_rules.h"
#include "kernel/ndis/ndis_verify.h"

/* Tables read lock-free (an NDIS call may come at DIRQL); changed under the lock at PASSIVE. */
static KSPIN_LOCK tables_lock;
static struct ndis_driver *drivers[NDIS_MAX_DRIVERS];
static struct ndis_adapter *adapters[NDIS_MAX_ADAPTERS];

static DRIVER_ADD_DEVICE ndis_add_device;
static DRIVER_DISPATCH ndis_dispatch_pnp;
static DRIVER_DISPATCH ndis_dispatch_shutdown;
static DRIVER_UNLOAD ndis_driver_unload;

/* ---- drivers ------------------------------------------------------------------------------- */

static struct ndis_driver *driver_for(PDRIVER_OBJECT driver_object)
{
    for (unsigned i = 0; i < NDIS_MAX_DRIVERS; i++) {
        struct ndis_driver *d = __atomic_load_n(&drivers[i], __ATOMIC_ACQUIRE);
        if (d && d->driver_object == driver_object)
            return d;
    }
    return NULL;
}

NDIS_STATUS NdisMRegisterMiniportDriver(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
                                        NDIS_HANDLE MiniportDriverContext,
                                        PNDIS_MINIPORT_DRIVER_CHARACTERISTICS MiniportDriverCharacteristics,
                                        PNDIS_HANDLE NdisMiniportDriverHandle)
{
    UNREFERENCED_PARAMETER(RegistryPath); /* irqlab has no registry */
    ndis_require_passive((void *)NdisMRegisterMiniportDriver, __builtin_return_address(0));
    if (!DriverObject || !MiniportDriverCharacteristics || !NdisMiniportDriverHandle)
        return NDIS_STATUS_INVALID_PARAMETER;
    enum ndis_check check = ndis_check_driver_characteristics(MiniportDriverCharacteristics);
    if (check != NDIS_CHECK_OK) {
        log_warn("ndis: %s: NdisMRegisterMiniportDriver: %s", DriverObject->Name ? DriverObject->Name : "?",
                 ndis_check_text(check));
        return check == NDIS_CHECK_BAD_NDIS_VERSION ? NDIS_STATUS_BAD_VERSION : NDIS_STATUS_BAD_CHARACTERISTICS;
    }
    if (driver_for(DriverObject))
        return NDIS_STATUS_INVALID_PARAMETER; /* once per driver object */

    struct ndis_driver *driver = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*driver), NDIS_TAG_DRIVER);
    if (!driver)
        return NDIS_STATUS_RESOURCES;
    driver->magic = NDIS_DRIVER_MAGIC;
    driver->driver_object = DriverObject;
    driver->context = MiniportDriverContext;
    /* Copy what the caller's revision has; members of a newer revision stay NULL. */
    size_t size = MiniportDriverCharacteristics->Header.Size;
    memcpy(&driver->chars, MiniportDriverCharacteristics, size < sizeof(driver->chars) ? size : sizeof(driver->chars));

    NDIS_STATUS status = NDIS_STATUS_RESOURCES;
    KIRQL irql;
    KeAcquireSpinLock(&tables_lock, &irql);
    for (unsigned i = 0; i < NDIS_MAX_DRIVERS; i++) {
        if (!drivers[i]) {
            __atomic_store_n(&drivers[i], driver, __ATOMIC_RELEASE);
            status = NDIS_STATUS_SUCCESS;
            break;
        }
    }
    KeReleaseSpinLock(&tables_lock, irql);
    if (status != NDIS_STATUS_SUCCESS) {
        ExFreePoolWithTag(driver, NDIS_TAG_DRIVER);
        return status;
    }
    *NdisMiniportDriverHandle = driver;
    /* As ndis.sys does: NDIS is the PnP half of the miniport's driver. (A DRIVER_OBJECT without a
     * DRIVER_EXTENSION - tests' own - is started through ndis_adapter_start instead.) */
    if (DriverObject->DriverExtension) {
        DriverObject->DriverExtension->AddDevice = ndis_add_device;
        DriverObject->MajorFunction[IRP_MJ_PNP] = ndis_dispatch_pnp;
        DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = ndis_dispatch_shutdown;
        DriverObject->DriverUnload = ndis_driver_unload;
    }

    /* "NDIS calls MiniportSetOptions from NdisMRegisterMiniportDriver" (before it returns). */
    if (driver->chars.SetOptionsHandler) {
        status = driver->chars.SetOptionsHandler(driver, MiniportDriverContext);
        if (!NT_SUCCESS(status)) {
            NdisMDeregisterMiniportDriver(driver);
            *NdisMiniportDriverHandle = NULL;
            return status;
        }
    }
    return NDIS_STATUS_SUCCESS;
}

VOID NdisMDeregisterMiniportDriver(NDIS_HANDLE NdisMiniportDriverHandle)
{
    ndis_require_passive((void *)NdisMDeregisterMiniportDriver, __builtin_return_address(0));
    struct ndis_driver *driver = NdisMiniportDriverHandle;
    bool found = false;
    KIRQL irql;
    KeAcquireSpinLock(&tables_lock, &irql);
    for (unsigned i = 0; i < NDIS_MAX_DRIVERS; i++) {
        if (driver && drivers[i] == driver) {
            __atomic_store_n(&drivers[i], NULL, __ATOMIC_RELEASE);
            found = true;
        }
    }
    KeReleaseSpinLock(&tables_lock, irql);
    if (!found)
        return;
    driver->magic = 0;
    ExFreePoolWithTag(driver, NDIS_TAG_DRIVER);
}

VOID ndis_forget_driver(PDRIVER_OBJECT driver_object)
{
    struct ndis_driver *driver = driver_for(driver_object);
    if (driver)
        NdisMDeregisterMiniportDriver(driver);
}

/* ---- the adapter table ----------------------------------------------------------------------- */

struct ndis_adapter *ndis_adapter_at(unsigned slot)
{
    return slot < NDIS_MAX_ADAPTERS ? __atomic_load_n(&adapters[slot], __ATOMIC_ACQUIRE) : NULL;
}

struct ndis_adapter *ndis_adapter_for_pdo(PDEVICE_OBJECT pdo)
{
    for (unsigned i = 0; i < NDIS_MAX_ADAPTERS; i++) {
        struct ndis_adapter *a = ndis_adapter_at(i);
        if (a && a->pdo == pdo)
            return a;
    }
    return NULL;
}

struct ndis_adapter *ndis_adapter_from_handle(NDIS_HANDLE handle)
{
    for (unsigned i = 0; i < NDIS_MAX_ADAPTERS; i++) {
        struct ndis_adapter *a = ndis_adapter_at(i);
        if (a && a == handle)
            return a;
    }
    return NULL;
}

struct ndis_interrupt *ndis_interrupt_from_handle(NDIS_HANDLE handle)
{
    for (unsigned i = 0; i < NDIS_MAX_ADAPTERS; i++) {
        struct ndis_adapter *a = ndis_adapter_at(i);
        struct ndis_interrupt *interrupt = a ? __atomic_load_n(&a->interrupt, __ATOMIC_ACQUIRE) : NULL;
        if (interrupt && interrupt == handle)
            return interrupt;
    }
    return NULL;
}

struct ndis_adapter *ndis_require_adapter(NDIS_HANDLE handle, const char *name, void *routine, void *caller)
{
    struct ndis_adapter *adapter = ndis_adapter_from_handle(handle);
    if (!adapter) {
        char why[96];
        ksnprintf(why, sizeof(why), "%s with a handle that is not a live adapter", name);
        ndis_bugcheck(NDIS_BUGCHECK_BAD_ADAPTER_HANDLE, (ULONG_PTR)handle, (ULONG_PTR)routine, (ULONG_PTR)caller, why);
    }
    return adapter;
}

struct ndis_interrupt *ndis_require_interrupt(NDIS_HANDLE handle, const char *name, void *routine, void *caller)
{
    struct ndis_interrupt *interrupt = ndis_interrupt_from_handle(handle);
    if (!interrupt) {
        char why[112];
        ksnprintf(why, sizeof(why), "%s with a handle that is not a registered interrupt (deregistered?)", name);
        ndis_bugcheck(NDIS_BUGCHECK_BAD_INTERRUPT_HANDLE, (ULONG_PTR)handle, (ULONG_PTR)routine, (ULONG_PTR)caller,
                      why);
    }
    return interrupt;
}

static bool claim_slot(struct ndis_adapter *adapter)
{
    bool claimed = false;
    KIRQL irql;
    KeAcquireSpinLock(&tables_lock, &irql);
    for (unsigned i = 0; i < NDIS_MAX_ADAPTERS && !claimed; i++) {
        if (!adapters[i]) {
            adapter->slot = i;
            __atomic_store_n(&adapters[i], adapter, __ATOMIC_RELEASE);
            claimed = true;
        }
    }
    KeReleaseSpinLock(&tables_lock, irql);
    return claimed;
}

static void release_slot(struct ndis_adapter *adapter)
{
    KIRQL irql;
    KeAcquireSpinLock(&tables_lock, &irql);
    if (adapters[adapter->slot] == adapter)
        __atomic_store_n(&adapters[adapter->slot], NULL, __ATOMIC_RELEASE);
    KeReleaseSpinLock(&tables_lock, irql);
}

/* ---- MiniportInitializeEx / MiniportHaltEx ------------------------------------------------------- */

static void delete_fdo(struct ndis_adapter *adapter)
{
    PDEVICE_OBJECT fdo = adapter->fdo, pdo = adapter->pdo;
    adapter->magic = 0;
    IoUnregisterShutdownNotification(fdo);
    IoDetachDevice(pdo);
    IoDeleteDevice(fdo);
}

/* What NDIS's AddDevice does: an FDO on top of the PDO, our block as its extension. */
static NTSTATUS create_fdo(struct ndis_driver *driver, PDRIVER_OBJECT driver_object, PDEVICE_OBJECT pdo,
                           struct ndis_adapter **out)
{
    struct io_pdo *p = io_pdo_from_device(pdo);
    if (!p)
        return STATUS_INVALID_PARAMETER;
    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(driver_object, sizeof(struct ndis_adapter), NULL, FILE_DEVICE_NETWORK,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    struct ndis_adapter *adapter = fdo->DeviceExtension; /* zeroed */
    adapter->lower = IoAttachDeviceToDeviceStack(fdo, pdo);
    if (!adapter->lower) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    adapter->magic = NDIS_ADAPTER_MAGIC;
    adapter->driver = driver;
    adapter->fdo = fdo;
    adapter->pdo = pdo;
    /* As ndis.sys does for every miniport: MiniportShutdownEx when the machine powers off. */
    (void)IoRegisterShutdownNotification(fdo);
    ksnprintf(adapter->name, sizeof(adapter->name), "%s %s", driver_object->Name ? driver_object->Name : "ndis",
              p->name);
    *out = adapter;
    return STATUS_SUCCESS;
}

/* IRP_MN_START_DEVICE's work: MiniportInitializeEx with the translated resources, then the adapter
 * runs. The block starts from scratch each time (a restarted adapter is initialized anew). On
 * failure the adapter is not running and its slot is free again; the FDO stays. */
static NTSTATUS initialize_adapter(struct ndis_adapter *adapter, PCM_RESOURCE_LIST raw, PCM_RESOURCE_LIST translated)
{
    /* (The block is kilobytes: keep the few fields that survive in locals, not a copy.) */
    ULONG magic = adapter->magic;
    struct ndis_driver *owner = adapter->driver;
    PDEVICE_OBJECT fdo = adapter->fdo, pdo = adapter->pdo, lower = adapter->lower;
    bool wdm = adapter->wdm;
    char name[NDIS_ADAPTER_NAME_MAX];
    memcpy(name, adapter->name, sizeof(name));
    memset(adapter, 0, sizeof(*adapter));
    adapter->magic = magic;
    adapter->driver = owner;
    adapter->fdo = fdo;
    adapter->pdo = pdo;
    adapter->lower = lower;
    adapter->wdm = wdm;
    memcpy(adapter->name, name, sizeof(adapter->name));
    adapter->raw = raw;
    adapter->translated = translated;
    adapter->state = NDIS_ADAPTER_INITIALIZING;
    KeInitializeEvent(&adapter->oid_done, NotificationEvent, FALSE);
    ExInitializeFastMutex(&adapter->oid_lock);
    ndis_receive_init(adapter);
    if (!claim_slot(adapter)) {
        log_error("ndis: %s: more than %d adapters", adapter->name, NDIS_MAX_ADAPTERS);
        adapter->state = 0;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    struct ndis_driver *driver = adapter->driver;

    NDIS_MINIPORT_INIT_PARAMETERS init = {0};
    init.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INIT_PARAMETERS;
    init.Header.Revision = NDIS_MINIPORT_INIT_PARAMETERS_REVISION_1;
    init.Header.Size = sizeof(init);
    init.AllocatedResources = &translated->List[0].PartialResourceList;
    init.IfIndex = adapter->slot + 1; /* interface indexes start at 1 */
    init.NetLuid.Info.NetLuidIndex = adapter->slot;
    init.NetLuid.Info.IfType = 6; /* IF_TYPE_ETHERNET_CSMACD */

    NTSTATUS status = driver->chars.InitializeHandlerEx(adapter, driver->context, &init);
    if (!NT_SUCCESS(status)) {
        /* The miniport undoes its own work before failing - including its interrupt (DDI rule
         * Init_RegisterInterrupt): NDIS cannot, it does not know what the device is doing. */
        if (adapter->interrupt)
            ndis_bugcheck(NDIS_BUGCHECK_HALT_WITHOUT_DEREGISTER, (ULONG_PTR)adapter, (ULONG_PTR)adapter->interrupt,
                          (ULONG)status, "MiniportInitializeEx failed with its interrupt still registered");
        if (adapter->shared_memory_bytes)
            log_warn("ndis: %s: failed MiniportInitializeEx leaked %lu bytes of shared memory", adapter->name,
                     (unsigned long)adapter->shared_memory_bytes);
        log_error("ndis: %s: MiniportInitializeEx failed: 0x%08x", adapter->name, (unsigned)status);
        release_slot(adapter);
        adapter->state = 0;
        return status;
    }
    if (!adapter->attributes_set)
        /* Without registration attributes there is no context to halt the adapter with. */
        ndis_bugcheck(NDIS_BUGCHECK_NO_REGISTRATION_ATTRIBUTES, (ULONG_PTR)adapter,
                      (ULONG_PTR)driver->chars.InitializeHandlerEx, 0,
                      "MiniportInitializeEx succeeded without calling NdisMSetMiniportAttributes");
    adapter->state = NDIS_ADAPTER_RUNNING;
    adapter->fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    ndis_bind(adapter); /* the stack learns the adapter (OIDs) and may send from now on */
    return STATUS_SUCCESS;
}

/* The driver-table path without the PnP manager's AddDevice (NdisIrqlabStartDevice, tests'
 * ndis_adapter_start): DriverEntry if not yet, an FDO, the initialization; the FDO goes with the
 * halt. */
static NTSTATUS start_adapter(PDRIVER_INITIALIZE driver_entry, PDRIVER_OBJECT driver_object, PDEVICE_OBJECT pdo,
                              PCM_RESOURCE_LIST raw, PCM_RESOURCE_LIST translated)
{
    ndis_require_passive((void *)NdisIrqlabStartDevice, __builtin_return_address(0));
    struct io_pdo *p = io_pdo_from_device(pdo);
    if (!driver_object || !p || !translated || translated->Count == 0)
        return STATUS_INVALID_PARAMETER;

    /* DriverEntry: once per driver object, the first time one of its devices starts. */
    struct ndis_driver *driver = driver_for(driver_object);
    if (!driver && driver_entry) {
        NTSTATUS status = driver_entry(driver_object, NULL);
        if (!NT_SUCCESS(status)) {
            log_error("ndis: %s: DriverEntry failed: 0x%08x", driver_object->Name, (unsigned)status);
            return status;
        }
        driver = driver_for(driver_object);
    }
    if (!driver) {
        log_error("ndis: %s: DriverEntry did not call NdisMRegisterMiniportDriver", driver_object->Name);
        return STATUS_UNSUCCESSFUL;
    }
    struct ndis_adapter *adapter;
    NTSTATUS status = create_fdo(driver, driver_object, pdo, &adapter);
    if (!NT_SUCCESS(status))
        return status;
    status = initialize_adapter(adapter, raw, translated);
    if (!NT_SUCCESS(status))
        delete_fdo(adapter);
    return status;
}

/* ---- NDIS as the miniport's PnP half (what ndis.sys puts into a miniport's DRIVER_OBJECT) ---- */

static NTSTATUS ndis_add_device(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject)
{
    struct ndis_driver *driver = driver_for(DriverObject);
    if (!driver)
        return STATUS_UNSUCCESSFUL;
    struct ndis_adapter *adapter;
    NTSTATUS status = create_fdo(driver, DriverObject, PhysicalDeviceObject, &adapter);
    if (NT_SUCCESS(status))
        adapter->wdm = true; /* the PnP manager removes it (IRP_MN_REMOVE_DEVICE), not the halt */
    return status;
}

static NTSTATUS pass_down(struct ndis_adapter *adapter, PIRP irp)
{
    IoSkipCurrentIrpStackLocation(irp);
    return IoCallDriver(adapter->lower, irp);
}

static NTSTATUS complete_pnp(PIRP irp, NTSTATUS status)
{
    irp->IoStatus.Status = status;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
}

/* IRP_MJ_SHUTDOWN (IoRegisterShutdownNotification, create_fdo): the machine powers off -
 * MiniportShutdownEx(NdisShutdownPowerOff), and nothing else (ndis_pnp.c). */
static NTSTATUS ndis_dispatch_shutdown(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    struct ndis_adapter *adapter = DeviceObject->DeviceExtension;
    if (adapter && adapter->magic == NDIS_ADAPTER_MAGIC)
        (void)ndis_pnp_event(adapter->pdo, NDIS_PNP_SHUTDOWN);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

/* IRP_MJ_PNP for every miniport's FDO: the reasons become MiniportHaltEx actions, MiniportDevice-
 * PnPEventNotify or MiniportInitializeEx (ndis_pnp.c). The queries succeed: a miniport cannot
 * refuse a stop or a removal in NDIS 6. */
static NTSTATUS ndis_dispatch_pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    struct ndis_adapter *adapter = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE: {
        if (!IoForwardIrpSynchronously(adapter->lower, Irp))
            return complete_pnp(Irp, STATUS_UNSUCCESSFUL);
        NTSTATUS status = Irp->IoStatus.Status;
        PCM_RESOURCE_LIST translated = stack->Parameters.StartDevice.AllocatedResourcesTranslated;
        if (NT_SUCCESS(status))
            status = translated && translated->Count
                         ? initialize_adapter(adapter, stack->Parameters.StartDevice.AllocatedResources, translated)
                         : STATUS_INSUFFICIENT_RESOURCES;
        return complete_pnp(Irp, status);
    }
    case IRP_MN_STOP_DEVICE: (void)ndis_pnp_event(adapter->pdo, NDIS_PNP_STOP); break;
    case IRP_MN_SURPRISE_REMOVAL: (void)ndis_pnp_event(adapter->pdo, NDIS_PNP_SURPRISE); break;
    case IRP_MN_REMOVE_DEVICE: {
        (void)ndis_pnp_event(adapter->pdo, NDIS_PNP_REMOVE); /* nothing to do after STOP / SURPRISE */
        Irp->IoStatus.Status = STATUS_SUCCESS;
        PDEVICE_OBJECT lower = adapter->lower;
        NTSTATUS status = pass_down(adapter, Irp);
        adapter->magic = 0;
        IoUnregisterShutdownNotification(DeviceObject);
        IoDetachDevice(lower);
        IoDeleteDevice(DeviceObject);
        return status;
    }
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE: break;
    default: return pass_down(adapter, Irp); /* not ours: the status stays as the sender set it */
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    return pass_down(adapter, Irp);
}

/* DriverUnload: after the PnP manager removed every adapter of the driver. The miniport's
 * MiniportDriverUnload (it calls NdisMDeregisterMiniportDriver), else NDIS deregisters for it,
 * so the next DriverEntry can register again. */
static VOID ndis_driver_unload(PDRIVER_OBJECT DriverObject)
{
    struct ndis_driver *driver = driver_for(DriverObject);
    if (driver && driver->chars.UnloadHandler)
        driver->chars.UnloadHandler(DriverObject);
    driver = driver_for(DriverObject);
    if (driver)
        NdisMDeregisterMiniportDriver(driver);
}

VOID ndis_halt_adapter(struct ndis_adapter *adapter, NDIS_HALT_ACTION action)
{
    ndis_require_passive((void *)NdisIrqlabStopDevice, __builtin_return_address(0));
    if (!adapter || adapter->state != NDIS_ADAPTER_RUNNING)
        return;
    /* HALTING first: an indication from now on gets its NBLs back before it returns, so none
     * is left for the return DPC once ndis_unbind_begin has flushed it. */
    adapter->state = NDIS_ADAPTER_HALTING;
    ndis_unbind_begin(adapter); /* no more sends; every indicated NBL returned */
    adapter->driver->chars.HaltHandlerEx(adapter->registration.MiniportAdapterContext, action);
    ndis_unbind_end(adapter); /* after the interrupt is gone: nobody indicates any more */
    if (adapter->interrupt)
        ndis_bugcheck(NDIS_BUGCHECK_HALT_WITHOUT_DEREGISTER, (ULONG_PTR)adapter, (ULONG_PTR)adapter->interrupt, 0,
                      "MiniportHaltEx returned with its interrupt still registered");
    if (adapter->shared_memory_bytes)
        log_warn("ndis: %s: MiniportHaltEx leaked %lu bytes of shared memory", adapter->name,
                 (unsigned long)adapter->shared_memory_bytes);
    release_slot(adapter);
    adapter->state = 0; /* halted; a WDM FDO waits for the next START or the REMOVE */
    if (!adapter->wdm)
        delete_fdo(adapter);
}

NTSTATUS NdisIrqlabStartDevice(PDRIVER_INITIALIZE DriverEntry, PDRIVER_OBJECT DriverObject,
                               PDEVICE_OBJECT PhysicalDeviceObject, PCM_RESOURCE_LIST AllocatedResources,
                               PCM_RESOURCE_LIST AllocatedResourcesTranslated)
{
    return start_adapter(DriverEntry, DriverObject, PhysicalDeviceObject, AllocatedResources,
                         AllocatedResourcesTranslated);
}

VOID NdisIrqlabStopDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    /* The PnP core's shim calls this for STOP, REMOVE and SURPRISE_REMOVAL alike and says which
     * in the PDO's `minor` (NDIS's own IRP_MJ_PNP dispatch, ndis_dispatch_pnp, gets the IRP). */
    struct io_pdo *p = io_pdo_from_device(PhysicalDeviceObject);
    UCHAR minor = p ? p->minor : 0xFF;
    enum ndis_pnp_reason reason = minor == IRP_MN_REMOVE_DEVICE      ? NDIS_PNP_REMOVE
                                  : minor == IRP_MN_SURPRISE_REMOVAL ? NDIS_PNP_SURPRISE
                                                                     : NDIS_PNP_STOP;
    (void)ndis_pnp_event(PhysicalDeviceObject, reason);
}

NTSTATUS ndis_adapter_start(PDRIVER_INITIALIZE driver_entry, PDRIVER_OBJECT driver_object, PDEVICE_OBJECT pdo)
{
    struct io_pdo *p = io_pdo_from_device(pdo);
    if (!p || !p->assigned || p->started)
        return STATUS_INVALID_DEVICE_REQUEST;
    /* What the PCI bus driver does before a function driver starts (pnp.c does it for the
     * driver table): decode the BARs, master the bus (DMA and MSI are bus-master writes). */
    if (p->pci) {
        pci_enable_memory(p->pci);
        pci_enable_bus_master(p->pci);
    }
    return start_adapter(driver_entry, driver_object, pdo, p->raw, p->translated);
}

PCSTR NdisIrqlabAdapterName(NDIS_HANDLE MiniportAdapterHandle)
{
    struct ndis_adapter *adapter = ndis_adapter_from_handle(MiniportAdapterHandle);
    return adapter ? adapter->name : "?";
}

VOID ndis_adapter_stop(PDEVICE_OBJECT pdo) { (void)ndis_pnp_event(pdo, NDIS_PNP_STOP); }

/* ---- NdisMSetMiniportAttributes ------------------------------------------------------------------ */

NDIS_STATUS NdisMSetMiniportAttributes(NDIS_HANDLE NdisMiniportAdapterHandle,
                                       PNDIS_MINIPORT_ADAPTER_ATTRIBUTES MiniportAttributes)
{
    ndis_require_passive((void *)NdisMSetMiniportAttributes, __builtin_return_address(0));
    struct ndis_adapter *adapter =
        ndis_require_adapter(NdisMiniportAdapterHandle, "NdisMSetMiniportAttributes",
                             (void *)NdisMSetMiniportAttributes, __builtin_return_address(0));
    if (!MiniportAttributes)
        return NDIS_STATUS_INVALID_PARAMETER;
    if (adapter->state != NDIS_ADAPTER_INITIALIZING) {
        log_warn("ndis: %s: NdisMSetMiniportAttributes outside MiniportInitializeEx", adapter->name);
        return NDIS_STATUS_INVALID_DEVICE_REQUEST;
    }
    const NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES *r = &MiniportAttributes->RegistrationAttributes;
    if (r->Header.Type != NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES) {
        /* "The registration attributes must be set first" - and irqlab has no other kind. */
        log_warn("ndis: %s: NdisMSetMiniportAttributes: object type 0x%02x is not supported", adapter->name,
                 r->Header.Type);
        return adapter->attributes_set ? NDIS_STATUS_NOT_SUPPORTED : NDIS_STATUS_INVALID_PARAMETER;
    }
    if (adapter->attributes_set)
        return NDIS_STATUS_INVALID_DEVICE_REQUEST; /* once */
    enum ndis_check check = ndis_check_registration_attributes(r);
    if (check != NDIS_CHECK_OK) {
        log_warn("ndis: %s: NdisMSetMiniportAttributes: %s", adapter->name, ndis_check_text(check));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    adapter->registration = *r;
    adapter->attributes_set = true;
    return NDIS_STATUS_SUCCESS;
}
