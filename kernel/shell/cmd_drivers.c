/* kernel/shell/cmd_drivers.c - `drivers`: the driver table with each driver's devices, and
 * `drivers unload|load <name>` (kernel/io/pnp_driver.c).
 *
 * learn.microsoft.com: "Unload routine" (called after every device of the driver was removed),
 * "DriverEntry for WDM Drivers". The drivers stay in the kernel image: unload removes every
 * device of the driver from its stack (QUERY_REMOVE + REMOVE) and calls DriverUnload; load calls
 * DriverEntry again and starts every device it matches (AddDevice + START).
 */
#include "kernel/console/console.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/string.h"
#include "kernel/shell/shell.h"

static int cmd_drivers(const struct shell_args *args)
{
    if (args->argc == 1) {
        io_driver_print();
        return SHELL_OK;
    }
    if (args->argc != 3)
        return SHELL_USAGE;
    const char *verb = args->argv[1], *name = args->argv[2];
    NTSTATUS status;
    if (strcmp(verb, "unload") == 0)
        status = io_driver_unload(name);
    else if (strcmp(verb, "load") == 0)
        status = io_driver_load(name);
    else
        return SHELL_USAGE;
    if (status == STATUS_OBJECT_NAME_NOT_FOUND) {
        console_printf("drivers: no driver is named '%s' (see `drivers`)\n", name);
        return SHELL_ERROR;
    }
    if (!NT_SUCCESS(status)) {
        console_printf("drivers %s %s: status 0x%08x%s\n", verb, name, (unsigned)status,
                       status == STATUS_DEVICE_BUSY ? " (a device refused removal: nothing unloaded)" : "");
        return SHELL_ERROR;
    }
    console_printf("%s: %s\n", name, io_driver_is_loaded(name) ? "loaded" : "unloaded");
    return SHELL_OK;
}

SHELL_COMMAND(drivers, "drivers [unload|load <name>]", "drivers, their devices; unload and load them",
              "One line per driver: WDM (DriverEntry, AddDevice, IRP_MJ_PNP) or a driver-table entry, "
              "loaded or not, and its devices with their PnP state.\n"
              "drivers unload <name>: every device of the driver gets IRP_MN_QUERY_REMOVE_DEVICE and "
              "REMOVE_DEVICE (the PDO stays), then DriverUnload runs. A driver that leaves an interrupt "
              "connected, a device object, or a DPC or timer queued stops the machine (Bug Check 0xCE).\n"
              "drivers load <name>: DriverEntry again, then AddDevice and IRP_MN_START_DEVICE for its "
              "devices.",
              cmd_drivers);
