/* kernel/io/pnp_state.c - the PnP state machine: the IRP_MJ_PNP sequences the PnP manager sends
 * a device stack, and what it does between them (resources, the PDO table).
 *
 * learn.microsoft.com: "State Transitions for PnP Devices", "Starting a Device", "Stopping a
 * Device", "Removing a Device", "Handling an IRP_MN_SURPRISE_REMOVAL Request", "Rebalancing
 * Resources"; IRP_MN_START_DEVICE, IRP_MN_QUERY_STOP_DEVICE, IRP_MN_STOP_DEVICE,
 * IRP_MN_CANCEL_STOP_DEVICE, IRP_MN_QUERY_REMOVE_DEVICE, IRP_MN_REMOVE_DEVICE,
 * IRP_MN_CANCEL_REMOVE_DEVICE, IRP_MN_SURPRISE_REMOVAL. docs/pnp.md has the picture.
 *
 * Every request is an IRP built here, sent to the TOP of the device stack with IoCallDriver and
 * passed down by each driver to the PDO (the bus driver, pdo_pnp.c), which completes it; the PnP
 * manager waits for it (STATUS_PENDING: on the IRP's event). IoStatus.Status starts as
 * STATUS_NOT_SUPPORTED, as Windows sets it. The sequences:
 *   start        (AddDevice first, if the driver has no FDO in the stack) START_DEVICE with the
 *                raw and translated resource lists; a failed start is followed by REMOVE_DEVICE;
 *   stop         QUERY_STOP; any failure -> CANCEL_STOP and the device stays started; else STOP,
 *                then the resources (vectors, routes, MSI / MSI-X) are released;
 *   remove       QUERY_REMOVE; failure -> CANCEL_REMOVE; else REMOVE_DEVICE, resources released,
 *                the PDO deleted (or kept, NotStarted, when only the driver goes: unload);
 *   surprise     SURPRISE_REMOVAL, resources released; REMOVE_DEVICE once no handle is open.
 * A driver-table entry without DriverEntry (StartDevice / StopDevice) is driven through a shim:
 * START -> StartDevice, STOP / REMOVE / SURPRISE_REMOVAL -> StopDevice(FDO), queries succeed; the
 * PDO still gets each IRP, START before the driver and the others after it, as in a stack.
 * Everything runs at PASSIVE_LEVEL under the PnP lock, a KMUTEX (drivers block in these IRPs).
 */
#include "kernel/io/pnp_internal.h"

#include "include/ndis.h" /* NdisIrqlabStopDevice: the NDIS glue finds its adapter by the PDO */
#include "kernel/console/log.h"
#include "kernel/io/assign.h"
#include "kernel/io/irp.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

static KMUTEX pnp_mutex;
static volatile LONG surprise_pending; /* devices in SurpriseRemovePending */

void io_pnp_lock_init(void) { KeInitializeMutex(&pnp_mutex, 0); }
void io_pnp_lock(void) { (void)KeWaitForSingleObject(&pnp_mutex, Executive, KernelMode, FALSE, NULL); }
void io_pnp_unlock(void) { (void)KeReleaseMutex(&pnp_mutex, FALSE); }

const char *io_pnp_state_name(enum io_pnp_state state)
{
    switch (state) {
    case IO_PNP_NOT_STARTED: return "NotStarted";
    case IO_PNP_STARTED: return "Started";
    case IO_PNP_STOP_PENDING: return "StopPending";
    case IO_PNP_STOPPED: return "Stopped";
    case IO_PNP_REMOVE_PENDING: return "RemovePending";
    case IO_PNP_SURPRISE_REMOVE_PENDING: return "SurpriseRemovePending";
    case IO_PNP_DELETED: return "Deleted";
    }
    return "?";
}

enum io_pnp_state io_pnp_state_of(PDEVICE_OBJECT device)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    return pdo ? pdo->state : IO_PNP_DELETED;
}

const char *io_pnp_device_state_name(PDEVICE_OBJECT pdo) { return io_pnp_state_name(io_pnp_state_of(pdo)); }

static void set_state(struct io_pdo *pdo, enum io_pnp_state state)
{
    pdo->state = state;
    pdo->started = state == IO_PNP_STARTED;
}

