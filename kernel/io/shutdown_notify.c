/* kernel/io/shutdown_notify.c - IoRegisterShutdownNotification, IoUnregisterShutdownNotification,
 * and the IRP_MJ_SHUTDOWN requests `poweroff` sends.
 *
 * learn.microsoft.com: IoRegisterShutdownNotification ("registers a driver-supplied
 * DispatchShutdown routine to be called when the system is about to be shut down"),
 * IoUnregisterShutdownNotification, IRP_MJ_SHUTDOWN.
 *
 * A driver that must put its hardware into a known state before the machine goes away registers
 * one of its device objects; at `poweroff` (kernel/io/pnp.c, io_pnp_shutdown) every registered
 * device receives an IRP_MJ_SHUTDOWN at PASSIVE_LEVEL, one at a time, before the devices are
 * stopped. NDIS registers every miniport's FDO and answers with MiniportShutdownEx
 * (kernel/ndis/ndis_driver.c). A device that was told of the shutdown is not stopped afterwards:
 * its driver has already put it to rest the way it chose (Windows stops no device at shutdown).
 * IoDeleteDevice forgets a registration the driver left behind, so a deleted device is never sent
 * an IRP.
 */
#include "kernel/io/shutdown_notify.h"
#include "include/wdm.h"
#include "kernel/io/irp.h"
#include "kernel/ke/shutdown_watch.h"
#include "kernel/ke/verifier_irql.h"
#include "kernel/lib/format.h"

#define IO_MAX_SHUTDOWN_DEVICES 64

static KSPIN_LOCK lock;
static PDEVICE_OBJECT registered[IO_MAX_SHUTDOWN_DEVICES];
static PDEVICE_OBJECT notified[IO_MAX_SHUTDOWN_DEVICES];
static unsigned notified_count;

NTSTATUS IoRegisterShutdownNotification(PDEVICE_OBJECT DeviceObject)
{
    KE_VERIFY_IRQL_AT_MOST(IoRegisterShutdownNotification, PASSIVE_LEVEL); /* verifier=irql */
    if (!DeviceObject)
        return STATUS_INVALID_PARAMETER;
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    NTSTATUS status = STATUS_INSUFFICIENT_RESOURCES;
    for (unsigned i = 0; i < IO_MAX_SHUTDOWN_DEVICES; i++) {
        if (registered[i] == DeviceObject) {
            status = STATUS_SUCCESS; /* registered already: once is enough */
            break;
        }
        if (!registered[i] && status != STATUS_SUCCESS) {
            registered[i] = DeviceObject;
            status = STATUS_SUCCESS;
            break;
        }
    }
    KeReleaseSpinLock(&lock, old);
    return status;
}

VOID IoUnregisterShutdownNotification(PDEVICE_OBJECT DeviceObject)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    for (unsigned i = 0; i < IO_MAX_SHUTDOWN_DEVICES; i++)
        if (registered[i] == DeviceObject)
            registered[i] = NULL;
    KeReleaseSpinLock(&lock, old);
}

void io_shutdown_forget(PDEVICE_OBJECT device)
{
    IoUnregisterShutdownNotification(device);
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    for (unsigned i = 0; i < notified_count; i++)
        if (notified[i] == device)
            notified[i] = NULL;
    KeReleaseSpinLock(&lock, old);
}

/* The next registered device not yet sent its IRP, taken off the list (NULL: none left). */
static PDEVICE_OBJECT take_next(void)
{
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    PDEVICE_OBJECT device = NULL;
    for (unsigned i = 0; i < IO_MAX_SHUTDOWN_DEVICES && !device; i++) {
        if (registered[i]) {
            device = registered[i];
            registered[i] = NULL;
            if (notified_count < IO_MAX_SHUTDOWN_DEVICES)
                notified[notified_count++] = device;
        }
    }
    KeReleaseSpinLock(&lock, old);
    return device;
}

static void send_shutdown(PDEVICE_OBJECT device)
{
    IO_STATUS_BLOCK iosb;
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    PIRP irp = io_build_simple_irp(IRP_MJ_SHUTDOWN, device, NULL, &iosb);
    if (!irp)
        return;
    irp->UserEvent = &done;
    char what[96];
    ksnprintf(what, sizeof(what), "driver %s to shut its device down",
              device->DriverObject && device->DriverObject->Name ? device->DriverObject->Name : "?");
    ke_shutdown_waiting_for(what); /* named if it never returns (kernel/ke/shutdown_watch.h) */
    if (IoCallDriver(device, irp) == STATUS_PENDING)
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
}

void io_shutdown_notify_all(void)
{
    for (PDEVICE_OBJECT device; (device = take_next()) != NULL;)
        send_shutdown(device);
}

bool io_shutdown_was_notified(PDEVICE_OBJECT device)
{
    bool found = false;
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    for (unsigned i = 0; i < notified_count && !found; i++)
        found = notified[i] == device;
    KeReleaseSpinLock(&lock, old);
    return found;
}
