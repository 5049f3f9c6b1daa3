/* kernel/io/device_registry_key.c - IoOpenDeviceRegistryKey: a device's registry key, from its PDO.
 *
 * learn.microsoft.com: "IoOpenDeviceRegistryKey function (wdm.h)": DevInstKeyType is
 * PLUGPLAY_REGKEY_DEVICE (the hardware key) or PLUGPLAY_REGKEY_DRIVER (the software key), either
 * optionally with PLUGPLAY_REGKEY_CURRENT_HWPROFILE; anything else is STATUS_INVALID_PARAMETER;
 * a DeviceObject that is not a PDO is STATUS_INVALID_DEVICE_REQUEST. PASSIVE_LEVEL.
 *
 * Both keys hold the values of the driver the device matched (kernel/cm/registry.h): irqlab keeps
 * one set of values per driver. A device no driver matched has an empty key. Close it with ZwClose.
 */
#include "include/wdm.h"

#include "kernel/cm/registry.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/bugcheck.h"

NTSTATUS IoOpenDeviceRegistryKey(PDEVICE_OBJECT DeviceObject, ULONG DevInstKeyType, ACCESS_MASK DesiredAccess,
                                 PHANDLE DeviceRegKey)
{
    UNREFERENCED_PARAMETER(DesiredAccess); /* read-only store: every key is only read */
    KIRQL irql = KeGetCurrentIrql();
    if (irql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)IoOpenDeviceRegistryKey, irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
    ULONG kind = DevInstKeyType & ~(ULONG)PLUGPLAY_REGKEY_CURRENT_HWPROFILE;
    if ((kind != PLUGPLAY_REGKEY_DEVICE && kind != PLUGPLAY_REGKEY_DRIVER) || !DeviceRegKey)
        return STATUS_INVALID_PARAMETER;
    struct io_pdo *pdo = io_pdo_from_device(DeviceObject);
    if (!pdo)
        return STATUS_INVALID_DEVICE_REQUEST;
    HANDLE key = cm_open_key(pdo->driver ? pdo->driver->Name : "", DevInstKeyType);
    if (!key)
        return STATUS_INSUFFICIENT_RESOURCES;
    *DeviceRegKey = key;
    return STATUS_SUCCESS;
}