static bool is_wdm(const struct io_pdo *pdo) { return pdo->driver && pdo->driver->DriverEntry; }

static PDEVICE_OBJECT stack_top(PDEVICE_OBJECT device)
{
    while (device->AttachedDevice)
        device = device->AttachedDevice;
    return device;
}

/* Windows sends IRP_MN_STOP_DEVICE and IRP_MN_REMOVE_DEVICE to the top of the stack and each
 * driver passes them down, so the function driver's dispatch routine gets its FDO as
 * DeviceObject; StopDevice gets the same. */
PDEVICE_OBJECT io_pnp_driver_fdo(const struct io_pdo *pdo)
{
    for (PDEVICE_OBJECT d = pdo->device->AttachedDevice; d; d = d->AttachedDevice)
        if (d->DriverObject == pdo->driver_object)
            return d;
    return NULL;
}

/* One IRP_MJ_PNP request to `target` (the top of the stack, or the PDO alone), waited for. */
static NTSTATUS send_irp(PDEVICE_OBJECT target, UCHAR minor, const struct io_pdo *pdo)
{
    PIRP irp = IoAllocateIrp(target->StackSize, FALSE);
    if (!irp)
        return STATUS_INSUFFICIENT_RESOURCES;
    KEVENT done;
    IO_STATUS_BLOCK iosb = {.Status = STATUS_NOT_SUPPORTED};
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* "not handled" until a driver says otherwise */
    irp->UserIosb = &iosb;
    irp->UserEvent = &done;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    stack->MajorFunction = IRP_MJ_PNP;
    stack->MinorFunction = minor;
    if (minor == IRP_MN_START_DEVICE) {
        stack->Parameters.StartDevice.AllocatedResources = pdo->raw;
        stack->Parameters.StartDevice.AllocatedResourcesTranslated = pdo->translated;
    }
    (void)IoCallDriver(target, irp);
    /* Pending or not, the IRP's completion sets the event (already set when it completed inside
     * IoCallDriver) after copying its status to iosb. */
    (void)KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    return iosb.Status;
}

/* What a driver-table entry without DriverEntry gets for each minor code. */
static NTSTATUS legacy_shim(struct io_pdo *pdo, UCHAR minor)
{
    switch (minor) {
    case IRP_MN_START_DEVICE:
        if (!pdo->driver->StartDevice)
            return STATUS_NOT_SUPPORTED;
        return pdo->driver->StartDevice(pdo->driver_object, pdo->device, pdo->raw, pdo->translated);
    case IRP_MN_STOP_DEVICE:
    case IRP_MN_REMOVE_DEVICE:
    case IRP_MN_SURPRISE_REMOVAL: {
        if (!pdo->added)
            return STATUS_SUCCESS; /* stopped already: StopDevice deleted its objects */
        PDEVICE_OBJECT fdo = io_pnp_driver_fdo(pdo);
        /* The NDIS glue (kernel/ndis) finds its adapter by the PDO. */
        if (pdo->driver->StopDevice == NdisIrqlabStopDevice)
            fdo = pdo->device;
        if (pdo->driver->StopDevice && fdo) /* no FDO: the driver is not in the stack */
            pdo->driver->StopDevice(pdo->driver_object, fdo);
        pdo->added = false;
        return STATUS_SUCCESS;
    }
    default: return STATUS_SUCCESS; /* QUERY_* and CANCEL_*: a legacy driver never refuses */
    }
}

static NTSTATUS send_to_stack(struct io_pdo *pdo, UCHAR minor);

/* Send one request to the device's stack the way its drivers take it (the driver is "being
 * called" meanwhile: pnp_driver.c watches the DPCs and timers it initializes). */
static NTSTATUS send(struct io_pdo *pdo, UCHAR minor)
{
    PDRIVER_OBJECT previous = io_driver_calling(pdo->driver_object);
    pdo->minor = minor;
    NTSTATUS status = send_to_stack(pdo, minor);
    pdo->minor = 0xFF;
    io_driver_calling(previous);
    return status;
}

static NTSTATUS send_to_stack(struct io_pdo *pdo, UCHAR minor)
{
    if (!pdo->driver || !pdo->driver_object || (is_wdm(pdo) && !pdo->added))
        return send_irp(pdo->device, minor, pdo); /* no function driver: the bus driver alone */
    if (is_wdm(pdo))
        return send_irp(stack_top(pdo->device), minor, pdo);
    /* The shim: the PDO first on the way down for START, last for the others. */
    if (minor == IRP_MN_START_DEVICE) {
        NTSTATUS status = send_irp(pdo->device, minor, pdo);
        if (!NT_SUCCESS(status))
            return status;
        status = legacy_shim(pdo, minor);
        pdo->added = NT_SUCCESS(status);
        return status;
    }
    NTSTATUS status = legacy_shim(pdo, minor);
    NTSTATUS bus = send_irp(pdo->device, minor, pdo);
    return NT_SUCCESS(status) ? bus : status;
}

/* Give the resources back, unless an interrupt connection still names the device. */
static NTSTATUS release_resources(struct io_pdo *pdo)
{
    KIRQL old = io_lock();
    NTSTATUS status = STATUS_SUCCESS;
    if (pdo->connections) {
        status = STATUS_DEVICE_BUSY; /* someone still has an ISR on it: its vectors must stay */
        log_error("io: %s: %u interrupt connection%s still open; resources kept", pdo->name, pdo->connections,
                  pdo->connections == 1 ? "" : "s");
    } else {
        io_release_resources(pdo);
    }
    io_unlock(old);
    return status;
}

/* ---- start ---------------------------------------------------------------------------------- */

static NTSTATUS assign(struct io_pdo *pdo)
{
    struct io_interrupt_policy policy = io_pnp_policy_for(pdo);
    KIRQL old = io_lock();
    NTSTATUS status = io_assign_resources(pdo, &policy);
    io_unlock(old);
    return status;
}

/* AddDevice: the driver creates its FDO and attaches it to the PDO's stack. */
static NTSTATUS add_device(struct io_pdo *pdo)
{
    PDRIVER_EXTENSION ext = pdo->driver_object->DriverExtension;
    if (!ext || !ext->AddDevice) {
        log_error("io: %s: driver %s set no AddDevice in DriverEntry", pdo->name, pdo->driver->Name);
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    PDRIVER_OBJECT previous = io_driver_calling(pdo->driver_object);
    NTSTATUS status = ext->AddDevice(pdo->driver_object, pdo->device);
    io_driver_calling(previous);
    if (!NT_SUCCESS(status))
        return status;
    if (!io_pnp_driver_fdo(pdo)) {
        log_error("io: %s: %s's AddDevice attached no device object", pdo->name, pdo->driver->Name);
        return STATUS_NO_SUCH_DEVICE;
    }
    pdo->added = true;
    return STATUS_SUCCESS;
}

static NTSTATUS start_locked(struct io_pdo *pdo, const struct io_pnp_start_options *opt)
{
    if (pdo->state == IO_PNP_STARTED)
        return STATUS_SUCCESS;
    if (pdo->state != IO_PNP_NOT_STARTED && pdo->state != IO_PNP_STOPPED)
        return STATUS_INVALID_DEVICE_STATE;
    struct io_pnp_start_options none = {0};
    if (!pdo->assigned) /* options only matter when resources are assigned now */
        pdo->options = opt ? *opt : none;
    if (!pdo->added) /* a driver in the stack keeps its device; otherwise the best match now */
        pdo->driver = io_pnp_find_driver(pdo);
    NTSTATUS status = assign(pdo);
    if (!NT_SUCCESS(status))
        return status;
    strlcpy(pdo->owner, pdo->name, sizeof(pdo->owner));
    if (!pdo->driver)
        return STATUS_SUCCESS; /* resources for kernel code and tests; no driver to start */

    pdo->driver_object = io_driver_object_for(pdo->driver, &status);
    if (!pdo->driver_object) {
        pdo->start_status = status;
        log_error("io: %s: driver %s not loaded: status 0x%08x", pdo->name, pdo->driver->Name, (unsigned)status);
        return status;
    }
    ksnprintf(pdo->owner, sizeof(pdo->owner), "%s %s", pdo->driver->Name, pdo->name);
    if (is_wdm(pdo) && !pdo->added) {
        status = add_device(pdo);
        if (!NT_SUCCESS(status)) {
            pdo->start_status = status;
            log_error("io: %s: %s's AddDevice failed: status 0x%08x", pdo->name, pdo->driver->Name, (unsigned)status);
            return status;
        }
    }
    status = send(pdo, IRP_MN_START_DEVICE);
    pdo->start_status = status;
    if (NT_SUCCESS(status)) {
        set_state(pdo, IO_PNP_STARTED);
        pdo->start_count++;
        return status;
    }
    log_error("io: %s: driver %s failed to start: status 0x%08x", pdo->name, pdo->driver->Name, (unsigned)status);
    if (is_wdm(pdo) && pdo->added) { /* Windows follows a failed start with REMOVE_DEVICE */
        (void)send(pdo, IRP_MN_REMOVE_DEVICE);
        pdo->added = false;
    }
    set_state(pdo, IO_PNP_NOT_STARTED);
    return status;
}

NTSTATUS io_pnp_start_device(PDEVICE_OBJECT device, const struct io_pnp_start_options *opt)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    if (!pdo)
        return STATUS_INVALID_PARAMETER;
    io_pnp_lock();
    NTSTATUS status = start_locked(pdo, opt);
    io_pnp_unlock();
    return status;
}

NTSTATUS io_device_start(PDEVICE_OBJECT device, unsigned flags)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    if (!pdo)
        return STATUS_INVALID_PARAMETER;
    struct io_pnp_start_options opt = {
        .no_msi = (flags & IO_START_NO_MSI) != 0,
        .no_msix = (flags & IO_START_NO_MSIX) != 0,
    };
    if (flags & IO_START_DRIVER)
        return io_pnp_start_device(device, &opt);
    io_pnp_lock(); /* resources only: kernel code and tests program the function themselves */
    NTSTATUS status = STATUS_SUCCESS;
    if (!pdo->started) {
        if (!pdo->assigned)
            pdo->options = opt;
        status = assign(pdo);
        strlcpy(pdo->owner, pdo->name, sizeof(pdo->owner));
    }
    io_pnp_unlock();
    return status;
}

/* ---- stop ----------------------------------------------------------------------------------- */

static NTSTATUS stop_locked(struct io_pdo *pdo, bool ask)
{
    if (pdo->state != IO_PNP_STARTED)
        return STATUS_INVALID_DEVICE_STATE;
    if (ask) {
        NTSTATUS status = send(pdo, IRP_MN_QUERY_STOP_DEVICE);
        if (!NT_SUCCESS(status)) {
            log_info("io: %s: QUERY_STOP refused (0x%08x): CANCEL_STOP", pdo->name, (unsigned)status);
            (void)send(pdo, IRP_MN_CANCEL_STOP_DEVICE);
            return status;
        }
        set_state(pdo, IO_PNP_STOP_PENDING);
    }
    NTSTATUS status = send(pdo, IRP_MN_STOP_DEVICE);
    if (!NT_SUCCESS(status)) /* "a driver must not fail this IRP" */
        log_error("io: %s: a driver failed STOP_DEVICE (0x%08x)", pdo->name, (unsigned)status);
    set_state(pdo, IO_PNP_STOPPED);
    pdo->stop_count++;
    return release_resources(pdo);
}

NTSTATUS io_pnp_stop_device(PDEVICE_OBJECT device)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    if (!pdo)
        return STATUS_INVALID_PARAMETER;
    io_pnp_lock();
    NTSTATUS status = stop_locked(pdo, true);
    io_pnp_unlock();
    return status;
}

NTSTATUS io_pnp_stop_for_shutdown(PDEVICE_OBJECT device)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    if (!pdo)
        return STATUS_INVALID_PARAMETER;
    io_pnp_lock();
    NTSTATUS status = stop_locked(pdo, false);
    io_pnp_unlock();
    return status;
}

/* The old entry point (tests, io_release_pci_device): stop a started device, then free what it
 * has - also the resources of a device that has no started driver. Stopping is not optional
 * here (kernel code takes the function over): a refused QUERY_STOP is overridden. */
NTSTATUS io_device_stop(PDEVICE_OBJECT device)
{
    struct io_pdo *pdo = io_pdo_from_device(device);
    if (!pdo)
        return STATUS_INVALID_PARAMETER;
    io_pnp_lock();
    NTSTATUS status;
    if (pdo->state == IO_PNP_STARTED) {
        status = stop_locked(pdo, true);
        if (status != STATUS_SUCCESS && status != STATUS_DEVICE_BUSY && pdo->state == IO_PNP_STARTED)
            status = stop_locked(pdo, false);
    } else {
        status = release_resources(pdo);
    }
    io_pnp_unlock();
    return status;
}

/* ---- remove --------------------------------------------------------------------------------- */

static void delete_pdo(struct io_pdo *pdo)
{
    PDEVICE_OBJECT device = pdo->device;
    set_state(pdo, IO_PNP_DELETED);
    io_pnp_forget_pdo(device);
    log_info("io: %s: removed", pdo->name);
    IoDeleteDevice(device); /* freed with its last reference */
}

/* After REMOVE_DEVICE: what the stack held is gone. */
static void removed(struct io_pdo *pdo, bool delete)
{
    pdo->added = false;
    (void)release_resources(pdo);
    if (delete)
        delete_pdo(pdo);
    else
        set_state(pdo, IO_PNP_NOT_STARTED);
}

NTSTATUS io_pnp_remove_stack(struct io_pdo *pdo, bool delete)
{
    if (pdo->state == IO_PNP_DELETED || pdo->state == IO_PNP_SURPRISE_REMOVE_PENDING)
        return STATUS_INVALID_DEVICE_STATE;
    enum io_pnp_state before = pdo->state;
    NTSTATUS status = send(pdo, IRP_MN_QUERY_REMOVE_DEVICE);
    if (!NT_SUCCESS(status)) {
        log_info("io: %s: QUERY_REMOVE refused (0x%08x): CANCEL_REMOVE", pdo->name, (unsigned)status);
        (void)send(pdo, IRP_MN_CANCEL_REMOVE_DEVICE);
        return status;
    }
    set_state(pdo, IO_PNP_REMOVE_PENDING);
    status = send(pdo, IRP_MN_REMOVE_DEVICE);
    if (!NT_SUCCESS(status))
        log_error("io: %s: a driver failed REMOVE_DEVICE (0x%08x)", pdo->name, (unsigned)status);
    if (before == IO_PNP_STARTED)
        pdo->stop_count++;
    removed(pdo, delete);
    return STATUS_SUCCESS;
}

NTSTATUS io_pnp_remove_device(PDEVICE_OBJECT device)
{
    io_pnp_lock();
    struct io_pdo *pdo = io_pdo_from_device(device);
    NTSTATUS status = pdo ? io_pnp_remove_stack(pdo, true) : STATUS_INVALID_PARAMETER;
    io_pnp_unlock();
    return status;
}

NTSTATUS io_pnp_disable_device(PDEVICE_OBJECT device)
{
    io_pnp_lock();
    struct io_pdo *pdo = io_pdo_from_device(device);
    NTSTATUS status = pdo ? io_pnp_remove_stack(pdo, false) : STATUS_INVALID_PARAMETER;
    io_pnp_unlock();
    return status;
}

/* Open handles to any device of the stack (file objects, IoGetDeviceObjectPointer). */
static bool stack_referenced(const struct io_pdo *pdo)
{
    for (PDEVICE_OBJECT d = pdo->device; d; d = d->AttachedDevice)
        if (__atomic_load_n(&d->ReferenceCount, __ATOMIC_ACQUIRE) > 0)
            return true;
    return false;
}

NTSTATUS io_pnp_surprise_remove_device(PDEVICE_OBJECT device)
{
    io_pnp_lock();
    struct io_pdo *pdo = io_pdo_from_device(device);
    NTSTATUS status = STATUS_INVALID_PARAMETER;
    if (pdo && pdo->state == IO_PNP_SURPRISE_REMOVE_PENDING) {
        status = STATUS_PENDING;
    } else if (pdo && pdo->state != IO_PNP_DELETED) {
        enum io_pnp_state before = pdo->state;
        (void)send(pdo, IRP_MN_SURPRISE_REMOVAL);
        if (before == IO_PNP_STARTED)
            pdo->stop_count++;
        set_state(pdo, IO_PNP_SURPRISE_REMOVE_PENDING);
        __atomic_add_fetch(&surprise_pending, 1, __ATOMIC_ACQ_REL);
        (void)release_resources(pdo);
        status = io_pnp_finish_surprise_removal(device);
    }
    io_pnp_unlock();
    return status;
}

/* Devices waiting in SurpriseRemovePending for their last handle; the work item that finishes
 * them once a device reference drops to zero (io_pnp_reference_released, any IRQL <= DISPATCH:
 * the removal itself needs PASSIVE_LEVEL and the PnP lock). */
static volatile LONG finish_queued;
static WORK_QUEUE_ITEM finish_item;

static VOID finish_pending_removals(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    __atomic_store_n(&finish_queued, 0, __ATOMIC_RELEASE);
    io_pnp_lock();
    for (bool again = true; again;) { /* a finished removal changes the PDO table: walk it again */
        again = false;
        for (unsigned i = 0; i < io_pdo_count() && !again; i++) {
            struct io_pdo *pdo = io_pdo_from_device(io_pdo_at(i));
            if (pdo && pdo->state == IO_PNP_SURPRISE_REMOVE_PENDING && !stack_referenced(pdo))
                again = io_pnp_finish_surprise_removal(pdo->device) == STATUS_SUCCESS;
        }
    }
    io_pnp_unlock();
}

void io_pnp_reference_released(PDEVICE_OBJECT device)
{
    UNREFERENCED_PARAMETER(device); /* possibly freed already: only its stack's PDO state matters */
    if (__atomic_load_n(&surprise_pending, __ATOMIC_ACQUIRE) == 0)
        return;
    if (__atomic_exchange_n(&finish_queued, 1, __ATOMIC_ACQ_REL))
        return;
    ExInitializeWorkItem(&finish_item, finish_pending_removals, NULL);
    ExQueueWorkItem(&finish_item, DelayedWorkQueue);
}

/* REMOVE_DEVICE for a surprise-removed device whose handles are all closed; STATUS_PENDING
 * while some are open (io_pnp_reference_released finishes it when the last one closes). */
NTSTATUS io_pnp_finish_surprise_removal(PDEVICE_OBJECT device)
{
    io_pnp_lock();
    struct io_pdo *pdo = io_pdo_from_device(device);
    NTSTATUS status = STATUS_INVALID_PARAMETER;
    if (pdo && pdo->state == IO_PNP_SURPRISE_REMOVE_PENDING) {
        if (stack_referenced(pdo)) {
            status = STATUS_PENDING;
        } else {
            (void)send(pdo, IRP_MN_REMOVE_DEVICE); /* no QUERY_REMOVE: the device is gone */
            __atomic_sub_fetch(&surprise_pending, 1, __ATOMIC_ACQ_REL);
            removed(pdo, true);
            status = STATUS_SUCCESS;
        }
    }
    io_pnp_unlock();
    return status;
}

/* ---- devices found after boot --------------------------------------------------------------- */

PDEVICE_OBJECT io_pnp_add_pci_function(struct pci_device *dev)
{
    if (!dev)
        return NULL;
    io_pnp_lock();
    PDEVICE_OBJECT existing = io_pdo_for_pci(dev);
    struct io_pdo *pdo = existing ? NULL : io_pnp_create_pdo(&io_pci_bus_driver, IO_BUS_PCI, FILE_DEVICE_UNKNOWN);
    if (pdo) {
        pdo->pci = dev;
        strlcpy(pdo->name, dev->label, sizeof(pdo->name));
        io_pnp_sort_pdo(pdo->device); /* in bus order, as at boot (io_pdo_find_pci's nth) */
        NTSTATUS status = start_locked(pdo, NULL);
        char what[64];
        io_pnp_describe_interrupt(pdo, what, sizeof(what));
        log_info("io: %s: new device; %s; driver %s %s (0x%08x)", pdo->name, what,
                 pdo->driver ? pdo->driver->Name : "-", io_pnp_state_name(pdo->state), (unsigned)status);
    }
    io_pnp_unlock();
    return pdo ? pdo->device : NULL;
}

unsigned io_pnp_rescan(void)
{
    unsigned added = 0;
    for (unsigned i = 0; i < pci_device_count(); i++) {
        struct pci_device *dev = pci_device_at(i);
        /* A hot-removed card stays in the PCI table (its entry is reused when a card comes back
         * to the same address): it is no device to add. */
        if (!dev->removed && !io_pdo_for_pci(dev) && io_pnp_add_pci_function(dev))
            added++;
    }
    return added;
}
